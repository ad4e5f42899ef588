/* The command table: names, help, usage and an example for each. */
#include <stdio.h>
#include <string.h>

#include "console/cmd.h"
#include "core/text.h"

static const char *const config_subs[] = { "show", "get", "set", "save", "reset", "apply", NULL };
static const char *const camera_subs[] = { "info", "formats", "set", "snapshot", NULL };
static const char *const view_subs[] = { "ascii", "color", NULL };
static const char *const mask_subs[] = { "add", "list", "del", NULL };
static const char *const zone_subs[] = { "add", "list", "del", "set", NULL };
static const char *const motion_subs[] = { "tune", NULL };
static const char *const clips_subs[] = { "list", "show", "upload", NULL };
static const char *const station_subs[] = { "test", NULL };
static const char *const setup_subs[] = { "again", NULL };
static const char *const ota_subs[] = { "status", "check", "apply", "rollback", NULL };

static void complete_help(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			  void *arg);

/* clang-format off */
static const struct mt_console_cmd cmds[] = {
	{ "help", "list the commands, or explain one",
	  "help [COMMAND]",
	  "help zone", NULL, mt_cmd_help, complete_help },
	{ "status", "uptime, camera, motion, recording, spool, link, watchdog",
	  "status",
	  "status", NULL, mt_cmd_status, NULL },
	{ "setup", "first setup: password, place, camera, masks, station, test",
	  "setup                    go on from the first step not done\n"
	  "setup again              go through every step once more",
	  "setup", setup_subs, mt_cmd_setup, NULL },
	{ "config", "show, change and save the runtime configuration",
	  "config show              every key (* = edited, not applied yet)\n"
	  "config get KEY           one key, its default, range and meaning\n"
	  "config set KEY VALUE     change a key; says when it takes effect\n"
	  "config reset KEY|all     back to the default\n"
	  "config apply             restart camera and recorder on the edited keys\n"
	  "config save              write the edited configuration to flash",
	  "config set capture.fps 10", config_subs, mt_cmd_config, mt_cmd_config_complete },
	{ "camera", "the camera: what it delivers, its controls, a snapshot",
	  "camera info              driver, format, frame counters\n"
	  "camera formats           formats asked and recorded\n"
	  "camera set WxH [FPS] [FORMAT]   ask another mode (config apply)\n"
	  "camera set NAME=VALUE    set a control now (brightness=140)\n"
	  "camera snapshot          save the newest frame as a JPEG in the spool",
	  "camera set 1280x720 15 mjpeg", camera_subs, mt_cmd_camera, NULL },
	{ "view", "live picture: motion, masks, zones, grid; any key leaves",
	  "view [ascii|color] [SECONDS]\n"
	  "  ascii: shades of characters (any terminal, slow lines)\n"
	  "  color: ANSI 256 colours; SECONDS: leave by itself after that long\n"
	  "  M = motion, # = privacy mask, / = ignore mask, 1-4 = zone edges",
	  "view color", view_subs, mt_cmd_view, NULL },
	{ "mask", "areas left out of motion (ignore) or of sight (privacy)",
	  "mask add ignore|privacy AREA\n"
	  "mask list\n"
	  "mask del ignore|privacy N|all\n"
	  "  AREA: a polygon \"x,y x,y x,y ...\" in 0..1 (x right, y down), or\n"
	  "  cells of view's grid, columns A-J and rows 0-9: A0:C2 (a rectangle)",
	  "mask add privacy 0.7,0 1,0 1,0.4 0.7,0.4", mask_subs, mt_cmd_mask,
	  mt_cmd_region_complete },
	{ "zone", "areas with their own sensitivity (zones 1-4)",
	  "zone add N SENS AREA     add an area to zone N (SENS 1..100)\n"
	  "zone set N SENS          change zone N's sensitivity\n"
	  "zone list\n"
	  "zone del N [P|all]       remove area P of zone N, or the whole zone\n"
	  "  AREA as for mask: \"x,y x,y x,y ...\" or grid cells like B5:J9",
	  "zone add 1 80 B5:J9", zone_subs, mt_cmd_zone, mt_cmd_region_complete },
	{ "motion", "live motion score, noise estimate and threshold",
	  "motion tune [SECONDS]    a line twice a second; any key leaves",
	  "motion tune", motion_subs, mt_cmd_motion, NULL },
	{ "clips", "clips in the spool",
	  "clips list               name, size and start time of every clip\n"
	  "clips show NAME          a clip's manifest\n"
	  "clips upload NAME        queue it: the uploader tries now",
	  "clips show clip-000001", clips_subs, mt_cmd_clips, mt_cmd_clips_complete },
	{ "log", "the last lines of the log",
	  "log [N]                  the last N lines (default 20, at most 128)",
	  "log 50", NULL, mt_cmd_log, NULL },
	{ "selftest", "check camera, storage, clock, key, space and station",
	  "selftest",
	  "selftest", NULL, mt_cmd_selftest, NULL },
	{ "enroll", "enroll this box with the ward station",
	  "enroll URL CODE FINGERPRINT\n"
	  "  URL: the station, CODE: the one-time code it gave,\n"
	  "  FINGERPRINT: SHA-256 of the station CA, as the station shows it\n"
	  "  (64 hex digits, ':' between bytes allowed)",
	  "enroll https://station.local:8443 K7Q2-9XPM-3HTD 3f0a...(64 hex)", NULL, mt_cmd_enroll,
	  NULL },
	{ "station", "check the way to the station step by step",
	  "station test             enrollment, DNS, TCP, TLS, certificate,\n"
	  "                         then GET /health with the device certificate",
	  "station test", station_subs, mt_cmd_station, NULL },
	{ "ota", "firmware updates: slots, checks, install, rollback",
	  "ota status               slots, version, floor, last check, download\n"
	  "ota check                ask the station now; download a newer version\n"
	  "ota apply                install it (or the newest), restart on trial\n"
	  "ota rollback             drop the trial slot: back to the committed one",
	  "ota check", ota_subs, mt_cmd_ota, NULL },
	{ "passwd", "change the console password (asks the old one)",
	  "passwd",
	  "passwd", NULL, mt_cmd_passwd, NULL },
	{ "reboot", "finish the clip, stop the recorder and start again",
	  "reboot",
	  "reboot", NULL, mt_cmd_reboot, NULL },
	{ "factory-reset", "erase keys, configuration and clips (asks first)",
	  "factory-reset            then type " MT_CONSOLE_CONFIRM_WORD " to confirm",
	  "factory-reset", NULL, mt_cmd_factory_reset, NULL },
};
/* clang-format on */

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const struct mt_console_cmd *mt_console_cmds(size_t *n)
{
	*n = NCMDS;
	return cmds;
}

const struct mt_console_cmd *mt_console_cmd_find(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

const char *mt_console_cmd_suggest(const char *typo)
{
	const char *best = NULL;
	int best_d = 3; /* more than two edits away is not a typo of it */

	for (size_t i = 0; i < NCMDS; i++) {
		int d = mt_text_distance(typo, cmds[i].name);

		if (d >= 0 && d < best_d) {
			best_d = d;
			best = cmds[i].name;
		}
	}
	/* A prefix is a typo too: "sta" -> status, unless it fits several. */
	if (!best && strlen(typo) >= 2) {
		for (size_t i = 0; i < NCMDS; i++) {
			if (strncmp(cmds[i].name, typo, strlen(typo)) != 0)
				continue;
			if (best)
				return NULL;
			best = cmds[i].name;
		}
	}
	return best;
}

static void print_lines(struct mt_console *c, const char *first, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		mt_console_printf(c, "%s%.*s\n", p == text ? first : "       ", (int)n, p);
		p += n + (nl != NULL);
	}
}

void mt_console_usage(struct mt_console *c, const struct mt_console_cmd *cmd)
{
	print_lines(c, "usage: ", cmd->usage);
	mt_console_printf(c, "example: %s\n", cmd->example);
}

int mt_cmd_help(struct mt_console *c, int argc, char **argv)
{
	const struct mt_console_cmd *cmd;

	if (argc == 1) {
		for (size_t i = 0; i < NCMDS; i++)
			mt_console_printf(c, "  %-14s%s\n", cmds[i].name, cmds[i].summary);
		mt_console_printf(c, "help COMMAND explains one. Tab completes, arrows recall.\n");
		return 0;
	}
	cmd = mt_console_cmd_find(argv[1]);
	if (!cmd) {
		const char *near = mt_console_cmd_suggest(argv[1]);

		mt_console_printf(c, "help: no command '%.32s'%s%s%s\n", argv[1],
				  near ? " (did you mean " : "", near ? near : "",
				  near ? "?)" : "");
		return 1;
	}
	mt_console_printf(c, "%s: %s\n", cmd->name, cmd->summary);
	mt_console_usage(c, cmd);
	return 0;
}

static void complete_help(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			  void *arg)
{
	if (argc != 1)
		return;
	for (size_t i = 0; i < NCMDS; i++)
		fn(arg, cmds[i].name);
}

int mt_console_not_built(struct mt_console *c, const char *what, const char *subsystem, int issue)
{
	mt_console_printf(c, "%s: %s is not built yet (issue #%d)\n", what, subsystem, issue);
	return 1;
}

void mt_console_complete_keys(mt_console_candidate_fn fn, void *arg)
{
	for (int k = 0; k < MT_CONFIG_NKEYS; k++)
		fn(arg, mt_config_schema((enum mt_config_key)k)->name);
}

const char *mt_console_spool(const struct mt_console *c)
{
	return mt_config_str(&c->running, MT_CONFIG_SPOOL_PATH);
}
