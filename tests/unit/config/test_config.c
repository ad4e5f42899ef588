/* Runtime configuration: defaults from Kconfig, the schema against
 * firmware/Kconfig, good files, every bad file in tests/vectors/config (one
 * error naming file, line and key; the config in force unchanged; nothing
 * written), set, save and load back. Files are real, in a temp folder. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "autoconf.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/text.h"
#include "linux/posix_storage.h"
#include "support.h"

static char *dir;
static char conf[96]; /* dir/matthan.conf */
static struct mt_posix_storage ps;
static struct mt_storage *st;

static int setup(void **state)
{
	dir = mt_test_tmpdir("config");
	snprintf(conf, sizeof(conf), "%s/matthan.conf", dir);
	mt_posix_storage_init(&ps);
	st = &ps.dev;
	return 0;
}

static int teardown(void **state)
{
	mt_posix_syscalls_reset();
	return mt_test_tmpdir_remove(&dir);
}

/* ---- files ---- */

static char *read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_path(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *vector(const char *name, size_t *len)
{
	const char *root = getenv("MT_VECTORS");
	char path[512];

	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/config/%s", root, name);
	return read_path(path, len);
}

/* Copies a vector to dir/matthan.conf. */
static void install(const char *name)
{
	size_t len;
	char *data = vector(name, &len);

	write_path(conf, data, len);
	free(data);
}

/* ---- a syscall table that counts every call that could change the disk ---- */

static int writes;

static int count_open(const char *path, int flags, mode_t mode)
{
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		writes++;
	return mt_posix_syscalls_real()->open(path, flags, mode);
}

static ssize_t count_write(int fd, const void *buf, size_t len)
{
	writes++;
	return mt_posix_syscalls_real()->write(fd, buf, len);
}

static int count_rename(const char *from, const char *to)
{
	writes++;
	return mt_posix_syscalls_real()->rename(from, to);
}

static int count_unlink(const char *path)
{
	writes++;
	return mt_posix_syscalls_real()->unlink(path);
}

static int count_mkdir(const char *path, mode_t mode)
{
	writes++;
	return mt_posix_syscalls_real()->mkdir(path, mode);
}

static void count_writes(void)
{
	struct mt_posix_syscalls *sys = mt_posix_syscalls();

	writes = 0;
	sys->open = count_open;
	sys->write = count_write;
	sys->rename = count_rename;
	sys->unlink = count_unlink;
	sys->rmdir = count_unlink;
	sys->mkdir = count_mkdir;
}

static ssize_t eio_read(int fd, void *buf, size_t len)
{
	errno = EIO;
	return -1;
}

static int list_cb(void *arg, const char *name)
{
	strcat(arg, name);
	strcat(arg, ";");
	return 0;
}

static const char *listing(void)
{
	static char names[256];

	names[0] = 0;
	assert_int_equal(mt_storage_list(st, dir, list_cb, names), 0);
	return names;
}

static const char *format_error(const struct mt_config_error *e)
{
	static char line[512];

	assert_true(mt_config_error_format(e, line, sizeof(line)) < sizeof(line));
	return line;
}

/* ---- tests ---- */

static void test_defaults_from_kconfig(void **state)
{
	struct mt_config c;

	mt_config_init(&c);
	assert_false(c.from_file);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_CAPTURE_DEVICE), CONFIG_MT_CAPTURE_DEVICE);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_WIDTH), CONFIG_MT_CAPTURE_WIDTH);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_HEIGHT), CONFIG_MT_CAPTURE_HEIGHT);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_FPS), CONFIG_MT_CAPTURE_FPS);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_CAPTURE_FORMAT),
			    CONFIG_MT_CAPTURE_FORMAT_NAME);
	assert_true(mt_config_bool(&c, MT_CONFIG_CAPTURE_REALTIME));
	assert_int_equal(mt_config_int(&c, MT_CONFIG_RECORD_PREROLL_S), CONFIG_MT_PREROLL_SECONDS);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_RECORD_RING_BYTES), CONFIG_MT_RING_BYTES);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_RECORD_POSTROLL_S),
			 CONFIG_MT_POSTROLL_SECONDS);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_RECORD_CLIP_MAX_S),
			 CONFIG_MT_CLIP_MAX_SECONDS);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_MOTION_SENSITIVITY),
			 CONFIG_MT_MOTION_SENSITIVITY);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_MOTION_MIN_AREA_PERMILLE),
			 CONFIG_MT_MOTION_MIN_AREA_PERMILLE);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_MOTION_TRIGGER_FRAMES),
			 CONFIG_MT_MOTION_TRIGGER_FRAMES);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_CONSOLE_DEVICE), CONFIG_MT_CONSOLE_DEVICE);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CONSOLE_BAUD), CONFIG_MT_CONSOLE_BAUD);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_SPOOL_PATH), CONFIG_MT_SPOOL_PATH);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_SPOOL_MIB), CONFIG_MT_SPOOL_BYTES);
	assert_false(mt_config_bool(&c, MT_CONFIG_SPOOL_EVICT_UNSENT));
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_KEYS), CONFIG_MT_DEVICE_KEYS);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_LOG_LEVEL), CONFIG_MT_LOG_LEVEL);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_ID), "unenrolled");
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_LOCATION), "");
	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		char text[300], key[64];
		struct mt_config d = c;

		assert_true(mt_config_is_default(&c, k));
		/* every default is valid under its own schema */
		mt_config_value_format(&c, k, text, sizeof(text));
		snprintf(key, sizeof(key), "%s", mt_config_schema(k)->name);
		assert_int_equal(mt_config_set(&d, key, text, NULL), 0);
		assert_true(mt_config_equal(&c, &d));
	}
}

/* One Kconfig entry (config or choice): if its help names a runtime key,
 * that key exists and an int key has the same range. */
static void check_kconfig_block(char *block, int *seen)
{
	char key[64], *p, *w = block;
	long long lo, hi;
	size_t n;
	int k;

	/* one space for every run of blanks and newlines */
	for (p = block; *p; p++) {
		char ch = (*p == '\t' || *p == '\n') ? ' ' : *p;

		if (ch == ' ' && w > block && w[-1] == ' ')
			continue;
		*w++ = ch;
	}
	*w = 0;
	p = strstr(block, "Runtime key: ");
	if (!p)
		return;
	assert_int_equal(sscanf(p, "Runtime key: %63[a-z0-9_.]", key), 1);
	n = strlen(key);
	if (key[n - 1] == '.') /* the sentence's full stop */
		key[n - 1] = 0;
	k = mt_config_key_find(key);
	assert_true(k >= 0);
	seen[k]++;
	if (mt_config_schema(k)->type != MT_CONFIG_T_INT)
		return;
	p = strstr(block, " range ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, " range %lld %lld", &lo, &hi), 2);
	if (lo != mt_config_schema(k)->min || hi != mt_config_schema(k)->max)
		fail_msg("%s: Kconfig says %lld..%lld, the schema %lld..%lld", key, lo, hi,
			 (long long)mt_config_schema(k)->min, (long long)mt_config_schema(k)->max);
}

static void test_schema_matches_kconfig(void **state)
{
	static const char *const starts[] = { "config ", "choice",   "endchoice", "menu",
					      "endmenu", "comment ", "if ",       "endif",
					      "source ", NULL };
	const char *src = getenv("MT_SRCDIR");
	int seen[MT_CONFIG_NKEYS] = { 0 }, nblocks = 0;
	char path[512], *text, *line, *block;
	size_t len;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/firmware/Kconfig", src);
	text = read_path(path, &len);
	block = text;
	for (line = text; line;) {
		char *next = strchr(line, '\n');

		for (int i = 0; starts[i] && line != block; i++) {
			if (strncmp(line, starts[i], strlen(starts[i])) == 0) {
				line[-1] = 0; /* ends the block before this line */
				check_kconfig_block(block, seen);
				nblocks++;
				block = line;
				break;
			}
		}
		line = next ? next + 1 : NULL;
	}
	check_kconfig_block(block, seen);
	assert_true(nblocks > 20);
	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		/* these have no build-time option */
		bool runtime_only = k == MT_CONFIG_CAPTURE_REALTIME ||
				    k == MT_CONFIG_CAPTURE_LOOP || k == MT_CONFIG_DEVICE_ID ||
				    k == MT_CONFIG_DEVICE_LOCATION || k == MT_CONFIG_STATION_URL ||
				    k == MT_CONFIG_STATION_KBPS || k == MT_CONFIG_OTA_ROOT ||
				    k == MT_CONFIG_OTA_URL || k == MT_CONFIG_OTA_KBPS ||
				    k == MT_CONFIG_CONSOLE_PASSWORD || k == MT_CONFIG_SETUP_DONE;
		int expect = runtime_only ? 0 : 1;

		if (seen[k] != expect)
			fail_msg("%s: %d Kconfig options name it", mt_config_schema(k)->name,
				 seen[k]);
	}
	free(text);
}

/* docs/config.md has a table row for every key, with the schema's range or
 * words, so the documentation cannot drift from the code. */
static void test_doc_lists_every_key(void **state)
{
	const char *src = getenv("MT_SRCDIR");
	char path[512], row[128], want[160];
	size_t len;
	char *doc;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/config.md", src);
	doc = read_path(path, &len);
	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		const struct mt_config_schema *s = mt_config_schema(k);
		char *p, *end;

		snprintf(row, sizeof(row), "\n| `%s` |", s->name);
		p = strstr(doc, row);
		if (!p)
			fail_msg("docs/config.md: no table row for %s", s->name);
		end = strchr(p + 1, '\n');
		assert_non_null(end);
		*end = 0;
		if (s->type == MT_CONFIG_T_INT) {
			snprintf(want, sizeof(want), "| %" PRId64 "..%" PRId64 " |", s->min,
				 s->max);
		} else if (s->type == MT_CONFIG_T_STR) {
			snprintf(want, sizeof(want), "| string, ≤ %zu bytes |", s->max_len);
		} else if (s->type == MT_CONFIG_T_ENUM) {
			struct mt_text_buf b;

			mt_text_buf_init(&b, want, sizeof(want));
			for (int i = 0; s->words[i]; i++)
				mt_text_printf(&b, i ? " `%s`" : "| `%s`", s->words[i]);
			mt_text_printf(&b, " |");
		} else {
			snprintf(want, sizeof(want), "| bool |");
		}
		if (!strstr(p, want))
			fail_msg("docs/config.md: the row of %s lacks \"%s\"", s->name, want);
		*end = '\n';
	}
	free(doc);
}

static void test_good_file(void **state)
{
	struct mt_config_error err;
	struct mt_config c;

	install("good.conf");
	mt_config_init(&c);
	assert_int_equal(mt_config_load(&c, st, conf, &err), 0);
	assert_true(c.from_file);
	assert_string_equal(mt_config_get_str(&c, "capture.device"),
			    "/dev/v4l/by-id/usb-046d_C270-video-index0");
	assert_int_equal(mt_config_get_int(&c, "capture.width"), 1920);
	assert_int_equal(mt_config_get_int(&c, "capture.height"), 1080);
	assert_int_equal(mt_config_get_int(&c, "capture.fps"), 12);
	assert_string_equal(mt_config_get_str(&c, "capture.format"), "h264");
	assert_int_equal(mt_config_get_int(&c, "capture.format"), 3);
	assert_false(mt_config_get_bool(&c, "capture.realtime"));
	assert_int_equal(mt_config_get_int(&c, "record.preroll_s"), 8);
	assert_int_equal(mt_config_get_int(&c, "record.ring_bytes"), 16777216);
	assert_int_equal(mt_config_get_int(&c, "record.postroll_s"), 0);
	assert_int_equal(mt_config_get_int(&c, "record.clip_max_s"), 3600);
	assert_int_equal(mt_config_get_int(&c, "motion.sensitivity"), 100);
	assert_int_equal(mt_config_get_int(&c, "motion.min_area_permille"), 1);
	assert_int_equal(mt_config_get_int(&c, "motion.trigger_frames"), 50);
	assert_string_equal(mt_config_get_str(&c, "console.device"), "/dev/ttyAMA0");
	assert_int_equal(mt_config_get_int(&c, "console.baud"), 3000000);
	assert_string_equal(mt_config_get_str(&c, "spool.path"), "/data/spool with space");
	assert_int_equal(mt_config_get_int(&c, "spool.mib"), 1048576);
	assert_string_equal(mt_config_get_str(&c, "log.level"), "dbg");
	assert_string_equal(mt_config_get_str(&c, "device.id"), "EP-0157");
	assert_string_equal(mt_config_get_str(&c, "device.location"),
			    "Nhà số 12, \"Ea Pốk\" \\ đường 3");
}

static void test_good_variants(void **state)
{
	struct mt_config c, d;

	install("good-crlf.conf"); /* BOM, CRLF, no newline at the end */
	mt_config_init(&c);
	assert_int_equal(mt_config_load(&c, st, conf, NULL), 0);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_FPS), 7);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_LOCATION), "");
	assert_string_equal(mt_config_str(&c, MT_CONFIG_LOG_LEVEL), "err");
	assert_true(mt_config_is_default(&c, MT_CONFIG_CAPTURE_WIDTH));

	mt_config_init(&d);
	install("good-empty.conf");
	assert_int_equal(mt_config_load(&c, st, conf, NULL), 0);
	assert_true(mt_config_equal(&c, &d));
	assert_true(c.from_file);
	install("good-comments.conf");
	assert_int_equal(mt_config_load(&c, st, conf, NULL), 0);
	assert_true(mt_config_equal(&c, &d));
}

static void test_bad_vectors(void **state)
{
	char *table, *line, *save = NULL, name[64], key[64], msg[256], expect[512];
	struct mt_config good, c;
	struct mt_config_error err;
	int lineno, n = 0;
	size_t len, before_len, after_len;

	table = vector("bad.tsv", &len);
	install("good.conf");
	mt_config_init(&good);
	assert_int_equal(mt_config_load(&good, st, conf, NULL), 0);
	for (line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *before, *after;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%63[^\t]\t%d\t%63[^\t]\t%255[^\n]", name, &lineno,
					key, msg),
				 4);
		install(name);
		before = read_path(conf, &before_len);
		c = good;
		count_writes();
		if (mt_config_load(&c, st, conf, &err) != MT_ECONFIG)
			fail_msg("%s: not rejected", name);
		mt_posix_syscalls_reset();
		/* one error naming file, line and key */
		snprintf(expect, sizeof(expect), "%s:%d: %s", conf, lineno, msg);
		if (strcmp(format_error(&err), expect) != 0)
			fail_msg("%s:\n got  %s\n want %s", name, format_error(&err), expect);
		assert_string_equal(err.file, conf);
		assert_int_equal(err.line, lineno);
		assert_string_equal(err.key, strcmp(key, "-") == 0 ? "" : key);
		/* the good config is still in force, and nothing was written */
		assert_memory_equal(&c, &good, sizeof(c));
		assert_int_equal(writes, 0);
		assert_string_equal(listing(), "matthan.conf;");
		after = read_path(conf, &after_len);
		assert_int_equal(after_len, before_len);
		assert_memory_equal(after, before, before_len);
		free(before);
		free(after);
		n++;
	}
	assert_int_equal(n, 25);
	free(table);
}

static void test_missing_file_is_defaults(void **state)
{
	struct mt_config c, d;

	install("good.conf");
	assert_int_equal(mt_config_load(&c, st, conf, NULL), 0);
	assert_int_equal(remove(conf), 0);
	assert_int_equal(mt_config_load(&c, st, conf, NULL), 0);
	mt_config_init(&d);
	assert_true(mt_config_equal(&c, &d));
	assert_false(c.from_file);
}

static void test_too_large(void **state)
{
	struct mt_config_error err;
	struct mt_config c, good;
	size_t n = MT_CONFIG_FILE_MAX + 1;
	char *big = malloc(n), expect[256];

	assert_non_null(big);
	memset(big, '#', n);
	for (size_t i = 79; i < n; i += 80)
		big[i] = '\n';
	install("good.conf");
	assert_int_equal(mt_config_load(&good, st, conf, NULL), 0);
	c = good;
	write_path(conf, big, n);
	assert_int_equal(mt_config_load(&c, st, conf, &err), -EFBIG);
	snprintf(expect, sizeof(expect), "%s: file too large (limit 65536 bytes)", conf);
	assert_string_equal(format_error(&err), expect);
	assert_memory_equal(&c, &good, sizeof(c));
	assert_int_equal(mt_config_parse(&c, "x.conf", big, n, &err), -EFBIG);
	assert_string_equal(format_error(&err),
			    "x.conf: file too large (65537 bytes, limit 65536)");
	/* exactly the limit is fine */
	assert_int_equal(mt_config_parse(&c, "x.conf", big, n - 1, &err), 0);
	free(big);
}

static void test_read_error(void **state)
{
	struct mt_config_error err;
	struct mt_config c, good;
	char expect[256];

	install("good.conf");
	assert_int_equal(mt_config_load(&good, st, conf, NULL), 0);
	c = good;
	mt_posix_syscalls()->read = eio_read;
	assert_int_equal(mt_config_load(&c, st, conf, &err), -EIO);
	snprintf(expect, sizeof(expect), "%s: cannot read: Input/output error", conf);
	assert_string_equal(format_error(&err), expect);
	assert_memory_equal(&c, &good, sizeof(c));
}

static void test_set(void **state)
{
	struct mt_config_error err;
	struct mt_config c, before;

	mt_config_init(&c);
	assert_int_equal(mt_config_set(&c, "capture.fps", " 30 ", &err), 0);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_FPS), 30);
	assert_int_equal(mt_config_set(&c, "capture.fps", "\"+31\"", &err), 0);
	assert_int_equal(mt_config_int(&c, MT_CONFIG_CAPTURE_FPS), 31);
	assert_int_equal(mt_config_set(&c, "capture.format", "NV12", &err), 0);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_CAPTURE_FORMAT), "nv12");
	assert_int_equal(mt_config_set(&c, "capture.realtime", "no", &err), 0);
	assert_false(mt_config_bool(&c, MT_CONFIG_CAPTURE_REALTIME));
	assert_int_equal(mt_config_set(&c, "capture.realtime", "ON", &err), 0);
	assert_true(mt_config_bool(&c, MT_CONFIG_CAPTURE_REALTIME));
	assert_int_equal(mt_config_set(&c, "device.location", "\"\"", &err), 0);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_LOCATION), "");
	assert_int_equal(mt_config_set(&c, "device.location", "Ngã ba \"Chợ\"", &err), 0);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_LOCATION), "Ngã ba \"Chợ\"");

	before = c;
	assert_int_equal(mt_config_set(&c, "record.preroll_s", "500", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err), "record.preroll_s = 500: out of range 0..60");
	assert_int_equal(mt_config_set(&c, "capture.fsp", "5", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err),
			    "capture.fsp: unknown key (did you mean capture.fps?)");
	assert_int_equal(mt_config_set(&c, "motion.sensitivty", "5", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err),
			    "motion.sensitivty: unknown key (did you mean motion.sensitivity?)");
	assert_int_equal(mt_config_set(&c, "capture.fps", "", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err), "capture.fps: missing value");
	assert_int_equal(mt_config_set(&c, "device.id", "a\x01z", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err),
			    "device.id: control character 0x01: file is corrupt or not text");
	assert_int_equal(mt_config_set(&c, "device.id", "\xc3(", &err), MT_ECONFIG);
	assert_int_equal(mt_config_set(&c, "log.level", "loud", &err), MT_ECONFIG);
	assert_string_equal(format_error(&err), "log.level = loud: not one of err|wrn|inf|dbg");
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(mt_config_set(&c, "log.level", "dbg", NULL), 0); /* err may be NULL */
	assert_int_equal(mt_config_set(&c, "x", "1", NULL), MT_ECONFIG);
}

static void test_string_limits(void **state)
{
	char text[300];
	struct mt_config c;

	mt_config_init(&c);
	memset(text, 'a', sizeof(text));
	text[63] = 0; /* device.id: 63 bytes is the limit */
	assert_int_equal(mt_config_set(&c, "device.id", text, NULL), 0);
	text[63] = 'a';
	text[64] = 0;
	assert_int_equal(mt_config_set(&c, "device.id", text, NULL), MT_ECONFIG);
	text[64] = 'a';
	text[255] = 0; /* the longest any string may be */
	assert_int_equal(mt_config_set(&c, "spool.path", text, NULL), 0);
	text[255] = 'a';
	text[256] = 0;
	assert_int_equal(mt_config_set(&c, "spool.path", text, NULL), MT_ECONFIG);
	text[299] = 0;
	assert_int_equal(mt_config_set(&c, "capture.fps", text, NULL), MT_ECONFIG);
}

static void test_save_load_roundtrip(void **state)
{
	struct mt_config c, d;
	char *text;
	size_t len;

	mt_config_init(&c);
	assert_int_equal(mt_config_set(&c, "capture.fps", "12", NULL), 0);
	assert_int_equal(mt_config_set(&c, "capture.realtime", "false", NULL), 0);
	assert_int_equal(
		mt_config_set(&c, "device.location", "\"Nhà \\\"5\\\" \\\\ Ea Pốk\"", NULL), 0);
	assert_string_equal(mt_config_str(&c, MT_CONFIG_DEVICE_LOCATION), "Nhà \"5\" \\ Ea Pốk");
	assert_int_equal(mt_config_save(&c, st, conf), 0);
	assert_string_equal(listing(), "matthan.conf;"); /* no temp file left */
	mt_config_init(&d);
	assert_int_equal(mt_config_load(&d, st, conf, NULL), 0);
	assert_true(mt_config_equal(&c, &d));

	text = read_path(conf, &len);
	assert_int_equal(len, mt_config_format(&c, NULL, 0));
	assert_non_null(strstr(text, "\ncapture.fps = 12\n"));
	assert_non_null(strstr(text, "\ncapture.realtime = false\n"));
	assert_non_null(strstr(text, "\ndevice.location = \"Nhà \\\"5\\\" \\\\ Ea Pốk\"\n"));
	assert_non_null(strstr(text, "\n# capture.width = ")); /* at its default */
	assert_non_null(strstr(text, "\n# device.id = \"unenrolled\"\n"));
	assert_null(strstr(text, "\ncapture.width"));
	free(text);
}

static void test_every_prefix_of_a_saved_file(void **state)
{
	struct mt_config_error err;
	struct mt_config c, d;
	char *text;
	size_t len;
	int ok = 0, bad = 0;

	mt_config_init(&c);
	assert_int_equal(mt_config_set(&c, "device.location", "\"Nhà số 9\"", NULL), 0);
	assert_int_equal(mt_config_set(&c, "spool.mib", "4096", NULL), 0);
	len = mt_config_format(&c, NULL, 0);
	text = malloc(len + 1);
	assert_non_null(text);
	mt_config_format(&c, text, len + 1);
	for (size_t n = 0; n <= len; n++) {
		int ret = mt_config_parse(&d, "cut.conf", text, n, &err);

		if (ret == 0) {
			ok++;
			continue;
		}
		/* a cut inside the quoted string or before its "=" is caught */
		assert_int_equal(ret, MT_ECONFIG);
		assert_true(err.line > 0);
		bad++;
	}
	assert_true(ok > 0 && bad > 0);
	assert_int_equal(mt_config_parse(&d, "cut.conf", text, len, NULL), 0);
	assert_true(mt_config_equal(&c, &d));
	free(text);
}

static void test_error_format_truncates(void **state)
{
	struct mt_config_error err;
	char small[16];
	size_t need;

	assert_int_equal(mt_config_parse(&(struct mt_config){ 0 }, "m.conf", "capture.fps = 0\n",
					 16, &err),
			 MT_ECONFIG);
	need = mt_config_error_format(&err, small, sizeof(small));
	assert_int_equal(need, strlen("m.conf:1: capture.fps = 0: out of range 1..60"));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, "m.conf:1: captu", 15);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults_from_kconfig),
		T(test_schema_matches_kconfig),
		T(test_doc_lists_every_key),
		T(test_good_file),
		T(test_good_variants),
		T(test_bad_vectors),
		T(test_missing_file_is_defaults),
		T(test_too_large),
		T(test_read_error),
		T(test_set),
		T(test_string_limits),
		T(test_save_load_roundtrip),
		T(test_every_prefix_of_a_saved_file),
		T(test_error_format_truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
