/* "ota": the update agent's slots, checks, install and rollback, through
 * the recorder's hook (the agent lives in firmware/app/ota_agent.c). */
#include <errno.h>
#include <string.h>

#include "console/cmd.h"

int mt_cmd_ota(struct mt_console *c, int argc, char **argv)
{
	static const char *const subs[] = { "status", "check", "apply", "rollback" };
	const struct mt_console_hooks *h = &c->cfg->hooks;
	char out[2048];
	size_t i;

	for (i = 0; argc == 2 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i]) == 0)
			break;
	if (argc != 2 || i == sizeof(subs) / sizeof(subs[0])) {
		mt_console_usage(c, mt_console_cmd_find("ota"));
		return 1;
	}
	if (!h->ota) {
		mt_console_printf(c, "ota: this recorder has no update agent\n");
		return 1;
	}
	out[0] = '\0';
	int ret = h->ota(h->arg, argv[1], out, sizeof(out));

	mt_console_printf(c, "%s", out);
	return ret ? 1 : 0;
}
