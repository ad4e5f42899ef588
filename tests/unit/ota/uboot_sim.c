/* U-Boot's power on for tests; see uboot_sim.h. What U-Boot does
 * (drivers/bootcount/bootcount_env.c, include/bootcount.h):
 *   bootcount = (upgrade_available ? bootcount : 0) + 1, saved only when
 *   upgrade_available; if bootlimit && bootcount > bootlimit, altbootcmd:
 *   boot_slot = the other one, upgrade_available=0, bootcount=0, saveenv. */
#include "uboot_sim.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libuboot.h> /* after stddef.h: it uses size_t without including it */

static unsigned long get_ulong(struct uboot_ctx *ctx, const char *name)
{
	char *v = libuboot_get_env(ctx, name);
	unsigned long n = v ? strtoul(v, NULL, 10) : 0;

	free(v);
	return n;
}

static char booted_slot(const char *v)
{
	return v && (strcmp(v, "A") == 0 || strcmp(v, "B") == 0) ? v[0] : '?';
}

char mt_test_uboot_power_on(const char *fw_env_config, int *saves)
{
	struct uboot_ctx *ctx = NULL;
	unsigned long ua, count, limit;
	char *slot, booted;

	*saves = 0;
	assert_int_equal(libuboot_initialize(&ctx, NULL), 0);
	assert_int_equal(libuboot_read_config(ctx, fw_env_config), 0);
	if (libuboot_open(ctx) < 0) {
		libuboot_close(ctx);
		libuboot_exit(ctx);
		return 0;
	}
	ua = get_ulong(ctx, "upgrade_available");
	count = (ua ? get_ulong(ctx, "bootcount") : 0) + 1;
	limit = get_ulong(ctx, "bootlimit");
	if (ua) {
		char text[24];

		snprintf(text, sizeof(text), "%lu", count);
		assert_int_equal(libuboot_set_env(ctx, "bootcount", text), 0);
		assert_int_equal(libuboot_env_store(ctx), 0);
		++*saves;
		/* libubootenv 0.3.2 does not advance the redundant flag on a second
		 * store through one context (that store is lost): open it again */
		libuboot_close(ctx);
		assert_int_equal(libuboot_open(ctx), 0);
	}
	if (limit && count > limit) {
		slot = libuboot_get_env(ctx, "boot_slot");
		assert_int_equal(libuboot_set_env(ctx, "boot_slot",
						  slot && strcmp(slot, "A") == 0 ? "B" : "A"),
				 0);
		free(slot);
		assert_int_equal(libuboot_set_env(ctx, "upgrade_available", "0"), 0);
		assert_int_equal(libuboot_set_env(ctx, "bootcount", "0"), 0);
		assert_int_equal(libuboot_env_store(ctx), 0);
		++*saves;
	}
	slot = libuboot_get_env(ctx, "boot_slot");
	booted = booted_slot(slot);
	free(slot);
	libuboot_close(ctx);
	libuboot_exit(ctx);
	return booted;
}

void mt_test_fw_printenv(const char *fw_env_config, const char *name, char *out, unsigned cap)
{
	char cmd[512];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "fw_printenv -c '%s' -n '%s' 2>/dev/null", fw_env_config, name);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0)
		out[0] = '\0';
	if (n && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = '\0';
}

static void fw_setenv_script(const char *fw_env_config, const char *script)
{
	char path[] = "/tmp/mt-uboot-sim-XXXXXX", cmd[512];
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(script, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "fw_setenv -c '%s' -s '%s'", fw_env_config, path);
	assert_int_equal(system(cmd), 0);
	remove(path);
}

char mt_test_uboot_power_on_tools(const char *fw_env_config, int *saves)
{
	char v[64], script[128];
	unsigned long ua, count, limit;

	*saves = 0;
	mt_test_fw_printenv(fw_env_config, "upgrade_available", v, sizeof(v));
	ua = strtoul(v, NULL, 10);
	mt_test_fw_printenv(fw_env_config, "bootcount", v, sizeof(v));
	count = (ua ? strtoul(v, NULL, 10) : 0) + 1;
	mt_test_fw_printenv(fw_env_config, "bootlimit", v, sizeof(v));
	limit = strtoul(v, NULL, 10);
	if (ua) {
		snprintf(script, sizeof(script), "bootcount=%lu\n", count);
		fw_setenv_script(fw_env_config, script);
		++*saves;
	}
	mt_test_fw_printenv(fw_env_config, "boot_slot", v, sizeof(v));
	if (limit && count > limit) {
		snprintf(script, sizeof(script), "boot_slot=%s\nupgrade_available=0\nbootcount=0\n",
			 strcmp(v, "A") == 0 ? "B" : "A");
		fw_setenv_script(fw_env_config, script);
		++*saves;
		mt_test_fw_printenv(fw_env_config, "boot_slot", v, sizeof(v));
	}
	return booted_slot(v);
}
