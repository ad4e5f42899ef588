/* The console's command table and the helpers its commands share (private
 * to firmware/console). One file per group of commands: cmd_config.c,
 * cmd_camera.c, cmd_view.c, cmd_region.c, cmd_status.c, cmd_system.c. */
#ifndef MT_CONSOLE_CMD_H
#define MT_CONSOLE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "console/console.h"

/* Called once per completion candidate. */
typedef void (*mt_console_candidate_fn)(void *arg, const char *word);

struct mt_console_cmd {
	const char *name;
	const char *summary; /* one line for "help" */
	const char *usage;   /* "usage:" lines, "\n"-separated */
	const char *example;
	const char *const *subs; /* first argument words, NULL-terminated; may be NULL */
	/* argv[0] is the command. 0, or non-zero after printing why. */
	int (*run)(struct mt_console *c, int argc, char **argv);
	/* Offers candidates for argument argc (argv[0..argc-1] are complete);
	 * may be NULL: subs only. */
	void (*complete)(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			 void *arg);
};

/* The table, in the order "help" lists it. */
const struct mt_console_cmd *mt_console_cmds(size_t *n);
const struct mt_console_cmd *mt_console_cmd_find(const char *name);

/* The closest command name to a typo, or NULL when none is close. */
const char *mt_console_cmd_suggest(const char *typo);

/* Prints "usage" and the example of cmd. */
void mt_console_usage(struct mt_console *c, const struct mt_console_cmd *cmd);

/* Splits line in place into at most max words (double quotes group blanks
 * into one word). Returns the count, or -E2BIG / -EINVAL (open quote). */
int mt_console_split(char *line, char **argv, int max);

/* "not built yet" in one line for a command whose subsystem is missing. */
int mt_console_not_built(struct mt_console *c, const char *what, const char *subsystem, int issue);

/* Offers every configuration key name. */
void mt_console_complete_keys(mt_console_candidate_fn fn, void *arg);

/* The spool folder of the configuration in force. */
const char *mt_console_spool(const struct mt_console *c);

/* Sets key to text in the edited configuration and tells the installer
 * what happens next (now, at "config apply", or at a reboot). 0 or
 * MT_ECONFIG after printing the reason. */
int mt_console_set_key(struct mt_console *c, const char *key, const char *text);

/* Delivery (cmd_delivery.c): "clips upload NAME"; status's upload and
 * station lines; the selftest's station step (the station test, each step
 * printed; 0 or its error, -ENOSYS without delivery). */
int mt_console_clips_upload(struct mt_console *c, const char *name);
void mt_console_status_delivery(struct mt_console *c);
int mt_console_station_test(struct mt_console *c);

/* The commands. */
int mt_cmd_help(struct mt_console *c, int argc, char **argv);
int mt_cmd_status(struct mt_console *c, int argc, char **argv);
int mt_cmd_config(struct mt_console *c, int argc, char **argv);
int mt_cmd_camera(struct mt_console *c, int argc, char **argv);
int mt_cmd_view(struct mt_console *c, int argc, char **argv);
int mt_cmd_mask(struct mt_console *c, int argc, char **argv);
int mt_cmd_zone(struct mt_console *c, int argc, char **argv);
int mt_cmd_motion(struct mt_console *c, int argc, char **argv);
int mt_cmd_log(struct mt_console *c, int argc, char **argv);
int mt_cmd_selftest(struct mt_console *c, int argc, char **argv);
int mt_cmd_clips(struct mt_console *c, int argc, char **argv);
int mt_cmd_enroll(struct mt_console *c, int argc, char **argv);
int mt_cmd_station(struct mt_console *c, int argc, char **argv);
int mt_cmd_ota(struct mt_console *c, int argc, char **argv);
int mt_cmd_reboot(struct mt_console *c, int argc, char **argv);
int mt_cmd_setup(struct mt_console *c, int argc, char **argv);
int mt_cmd_passwd(struct mt_console *c, int argc, char **argv);

/* The enroll command without its parsing, for the setup wizard too:
 * enrolls through the enroll hook (on a helper thread, beating meanwhile),
 * saves station.url and device.id, restarts the recorder on them. 0, or 1
 * after saying why (cmd_delivery.c). */
int mt_console_enroll(struct mt_console *c, const char *url, const char *code, const char *fp);
bool mt_console_enrolled(const struct mt_console *c);
int mt_cmd_factory_reset(struct mt_console *c, int argc, char **argv);

void mt_cmd_config_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			    void *arg);
void mt_cmd_region_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			    void *arg);
void mt_cmd_clips_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			   void *arg);

#endif
