/* The console on a fake serial line: every command's happy path and error
 * path, completion, typos, 80 columns, a reader that went away, garbage on
 * the line, and the thread. Files are real, in a temp folder. The recorder
 * is a fake behind the console's hooks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "autoconf.h"
#include "console/console.h"
#include "console/logring.h"
#include "console/password.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/log.h"
#include "fake/fake_random.h"
#include "fake/fake_serial.h"
#include "fake/manual_clock.h"
#include "linux/linux_clock.h"
#include "linux/posix_storage.h"
#include "support.h"

MT_LOG_MODULE("test");

/* ---- the fake recorder behind the hooks ---- */

struct fake_rec {
	bool running;
	uint64_t frames; /* grows by 25 at every status call */
	int status_calls;
	int control_ret;
	char control_name[32];
	int32_t control_value;
	int applies;
	struct mt_config applied;
	int reboots;
	struct mt_frame *snap;
	int snap_ret;
	struct mt_console_delivery del;
	int upload_now_ret, upload_nows;
	int enroll_ret, enrolls;
	char enroll_code[32], enroll_name[64];
	int test_ret;
	int modes_ret; /* 0: the modes below */
	char enroll_location[128];
	char ota_verb[16]; /* the last "ota" asked of the agent */
	int ota_ret;
	int down_calls; /* the next calls of status find the recorder restarting */
};

static struct fake_rec rec;

static int fake_status(void *arg, struct mt_console_status *out)
{
	memset(out, 0, sizeof(*out));
	rec.status_calls++;
	if (!rec.running || (rec.down_calls > 0 && rec.down_calls--))
		return -ENODEV;
	rec.frames += 25;
	out->running = true;
	snprintf(out->camera, sizeof(out->camera), "replay /footage/cdnet-highway/input");
	out->have_format = true;
	out->format = (struct mt_capture_format){ MT_FMT_MJPEG, 320, 240, 25 };
	out->stats.frames = rec.frames;
	out->stats.dropped = 2;
	out->fps_x10 = 249;
	out->analysed = rec.frames;
	out->motion = MT_CONSOLE_MOTION_ACTIVE;
	out->score = 321;
	out->area_permille = 45;
	out->noise_x16 = 24;
	out->threshold_x16 = 96;
	out->events = 3;
	out->clips = 2;
	out->run_us = 3723000000LL;
	snprintf(out->watchdog, sizeof(out->watchdog),
		 "watchdog fed (9 feeds); mt-capture ok 10 ms (limit 5000 ms)");
	return 0;
}

/* A 160x120 left-to-right gradient; motion in the top-left grid cells. */
static int fake_picture(void *arg, struct mt_console_picture *out)
{
	if (!rec.running)
		return -EAGAIN;
	out->seq++;
	out->thumb.width = 160;
	out->thumb.height = 120;
	for (int y = 0; y < 120; y++)
		for (int x = 0; x < 160; x++)
			out->thumb.y[y * 160 + x] = (uint8_t)(x * 255 / 159);
	out->gw = 20;
	out->gh = 15;
	memset(out->map, 0, sizeof(out->map));
	out->map[0] = out->map[1] = out->map[20] = 1;
	return 0;
}

static int fake_snapshot(void *arg, struct mt_frame **out)
{
	if (rec.snap_ret)
		return rec.snap_ret;
	*out = mt_frame_get(rec.snap);
	return 0;
}

static int fake_control(void *arg, const char *name, int32_t value)
{
	snprintf(rec.control_name, sizeof(rec.control_name), "%s", name);
	rec.control_value = value;
	return rec.control_ret;
}

static int fake_apply(void *arg, const struct mt_config *cfg)
{
	rec.applies++;
	rec.applied = *cfg;
	return 0;
}

static void fake_reboot(void *arg)
{
	rec.reboots++;
}

/* A camera offering MJPEG at two sizes, YUYV over a range, and GREY. */
static int fake_camera_modes(void *arg, struct mt_capture_mode *out, int max)
{
	static const struct mt_capture_mode modes[] = {
		{ MT_FMT_MJPEG, "MJPG", 1280, 720, 0, 0, { 30, 15 }, 0, 0 },
		{ MT_FMT_MJPEG, "MJPG", 640, 480, 0, 0, { 30 }, 0, 0 },
		{ MT_FMT_YUYV, "YUYV", 160, 120, 1920, 1080, { 0 }, 5, 30 },
		{ MT_FMT_NONE, "GREY", 320, 240, 0, 0, { 60 }, 0, 0 },
	};

	if (rec.modes_ret)
		return rec.modes_ret;
	for (int i = 0; i < 4 && i < max; i++)
		out[i] = modes[i];
	return 4;
}

static int fake_delivery(void *arg, struct mt_console_delivery *out)
{
	*out = rec.del;
	return 0;
}

static int fake_upload_now(void *arg)
{
	rec.upload_nows++;
	return rec.upload_now_ret;
}

static int fake_enroll(void *arg, const char *url, const char *code, const char *fingerprint,
		       const char *name, char *id, size_t id_len, char *why, size_t why_len)
{
	rec.enrolls++;
	snprintf(rec.enroll_code, sizeof(rec.enroll_code), "%s", code);
	snprintf(rec.enroll_name, sizeof(rec.enroll_name), "%s", name);
	snprintf(rec.enroll_location, sizeof(rec.enroll_location), "%s", name);
	if (rec.enroll_ret) {
		snprintf(why, why_len, "the station answered 403: unknown enrollment code");
		return rec.enroll_ret;
	}
	/* the setup tests' station: "BAD-CODE" is refused; "GOOD-CODE" enrolls
	 * with the fingerprint of 64 'a's only */
	if (strcmp(code, "BAD-CODE") == 0) {
		snprintf(why, why_len, "the station refused the code (403)");
		return -EACCES;
	}
	if (strcmp(code, "GOOD-CODE") == 0) {
		if (strspn(fingerprint, "a") != 64 || fingerprint[64]) {
			snprintf(why, why_len, "the station's CA is not the pinned one");
			return -EACCES;
		}
		snprintf(id, id_len, "EP-0001");
		return 0;
	}
	snprintf(id, id_len, "mt-00112233");
	return 0;
}

/* The steps as net/diag.c says them; the last one fails when test_ret. */
static int fake_station_test(void *arg, mt_console_say_fn say, void *ctx)
{
	say(ctx, "station", "https://station.local:8443");
	say(ctx, "DNS", "ok: station.local is 192.0.2.7");
	if (rec.test_ret) {
		say(ctx, "TCP",
		    "FAIL: connection refused: nothing listens on station.local port "
		    "8443 (is the station running?)");
		return rec.test_ret;
	}
	say(ctx, "certificate", "ok: signed by the station CA, for station.local");
	say(ctx, "HTTP", "ok: 200, the station knows this box as mt-00112233");
	return 0;
}

static int fake_ota(void *arg, const char *verb, char *out, size_t cap)
{
	snprintf(rec.ota_verb, sizeof(rec.ota_verb), "%s", verb);
	if (rec.ota_ret)
		snprintf(out, cap, "updates are off: no slot root\n");
	else
		snprintf(out, cap, "agent said %s\nsecond line\n", verb);
	return rec.ota_ret;
}

/* ---- the console under test ---- */

/* Every session but the first-boot ones starts logged in with this. */
#define PASSWORD "installer-pw-1"
#define ITER     1000 /* fast for tests; the count is stored with the hash */

static struct mt_fake_random rnd;
static struct mt_manual_clock clk;
static struct mt_fake_serial ser;
static struct mt_serial_config scfg = { .device = "fake", .baud = 115200 };
static struct mt_posix_storage ps;
static struct mt_logring ring;
static struct mt_config start_cfg;
static struct mt_console_config ccfg;
static struct mt_console con;
static char *dir;
static char spool[300], keys[300], conf[300];
static char out[1 << 20]; /* what the console printed, escape sequences and all */

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void log_in(const char *pw);
static void write_file(const char *name, const char *text);
static void load_conf(struct mt_config *c);

static int setup(void **state)
{
	struct mt_config_error err;

	memset(&rec, 0, sizeof(rec));
	rec.running = true;
	snprintf(rec.del.why, sizeof(rec.del.why), "no station (station.url is empty)");
	dir = mt_test_tmpdir("console");
	path_in(spool, sizeof(spool), "spool");
	path_in(keys, sizeof(keys), "keys");
	path_in(conf, sizeof(conf), "matthan.conf");
	mkdir(spool, 0700);
	mkdir(keys, 0700);
	mt_manual_clock_init(&clk);
	mt_fake_serial_init(&ser, &clk.dev, true);
	assert_int_equal(mt_serial_open(&ser.dev, &scfg), 0);
	mt_posix_storage_init(&ps);
	mt_logring_init(&ring, &clk.dev, false);
	mt_logring_install(&ring);
	mt_config_init(&start_cfg);
	assert_int_equal(mt_config_set(&start_cfg, "spool.path", spool, &err), 0);
	mt_fake_random_init(&rnd, 42);
	{
		char stored[MT_PASSWORD_STORED_MAX];

		assert_int_equal(mt_password_hash(&rnd.dev, PASSWORD, ITER, stored, sizeof(stored)),
				 0);
		assert_int_equal(mt_config_set(&start_cfg, "console.password", stored, &err), 0);
	}
	ccfg = (struct mt_console_config){
		.serial = &ser.dev,
		.clock = &clk.dev,
		.storage = &ps.dev,
		.running = &start_cfg,
		.config_path = conf,
		.keys_dir = keys,
		.board = "test",
		.log = &ring,
		.hooks = { .status = fake_status,
			   .picture = fake_picture,
			   .snapshot = fake_snapshot,
			   .camera_control = fake_control,
			   .camera_modes = fake_camera_modes,
			   .apply = fake_apply,
			   .reboot = fake_reboot,
			   .delivery = fake_delivery,
			   .upload_now = fake_upload_now,
			   .enroll = fake_enroll,
			   .station_test = fake_station_test,
			   .ota = fake_ota },
		.random = &rnd.dev,
		.pbkdf2_iter = ITER,
	};
	mt_console_init(&con, &ccfg);
	mt_console_begin(&con);
	mt_fake_serial_take_output(&ser, out, sizeof(out) - 1);
	log_in(PASSWORD);
	return 0;
}

/* First boot: no password in the configuration. */
static int setup_first_boot(void **state)
{
	char text[400];

	setup(state);
	mt_console_free(&con);
	/* as the box comes: a file without a password (setup keeps its keys) */
	snprintf(text, sizeof(text), "spool.path = %s\n", spool);
	write_file("matthan.conf", text);
	load_conf(&start_cfg);
	mt_console_init(&con, &ccfg);
	mt_console_begin(&con);
	mt_fake_serial_take_output(&ser, out, sizeof(out) - 1);
	out[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	mt_console_free(&con);
	mt_logring_free(&ring);
	mt_fake_serial_free(&ser);
	mt_frame_put(rec.snap);
	mt_fake_random_free(&rnd);
	return mt_test_tmpdir_remove(&dir);
}

/* Types text (bytes as given) and runs the console until it has used all
 * of it; returns what it printed. */
static const char *session(const char *text, size_t len)
{
	size_t n = 0, done = 0;

	while (done < len) {
		size_t chunk = len - done > 1024 ? 1024 : len - done;

		assert_int_equal(mt_fake_serial_push_input(&ser, text + done, chunk), 0);
		done += chunk;
		while (ser.in_len || con.npending)
			assert_int_equal(mt_console_poll(&con, 0), 0);
		/* A terminal reads as it goes; a long session keeps its end. */
		if (n > sizeof(out) / 2)
			n = 0;
		n += mt_fake_serial_take_output(&ser, out + n, sizeof(out) - 1 - n);
	}
	if (!len) /* nothing typed: what the console printed by itself */
		n = mt_fake_serial_take_output(&ser, out, sizeof(out) - 1);
	out[n] = '\0';
	if (getenv("MT_TEST_VERBOSE")) /* to see a session when a test fails */
		fprintf(stderr, "%s", out);
	return out;
}

static const char *typed(const char *line)
{
	return session(line, strlen(line));
}

/* Types the password at the login; it is never echoed. */
static void log_in(const char *pw)
{
	char line[128];
	const char *o;

	assert_true(mt_console_locked(&con));
	snprintf(line, sizeof(line), "%s\r", pw);
	o = typed(line);
	assert_null(strstr(o, pw));
	assert_non_null(strstr(o, MT_CONSOLE_PROMPT));
	assert_false(mt_console_locked(&con));
}

/* Every row of output, escape sequences left out, fits 80 columns. */
static void assert_fits_80(const char *s)
{
	unsigned col = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x1b) {
			p++;
			if (*p == '[')
				while (p[1] && !(p[1] >= 0x40 && p[1] <= 0x7e))
					p++;
			if (*p)
				p++;
			if (!*p)
				break;
			continue;
		}
		if (*p == '\r' || *p == '\n') {
			col = 0;
			continue;
		}
		if ((*p & 0xc0) != 0x80)
			col++;
		if (col > 80)
			fail_msg("a row is wider than 80 columns in:\n%s", s);
	}
}

/* The row of output that starts with prefix (after "\r\n"), or NULL. */
static const char *row(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) == 0)
		return s;
	for (const char *p = strstr(s, "\n"); p; p = strstr(p + 1, "\n"))
		if (strncmp(p + 1, prefix, n) == 0)
			return p + 1;
	return NULL;
}

static void write_file(const char *name, const char *text)
{
	char path[400];
	FILE *f;

	path_in(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *name)
{
	char path[400];

	path_in(path, sizeof(path), name);
	return access(path, F_OK) == 0;
}

/* The whole file as text; the caller frees it. */
static char *read_file(const char *name)
{
	char path[400];
	char *text = calloc(1, 65536);
	FILE *f;

	path_in(path, sizeof(path), name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(text);
	fread(text, 1, 65535, f);
	fclose(f);
	return text;
}

/* ---- help, typos, completion ---- */

static void test_help_lists_every_command_in_80_columns(void **state)
{
	static const char *const names[] = {
		"help",    "status", "config", "camera",        "view",     "mask",
		"zone",    "motion", "clips",  "log",           "selftest", "enroll",
		"station", "ota",    "reboot", "factory-reset",
	};
	const char *s = typed("help\r");
	char prefix[40], line[64];

	assert_fits_80(s);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(prefix, sizeof(prefix), "  %-14s", names[i]);
		assert_non_null(row(s, prefix));
	}
	/* help CMD: usage and an example for every command, no wrapped row */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(line, sizeof(line), "help %s\r", names[i]);
		s = typed(line);
		assert_fits_80(s);
		assert_non_null(row(s, "usage: "));
		assert_non_null(row(s, "example: "));
		for (const char *p = s; (p = strstr(p, "\r\n")); p += 2) {
			const char *q = strstr(p + 2, "\r\n");

			if (q)
				assert_true(q - (p + 2) < 80);
		}
	}
	s = typed("help nothing\r");
	assert_non_null(strstr(s, "help: no command 'nothing'"));
}

static void test_typo_is_named_with_a_guess(void **state)
{
	const char *s = typed("stauts\r");

	assert_non_null(strstr(s, "unknown command 'stauts' (did you mean status?)"));
	s = typed("selftets\r");
	assert_non_null(strstr(s, "(did you mean selftest?)"));
	s = typed("xyzzy\r");
	assert_non_null(strstr(s, "unknown command 'xyzzy' (type help for the list)"));
	s = typed("config \"open\r");
	assert_non_null(strstr(s, "a quote (\") is not closed"));
	s = typed("a b c d e f g h i j k l m n o p q\r");
	assert_non_null(strstr(s, "too many words"));
}

static void test_tab_completes_commands_and_arguments(void **state)
{
	const char *s;

	typed("sta\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "stat");
	typed("\x15"
	      "sel\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "selftest ");
	typed("\x15"
	      "config g\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "config get ");
	typed("capture.fp\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "config get capture.fps ");
	typed("\x15"
	      "config set capture.format m\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "config set capture.format mjpeg ");
	typed("\x15"
	      "zone add \t");
	s = out;
	/* several: listed under the line, then the line again */
	assert_non_null(strstr(s, "1  2  3  4"));
	assert_non_null(strstr(s, MT_CONSOLE_PROMPT "zone add "));
	typed("\x15"
	      "mask del p\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "mask del privacy ");
	typed("\x15"
	      "help fac\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "help factory-reset ");
	typed("\x15"
	      "qqq\t"); /* nothing fits: a bell, the line unchanged */
	assert_string_equal(mt_lineedit_line(&con.ed), "qqq");
	assert_non_null(strchr(out, '\a'));
	write_file("spool/clip-000007.mp4", "x");
	typed("\x15"
	      "clips show c\t");
	assert_string_equal(mt_lineedit_line(&con.ed), "clips show clip-000007 ");
}

static void test_history_recalls_commands(void **state)
{
	typed("log 1\r");
	typed("help\r");
	typed("\x1b[A\x1b[A");
	assert_string_equal(mt_lineedit_line(&con.ed), "log 1");
}

/* ---- status, log ---- */

static void test_status_shows_the_recorder(void **state)
{
	const char *s = typed("status\r");
	char want[96];

	assert_fits_80(s);
	assert_non_null(row(s, "uptime     0 d 00:00:00"));
	assert_non_null(row(s, "firmware   matthan " MT_VERSION ", board test"));
	assert_non_null(row(s, "recorder   running for 0 d 01:02:03"));
	assert_non_null(row(s, "camera     replay /footage/cdnet-highway/input"));
	assert_non_null(row(s, "format     mjpeg 320x240 at 25 fps, measured 24.9 fps"));
	assert_non_null(row(s, "frames     25 captured, 2 dropped by the camera, 0 corrupt"));
	assert_non_null(row(s, "motion     MOTION (event going on), score 321, 3 events"));
	assert_non_null(row(s, "recording  2 clips"));
	assert_non_null(row(s, "watchdog   watchdog fed (9 feeds)"));
	assert_non_null(row(s, "           mt-capture ok 10 ms"));
	/* the board's spool size (Kconfig), not a number of this test's */
	snprintf(want, sizeof(want), "spool      0.0 of %d MiB, 0 clips", CONFIG_MT_SPOOL_BYTES);
	assert_non_null(row(s, want));
	assert_non_null(
		row(s, "upload     off: no station (station.url is empty); 0 clips waiting"));
	assert_non_null(row(s, "station    none"));
	assert_non_null(row(s, "clock      2026-01-01 00:00:00 UTC, not synced"));
	rec.running = false;
	s = typed("status\r");
	assert_non_null(row(s, "recorder   not running (No such device)"));
	assert_non_null(row(s, "upload     "));
}

static void test_log_shows_the_last_lines(void **state)
{
	const char *s;

	MT_INF("first line");
	mt_manual_clock_advance(&clk, 1500000);
	MT_WRN("second line %d", 2);
	s = typed("log 1\r");
	assert_non_null(strstr(s, "     1.5 W test: second line 2"));
	assert_null(strstr(s, "first line"));
	s = typed("log\r");
	assert_non_null(strstr(s, "     0.0 I test: first line"));
	s = typed("log 0\r");
	assert_non_null(strstr(s, "log: N is a number of lines, 1 to 128"));
	s = typed("log many\r");
	assert_non_null(strstr(s, "usage: log [N]"));
	/* a long line wraps at a word, indented under its text */
	MT_INF("%s", "word word word word word word word word word word word word word word "
		     "word word word word");
	s = typed("log 1\r");
	assert_fits_80(s);
	assert_non_null(strstr(s, "\r\n         word"));
}

/* ---- config ---- */

static void test_config_get_set_reset_apply_save(void **state)
{
	const char *s = typed("config get capture.fps\r");
	FILE *f;
	char text[8192], want[64];
	size_t n;

	snprintf(want, sizeof(want), "capture.fps = %d", CONFIG_MT_CAPTURE_FPS);
	assert_non_null(row(s, want));
	snprintf(want, sizeof(want), "default %d, range 1..60", CONFIG_MT_CAPTURE_FPS);
	assert_non_null(strstr(s, want));
	s = typed("config set capture.fps 10\r");
	assert_non_null(row(s, "capture.fps = 10"));
	assert_non_null(strstr(s, "takes effect at config apply"));
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_FPS), 10);
	s = typed("config show\r");
	assert_fits_80(s);
	assert_non_null(row(s, "capture.fps = 10  *"));
	assert_non_null(strstr(s, "* edited, not in effect yet"));
	s = typed("config get capture.fps\r");
	snprintf(want, sizeof(want), "edited; in force now: capture.fps = %d",
		 CONFIG_MT_CAPTURE_FPS);
	assert_non_null(strstr(s, want));
	/* log.level takes effect at once */
	s = typed("config set log.level dbg\r");
	assert_non_null(strstr(s, "in effect now"));
	assert_int_equal(mt_log_get_level(), MT_LOG_DBG);
	typed("config set log.level inf\r");
	/* console.* needs a reboot */
	s = typed("config set console.baud 9600\r");
	assert_non_null(strstr(s, "after config save and reboot"));
	/* a label with blanks, quoted or not */
	typed("config set device.location \"Shop 12, Ea Pok\"\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_DEVICE_LOCATION),
			    "Shop 12, Ea Pok");
	typed("config reset console.baud\r");
	s = typed("config apply\r");
	assert_non_null(strstr(s, "restarting camera and recorder with 2 changed keys"));
	assert_int_equal(rec.applies, 1);
	assert_int_equal(mt_config_int(&rec.applied, MT_CONFIG_CAPTURE_FPS), 10);
	s = typed("config apply\r");
	assert_non_null(strstr(s, "config apply: nothing edited"));
	assert_int_equal(rec.applies, 1);
	s = typed("config save\r");
	assert_non_null(strstr(s, "saved to "));
	f = fopen(conf, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "capture.fps = 10"));
	assert_non_null(strstr(text, "device.location = \"Shop 12, Ea Pok\""));
	s = typed("config reset all\r");
	assert_non_null(strstr(s, "every key is back to its default"));
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_FPS),
			 CONFIG_MT_CAPTURE_FPS);
}

static void test_config_errors_change_nothing(void **state)
{
	struct mt_config before = *mt_console_config(&con);
	const char *s;

	s = typed("config set capture.fps 0\r");
	assert_non_null(strstr(s, "config set: capture.fps = 0:"));
	s = typed("config set capture.fps fast\r");
	assert_non_null(strstr(s, "config set: capture.fps = fast:"));
	s = typed("config set capture.fsp 10\r");
	assert_non_null(strstr(s, "config set: no key 'capture.fsp' (did you mean capture.fps?)"));
	s = typed("config get nothing.at.all\r");
	assert_non_null(strstr(s, "no key 'nothing.at.all' (config show lists them)"));
	s = typed("config set motion.privacy 0,0 2,0 1,1\r");
	assert_non_null(strstr(s, "config set: motion.privacy"));
	s = typed("config frobnicate\r");
	assert_non_null(strstr(s, "usage: config show"));
	s = typed("config set capture.fps\r");
	assert_non_null(strstr(s, "usage: config show"));
	s = typed("config reset nothing\r");
	assert_non_null(strstr(s, "no key 'nothing'"));
	assert_true(mt_config_equal(&before, mt_console_config(&con)));
	/* a save that cannot be written says so */
	ccfg.config_path = "/nonexistent-matthan/dir/matthan.conf";
	s = typed("config save\r");
	assert_non_null(strstr(s, "config save: /nonexistent-matthan/dir/matthan.conf: "));
	ccfg.config_path = conf;
}

/* ---- camera ---- */

static void test_camera_info_formats_set(void **state)
{
	const char *s = typed("camera info\r");
	char want[80];

	assert_fits_80(s);
	assert_non_null(row(s, "format     mjpeg 320x240 at 25 fps (measured 24.9)"));
	assert_non_null(row(s, "frames     25, dropped 2, corrupt 0"));
	s = typed("camera formats\r");
	snprintf(want, sizeof(want), "asked      %s %dx%d at %d fps (capture.*)",
		 CONFIG_MT_CAPTURE_FORMAT_NAME, CONFIG_MT_CAPTURE_WIDTH, CONFIG_MT_CAPTURE_HEIGHT,
		 CONFIG_MT_CAPTURE_FPS);
	assert_non_null(row(s, want));
	assert_fits_80(s);
	assert_non_null(row(s, "camera's   4 modes (fps; encoded: as record.codec)"));
	assert_non_null(
		row(s, "  MJPG   1280x720               30 15                    as it comes"));
	assert_non_null(
		row(s, "  MJPG   640x480                30                       as it comes"));
	assert_non_null(row(s, "  YUYV   160x120..1920x1080     5..30                    encoded"));
	assert_non_null(
		row(s, "  GREY   320x240                60                       not usable"));
	assert_non_null(row(s, "camera     replay /footage/cdnet-highway/input")); /* and info */
	rec.modes_ret = -ENOSYS;
	s = typed("camera formats\r");
	assert_non_null(row(s, "camera's   this camera driver cannot list its modes"));
	rec.modes_ret = -EAGAIN;
	s = typed("camera formats\r");
	assert_non_null(row(s, "camera's   not asked yet (the camera is starting)"));
	rec.modes_ret = -ENODEV;
	s = typed("camera formats\r");
	assert_non_null(row(s, "camera's   the recorder is not running"));
	rec.modes_ret = 0;
	typed("camera set 640x480 10 mjpeg\r");
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_WIDTH), 640);
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_HEIGHT), 480);
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_FPS), 10);
	/* all or nothing: a bad rate leaves the size alone */
	s = typed("camera set 800x600 99\r");
	assert_non_null(strstr(s, "camera set: capture.fps = 99: out of range 1..60"));
	assert_non_null(strstr(s, "camera set: nothing changed"));
	assert_null(strstr(s, "capture.width = 800"));
	assert_int_equal(mt_config_int(mt_console_config(&con), MT_CONFIG_CAPTURE_WIDTH), 640);
	s = typed("camera set big\r");
	assert_non_null(strstr(s, "usage: camera info"));
	s = typed("camera set brightness=140\r");
	assert_non_null(strstr(s, "brightness = 140 (now;"));
	assert_string_equal(rec.control_name, "brightness");
	assert_int_equal(rec.control_value, 140);
	rec.control_ret = -ERANGE;
	s = typed("camera set brightness=999\r");
	assert_non_null(strstr(s, "brightness = 999 is out of the camera's range"));
	rec.control_ret = -ENOSYS;
	s = typed("camera set contrast=1\r");
	assert_non_null(strstr(s, "this camera has no controls"));
	s = typed("camera set contrast=high\r");
	assert_non_null(strstr(s, "'high' is not a whole number"));
	rec.running = false;
	s = typed("camera info\r");
	assert_non_null(strstr(s, "camera: the recorder is not running"));
}

static void test_camera_snapshot_writes_the_frame(void **state)
{
	const char *s;
	char path[400], want[64], *nl;
	struct stat stt;

	rec.snap = mt_test_footage_frame(1);
	s = typed("camera snapshot\r");
	assert_non_null(strstr(s, spool));
	snprintf(want, sizeof(want), "  mjpeg, %zu bytes", rec.snap->size);
	assert_non_null(strstr(s, want));
	snprintf(path, sizeof(path), "%s", strstr(s, spool));
	nl = strchr(path, '\r');
	assert_non_null(nl);
	*nl = '\0';
	assert_non_null(strstr(path, ".jpg"));
	assert_int_equal(stat(path, &stt), 0);
	assert_int_equal((size_t)stt.st_size, rec.snap->size);
	rec.snap_ret = -ENOENT;
	s = typed("camera snapshot\r");
	assert_non_null(strstr(s, "camera snapshot: no frame (the pre-roll ring is empty)"));
}

/* ---- view, masks, zones, motion tune ---- */

static void test_view_draws_picture_motion_masks_and_any_key_leaves(void **state)
{
	static const char shades[] = " .:-=+*oO@";
	const char *s, *r0, *r9;

	typed("mask add privacy J0:J9\r");
	typed("mask add ignore A9:B9\r");
	typed("zone add 2 80 D3:F5\r");
	/* "view ascii" then a key: one frame, and the key is used up */
	s = typed("view ascii\rq");
	assert_fits_80(s);
	assert_non_null(strstr(s, "\x1b[2J"));
	assert_non_null(strstr(s, "\x1b[H"));
	assert_non_null(strstr(s, "   0.0    0.1    0.2"));
	assert_non_null(strstr(s, "      A      B"));
	r0 = row(s, "0  ");
	assert_non_null(r0);
	/* motion top left, privacy the last tenth, shades rising in between */
	assert_memory_equal(r0 + 3, "MM", 2);
	assert_memory_equal(r0 + 3 + 63, "#######", 7);
	assert_true(strchr(shades, r0[3 + 20]) < strchr(shades, r0[3 + 50]));
	r9 = row(s, "9  ");
	assert_non_null(r9);
	assert_int_equal(r9[3 + 3], '/');
	assert_non_null(strchr(row(s, "3  "), '2')); /* zone 2's edge */
	assert_non_null(strstr(s, "\x1b[?25h"));     /* the cursor is back */
	assert_non_null(strstr(s, MT_CONSOLE_PROMPT));
	assert_string_equal(mt_lineedit_line(&con.ed), ""); /* "q" was not typed */
	/* colour: half blocks in 256 colours, for a given time */
	s = typed("view color 1\r");
	assert_fits_80(s);
	assert_non_null(strstr(s, "\x1b[38;5;"));
	assert_non_null(strstr(s, "\xe2\x96\x80"));
	s = typed("view 0\r");
	assert_non_null(strstr(s, "seconds are 1 to 3600"));
	rec.running = false;
	s = typed("view ascii 1\r");
	assert_non_null(strstr(s, "no picture yet"));
}

static void test_masks_in_both_coordinate_forms(void **state)
{
	const char *s = typed("mask add privacy A0:B1\r");

	assert_non_null(strstr(s, "motion.privacy = \"0,0 0.2,0 0.2,0.2 0,0.2\""));
	assert_non_null(strstr(s, "takes effect at config apply"));
	typed("mask add privacy 0.7,0 1,0 1,0.4\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_PRIVACY),
			    "0,0 0.2,0 0.2,0.2 0,0.2; 0.7,0 1,0 1,0.4");
	s = typed("mask list\r");
	assert_non_null(row(s, "ignore  (none)"));
	assert_non_null(row(s, "privacy 1: 0,0 0.2,0 0.2,0.2 0,0.2"));
	assert_non_null(row(s, "        2: 0.7,0 1,0 1,0.4"));
	typed("mask del privacy 1\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_PRIVACY),
			    "0.7,0 1,0 1,0.4");
	s = typed("mask del privacy 5\r");
	assert_non_null(strstr(s, "mask del: no area '5': 1 to 1, or all"));
	s = typed("mask add privacy 0,0 1.5,0 1,1\r");
	assert_non_null(strstr(s, "area '0,0 1.5,0 1,1': "));
	s = typed("mask add privacy K1:K2\r");
	assert_non_null(strstr(s, "area 'K1:K2': not grid cells (A0 to J9, as B3:D5)"));
	s = typed("mask add window A0:B1\r");
	assert_non_null(strstr(s, "'window' is not a mask: ignore or privacy"));
	s = typed("mask add privacy 0,0 1,0; 1,1 0,1 0,0\r");
	assert_non_null(strstr(s, "one area at a time"));
	s = typed("mask add privacy\r");
	assert_non_null(strstr(s, "usage: mask add"));
	typed("mask del privacy all\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_PRIVACY), "");
	/* the key holds 255 bytes: a mask that would not fit is refused */
	for (int i = 0; i < 8; i++)
		typed("mask add ignore 0.111,0.111 0.222,0.111 0.222,0.222 0.111,0.222\r");
	s = out;
	assert_non_null(strstr(s, "config set: motion.ignore"));
	assert_true(strlen(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_IGNORE)) <= 255);
}

static void test_zones(void **state)
{
	const char *s = typed("zone add 1 80 B5:J9\r");

	assert_non_null(strstr(s, "motion.zone.1 = \"80: 0.1,0.5 1,0.5 1,1 0.1,1\""));
	typed("zone add 1 80 A0\r");
	typed("zone set 1 60\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_ZONE1),
			    "60: 0.1,0.5 1,0.5 1,1 0.1,1; 0,0 0.1,0 0.1,0.1 0,0.1");
	s = typed("zone list\r");
	assert_non_null(row(s, "zone 1  sensitivity 60, 1: 0.1,0.5 1,0.5 1,1 0.1,1"));
	assert_non_null(row(s, "        2: 0,0 0.1,0 0.1,0.1 0,0.1"));
	assert_non_null(row(s, "zone 4  (none)"));
	typed("zone del 1 2\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_ZONE1),
			    "60: 0.1,0.5 1,0.5 1,1 0.1,1");
	typed("zone del 1\r");
	assert_string_equal(mt_config_str(mt_console_config(&con), MT_CONFIG_MOTION_ZONE1), "");
	s = typed("zone add 5 50 A0\r");
	assert_non_null(strstr(s, "'5' is not a zone: 1 to 4"));
	s = typed("zone add 1 200 A0\r");
	assert_non_null(strstr(s, "sensitivity '200': 1 (least) to 100 (most)"));
	s = typed("zone set 3 50\r");
	assert_non_null(strstr(s, "zone 3 is empty: zone add 3 50 AREA"));
	s = typed("zone add 1 50\r");
	assert_non_null(strstr(s, "usage: zone add"));
}

static void test_motion_tune_lines_until_a_key(void **state)
{
	const char *s = typed("motion tune\rx");

	assert_fits_80(s);
	assert_non_null(strstr(s, "sensitivity 50, min area 5 permille"));
	assert_non_null(strstr(s, "   0.0  MOTION      321     4.5    1.5        6.0       3"));
	s = typed("motion tune 2\r");
	assert_non_null(strstr(s, "   1.5  MOTION"));
	s = typed("motion\r");
	assert_non_null(strstr(s, "usage: motion tune"));
	rec.running = false;
	s = typed("motion tune 1\r");
	assert_non_null(strstr(s, "motion tune: the recorder is not running"));
}

/* ---- selftest, clips ---- */

static void test_selftest(void **state)
{
	const char *s = typed("selftest\r");
	char want[96];

	assert_fits_80(s);
	assert_non_null(row(s, "camera     ok: 100 new frames in 1 s")); /* +25 a call, 4 calls */
	assert_non_null(row(s, "storage    ok: 4096 bytes written, synced, read back"));
	assert_non_null(row(s, "clock      ok: monotonic runs"));
	assert_non_null(row(s, "key        FAIL: no evidence key at "));
	snprintf(want, sizeof(want), "space      ok: spool holds 0.0 of %d MiB (0 %%)",
		 CONFIG_MT_SPOOL_BYTES);
	assert_non_null(row(s, want));
	assert_non_null(row(s, "DNS         ok: station.local is 192.0.2.7"));
	assert_non_null(row(s, "station    ok: reachable, and it knows this box"));
	assert_non_null(strstr(s, "selftest: 5 passed, 1 failed\r\n"));
	assert_false(exists("spool/.selftest"));
	write_file("keys/evidence.key", "0123456789");
	s = typed("selftest\r");
	assert_non_null(row(s, "key        ok: evidence key present (10 bytes)"));
	/* restarting when the test begins (an enrollment just now): waited for */
	rec.down_calls = 2;
	s = typed("selftest\r");
	assert_non_null(row(s, "camera     ok: 100 new frames in 1 s"));
	rec.running = false;
	s = typed("selftest\r");
	assert_non_null(row(s, "camera     FAIL: the recorder is not running"));
	rec.test_ret = -ECONNREFUSED;
	s = typed("selftest\r");
	assert_non_null(row(s, "TCP         FAIL: connection refused: nothing listens on"));
	assert_non_null(row(s, "station    FAIL: the station is not reachable (the step above"));
	rec.test_ret = 0;
	ccfg.hooks.station_test = NULL;
	s = typed("selftest\r");
	assert_non_null(row(s, "station    FAIL: this program has no delivery"));
	/* storage that cannot be written */
	ccfg.keys_dir = keys;
	chmod(spool, 0500);
	if (access(spool, W_OK) != 0) { /* (root writes anyway) */
		s = typed("selftest\r");
		assert_non_null(row(s, "storage    FAIL: cannot create"));
	}
	chmod(spool, 0700);
}

static void test_clips_list_show(void **state)
{
	const char *s = typed("clips list\r");

	assert_non_null(strstr(s, "no clips in "));
	write_file("spool/clip-000001.mp4", "0123456789");
	write_file("spool/clip-000001.json",
		   "{\"clip\":{\"seq\":1},\"end\":{\"utc\":\"2026-03-01T10:00:09.000000Z\"},"
		   "\"start\":{\"mono_us\":5,\"utc\":\"2026-03-01T10:00:00.000000Z\"}}");
	write_file("spool/clip-000002.mp4", "01234");
	s = typed("clips list\r");
	assert_fits_80(s);
	assert_non_null(row(s, "clip-000001.mp4                  10  2026-03-01 10:00:00  yes"));
	assert_non_null(row(s, "clip-000002.mp4                   5  -                    no"));
	s = typed("clips show clip-000001\r");
	assert_non_null(strstr(s, "clip-000001.mp4: 10 bytes"));
	assert_non_null(strstr(s, "\"seq\":1"));
	s = typed("clips show clip-000002.mp4\r");
	assert_non_null(strstr(s, "no manifest"));
	s = typed("clips show clip-000009\r");
	assert_non_null(strstr(s, "no clip clip-000009"));
	s = typed("clips show ../keys/x\r");
	assert_non_null(strstr(s, "give a clip's name"));
	s = typed("clips\r");
	assert_non_null(strstr(s, "usage: clips list"));
}

/* ---- delivery: status, enroll, station test, clips upload ---- */

static void test_status_shows_delivery(void **state)
{
	const char *s;

	write_file("spool/clip-000007.mp4", "0123456789");
	write_file("spool/clip-000007.json", "{}");
	write_file("spool/clip-000007.sig", "s");
	write_file("spool/clip-000007.rcpt", "r");
	write_file("spool/clip-000008.mp4", "0123456789");
	write_file("spool/clip-000008.json", "{}");
	write_file("spool/clip-000008.sig", "s");
	write_file("spool/clip-000009.mp4", "01234"); /* still being written: not sealed */
	rec.del = (struct mt_console_delivery){ .on = true,
						.url = "https://station.local:8443",
						.connected = true,
						.delivered = 3,
						.bytes = 3 * 1048576,
						.last_seq = 7,
						.last_age_us = 5000000 };
	s = typed("status\r");
	assert_fits_80(s);
	assert_non_null(row(s, "upload     1 queued, 3 sent (3.0 MiB), last clip-000007 5 s ago"));
	assert_non_null(row(s, "station    https://station.local:8443, connected"));
	rec.del.connected = false;
	rec.del.backing_off = true;
	rec.del.retry_in_us = 3500000;
	rec.del.last_age_us = 600000000;
	snprintf(rec.del.last_why, sizeof(rec.del.last_why),
		 "clip 8: Connection refused (TCP connect to station.local:8443 failed (-111))");
	s = typed("status\r");
	assert_fits_80(s);
	assert_non_null(
		row(s, "upload     1 queued, 3 sent (3.0 MiB), last clip-000007 10 min ago"));
	assert_non_null(
		row(s, "station    https://station.local:8443, retry in 4 s; last error: clip"));
	rec.del = (struct mt_console_delivery){ .last_age_us = -1, .on = true, .url = "https://s" };
	s = typed("status\r");
	assert_non_null(row(s, "upload     1 queued, none sent since start"));
	assert_non_null(row(s, "station    https://s, not connected"));
	rec.del = (struct mt_console_delivery){ .why = "not enrolled (run: matthan enroll URL "
						       "CODE FINGERPRINT)" };
	s = typed("status\r");
	assert_fits_80(s);
	assert_non_null(row(s, "upload     off: not enrolled (run: matthan enroll URL CODE"));
	ccfg.hooks.delivery = NULL;
	s = typed("status\r");
	assert_non_null(row(s, "upload     unknown (Function not implemented)"));
}

static void test_enroll_saves_url_and_id_only(void **state)
{
	const char *s;
	char *text;

	write_file("matthan.conf", "device.location = \"Ngo 12, Hang Bac\"\n");
	typed("config set motion.sensitivity 70\r");
	rec.enroll_ret = -EACCES;
	s = typed("enroll https://station.local:8443 BAD-CODE 00ff\r");
	assert_non_null(strstr(s, "enrolling with https://station.local:8443 ..."));
	assert_non_null(strstr(s, "enroll: the station answered 403: unknown enrollment code"));
	assert_int_equal(rec.enrolls, 1);
	assert_int_equal(rec.applies, 0);
	text = read_file("matthan.conf");
	assert_null(strstr(text, "station.url"));
	free(text);

	rec.enroll_ret = 0;
	s = typed("enroll https://station.local:8443 K7Q2-9XPM 00ff\r");
	assert_fits_80(s);
	assert_string_equal(rec.enroll_code, "K7Q2-9XPM");
	assert_non_null(strstr(s, "enrolled as mt-00112233 with https://station.local:8443"));
	assert_non_null(strstr(s, "saved station.url and device.id in "));
	assert_non_null(strstr(s, "the recorder restarts so new clips name mt-00112233"));
	text = read_file("matthan.conf");
	assert_non_null(strstr(text, "station.url = \"https://station.local:8443\""));
	assert_non_null(strstr(text, "device.id = \"mt-00112233\""));
	assert_non_null(strstr(text, "device.location = \"Ngo 12, Hang Bac\""));
	assert_null(strstr(text, "motion.sensitivity = 70")); /* an edit not saved stays so */
	free(text);
	/* the recorder restarts on what it ran plus the enrollment */
	assert_int_equal(rec.applies, 1);
	assert_string_equal(mt_config_str(&rec.applied, MT_CONFIG_DEVICE_ID), "mt-00112233");
	assert_int_equal(mt_config_int(&rec.applied, MT_CONFIG_MOTION_SENSITIVITY), 50);
	s = typed("config show\r");
	assert_null(strstr(s, "* device.id"));

	/* a file that is not valid is not overwritten */
	write_file("matthan.conf", "capture.fps = lots\n");
	s = typed("enroll https://station.local:8443 K7Q2-9XPM 00ff\r");
	assert_non_null(strstr(s, "could not be saved"));
	text = read_file("matthan.conf");
	assert_string_equal(text, "capture.fps = lots\n");
	free(text);

	s = typed("enroll\r");
	assert_non_null(strstr(s, "usage: enroll URL CODE FINGERPRINT"));
	ccfg.hooks.enroll = NULL;
	s = typed("enroll https://s X 00\r");
	assert_non_null(strstr(s, "enroll: this program has no delivery"));
}

static void test_station_test_says_each_step(void **state)
{
	const char *s = typed("station test\r");

	assert_fits_80(s);
	assert_non_null(row(s, "station     https://station.local:8443"));
	assert_non_null(row(s, "DNS         ok: station.local is 192.0.2.7"));
	assert_non_null(row(s, "certificate ok: signed by the station CA, for station.local"));
	assert_non_null(row(s, "HTTP        ok: 200, the station knows this box as mt-00112233"));
	assert_non_null(row(s, "station test: every step ok"));
	rec.test_ret = -ECONNREFUSED;
	s = typed("station test\r");
	assert_fits_80(s);
	assert_non_null(row(s,
			    "TCP         FAIL: connection refused: nothing listens on station.local"
			    " port 8443"));
	assert_non_null(row(s, "            (is the station running?)"));
	assert_non_null(row(s, "station test: FAIL (the step above says why)"));
	assert_null(strstr(s, "HTTP"));
	s = typed("station\r");
	assert_non_null(strstr(s, "usage: station test"));
	ccfg.hooks.station_test = NULL;
	s = typed("station test\r");
	assert_non_null(strstr(s, "station test: this program has no delivery"));
}

static void test_clips_upload(void **state)
{
	const char *s;

	write_file("spool/clip-000001.mp4", "0123456789");
	write_file("spool/clip-000001.json", "{}");
	write_file("spool/clip-000001.sig", "s");
	write_file("spool/clip-000001.rcpt", "r");
	write_file("spool/clip-000002.mp4", "0123456789");
	write_file("spool/clip-000002.json", "{}");
	write_file("spool/clip-000002.sig", "s");
	write_file("spool/clip-000003.mp4", "01234");
	s = typed("clips upload clip-000002\r");
	assert_fits_80(s);
	assert_non_null(strstr(s, "clip-000002 is queued: the uploader tries now"));
	assert_int_equal(rec.upload_nows, 1);
	s = typed("clips upload clip-000001.mp4\r");
	assert_non_null(strstr(s, "clip-000001 is delivered already (its receipt is kept)"));
	s = typed("clips upload clip-000003\r");
	assert_non_null(strstr(s, "clip-000003 is not sealed"));
	s = typed("clips upload clip-000009\r");
	assert_non_null(strstr(s, "no clip clip-000009 in the spool"));
	s = typed("clips upload ../keys/x\r");
	assert_non_null(strstr(s, "'../keys/x' is not a clip name"));
	assert_int_equal(rec.upload_nows, 1);
	rec.upload_now_ret = -ENODEV;
	snprintf(rec.del.why, sizeof(rec.del.why), "not enrolled");
	s = typed("clips upload clip-000002\r");
	assert_non_null(strstr(s, "clips upload: uploads are off: not enrolled"));
	s = typed("clips upload\r");
	assert_non_null(strstr(s, "usage: clips list"));
}

/* ---- ota: the agent's answers through the hook ---- */

static void test_ota_asks_the_agent(void **state)
{
	static const char *const verbs[] = { "status", "check", "apply", "rollback" };
	const char *s;
	char want[64];

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		snprintf(want, sizeof(want), "ota %s\r", verbs[i]);
		s = typed(want);
		assert_string_equal(rec.ota_verb, verbs[i]);
		snprintf(want, sizeof(want), "agent said %s\r\nsecond line\r\n", verbs[i]);
		assert_non_null(strstr(s, want));
	}
	rec.ota_verb[0] = '\0';
	s = typed("ota upgrade\r");
	assert_non_null(strstr(s, "usage: ota status "));
	assert_non_null(strstr(s, "example: ota check"));
	s = typed("ota\r");
	assert_non_null(strstr(s, "usage: ota status "));
	s = typed("ota status now\r");
	assert_non_null(strstr(s, "usage: ota status "));
	assert_string_equal(rec.ota_verb, ""); /* none of these reached the agent */
	rec.ota_ret = -ENODEV;
	s = typed("ota check\r");
	assert_non_null(strstr(s, "updates are off: no slot root"));
	rec.ota_ret = 0;
}

/* ---- the console password and setup ---- */

/* The configuration file as matthan would load it at its next start. */
static void load_conf(struct mt_config *c)
{
	assert_int_equal(mt_config_load(c, &ps.dev, conf, NULL), 0);
	assert_true(c->from_file);
}

/* A new start of the console on the configuration file (a reboot). */
static void restart_console(void)
{
	mt_console_free(&con);
	load_conf(&start_cfg);
	mt_console_init(&con, &ccfg);
	mt_console_begin(&con);
	mt_fake_serial_take_output(&ser, out, sizeof(out) - 1);
}

static void test_first_boot_offers_only_setup_help_status_view_log(void **state)
{
	static const char *const refused[] = {
		"config show", "camera info",   "mask list", "selftest",     "clips list",
		"reboot",      "factory-reset", "passwd",    "enroll a b c", NULL
	};
	char buf[4096];
	const char *s;
	size_t n;

	mt_console_begin(&con);
	n = mt_fake_serial_take_output(&ser, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "No console password is set (there is no default): "
				    "type setup."));
	assert_non_null(strstr(buf, MT_CONSOLE_PROMPT));
	for (size_t i = 0; refused[i]; i++) {
		char line[64];

		snprintf(line, sizeof(line), "%s\r", refused[i]);
		s = typed(line);
		assert_non_null(strstr(s, "no console password yet (there is no default): type "
					  "setup."));
		assert_fits_80(s);
	}
	assert_int_equal(rec.reboots, 0);
	s = typed("help\r");
	assert_non_null(row(s, "  setup"));
	assert_non_null(row(s, "  passwd"));
	s = typed("status\r");
	assert_non_null(row(s, "console    no password yet (setup); 0 wrong passwords"));
	s = typed("log 3\r");
	assert_null(strstr(s, "no console password yet"));
	s = typed("view ascii 1\r");
	assert_non_null(strstr(s, "thumbnail"));
}

static void test_login_hides_input_and_delays_failures(void **state)
{
	const char *s;

	mt_console_free(&con); /* a new start on start_cfg, which has the password */
	mt_console_init(&con, &ccfg);
	mt_console_begin(&con);
	s = typed("");
	assert_non_null(strstr(s, "password: "));
	assert_null(strstr(s, MT_CONSOLE_PROMPT));
	/* a command is a wrong password; nothing typed is echoed */
	s = typed("status\r");
	assert_null(strstr(s, "status"));
	assert_non_null(strstr(s, "wrong password; try again in 1 s"));
	assert_true(mt_console_locked(&con));
	/* during the delay even the right password is dropped */
	s = typed(PASSWORD "\r");
	assert_true(mt_console_locked(&con));
	assert_null(strstr(s, "password: "));
	mt_manual_clock_advance(&clk, 1000000);
	assert_int_equal(mt_console_poll(&con, 0), 0);
	s = typed("");
	assert_non_null(strstr(s, "password: "));
	/* Ctrl-C and Backspace edit the hidden line; Enter alone asks again */
	s = typed("xx\x03"
		  "\r");
	assert_non_null(strstr(s, "password: "));
	s = typed(PASSWORD "x\x7f"
			   "y\r");
	assert_non_null(strstr(s, "try again in 2 s"));
	mt_manual_clock_advance(&clk, 2000000);
	s = typed(PASSWORD "\r");
	assert_non_null(strstr(s, "(2 wrong passwords before this one)"));
	assert_non_null(strstr(s, MT_CONSOLE_PROMPT));
	assert_false(mt_console_locked(&con));
	s = typed("status\r");
	assert_non_null(row(s, "console    password set; 2 wrong passwords since start"));
	s = typed("log 5\r");
	assert_non_null(strstr(s, "wrong password (2 in a row, 2 since start)"));
	assert_non_null(strstr(s, "console: logged in"));
	assert_null(strstr(s, "console: console:"));
	assert_null(strstr(s, PASSWORD));
	assert_fits_80(s);
}

static void test_delay_grows_to_30_s_and_garbage_cannot_log_in(void **state)
{
	static const unsigned want[] = { 1, 2, 4, 8, 16, 30, 30 };
	static char junk[64 * 1024];
	struct mt_config before;

	mt_console_free(&con);
	mt_console_init(&con, &ccfg); /* start_cfg has the password */
	mt_console_begin(&con);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *s = typed("nope-nope\r");
		char text[48];

		snprintf(text, sizeof(text), "try again in %u s", want[i]);
		assert_non_null(strstr(s, text));
		mt_manual_clock_advance(&clk, (int64_t)want[i] * 1000000);
	}
	before = con.work;
	srand(5);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rand();
	session(junk, sizeof(junk));
	assert_true(mt_console_locked(&con));
	assert_true(mt_config_equal(&before, &con.work));
	assert_int_equal(rec.applies + rec.reboots, 0);
	assert_false(exists("matthan.conf"));
}

static void test_idle_console_logs_out(void **state)
{
	const int64_t idle = (int64_t)CONFIG_MT_CONSOLE_IDLE_LOGOUT_SECONDS * 1000000;
	const char *s;

	typed("sta"); /* a key typed: the idle time starts again */
	mt_manual_clock_advance(&clk, idle - 1000000);
	s = typed("tus\r");
	assert_non_null(strstr(s, "uptime"));
	mt_manual_clock_advance(&clk, idle - 1000000);
	assert_int_equal(mt_console_poll(&con, 0), 0);
	assert_false(mt_console_locked(&con));
	mt_manual_clock_advance(&clk, 1000000);
	assert_int_equal(mt_console_poll(&con, 0), 0);
	s = typed("");
	assert_non_null(strstr(s, "logged out after"));
	assert_non_null(strstr(s, "password: "));
	assert_true(mt_console_locked(&con));
	s = typed("status\r"); /* a wrong password now */
	assert_null(strstr(s, "uptime"));
	mt_manual_clock_advance(&clk, 1000000);
	log_in(PASSWORD);
	s = typed("log 3\r");
	assert_non_null(strstr(s, "logged out after"));
}

static void test_passwd_needs_the_old_one(void **state)
{
	struct mt_config f;
	const char *s;

	s = typed("passwd now\r");
	assert_non_null(strstr(s, "usage: passwd"));
	s = typed("passwd\rwrong-one\r");
	assert_non_null(strstr(s, "old password: "));
	assert_non_null(strstr(s, "wrong password; try again in 1 s"));
	assert_non_null(strstr(s, "passwd: nothing changed"));
	assert_null(strstr(s, "wrong-one"));
	assert_false(exists("matthan.conf"));
	s = typed("passwd\r\x03");
	assert_non_null(strstr(s, "passwd: nothing changed"));
	s = typed("passwd\r" PASSWORD
		  "\rshort\rnew-pass-22\rnew-pass-23\rnew-pass-22\rnew-pass-22\r");
	assert_non_null(strstr(s, "too short: at least 8 characters"));
	assert_non_null(strstr(s, "the two differ; once more"));
	assert_non_null(strstr(s, "password set (PBKDF2-SHA256, 1000 rounds) and saved"));
	assert_null(strstr(s, "new-pass-2"));
	assert_fits_80(s);
	/* only the hash is in the file, and it is the new password's */
	load_conf(&f);
	assert_int_equal(mt_password_verify(mt_config_str(&f, MT_CONFIG_CONSOLE_PASSWORD),
					    "new-pass-22"),
			 0);
	assert_int_equal(mt_password_verify(mt_config_str(&f, MT_CONFIG_CONSOLE_PASSWORD),
					    PASSWORD),
			 -EACCES);
	/* only the password was written: nothing else edited was saved */
	assert_true(mt_config_is_default(&f, MT_CONFIG_CAPTURE_FPS));
	restart_console();
	log_in("new-pass-22");
	/* three bad tries leave it as it was */
	s = typed("passwd\rnew-pass-22\rshort\rshort\rshort\r");
	assert_non_null(strstr(s, "passwd: no new password set"));
	load_conf(&f);
	assert_int_equal(mt_password_verify(mt_config_str(&f, MT_CONFIG_CONSOLE_PASSWORD),
					    "new-pass-22"),
			 0);
	s = typed("log 20\r");
	assert_null(strstr(s, "new-pass"));
}

static void test_config_never_shows_the_password(void **state)
{
	const char *s;

	s = typed("config show\r");
	assert_non_null(row(s, "console.password = (set)"));
	assert_null(strstr(s, "pbkdf2"));
	s = typed("config get console.password\r");
	assert_non_null(row(s, "console.password = (set)"));
	assert_null(strstr(s, "pbkdf2"));
	s = typed("config set console.password hunter2hunter2\r");
	assert_non_null(strstr(s, "config set: console.password is changed with passwd"));
	s = typed("config reset console.password\r");
	assert_non_null(strstr(s, "config reset: console.password is changed with passwd"));
	typed("config reset all\r");
	assert_true(mt_console_has_password(&con));
	s = typed("config show\r");
	assert_non_null(row(s, "console.password = (set)"));
	s = typed("config save\r");
	assert_non_null(strstr(s, "saved to"));
	assert_null(strstr(s, "pbkdf2"));
}

#define FP64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_setup_leaves_and_resumes(void **state)
{
	struct mt_config f;
	const char *s;

	/* first boot: password, location, then leave at the camera step */
	s = typed("setup\r" PASSWORD "\r" PASSWORD "\rNha so 12, duong 3\rq\r");
	assert_non_null(strstr(s, "setup: first setup at step 1 of 6"));
	assert_non_null(strstr(s, "[1/6] Console password"));
	assert_non_null(strstr(s, "password set (PBKDF2-SHA256, 1000 rounds) and saved"));
	assert_null(strstr(s, PASSWORD));
	assert_non_null(strstr(s, "[2/6] Location label"));
	assert_non_null(strstr(s, "device.location = Nha so 12, duong 3"));
	assert_non_null(strstr(s, "[3/6] Camera format"));
	assert_non_null(strstr(s, "setup left at step 3; type setup to go on"));
	assert_fits_80(s);
	load_conf(&f);
	assert_string_equal(mt_config_str(&f, MT_CONFIG_DEVICE_LOCATION), "Nha so 12, duong 3");
	assert_int_equal(
		mt_password_verify(mt_config_str(&f, MT_CONFIG_CONSOLE_PASSWORD), PASSWORD), 0);
	assert_int_equal(mt_config_int(&f, MT_CONFIG_SETUP_DONE), 0);

	/* a reboot: the password is asked, setup goes on at step 3 */
	restart_console();
	log_in(PASSWORD);
	s = typed("setup\r"
		  "640x480 15 mjpeg\r"
		  "mask add privacy H0:J2\rstatus\rmask list\r\r"
		  "https://station.local:8443\rBAD-CODE\r" FP64 "\r"
		  "\rGOOD-CODE\r" FP64 "\r"
		  "s\r");
	assert_non_null(strstr(s, "setup: going on at step 3 of 6"));
	assert_null(strstr(s, "[2/6] Location label"));
	assert_non_null(strstr(s, "capture.width = 640"));
	assert_non_null(strstr(s, "[4/6] Privacy masks"));
	assert_non_null(strstr(s, "here: view, mask, zone, motion tune, help"));
	assert_non_null(strstr(s, "[5/6] Station enrollment"));
	assert_non_null(strstr(s, "enroll: the station refused the code (403)"));
	assert_non_null(strstr(s, "enrolled as EP-0001 with https://station.local:8443"));
	assert_non_null(strstr(s, "[6/6] Self-test"));
	assert_non_null(strstr(s, "selftest: "));
	assert_non_null(strstr(s, "setup went through, with steps skipped"));
	assert_non_null(row(s, "  [5/6] station           done"));
	assert_non_null(row(s, "  [6/6] self-test         to do"));
	assert_non_null(strstr(s, "restarting camera and recorder"));
	assert_fits_80(s);
	assert_int_equal(rec.enrolls, 2);
	assert_string_equal(rec.enroll_location, "Nha so 12, duong 3");
	/* the enrollment restarts the recorder (new clips name EP-0001), and
	 * the end of setup again with the camera format */
	assert_int_equal(rec.applies, 2);
	assert_int_equal(mt_config_int(&rec.applied, MT_CONFIG_CAPTURE_WIDTH), 640);
	load_conf(&f);
	assert_int_equal(mt_config_int(&f, MT_CONFIG_CAPTURE_WIDTH), 640);
	assert_int_equal(mt_config_int(&f, MT_CONFIG_CAPTURE_FPS), 15);
	assert_string_equal(mt_config_str(&f, MT_CONFIG_MOTION_PRIVACY), "0.7,0 1,0 1,0.3 0.7,0.3");
	assert_string_equal(mt_config_str(&f, MT_CONFIG_STATION_URL), "https://station.local:8443");
	assert_string_equal(mt_config_str(&f, MT_CONFIG_DEVICE_ID), "EP-0001");
	assert_int_equal(mt_config_int(&f, MT_CONFIG_SETUP_DONE), 3);

	/* the self-test passes once the key is there: setup is done */
	write_file("keys/evidence.key", "k");
	s = typed("setup\r");
	assert_non_null(strstr(s, "setup: going on at step 6 of 6"));
	assert_non_null(strstr(s, "setup done:"));
	load_conf(&f);
	assert_int_equal(mt_config_int(&f, MT_CONFIG_SETUP_DONE), 7);
	s = typed("setup\r");
	assert_non_null(strstr(s, "setup is done:"));
	assert_non_null(row(s, "  [1/6] console password  done"));
	s = typed("setup later\r");
	assert_non_null(strstr(s, "usage: setup"));
	/* again: every step but the password; Ctrl-C leaves at once */
	s = typed("setup again\r\x03");
	assert_non_null(strstr(s, "[2/6] Location label"));
	assert_non_null(strstr(s, "setup left at step 2"));
	assert_null(strstr(s, "[1/6]"));
	assert_non_null(strstr(s, "now: Nha so 12, duong 3 (Enter keeps it)\r\nlocation: "));
}

static void test_setup_answers_that_are_refused(void **state)
{
	const char *s;

	/* a short password, then two that differ, then Enter alone: left */
	s = typed("setup\rabc\r" PASSWORD "\r" PASSWORD "x\r\r");
	assert_non_null(strstr(s, "too short: at least 8 characters"));
	assert_non_null(strstr(s, "the two differ; once more"));
	assert_non_null(strstr(s, "setup left at step 1"));
	assert_false(mt_console_has_password(&con));
	/* no random source: no password */
	ccfg.random = NULL;
	s = typed("setup\r" PASSWORD "\r" PASSWORD "\r");
	assert_non_null(strstr(s, "setup: this board has no random source for a salt"));
	assert_false(mt_console_has_password(&con));
	ccfg.random = &rnd.dev;
	/* a bad file is not overwritten: the password holds until a reboot */
	write_file("matthan.conf", "capture.fps = 1000\n");
	s = typed("setup\r" PASSWORD "\r" PASSWORD "\r\r\rq\r");
	assert_non_null(strstr(s, "not kept: the configuration file is bad"));
	assert_non_null(strstr(s, "setup: set for now, but lost at a reboot"));
	assert_non_null(strstr(s, "a label is needed (s skips, q leaves)"));
	assert_true(mt_console_has_password(&con));
	/* skip steps: the station's hook missing says so */
	unlink(conf);
	assert_false(exists("matthan.conf"));
	ccfg.hooks.enroll = NULL;
	s = typed("setup\rs\r\rs\rhttps://x:1\rC\rF\rs\rs\r");
	assert_non_null(strstr(s, "enroll: this program has no delivery"));
	assert_non_null(strstr(s, "setup went through, with steps skipped"));
	assert_non_null(row(s, "  [2/6] location label    to do"));
	assert_non_null(row(s, "  [3/6] camera format     done"));
	assert_fits_80(s);
}

/* ---- reboot, factory-reset ---- */

static void test_reboot_asks_the_app(void **state)
{
	const char *s = typed("reboot now\r");

	assert_non_null(strstr(s, "usage: reboot"));
	assert_int_equal(rec.reboots, 0);
	s = typed("reboot\r");
	assert_non_null(strstr(s, "finishing the clip in progress and restarting"));
	assert_int_equal(rec.reboots, 1);
	assert_true(con.exit_requested);
}

static void test_factory_reset_needs_the_word_then_erases(void **state)
{
	const char *s;

	write_file("keys/evidence.key", "secret");
	write_file("keys/evidence.crt", "cert");
	write_file("matthan.conf", "capture.fps = 10\n");
	write_file("spool/clip-000001.mp4", "clip");
	write_file("spool/clip-000001.json", "{}");
	mkdir(strcat(strcpy(out, dir), "/spool/journal"), 0700);
	write_file("spool/journal/offsets", "1");
	write_file("other.txt", "not ours");
	s = typed("factory-reset\rerase\r");
	assert_fits_80(s);
	assert_non_null(strstr(s, "Type ERASE to confirm: "));
	assert_non_null(strstr(s, "factory-reset: not confirmed, nothing erased"));
	assert_true(exists("keys/evidence.key") && exists("matthan.conf"));
	s = typed("factory-reset\r\x03");
	assert_non_null(strstr(s, "nothing erased"));
	s = typed("factory-reset\rERASE\r");
	assert_non_null(strstr(s, "factory-reset: erased 6 files"));
	assert_false(exists("keys/evidence.key"));
	assert_false(exists("keys/evidence.crt"));
	assert_false(exists("matthan.conf"));
	assert_false(exists("spool/clip-000001.mp4"));
	assert_false(exists("spool/journal"));
	assert_true(exists("other.txt"));
	assert_true(exists("keys") && exists("spool"));
	assert_int_equal(rec.reboots, 1);
}

/* ---- robustness ---- */

static void test_garbage_does_not_crash_or_change_config(void **state)
{
	struct mt_config before = *mt_console_config(&con);
	static char junk[256 * 1024];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (char)(x >> 16);
		/* keep Enter rare so lines are long, as a bad paste is */
		if (junk[i] == '\r' && (x & 0x700))
			junk[i] = ' ';
	}
	session(junk, sizeof(junk));
	session("\x1b[", 2); /* half a sequence at the end */
	assert_true(mt_config_equal(&before, mt_console_config(&con)));
	assert_int_equal(rec.reboots, 0);
	assert_int_equal(rec.applies, 0);
	/* and it still works */
	assert_non_null(strstr(typed("\x03help log\r"), "usage: log [N]"));
}

static void test_nobody_reading_drops_output_not_time(void **state)
{
	const char *s;

	mt_fake_serial_fail_writes(&ser, -ETIMEDOUT);
	typed("help\r");
	typed("status\r");
	assert_true(con.mute);
	mt_fake_serial_fail_writes(&ser, 0);
	s = typed("log 1\r"); /* too soon to try again: still quiet */
	assert_true(con.mute);
	assert_string_equal(s, "");
	mt_manual_clock_advance(&clk, 5000000);
	s = typed("log 1\r");
	assert_false(con.mute);
	assert_non_null(strstr(s, "bytes of output were dropped: nobody read)"));
	assert_non_null(strstr(s, "console output dropped"));
}

static void test_thread_runs_and_stops(void **state)
{
	struct mt_console_config tcfg = ccfg;
	struct mt_fake_serial ts;
	static struct mt_console tc;
	char buf[8192] = "";
	size_t got = 0;

	mt_fake_serial_init(&ts, &mt_linux_clock, false);
	assert_int_equal(mt_serial_open(&ts.dev, &scfg), 0);
	tcfg.serial = &ts.dev;
	tcfg.clock = &mt_linux_clock;
	mt_console_init(&tc, &tcfg);
	assert_int_equal(mt_console_start(&tc), 0);
	assert_string_equal(mt_thread_name(mt_console_thread(&tc)), "mt-console");
	assert_int_equal(mt_fake_serial_push_input(&ts, PASSWORD "\rhelp log\r", 24), 0);
	for (int i = 0; i < 200 && !strstr(buf, "example: log 50"); i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
		got += mt_fake_serial_take_output(&ts, buf + got, sizeof(buf) - 1 - got);
		buf[got] = '\0';
	}
	assert_non_null(strstr(buf, "example: log 50"));
	mt_console_stop(&tc);
	mt_console_free(&tc);
	mt_fake_serial_free(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_help_lists_every_command_in_80_columns),
		T(test_typo_is_named_with_a_guess),
		T(test_tab_completes_commands_and_arguments),
		T(test_history_recalls_commands),
		T(test_status_shows_the_recorder),
		T(test_log_shows_the_last_lines),
		T(test_config_get_set_reset_apply_save),
		T(test_config_errors_change_nothing),
		T(test_camera_info_formats_set),
		T(test_camera_snapshot_writes_the_frame),
		T(test_view_draws_picture_motion_masks_and_any_key_leaves),
		T(test_masks_in_both_coordinate_forms),
		T(test_zones),
		T(test_motion_tune_lines_until_a_key),
		T(test_selftest),
		T(test_clips_list_show),
		T(test_status_shows_delivery),
		T(test_enroll_saves_url_and_id_only),
		T(test_station_test_says_each_step),
		T(test_clips_upload),
		T(test_ota_asks_the_agent),
		T(test_reboot_asks_the_app),
		T(test_factory_reset_needs_the_word_then_erases),
		T(test_garbage_does_not_crash_or_change_config),
		T(test_nobody_reading_drops_output_not_time),
		T(test_thread_runs_and_stops),
		T(test_login_hides_input_and_delays_failures),
		T(test_delay_grows_to_30_s_and_garbage_cannot_log_in),
		T(test_idle_console_logs_out),
		T(test_passwd_needs_the_old_one),
		T(test_config_never_shows_the_password),
#undef T
#define F(f) cmocka_unit_test_setup_teardown(f, setup_first_boot, teardown)
		F(test_first_boot_offers_only_setup_help_status_view_log),
		F(test_setup_leaves_and_resumes),
		F(test_setup_answers_that_are_refused),
#undef F
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
