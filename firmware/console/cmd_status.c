/* status, log and selftest: how the box is doing, in a few lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/cmd.h"
#include "console/spool.h"
#include "core/errors.h"
#include "core/file.h"
#include "hal/clock.h"
#include "hal/storage.h"

#define MIB (1024.0 * 1024.0)

static void format_hms(char *buf, size_t len, int64_t us)
{
	int64_t s = us / 1000000;

	snprintf(buf, len, "%lld d %02lld:%02lld:%02lld", (long long)(s / 86400),
		 (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60));
}

static const char *motion_word(enum mt_console_motion m)
{
	switch (m) {
	case MT_CONSOLE_MOTION_LEARNING:
		return "learning the scene";
	case MT_CONSOLE_MOTION_QUIET:
		return "quiet";
	case MT_CONSOLE_MOTION_ACTIVE:
		return "MOTION (event going on)";
	default:
		return "nothing analysed yet";
	}
}

/* "2026-01-01 00:00:00 UTC, not synced" */
static void format_utc(struct mt_console *c, char *buf, size_t len)
{
	struct mt_utc u;
	struct tm tm;
	time_t t;

	if (mt_clock_utc(c->cfg->clock, &u)) {
		snprintf(buf, len, "no UTC clock on this board");
		return;
	}
	t = (time_t)(u.unix_us / 1000000);
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d UTC, %s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 u.sync == MT_CLOCK_SYNCED ? "synced" : "not synced");
}

/* Prints "; "-separated parts of text one per line under a label. */
static void print_parts(struct mt_console *c, const char *label, const char *text)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		const char *sep = strstr(p, "; ");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);

		mt_console_printf(c, "%-11s%.*s\n", first ? label : "", (int)n, p);
		first = false;
		p += n + (sep ? 2 : 0);
	}
}

static void status_recorder(struct mt_console *c, const struct mt_console_status *s)
{
	char t[32];
	const struct mt_capture_format *f = &s->format;

	format_hms(t, sizeof(t), s->run_us);
	mt_console_printf(c, "recorder   running for %s\n", t);
	mt_console_wrap(c, "camera", 11, s->camera);
	if (s->have_format && s->fps_x10)
		mt_console_printf(c, "format     %s %ux%u at %u fps, measured %u.%u fps\n",
				  mt_pixfmt_name(f->format), f->width, f->height, f->fps,
				  s->fps_x10 / 10, s->fps_x10 % 10);
	else if (s->have_format)
		mt_console_printf(c, "format     %s %ux%u at %u fps, measuring\n",
				  mt_pixfmt_name(f->format), f->width, f->height, f->fps);
	else
		mt_console_printf(c, "format     none yet\n");
	mt_console_printf(c, "frames     %llu captured, %llu dropped by the camera, %llu corrupt\n",
			  (unsigned long long)s->stats.frames, (unsigned long long)s->stats.dropped,
			  (unsigned long long)s->stats.corrupt);
	mt_console_printf(c, "analysis   %llu analysed, %llu skipped (busy), %llu unreadable\n",
			  (unsigned long long)s->analysed, (unsigned long long)s->skipped,
			  (unsigned long long)s->unreadable);
	mt_console_printf(c, "motion     %s, score %u, %llu events\n", motion_word(s->motion),
			  s->score, (unsigned long long)s->events);
	mt_console_printf(c, "recording  %llu clips, %llu frames, %llu lost, %llu failed\n",
			  (unsigned long long)s->clips, (unsigned long long)s->clip_frames,
			  (unsigned long long)s->clip_lost, (unsigned long long)s->clip_errors);
	if (s->evidence)
		mt_console_printf(c,
				  "evidence   %llu sealed, %llu receipted; %llu evicted, "
				  "%llu UNSENT LOST, %llu EVENTS REFUSED\n",
				  (unsigned long long)s->sealed, (unsigned long long)s->receipts,
				  (unsigned long long)s->evicted,
				  (unsigned long long)s->unsent_lost,
				  (unsigned long long)s->refused);
	else
		mt_console_printf(c, "evidence   NOT SIGNED (no key or spool; see the log)\n");
	mt_console_printf(c, "pre-roll   %u frames, %.1f MiB in RAM\n", s->ring_frames,
			  (double)s->ring_bytes / MIB);
	print_parts(c, "watchdog", s->watchdog[0] ? s->watchdog : "no supervisor running");
}

int mt_cmd_status(struct mt_console *c, int argc, char **argv)
{
	struct mt_console_status *s = calloc(1, sizeof(*s));
	struct mt_spool_usage u;
	char t[96];
	int ret;

	if (!s)
		return 1;
	format_hms(t, sizeof(t), mt_clock_mono_us(c->cfg->clock) - c->started_us);
	mt_console_printf(c, "uptime     %s\n", t);
	mt_console_printf(c, "firmware   matthan %s, board %s\n", MT_VERSION,
			  c->cfg->board ? c->cfg->board : "?");
	mt_console_printf(c, "console    %s; %llu wrong password%s since start\n",
			  mt_console_has_password(c) ? "password set" : "no password yet (setup)",
			  (unsigned long long)c->login.fails_total,
			  c->login.fails_total == 1 ? "" : "s");
	ret = c->cfg->hooks.status ? c->cfg->hooks.status(c->cfg->hooks.arg, s) : -ENOSYS;
	if (ret == 0 && s->running)
		status_recorder(c, s);
	else
		mt_console_printf(c, "recorder   not running (%s)\n",
				  ret ? mt_strerror(ret) : "stopped");
	if (mt_spool_usage(c->cfg->storage, mt_console_spool(c), &u) == 0)
		mt_console_printf(c, "spool      %.1f of %lld MiB, %u clips\n",
				  (double)u.bytes / MIB,
				  (long long)mt_config_int(&c->running, MT_CONFIG_SPOOL_MIB),
				  u.clips);
	else
		mt_console_printf(c, "spool      %.50s: cannot be read\n", mt_console_spool(c));
	mt_console_status_delivery(c);
	format_utc(c, t, sizeof(t));
	mt_console_printf(c, "clock      %s\n", t);
	free(s);
	return 0;
}

int mt_cmd_log(struct mt_console *c, int argc, char **argv)
{
	char(*lines)[MT_LOGRING_LEN];
	int64_t at[MT_LOGRING_LINES];
	long n = 20;
	char *end;
	size_t got;

	if (argc > 2 ||
	    (argc == 2 && ((n = strtol(argv[1], &end, 10)) < 1 || *end || n > MT_LOGRING_LINES))) {
		mt_console_printf(c, "log: N is a number of lines, 1 to %d\n", MT_LOGRING_LINES);
		mt_console_usage(c, mt_console_cmd_find("log"));
		return 1;
	}
	if (!c->cfg->log) {
		mt_console_printf(c, "log: no log ring in this build\n");
		return 1;
	}
	lines = malloc(sizeof(*lines) * MT_LOGRING_LINES);
	if (!lines)
		return 1;
	got = mt_logring_tail(c->cfg->log, (size_t)n, lines, at);
	if (!got)
		mt_console_printf(c, "(nothing logged yet)\n");
	for (size_t i = 0; i < got; i++) {
		char t[24];

		snprintf(t, sizeof(t), "%6lld.%01lld", (long long)(at[i] / 1000000),
			 (long long)(at[i] / 100000 % 10));
		mt_console_wrap(c, t, 9, lines[i]);
	}
	free(lines);
	return 0;
}

/* ---- selftest ---- */

struct tally {
	unsigned pass, fail, missing;
};

static void result(struct mt_console *c, struct tally *t, const char *what, int ok, const char *fmt,
		   const char *detail)
{
	const char *word = ok > 0 ? "ok" : ok == 0 ? "FAIL" : "not built yet";

	if (ok > 0)
		t->pass++;
	else if (ok == 0)
		t->fail++;
	else
		t->missing++;
	char text[256];
	int n = snprintf(text, sizeof(text), "%s", word);

	if (detail && *detail && n >= 0 && (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n, fmt, detail);
	mt_console_wrap(c, what, 11, text);
	mt_console_flush(c);
}

/* Sleeps ms in steps, keeping the heartbeat fresh. */
static void wait_ms(struct mt_console *c, int ms)
{
	for (int left = ms; left > 0; left -= 100) {
		mt_thread_beat(&c->thread);
		mt_clock_sleep_us(c->cfg->clock, 100000);
	}
}

/* Frames counted over 1 s; a recorder that restarts meanwhile (an applied
 * configuration, an enrollment), or is restarting when the test begins,
 * counts from 0 again: its first frames are waited for, up to 3 s in all. */
static void test_camera(struct mt_console *c, struct tally *t)
{
	struct mt_console_status *s = calloc(1, sizeof(*s));
	uint64_t base = 0, last = 0;
	bool seen = false;
	char d[96];
	int ms = 0, since = 0;

	if (!s || !c->cfg->hooks.status) {
		result(c, t, "camera", 0, ": %s", "no recorder to ask");
		free(s);
		return;
	}
	for (;;) {
		if (c->cfg->hooks.status(c->cfg->hooks.arg, s) == 0 && s->running) {
			if (!seen || s->stats.frames < last) { /* first look, or restarted */
				base = s->stats.frames;
				since = ms;
			}
			seen = true;
			last = s->stats.frames;
			if (last > base && ms - since >= 1000)
				break;
		}
		if (ms >= 3000)
			break;
		wait_ms(c, 250);
		ms += 250;
	}
	if (!seen) {
		result(c, t, "camera", 0, ": %s", "the recorder is not running");
	} else if (last > base) {
		snprintf(d, sizeof(d), "%llu new frames in %.2g s",
			 (unsigned long long)(last - base), (ms - since) / 1000.0);
		result(c, t, "camera", 1, ": %s", d);
	} else {
		result(c, t, "camera", 0, ": %s", "no new frame in 3 s");
	}
	free(s);
}

static int storage_roundtrip(struct mt_console *c, const char *path, char *why, size_t len)
{
	struct mt_storage *st = c->cfg->storage;
	uint8_t out[4096], *back = NULL;
	size_t n = 0;
	int fd, ret;
	int64_t now = mt_clock_mono_us(c->cfg->clock);

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 31 + (uint64_t)now);
	ret = mt_storage_open(st, path, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &fd);
	if (ret) {
		snprintf(why, len, "cannot create %.40s: %s", path, mt_strerror(ret));
		return ret;
	}
	ret = mt_file_write_all(st, fd, out, sizeof(out));
	if (!ret)
		ret = mt_storage_sync(st, fd);
	if (mt_storage_close(st, fd) && !ret)
		ret = -EIO;
	if (ret) {
		snprintf(why, len, "write or fsync failed: %s", mt_strerror(ret));
		goto out_remove;
	}
	ret = mt_file_read_all(st, path, sizeof(out) * 2, &back, &n);
	if (ret) {
		snprintf(why, len, "read back failed: %s", mt_strerror(ret));
		goto out_remove;
	}
	if (n != sizeof(out) || memcmp(back, out, n) != 0) {
		snprintf(why, len, "read back %zu bytes that differ from what was written", n);
		ret = MT_ECORRUPT;
	}
	free(back);
out_remove:
	mt_storage_remove(st, path);
	return ret;
}

static void test_storage(struct mt_console *c, struct tally *t)
{
	char path[300], why[160];
	const char *spool = mt_console_spool(c);

	mt_storage_mkdir(c->cfg->storage, spool);
	snprintf(path, sizeof(path), "%s/.selftest", spool);
	if (storage_roundtrip(c, path, why, sizeof(why)) == 0) {
		snprintf(why, sizeof(why), "4096 bytes written, synced, read back in %.30s", spool);
		result(c, t, "storage", 1, ": %s", why);
	} else {
		result(c, t, "storage", 0, ": %s", why);
	}
}

static void test_clock(struct mt_console *c, struct tally *t, int64_t t0)
{
	char d[96];

	format_utc(c, d, sizeof(d));
	if (mt_clock_mono_us(c->cfg->clock) > t0)
		result(c, t, "clock", 1, ": monotonic runs; %s", d);
	else
		result(c, t, "clock", 0, ": %s", "the monotonic clock does not advance");
}

static void test_key(struct mt_console *c, struct tally *t)
{
	char path[300], d[340];
	uint64_t size = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/evidence.key", c->cfg->keys_dir ? c->cfg->keys_dir : ".");
	ret = mt_storage_size(c->cfg->storage, path, &size);
	if (ret == 0 && size > 0) {
		snprintf(d, sizeof(d), "evidence key present (%llu bytes)",
			 (unsigned long long)size);
		result(c, t, "key", 1, ": %s", d);
	} else {
		snprintf(d, sizeof(d), "no evidence key at %.60s", path);
		result(c, t, "key", 0, ": %s", d);
	}
}

static void test_space(struct mt_console *c, struct tally *t)
{
	int64_t mib = mt_config_int(&c->running, MT_CONFIG_SPOOL_MIB);
	struct mt_spool_usage u;
	char d[96];

	if (mt_spool_usage(c->cfg->storage, mt_console_spool(c), &u)) {
		result(c, t, "space", 0, ": %s", "the spool folder cannot be read");
		return;
	}
	snprintf(d, sizeof(d), "spool holds %.1f of %lld MiB (%.0f %%)", (double)u.bytes / MIB,
		 (long long)mib, 100.0 * (double)u.bytes / ((double)mib * MIB));
	result(c, t, "space", (double)u.bytes < 0.9 * (double)mib * MIB, ": %s", d);
}

/* The station test's steps, then its verdict as the station line. */
static void test_station(struct mt_console *c, struct tally *t)
{
	int ret = mt_console_station_test(c);

	if (ret == -ENOSYS)
		result(c, t, "station", 0, ": %s", "this program has no delivery");
	else
		result(c, t, "station", ret == 0, ": %s",
		       ret ? "the station is not reachable (the step above says why)" :
			     "reachable, and it knows this box");
}

int mt_cmd_selftest(struct mt_console *c, int argc, char **argv)
{
	struct tally t = { 0 };
	int64_t t0 = mt_clock_mono_us(c->cfg->clock);

	if (argc != 1) {
		mt_console_usage(c, mt_console_cmd_find("selftest"));
		return 1;
	}
	test_camera(c, &t);
	test_storage(c, &t);
	test_clock(c, &t, t0);
	test_key(c, &t);
	test_space(c, &t);
	test_station(c, &t);
	if (t.missing)
		mt_console_printf(c, "selftest: %u passed, %u failed, %u not built yet\n", t.pass,
				  t.fail, t.missing);
	else
		mt_console_printf(c, "selftest: %u passed, %u failed\n", t.pass, t.fail);
	return t.fail ? 1 : 0;
}
