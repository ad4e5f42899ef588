/* setup (the first-boot wizard) and passwd (docs/console.md "First setup").
 * Each step keeps what it did in the configuration file at once, so setup
 * can be left (q, Ctrl-C) and resumes at the first step not done: the
 * password, the location and the enrollment show in their own keys, the
 * camera, masks and selftest steps in setup.done. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "autoconf.h"
#include "console/cmd.h"
#include "console/login.h"
#include "console/password.h"
#include "core/errors.h"
#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("console");

#define ASK_MS    (10 * 60 * 1000) /* an installer thinking, not gone */
#define STEPS     6
#define DONE_CAM  1 /* setup.done bits */
#define DONE_MASK 2
#define DONE_TEST 4

enum {
	STEP_DONE,
	STEP_SKIPPED,
	STEP_LEFT
};

/* ---- keeping what a step did ---- */

/* Writes keys, as edited, into the configuration file, leaving its other
 * keys as they are there (edits not saved stay edits). */
static int persist(struct mt_console *c, const enum mt_config_key *keys, size_t n)
{
	struct mt_config f;
	struct mt_config_error err;
	int ret = mt_config_load(&f, c->cfg->storage, c->cfg->config_path, &err);

	if (ret == MT_ECONFIG) {
		char why[300];

		mt_config_error_format(&err, why, sizeof(why));
		mt_console_printf(c, "not kept: the configuration file is bad: %s\n", why);
		return ret;
	}
	for (size_t i = 0; i < n && !ret; i++)
		f.v[keys[i]] = c->work.v[keys[i]];
	if (!ret)
		ret = mt_config_save(&f, c->cfg->storage, c->cfg->config_path);
	if (ret && ret != MT_ECONFIG)
		mt_console_printf(c, "not kept: %.60s: %s\n", c->cfg->config_path,
				  mt_strerror(ret));
	return ret;
}

/* Sets a key in both copies (it is in force at once) and keeps it. */
static int keep_now(struct mt_console *c, enum mt_config_key k)
{
	c->running.v[k] = c->work.v[k];
	return persist(c, &k, 1);
}

static void mark_done(struct mt_console *c, int bit)
{
	c->work.v[MT_CONFIG_SETUP_DONE].i |= bit;
	keep_now(c, MT_CONFIG_SETUP_DONE);
}

/* ---- the password ---- */

static uint32_t iterations(const struct mt_console *c)
{
	return c->cfg->pbkdf2_iter ? c->cfg->pbkdf2_iter : CONFIG_MT_CONSOLE_PASSWORD_ITERATIONS;
}

/* Asks a new password twice and stores it. 0, or 1 after saying why. */
static int new_password(struct mt_console *c, const char *what)
{
	char a[MT_PASSWORD_MAX + 1], b[MT_PASSWORD_MAX + 1], stored[MT_PASSWORD_STORED_MAX];
	struct mt_config_error err;
	const char *bad;
	int ret = 1;

	for (int tries = 0; tries < 3; tries++) {
		int r = mt_console_read_secret(c, "new password: ", ASK_MS, a, sizeof(a));

		if (r == -E2BIG) {
			mt_console_printf(c, "too long: at most %d bytes\n", MT_PASSWORD_MAX);
			continue;
		}
		if (r || !*a)
			goto out_wipe;
		bad = mt_password_refuse(a);
		if (bad) {
			mt_console_printf(c, "%s\n", bad);
			continue;
		}
		if (mt_console_read_secret(c, "again: ", ASK_MS, b, sizeof(b)))
			goto out_wipe;
		if (strcmp(a, b) != 0) {
			mt_console_printf(c, "the two differ; once more\n");
			continue;
		}
		if (!c->cfg->random) {
			mt_console_printf(c, "%s: this board has no random source for a salt\n",
					  what);
			goto out_wipe;
		}
		mt_thread_beat(&c->thread);
		r = mt_password_hash(c->cfg->random, a, iterations(c), stored, sizeof(stored));
		if (!r)
			r = mt_config_set(&c->work, "console.password", stored, &err);
		mbedtls_platform_zeroize(stored, sizeof(stored));
		if (r) {
			mt_console_printf(c, "%s: %s\n", what, mt_strerror(r));
			goto out_wipe;
		}
		if (keep_now(c, MT_CONFIG_CONSOLE_PASSWORD)) {
			mt_console_printf(c, "%s: set for now, but lost at a reboot\n", what);
		} else {
			mt_console_printf(c, "password set (PBKDF2-SHA256, %u rounds) and saved\n",
					  (unsigned)iterations(c));
			MT_INF("password set");
		}
		c->login.authed = true;
		ret = 0;
		goto out_wipe;
	}
	mt_console_printf(c, "%s: no new password set\n", what);
out_wipe:
	mbedtls_platform_zeroize(a, sizeof(a));
	mbedtls_platform_zeroize(b, sizeof(b));
	return ret;
}

int mt_cmd_passwd(struct mt_console *c, int argc, char **argv)
{
	char old[MT_PASSWORD_MAX + 1];
	int ret;

	if (argc != 1) {
		mt_console_usage(c, mt_console_cmd_find("passwd"));
		return 1;
	}
	ret = mt_console_read_secret(c, "old password: ", ASK_MS, old, sizeof(old));
	if (ret) {
		mt_console_printf(c, "passwd: nothing changed\n");
		return 1;
	}
	mt_thread_beat(&c->thread);
	ret = mt_password_verify(mt_config_str(&c->work, MT_CONFIG_CONSOLE_PASSWORD), old);
	mbedtls_platform_zeroize(old, sizeof(old));
	if (ret) {
		mt_console_login_failed(c);
		mt_console_login_wait(c);
		mt_console_printf(c, "passwd: nothing changed\n");
		return 1;
	}
	c->login.fails = 0;
	return new_password(c, "passwd");
}

/* ---- asking ---- */

/* Reads an answer: 0 and the text, or STEP_SKIPPED ("s") or STEP_LEFT ("q",
 * Ctrl-C, ten minutes without an answer). */
static int ask(struct mt_console *c, const char *prompt, char *buf, size_t len)
{
	int ret = mt_console_readline(c, prompt, ASK_MS, buf, len);
	char *p = buf;

	if (ret)
		return STEP_LEFT;
	while (*p == ' ')
		p++;
	memmove(buf, p, strlen(p) + 1);
	for (p = buf + strlen(buf); p > buf && p[-1] == ' ';)
		*--p = '\0';
	if (strcmp(buf, "q") == 0)
		return STEP_LEFT;
	if (strcmp(buf, "s") == 0)
		return STEP_SKIPPED;
	return 0;
}

static void head(struct mt_console *c, int n, const char *title, const char *text)
{
	char label[16];

	snprintf(label, sizeof(label), "[%d/%d]", n, STEPS);
	mt_console_printf(c, "\n%s %s\n", label, title);
	if (text)
		mt_console_wrap(c, "", 6, text);
}

/* ---- the steps ---- */

static int step_password(struct mt_console *c)
{
	head(c, 1, "Console password",
	     "There is no default password. Choose one of 8 to 64 characters; the console "
	     "asks it when it starts. Nothing you type is shown. Enter alone leaves.");
	return new_password(c, "setup") ? STEP_LEFT : STEP_DONE;
}

static int step_location(struct mt_console *c)
{
	char text[MT_LINEEDIT_MAX + 1];
	const char *now = mt_config_str(&c->work, MT_CONFIG_DEVICE_LOCATION);

	head(c, 2, "Location label",
	     "Written into every clip, e.g. Nha so 12, duong 3 (UTF-8 is fine). "
	     "s skips, q leaves.");
	for (;;) {
		struct mt_config_error err;
		char why[300];
		int ret;

		/* the editor's prompt is short: the value goes on its own row */
		if (*now)
			mt_console_printf(c, "now: %s (Enter keeps it)\n", now);
		ret = ask(c, "location: ", text, sizeof(text));
		if (ret)
			return ret;
		if (!*text && *now)
			return STEP_DONE; /* kept */
		if (!*text) {
			mt_console_printf(c, "a label is needed (s skips, q leaves)\n");
			continue;
		}
		if (mt_config_set(&c->work, "device.location", text, &err) == 0)
			break;
		mt_config_error_format(&err, why, sizeof(why));
		mt_console_printf(c, "%s\n", why);
	}
	persist(c, (const enum mt_config_key[]){ MT_CONFIG_DEVICE_LOCATION }, 1);
	mt_console_printf(c, "device.location = %s (clips made after setup carry it)\n",
			  mt_config_str(&c->work, MT_CONFIG_DEVICE_LOCATION));
	return STEP_DONE;
}

static int run_words(struct mt_console *c, const char *line,
		     int (*cmd)(struct mt_console *, int, char **))
{
	char buf[MT_LINEEDIT_MAX + 1], *argv[MT_CONSOLE_ARGS];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = mt_console_split(buf, argv, MT_CONSOLE_ARGS);
	if (argc <= 0) {
		mt_console_printf(c, "a quote (\") is not closed, or too many words\n");
		return 1;
	}
	return cmd(c, argc, argv);
}

static int step_camera(struct mt_console *c)
{
	static const enum mt_config_key keys[] = { MT_CONFIG_CAPTURE_WIDTH,
						   MT_CONFIG_CAPTURE_HEIGHT, MT_CONFIG_CAPTURE_FPS,
						   MT_CONFIG_CAPTURE_FORMAT };
	char text[MT_LINEEDIT_MAX + 1], line[MT_LINEEDIT_MAX + 16];

	head(c, 3, "Camera format", NULL);
	run_words(c, "camera formats", mt_cmd_camera);
	mt_console_wrap(c, "", 6,
			"Enter keeps it; or type WxH [FPS] [FORMAT] as for camera set, "
			"e.g. 640x480 15 mjpeg. s skips, q leaves.");
	for (;;) {
		int ret = ask(c, "camera [keep]: ", text, sizeof(text));

		if (ret)
			return ret;
		if (!*text)
			break;
		snprintf(line, sizeof(line), "camera set %s", text);
		if (run_words(c, line, mt_cmd_camera) == 0) {
			persist(c, keys, sizeof(keys) / sizeof(keys[0]));
			break;
		}
	}
	mark_done(c, DONE_CAM);
	return STEP_DONE;
}

static int step_masks(struct mt_console *c)
{
	static const enum mt_config_key keys[] = {
		MT_CONFIG_MOTION_IGNORE, MT_CONFIG_MOTION_PRIVACY, MT_CONFIG_MOTION_ZONE1,
		MT_CONFIG_MOTION_ZONE2,  MT_CONFIG_MOTION_ZONE3,   MT_CONFIG_MOTION_ZONE4,
	};
	static const char *const allowed[] = { "view", "mask", "zone", "motion", "help", NULL };
	char text[MT_LINEEDIT_MAX + 1];

	head(c, 4, "Privacy masks and ignore areas",
	     "Type the commands here as at the prompt: view (any key leaves it), "
	     "mask add privacy H0:J2 (a neighbour's window), mask add ignore A8:J9 "
	     "(a tree's shadow), mask list, zone add 1 80 A6:J9. Enter alone when "
	     "done; s skips, q leaves.");
	run_words(c, "mask list", mt_cmd_mask);
	for (;;) {
		char word[16];
		bool ok = false;
		int ret = ask(c, "masks> ", text, sizeof(text));

		if (ret)
			return ret;
		if (!*text)
			break;
		sscanf(text, "%15s", word);
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(word, allowed[i]) == 0;
		if (ok)
			mt_console_exec(c, text);
		else
			mt_console_printf(c, "here: view, mask, zone, motion tune, help; "
					     "Enter alone when done\n");
	}
	persist(c, keys, sizeof(keys) / sizeof(keys[0]));
	mark_done(c, DONE_MASK);
	return STEP_DONE;
}

bool mt_console_enrolled(const struct mt_console *c)
{
	return mt_config_str(&c->work, MT_CONFIG_STATION_URL)[0] &&
	       strcmp(mt_config_str(&c->work, MT_CONFIG_DEVICE_ID), MT_DEVICE_ID_UNENROLLED) != 0;
}

static int step_station(struct mt_console *c)
{
	char url[MT_CONFIG_STR_MAX + 1], code[64], fp[160];

	head(c, 5, "Station enrollment",
	     "The station's address, a one-time code and its CA's SHA-256 fingerprint "
	     "(64 hex digits), as the station's operator gives them (docs/console.md). "
	     "s skips (no uploads until enrolled), q leaves.");
	snprintf(url, sizeof(url), "%s", mt_config_str(&c->work, MT_CONFIG_STATION_URL));
	for (;;) {
		char text[MT_LINEEDIT_MAX + 1];
		int ret;

		if (*url)
			mt_console_printf(c, "now: %.70s (Enter keeps it)\n", url);
		ret = ask(c, "station URL: ", text, sizeof(text));
		if (ret)
			return ret;
		if (*text)
			snprintf(url, sizeof(url), "%.255s", text);
		if (!*url) {
			mt_console_printf(c, "e.g. https://station.local:8443\n");
			continue;
		}
		ret = ask(c, "one-time code: ", code, sizeof(code));
		if (!ret)
			ret = ask(c, "fingerprint: ", fp, sizeof(fp));
		if (ret)
			return ret;
		if (mt_console_enroll(c, url, code, fp) == 0)
			return STEP_DONE;
		mt_console_printf(c, "check the three and try again (s skips, q leaves)\n");
	}
}

static int step_selftest(struct mt_console *c)
{
	char text[8];
	int ret;

	head(c, 6, "Self-test", NULL);
	if (run_words(c, "selftest", mt_cmd_selftest) == 0) {
		mark_done(c, DONE_TEST);
		return STEP_DONE;
	}
	mt_console_printf(c, "fix what failed; Enter runs it again, s skips, q leaves\n");
	ret = ask(c, "selftest [again]: ", text, sizeof(text));
	return ret ? ret : step_selftest(c);
}

/* ---- the wizard ---- */

static bool step_done(const struct mt_console *c, int n)
{
	int64_t bits = mt_config_int(&c->work, MT_CONFIG_SETUP_DONE);

	switch (n) {
	case 1:
		return mt_console_has_password(c);
	case 2:
		return mt_config_str(&c->work, MT_CONFIG_DEVICE_LOCATION)[0] != '\0';
	case 3:
		return bits & DONE_CAM;
	case 4:
		return bits & DONE_MASK;
	case 5:
		return mt_console_enrolled(c);
	default:
		return bits & DONE_TEST;
	}
}

static const char *const titles[STEPS] = { "console password", "location label",
					   "camera format",    "masks",
					   "station",          "self-test" };

static void summary(struct mt_console *c)
{
	for (int n = 1; n <= STEPS; n++)
		mt_console_printf(c, "  [%d/%d] %-17s %s\n", n, STEPS, titles[n - 1],
				  step_done(c, n) ? "done" : "to do");
}

int mt_cmd_setup(struct mt_console *c, int argc, char **argv)
{
	static int (*const steps[STEPS])(struct mt_console *) = {
		step_password, step_location, step_camera, step_masks, step_station, step_selftest,
	};
	bool all = argc == 2 && strcmp(argv[1], "again") == 0;
	int first = 0, skipped = 0;

	if (argc > 2 || (argc == 2 && !all)) {
		mt_console_usage(c, mt_console_cmd_find("setup"));
		return 1;
	}
	while (first < STEPS && step_done(c, first + 1))
		first++;
	if (first == STEPS && !all) {
		mt_console_printf(c, "setup is done:\n");
		summary(c);
		mt_console_printf(c, "setup again goes through every step once more\n");
		return 0;
	}
	mt_console_printf(c,
			  "setup: %s at step %d of %d. At each question Enter keeps\n"
			  "what is there now, s skips the step, q or Ctrl-C leaves;\n"
			  "setup later goes on from the first step not done.\n",
			  first ? "going on" : "first setup", all ? 1 : first + 1, STEPS);
	for (int n = all ? 0 : first; n < STEPS; n++) {
		int ret;

		/* The password is asked once; "again" changes it with passwd. */
		if (n == 0 && mt_console_has_password(c))
			continue;
		if (!all && n > first && step_done(c, n + 1))
			continue;
		ret = steps[n](c);
		if (ret == STEP_LEFT) {
			mt_console_printf(c, "\nsetup left at step %d; type setup to go on\n",
					  n + 1);
			return 1;
		}
		skipped += ret == STEP_SKIPPED;
	}
	mt_console_printf(c, "\nsetup %s:\n",
			  skipped ? "went through, with steps skipped" : "done");
	summary(c);
	if (!mt_config_equal(&c->work, &c->running))
		run_words(c, "config apply", mt_cmd_config);
	return skipped ? 1 : 0;
}
