/* The U-Boot environment slot backend with the real libubootenv on a
 * redundant environment (two plain files in fw_env.config), provisioned by
 * the real fw_setenv and read back by the real fw_printenv; U-Boot's power
 * on is simulated twice over (uboot_sim.h). A trial gets its boots and
 * falls back; a commit sticks; every transition is one store; a power cut
 * anywhere in a store (the copy being written torn at each byte region)
 * leaves a valid environment that boots the old state or the new one. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundles.h"
#include "core/errors.h"
#include "core/file.h"
#include "fake/mem_storage.h"
#include "hal/storage.h"
#include "linux/slot_uboot.h"
#include "ota/slots.h"
#include "support.h"
#include "uboot_sim.h"

#define ENV_SIZE   0x2000
#define PATH_MAX_T 300

/* the board's default environment, as U-Boot's own would be */
static const char defenv[] =
	"bootcmd=run boot_${boot_slot}\n"
	"altbootcmd=if test \"${boot_slot}\" = A; then setenv boot_slot B; else setenv boot_slot A; "
	"fi; setenv upgrade_available 0; setenv bootcount 0; saveenv; run bootcmd\n"
	"bootlimit=3\n";

struct fx {
	char *dir;
	char cfg[PATH_MAX_T], env[2][PATH_MAX_T], defenv[PATH_MAX_T];
	struct mt_slot_uboot_config ucfg;
	struct mt_slot_uboot u;
};

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void read_image(const char *path, uint8_t *out)
{
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(out, 1, ENV_SIZE, f), ENV_SIZE);
	fclose(f);
}

static void run(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	assert_int_equal(system(cmd), 0);
}

/* Both copies erased (zeros): no valid environment yet. */
static void blank(struct fx *f)
{
	static const uint8_t zero[ENV_SIZE];

	write_file(f->env[0], zero, sizeof(zero));
	write_file(f->env[1], zero, sizeof(zero));
}

/* Blank, then the default environment and boot_slot=A, by fw_setenv. */
static void provision(struct fx *f)
{
	blank(f);
	run("fw_setenv -c '%s' -f '%s' boot_slot A 2>/dev/null", f->cfg, f->defenv);
}

/* On tmpfs where there is one: libubootenv fsyncs every store, and the
 * power-cut sweep makes thousands (the cuts are modelled on the images, so
 * fsync's cost on a disk adds nothing to what is checked). */
static char *tmpdir(void)
{
	char shm[] = "/dev/shm/mt-slot-uboot-XXXXXX";

	if (mkdtemp(shm)) {
		char *dir = strdup(shm);

		assert_non_null(dir);
		return dir;
	}
	return mt_test_tmpdir("slot-uboot");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char text[2 * PATH_MAX_T + 64];

	assert_non_null(f);
	f->dir = tmpdir();
	snprintf(f->cfg, sizeof(f->cfg), "%s/fw_env.config", f->dir);
	snprintf(f->defenv, sizeof(f->defenv), "%s/default.env", f->dir);
	for (int i = 0; i < 2; i++)
		snprintf(f->env[i], sizeof(f->env[i]), "%s/uboot.env%d", f->dir, i);
	snprintf(text, sizeof(text),
		 "# two copies: the redundant environment\n%s 0x0 0x%x\n%s 0x0 0x%x\n", f->env[0],
		 ENV_SIZE, f->env[1], ENV_SIZE);
	write_file(f->cfg, text, strlen(text));
	write_file(f->defenv, defenv, strlen(defenv));
	f->ucfg.fw_env_config = f->cfg;
	mt_slot_uboot_init(&f->u, &f->ucfg);
	provision(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int ret = mt_test_tmpdir_remove(&f->dir);

	free(f);
	return ret;
}

/* The redundant copies' flag bytes: each store writes the older copy with
 * the newer's flag + 1, so the highest flag counts the stores. */
static unsigned generation(struct fx *f)
{
	uint8_t img[2][ENV_SIZE];

	read_image(f->env[0], img[0]);
	read_image(f->env[1], img[1]);
	return img[0][4] > img[1][4] ? img[0][4] : img[1][4];
}

static void load(struct fx *f, struct mt_slot_state *s)
{
	assert_int_equal(mt_slot_load(&f->u.dev, s), 0);
}

static void assert_state(const struct mt_slot_state *s, char active, char trial, int tries)
{
	assert_int_equal(s->active, active);
	assert_int_equal(s->trial, trial);
	assert_int_equal(s->tries, tries);
}

static void assert_var(struct fx *f, const char *name, const char *want)
{
	char v[256];

	mt_test_fw_printenv(f->cfg, name, v, sizeof(v));
	if (strcmp(v, want) != 0)
		fail_msg("fw_printenv %s: \"%s\", want \"%s\"", name, v, want);
}

/* One transition: exactly one copy rewritten, one store, one generation. */
static void store_once(struct fx *f, const struct mt_slot_state *s)
{
	uint8_t before[2][ENV_SIZE], after[2][ENV_SIZE];
	unsigned gen = generation(f), stores = f->u.stores;
	int changed = 0;

	read_image(f->env[0], before[0]);
	read_image(f->env[1], before[1]);
	assert_int_equal(mt_slot_store(&f->u.dev, s), 0);
	read_image(f->env[0], after[0]);
	read_image(f->env[1], after[1]);
	for (int i = 0; i < 2; i++)
		changed += memcmp(before[i], after[i], ENV_SIZE) != 0;
	assert_int_equal(changed, 1);
	assert_int_equal(f->u.stores, stores + 1);
	assert_int_equal(generation(f), (gen + 1) & 0xff);
}

static void arm_b(struct fx *f)
{
	struct mt_slot_state s;

	load(f, &s);
	mt_slots_arm(&s, 'B', 3);
	store_once(f, &s);
}

static void test_unprovisioned_env_refused(void **state)
{
	struct fx *f = *state;
	uint8_t img[ENV_SIZE], zero[ENV_SIZE] = { 0 };
	struct mt_slot_state s;

	blank(f);
	assert_int_equal(mt_slot_load(&f->u.dev, &s), MT_ECORRUPT);
	mt_slots_fresh(&s);
	mt_slots_arm(&s, 'B', 3);
	assert_int_equal(mt_slot_store(&f->u.dev, &s), MT_ECORRUPT);
	for (int i = 0; i < 2; i++) {
		read_image(f->env[i], img);
		assert_memory_equal(img, zero, ENV_SIZE); /* never written over blind */
	}
	/* with the board's default environment, the first store provisions it */
	f->ucfg.default_env = f->defenv;
	load(f, &s);
	assert_state(&s, 'A', 0, 0);
	mt_slots_arm(&s, 'B', 3);
	assert_int_equal(mt_slot_store(&f->u.dev, &s), 0);
	assert_var(f, "boot_slot", "B");
	assert_var(f, "bootcmd", "run boot_${boot_slot}");
}

static void test_fresh_reads_a(void **state)
{
	struct fx *f = *state;
	struct mt_slot_state s;

	load(f, &s);
	assert_state(&s, 'A', 0, 0);
	assert_string_equal(s.note, "");
	/* no boot_slot at all: a fresh device, A */
	run("fw_setenv -c '%s' boot_slot%s", f->cfg, "");
	assert_var(f, "boot_slot", "");
	load(f, &s);
	assert_state(&s, 'A', 0, 0);
}

/* Arm B, fail three boots (the second with a failed health check), and
 * the fourth power on is back on A with the note; U-Boot simulated by sim. */
static void trial_fails(struct fx *f, char (*power_on)(const char *, int *))
{
	struct mt_slot_state s;
	int saves;

	arm_b(f);
	assert_var(f, "boot_slot", "B");
	assert_var(f, "upgrade_available", "1");
	assert_var(f, "bootcount", "0");
	assert_var(f, "bootlimit", "3");
	assert_var(f, "mt_trial", "B");
	for (int boot = 1; boot <= 3; boot++) {
		assert_int_equal(power_on(f->cfg, &saves), 'B');
		assert_int_equal(saves, 1);
		load(f, &s);
		assert_state(&s, 'A', 'B', 3 - boot);
		if (boot == 2) { /* mt_ota_health_failed(): the last words */
			snprintf(s.note, sizeof(s.note), "1.2.0 no frames for 30 s");
			store_once(f, &s);
			load(f, &s);
			assert_state(&s, 'A', 'B', 1);
		}
	}
	assert_int_equal(power_on(f->cfg, &saves), 'A');
	assert_int_equal(saves, 2); /* bootcount, then altbootcmd's saveenv */
	assert_var(f, "boot_slot", "A");
	assert_var(f, "upgrade_available", "0");
	load(f, &s);
	assert_state(&s, 'A', 0, 0);
	assert_string_equal(s.note,
			    "slot B failed its trial boots (1.2.0 no frames for 30 s); back to A");
	/* mt_ota_take_note(): handed over once, then gone from the environment */
	s.note[0] = '\0';
	store_once(f, &s);
	assert_var(f, "mt_trial", "");
	assert_var(f, "mt_note", "");
	load(f, &s);
	assert_state(&s, 'A', 0, 0);
	assert_string_equal(s.note, "");
	for (int boot = 0; boot < 3; boot++) {
		assert_int_equal(power_on(f->cfg, &saves), 'A');
		assert_int_equal(saves, 0); /* no upgrade: U-Boot never saves */
	}
}

static void test_trial_fails_back_to_a(void **state)
{
	trial_fails(*state, mt_test_uboot_power_on);
}

static void test_trial_fails_back_to_a_tools(void **state)
{
	trial_fails(*state, mt_test_uboot_power_on_tools);
}

static void test_commit(void **state)
{
	struct fx *f = *state;
	struct mt_slot_state s;
	int saves;

	arm_b(f);
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
	load(f, &s);
	assert_state(&s, 'A', 'B', 2);
	assert_int_equal(mt_slots_commit(&s, 'B'), 0);
	store_once(f, &s);
	assert_var(f, "boot_slot", "B");
	assert_var(f, "upgrade_available", "0");
	assert_var(f, "bootcount", "0");
	assert_var(f, "mt_trial", "");
	unsigned gen = generation(f);

	for (int boot = 0; boot < 5; boot++) {
		assert_int_equal(mt_test_uboot_power_on_tools(f->cfg, &saves), 'B');
		assert_int_equal(saves, 0);
	}
	assert_int_equal(generation(f), gen);
	load(f, &s);
	assert_state(&s, 'B', 0, 0);
	/* the next update goes the other way: A on trial from B */
	mt_slots_arm(&s, 'A', 2);
	store_once(f, &s);
	assert_var(f, "boot_slot", "A");
	assert_var(f, "bootlimit", "2");
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'A');
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'A');
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
	load(f, &s);
	assert_state(&s, 'B', 0, 0);
	assert_string_equal(s.note, "slot A failed its trial boots; back to B");
}

/* mt_ota_rollback(): the trial dropped by hand, in one store. */
static void test_abandon(void **state)
{
	struct fx *f = *state;
	struct mt_slot_state s;
	int saves;

	arm_b(f);
	load(f, &s);
	mt_slots_abandon(&s, "console: ota rollback");
	store_once(f, &s);
	assert_var(f, "boot_slot", "A");
	assert_var(f, "upgrade_available", "0");
	assert_var(f, "mt_note", "slot B abandoned: console: ota rollback");
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'A');
	load(f, &s);
	assert_state(&s, 'A', 0, 0);
	assert_string_equal(s.note, "slot B abandoned: console: ota rollback");
}

/* Committed outside matthan (fw_setenv upgrade_available 0, as many
 * setups do): B is the active slot, no note. */
static void test_committed_by_fw_setenv(void **state)
{
	struct fx *f = *state;
	struct mt_slot_state s;
	int saves;

	arm_b(f);
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
	run("fw_setenv -c '%s' upgrade_available 0%s", f->cfg, "");
	load(f, &s);
	assert_state(&s, 'B', 0, 0);
	assert_string_equal(s.note, "");
}

static void test_bad_values_refused(void **state)
{
	static const char *const bad[] = { "boot_slot C",         "boot_slot AB",
					   "upgrade_available x", "bootcount 99999999",
					   "bootlimit 3x",        "mt_trial Z" };
	struct fx *f = *state;
	uint8_t before[2][ENV_SIZE], after[ENV_SIZE];
	struct mt_slot_state s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		provision(f);
		run("fw_setenv -c '%s' %s", f->cfg, bad[i]);
		read_image(f->env[0], before[0]);
		read_image(f->env[1], before[1]);
		assert_int_equal(mt_slot_load(&f->u.dev, &s), MT_ECORRUPT);
		mt_slots_fresh(&s);
		assert_int_equal(mt_slot_store(&f->u.dev, &s), MT_ECORRUPT);
		for (int c = 0; c < 2; c++) {
			read_image(f->env[c], after);
			assert_memory_equal(after, before[c], ENV_SIZE);
		}
	}
	/* an invalid state is refused before the environment is opened */
	provision(f);
	s = (struct mt_slot_state){ .active = 'A', .trial = 'A' };
	assert_int_equal(mt_slot_store(&f->u.dev, &s), -EINVAL);
	/* a fw_env.config naming no device (an empty one: lines that do not
	 * parse leak in libubootenv 0.3.2's reader), and a missing one */
	write_file(f->cfg, "", 0);
	assert_int_equal(mt_slot_load(&f->u.dev, &s), MT_ECONFIG);
	remove(f->cfg);
	assert_int_equal(mt_slot_load(&f->u.dev, &s), MT_ECONFIG);
	mt_slots_fresh(&s);
	assert_int_equal(mt_slot_store(&f->u.dev, &s), MT_ECONFIG);
}

static void test_note_one_printable_line(void **state)
{
	struct fx *f = *state;
	struct mt_slot_state s;

	load(f, &s);
	snprintf(s.note, sizeof(s.note), "line one\nline\ttwo\x7f");
	store_once(f, &s);
	assert_var(f, "mt_note", "line one?line?two?");
	load(f, &s);
	assert_string_equal(s.note, "line one?line?two?");
}

static void test_dir(void **state)
{
	struct fx *f = *state;
	char out[64];

	assert_int_equal(mt_slot_dir(&f->u.dev, 'A', out, sizeof(out)), -ENOSYS);
	f->ucfg.dir_a = "/mnt/slot-a";
	f->ucfg.dir_b = "/mnt/slot-b";
	assert_int_equal(mt_slot_dir(&f->u.dev, 'B', out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/slot-b");
	assert_int_equal(mt_slot_dir(&f->u.dev, 'C', out, sizeof(out)), -EINVAL);
	assert_int_equal(mt_slot_dir(&f->u.dev, 'A', out, 4), -ENAMETOOLONG);
}

/* The real OTA agent (firmware/ota, files on in-memory storage) over the
 * U-Boot backend: install arms B in one store; U-Boot boots it three
 * times, the health check fails, U-Boot falls back; the note comes out
 * once. Then the same bundle again, committed from B. */
static void agent_run(struct mt_ota *o, struct mt_mem_storage *st, struct mt_slot *slot,
		      struct tb_server *srv, struct mt_bundle_key *key, char running,
		      const char *version)
{
	const struct mt_ota_config cfg = { .st = &st->dev,
					   .slot = slot,
					   .root = "ota",
					   .board = "host",
					   .version = version,
					   .running = running,
					   .key = key,
					   .fetch = &srv->fetch,
					   .chunk = 4096,
					   .tries = 3 };

	mt_ota_init(o, &cfg);
}

static void agent_install(struct fx *f, struct mt_ota *o)
{
	struct mt_ota_offer offer;
	unsigned stores = f->u.stores;

	assert_int_equal(mt_ota_check(o, &offer), 1);
	assert_int_equal(mt_ota_download(o, &offer), 0);
	assert_int_equal(f->u.stores, stores); /* downloading never writes the environment */
	assert_int_equal(mt_ota_install(o), 0);
	assert_int_equal(f->u.stores, stores + 1);
	assert_var(f, "boot_slot", "B");
	assert_var(f, "upgrade_available", "1");
}

static void test_agent_over_uboot(void **state)
{
	static const char old[] = "old program 1.0.0\n";
	static uint8_t payload[20000];
	struct fx *f = *state;
	struct mt_mem_storage st;
	struct mt_bundle_key key;
	struct tb_server srv;
	struct mt_ota o;
	char note[MT_SLOT_NOTE_MAX], floor[MT_VERSION_MAX];
	unsigned stores;
	struct tb t;
	int saves;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	tb_make(&t, "update", "host", "1.2.0", "1.0.0", payload, sizeof(payload));
	tb_key(&key, "update");
	tb_server_init(&srv, &t, "host-1.2.0.mtb", "host", "1.2.0");
	mt_mem_storage_init(&st);
	assert_int_equal(mt_storage_mkdir(&st.dev, "ota"), 0);
	assert_int_equal(mt_storage_mkdir(&st.dev, "ota/A"), 0);
	assert_int_equal(mt_storage_mkdir(&st.dev, "ota/B"), 0);
	assert_int_equal(mt_file_replace(&st.dev, "ota/A/matthan", old, strlen(old)), 0);
	f->ucfg.dir_a = "ota/A";
	f->ucfg.dir_b = "ota/B";

	agent_run(&o, &st, &f->u.dev, &srv, &key, 'A', "1.0.0");
	agent_install(f, &o);
	for (int boot = 1; boot <= 3; boot++) {
		assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
		agent_run(&o, &st, &f->u.dev, &srv, &key, 'B', "1.2.0");
		stores = f->u.stores;
		assert_int_equal(mt_ota_health_failed(&o, "no frames"), 0);
		assert_int_equal(f->u.stores, stores + 1);
	}
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'A');
	agent_run(&o, &st, &f->u.dev, &srv, &key, 'A', "1.0.0");
	stores = f->u.stores;
	assert_int_equal(mt_ota_take_note(&o, note, sizeof(note)), 1);
	assert_string_equal(note, "slot B failed its trial boots (1.2.0 no frames); back to A");
	assert_int_equal(f->u.stores, stores + 1);
	assert_int_equal(mt_ota_take_note(&o, note, sizeof(note)), 0);
	assert_var(f, "mt_note", "");

	/* again, and this time B is healthy */
	agent_install(f, &o);
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
	agent_run(&o, &st, &f->u.dev, &srv, &key, 'B', "1.2.0");
	stores = f->u.stores;
	assert_int_equal(mt_ota_commit(&o), 0);
	assert_int_equal(f->u.stores, stores + 1);
	assert_var(f, "boot_slot", "B");
	assert_var(f, "upgrade_available", "0");
	assert_int_equal(mt_ota_floor(&o, floor), 0);
	assert_string_equal(floor, "1.2.0");
	for (int boot = 0; boot < 3; boot++)
		assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
	mt_bundle_key_free(&key);
	mt_mem_storage_free(&st);
	free(t.data);
}

/* ---- power cuts ---------------------------------------------------- */

/* A transition of the sweep: prepare() brings a provisioned environment
 * to the state before, act() makes the one write that is cut. */
struct transition {
	const char *name;
	void (*prepare)(struct fx *f);
	void (*act)(struct fx *f);
};

static void prep_none(struct fx *f)
{
	(void)f;
}

static void prep_armed(struct fx *f)
{
	arm_b(f);
}

static void prep_booted(struct fx *f)
{
	int saves;

	arm_b(f);
	assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
}

static void prep_booted_out(struct fx *f)
{
	int saves;

	arm_b(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), 'B');
}

static void act_arm(struct fx *f)
{
	arm_b(f);
}

static void act_note(struct fx *f)
{
	struct mt_slot_state s;

	load(f, &s);
	snprintf(s.note, sizeof(s.note), "1.2.0 spool not writable");
	store_once(f, &s);
}

static void act_commit(struct fx *f)
{
	struct mt_slot_state s;

	load(f, &s);
	assert_int_equal(mt_slots_commit(&s, 'B'), 0);
	store_once(f, &s);
}

static void act_abandon(struct fx *f)
{
	struct mt_slot_state s;

	load(f, &s);
	mt_slots_abandon(&s, "manual");
	store_once(f, &s);
}

static void act_take_note(struct fx *f)
{
	struct mt_slot_state s;

	load(f, &s);
	s.note[0] = '\0';
	store_once(f, &s);
}

/* U-Boot's own writes: the bootcount save, and the fallback's two saves */
static void act_power_on(struct fx *f)
{
	int saves;

	mt_test_uboot_power_on(f->cfg, &saves);
}

static bool same_state(const struct mt_slot_state *a, const struct mt_slot_state *b)
{
	return a->active == b->active && a->trial == b->trial && a->tries == b->tries &&
	       strcmp(a->note, b->note) == 0;
}

/* What U-Boot boots from state s: the trial while it has boots left. */
static char boots(const struct mt_slot_state *s)
{
	return s->trial && s->tries ? s->trial : s->active;
}

static void restore(struct fx *f, uint8_t img[2][ENV_SIZE])
{
	write_file(f->env[0], img[0], ENV_SIZE);
	write_file(f->env[1], img[1], ENV_SIZE);
}

/* Cuts one write from before to after at every byte up to the end of the
 * variables (CRC, flag, "name=value\0"... "\0") and every 64th beyond
 * (padding; libubootenv 0.3.2 leaves stray heap bytes there), the copy
 * keeping its old bytes (an in-place write) or 0xff (an erased flash
 * sector) past the cut. Returns the cuts made. */
static unsigned sweep_write(struct fx *f, uint8_t before[2][ENV_SIZE], uint8_t after[2][ENV_SIZE],
			    const struct mt_slot_state *old, const struct mt_slot_state *new)
{
	static uint8_t cut[2][ENV_SIZE];
	unsigned cuts = 0, fresh = 0;
	struct mt_slot_state s;
	int w = memcmp(before[0], after[0], ENV_SIZE) ? 0 : 1, saves;

	const uint8_t *end = memmem(after[w] + 5, ENV_SIZE - 5, "\0\0", 2);
	size_t last;

	assert_memory_equal(before[!w], after[!w], ENV_SIZE); /* one copy per write */
	assert_non_null(end);
	last = (size_t)(end - after[w]) + 2;
	for (size_t k = 0; k <= ENV_SIZE; k += k <= last ? 1 : 64) {
		for (int erased = 0; erased < 2; erased++) {
			memcpy(cut[!w], before[!w], ENV_SIZE);
			memcpy(cut[w], after[w], k);
			if (erased)
				memset(cut[w] + k, 0xff, ENV_SIZE - k);
			else
				memcpy(cut[w] + k, before[w] + k, ENV_SIZE - k);
			restore(f, cut);
			if (mt_slot_load(&f->u.dev, &s) != 0)
				fail_msg("cut at byte %zu%s: no valid environment", k,
					 erased ? " (erased)" : "");
			if (!same_state(&s, old) && !same_state(&s, new))
				fail_msg("cut at byte %zu: %c/%c/%u \"%s\" is neither state", k,
					 s.active, s.trial ? s.trial : '-', s.tries, s.note);
			fresh += same_state(&s, new) && !same_state(old, new);
			if (k == ENV_SIZE)
				assert_true(same_state(&s, new));
			assert_int_equal(mt_test_uboot_power_on(f->cfg, &saves), boots(&s));
			if ((k == 0 || k == last || k == ENV_SIZE) &&
			    !erased) { /* fw_printenv reads what U-Boot booted */
				char v[8];

				mt_test_fw_printenv(f->cfg, "boot_slot", v, sizeof(v));
				assert_int_equal(v[0], boots(&s));
			}
			/* and the box can go on: the next store lands whole */
			restore(f, cut);
			s.note[0] = '\0';
			assert_int_equal(mt_slot_store(&f->u.dev, &s), 0);
			cuts++;
		}
	}
	/* the whole write is the new state, in both models (U-Boot's bootcount
	 * past the limit is no change of state: no tries left either way) */
	assert_true(fresh >= 2 || same_state(old, new));
	return cuts;
}

static void sweep(struct fx *f, const struct transition *t)
{
	static uint8_t before[2][ENV_SIZE], mid[2][ENV_SIZE], after[2][ENV_SIZE];
	struct mt_slot_state old, s_mid, new;
	unsigned cuts = 0;

	provision(f);
	t->prepare(f);
	read_image(f->env[0], before[0]);
	read_image(f->env[1], before[1]);
	load(f, &old);
	/* act(), a write at a time: U-Boot's fallback saves twice */
	memcpy(mid, before, sizeof(mid));
	s_mid = old;
	t->act(f);
	read_image(f->env[0], after[0]);
	read_image(f->env[1], after[1]);
	load(f, &new);
	if (memcmp(before[0], after[0], ENV_SIZE) && memcmp(before[1], after[1], ENV_SIZE)) {
		/* two saves: the second copy written is the older one before */
		int second = before[0][4] < before[1][4] ? 1 : 0;

		memcpy(mid[!second], after[!second], ENV_SIZE);
		restore(f, mid);
		load(f, &s_mid);
		cuts += sweep_write(f, before, mid, &old, &s_mid);
		cuts += sweep_write(f, mid, after, &s_mid, &new);
	} else {
		cuts += sweep_write(f, before, after, &old, &new);
	}
	print_message("%-28s %u cuts, each leaving the old or the new state\n", t->name, cuts);
}

static void test_power_cut_every_write(void **state)
{
	static const struct transition ts[] = {
		{ "arm trial", prep_none, act_arm },
		{ "u-boot: count a trial boot", prep_armed, act_power_on },
		{ "health check failed (note)", prep_booted, act_note },
		{ "commit", prep_booted, act_commit },
		{ "abandon (rollback)", prep_booted, act_abandon },
		{ "u-boot: fall back", prep_booted_out, act_power_on },
		{ "take the note", prep_booted_out, act_take_note },
	};

	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
		sweep(*state, &ts[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unprovisioned_env_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_reads_a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trial_fails_back_to_a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trial_fails_back_to_a_tools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_committed_by_fw_setenv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_one_printable_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_over_uboot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_every_write, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
