/* The in-memory storage's power-cut model and fault injection: what survives
 * a cut is exactly what was synced, and faults hit the call they name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/errors.h"
#include "fake/mem_storage.h"

static struct mt_mem_storage ms;
static struct mt_storage *st;

static int setup(void **state)
{
	mt_mem_storage_init(&ms);
	st = &ms.dev;
	return 0;
}

static int teardown(void **state)
{
	mt_mem_storage_free(&ms);
	mt_mem_storage_free(&ms); /* safe twice */
	mt_mem_storage_free(NULL);
	return 0;
}

/* Creates path with text; sync_file and sync_dir say what is made durable. */
static void put(const char *path, const char *text, int sync_file, int sync_dir)
{
	int fd;

	assert_int_equal(mt_storage_open(st, path, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, text, strlen(text)), (ssize_t)strlen(text));
	if (sync_file)
		assert_int_equal(mt_storage_sync(st, fd), 0);
	assert_int_equal(mt_storage_close(st, fd), 0);
	if (sync_dir)
		assert_int_equal(mt_storage_sync_dir(st, "."), 0);
}

/* The volatile contents of path, as the running system reads them, or NULL. */
static const char *get(const char *path)
{
	static char buf[256];
	ssize_t n;
	int fd;

	if (mt_storage_open(st, path, MT_O_READ, &fd))
		return NULL;
	n = mt_storage_read(st, fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	assert_int_equal(mt_storage_close(st, fd), 0);
	return buf;
}

static void test_read_write_basics(void **state)
{
	uint64_t size;
	int fd;

	put("a", "hello", 0, 0);
	assert_string_equal(get("a"), "hello");
	assert_int_equal(mt_storage_size(st, "a", &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(mt_storage_open(st, "a", MT_O_WRITE | MT_O_APPEND, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, " world", 6), 6);
	assert_int_equal(mt_storage_read(st, fd, &size, 1), -EBADF); /* write-only */
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(mt_storage_close(st, fd), -EBADF);
	assert_string_equal(get("a"), "hello world");
	assert_int_equal(mt_storage_open(st, "a", MT_O_WRITE | MT_O_CREATE | MT_O_EXCL, &fd),
			 -EEXIST);
	assert_int_equal(mt_storage_open(st, "nope", MT_O_READ, &fd), -ENOENT);
	assert_int_equal(mt_storage_open(st, "dir/x", MT_O_WRITE | MT_O_CREATE, &fd), -ENOENT);
	assert_int_equal(mt_storage_open(st, "a", 0, &fd), -EINVAL);
	assert_int_equal(mt_mem_storage_open_fds(&ms), 0);
}

static void test_seek(void **state)
{
	char buf[8] = { 0 };
	int fd;

	put("s", "0123456789", 1, 1);
	assert_int_equal(mt_storage_open(st, "s", MT_O_READ, &fd), 0);
	assert_int_equal(mt_storage_seek(st, fd, 7), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "789", 3);
	assert_int_equal(mt_storage_seek(st, fd, 2), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, 2), 2);
	assert_memory_equal(buf, "23", 2);
	assert_int_equal(mt_storage_seek(st, fd, 100), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, 1), 0);
	assert_int_equal(mt_storage_seek(st, fd, -1), -EINVAL);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(mt_storage_seek(st, fd, 0), -EBADF);
	/* a write past the end leaves zeros between */
	assert_int_equal(mt_storage_open(st, "s", MT_O_WRITE, &fd), 0);
	assert_int_equal(mt_storage_seek(st, fd, 12), 0);
	assert_int_equal(mt_storage_write(st, fd, "x", 1), 1);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_memory_equal(get("s"), "0123456789\0\0x", 13);
}

static void test_unsynced_data_lost(void **state)
{
	const uint8_t *data;
	size_t len;

	put("a", "old", 1, 1);
	put("a", "new", 0, 0); /* truncated and rewritten, never synced */
	assert_string_equal(get("a"), "new");
	assert_int_equal(mt_mem_storage_durable(&ms, "a", &data, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "old", 3);
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("a"), "old");
}

static void test_synced_data_kept(void **state)
{
	put("a", "old", 1, 1);
	put("a", "new", 1, 0);
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("a"), "new");
}

static void test_new_file_needs_sync_dir(void **state)
{
	put("a", "data", 1, 0); /* data durable, name not */
	assert_false(mt_mem_storage_durable_exists(&ms, "a"));
	mt_mem_storage_power_cut(&ms);
	assert_null(get("a"));

	put("a", "data", 0, 1); /* name durable, data not: an empty file */
	assert_true(mt_mem_storage_durable_exists(&ms, "a"));
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("a"), "");
}

static void test_unsynced_rename_lost(void **state)
{
	put("f", "old", 1, 1);
	put("f.tmp", "new", 1, 0);
	assert_int_equal(mt_storage_rename(st, "f.tmp", "f"), 0);
	assert_string_equal(get("f"), "new");
	assert_null(get("f.tmp"));
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("f"), "old");
	assert_null(get("f.tmp")); /* its name was never durable either */
}

static void test_synced_rename_kept(void **state)
{
	put("f", "old", 1, 1);
	put("f.tmp", "new", 1, 0);
	assert_int_equal(mt_storage_rename(st, "f.tmp", "f"), 0);
	assert_int_equal(mt_storage_sync_dir(st, "."), 0);
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("f"), "new");
	assert_null(get("f.tmp"));
}

static void test_unsynced_remove_undone(void **state)
{
	put("f", "keep", 1, 1);
	assert_int_equal(mt_storage_remove(st, "f"), 0);
	assert_null(get("f"));
	mt_mem_storage_power_cut(&ms);
	assert_string_equal(get("f"), "keep");
	assert_int_equal(mt_storage_remove(st, "f"), 0);
	assert_int_equal(mt_storage_sync_dir(st, "."), 0);
	mt_mem_storage_power_cut(&ms);
	assert_null(get("f"));
}

static int count_cb(void *arg, const char *name)
{
	(*(int *)arg)++;
	return strcmp(name, "stop") == 0 ? 7 : 0;
}

static void test_folders(void **state)
{
	int fd, n = 0;

	assert_int_equal(mt_storage_mkdir(st, "d"), 0);
	assert_int_equal(mt_storage_mkdir(st, "d"), 0); /* exists: fine */
	assert_int_equal(mt_storage_open(st, "d/x", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_storage_sync(st, fd), 0);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(mt_storage_sync_dir(st, "d"), 0);
	assert_int_equal(mt_storage_mkdir(st, "d/x"), -EEXIST);
	assert_int_equal(mt_storage_remove(st, "d"), -ENOTEMPTY);
	assert_int_equal(mt_storage_list(st, "d", count_cb, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mt_storage_list(st, "nope", count_cb, &n), -ENOENT);
	/* d/x was synced in d, but d itself never in ".": both are lost. */
	mt_mem_storage_power_cut(&ms);
	assert_null(get("d/x"));
	assert_int_equal(mt_storage_list(st, "d", count_cb, &n), -ENOENT);

	assert_int_equal(mt_storage_mkdir(st, "d"), 0);
	assert_int_equal(mt_storage_sync_dir(st, "."), 0);
	assert_int_equal(mt_storage_open(st, "d/stop", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(mt_storage_sync_dir(st, "d"), 0);
	mt_mem_storage_power_cut(&ms);
	n = 0;
	assert_int_equal(mt_storage_list(st, "d", count_cb, &n), 7); /* the callback's stop */
	assert_int_equal(n, 1);
}

static void test_cut_modes(void **state)
{
	/* A replace that never synced: the data is at risk in every mode but
	 * KEEP_ALL, and the rename in LOSE_VOLATILE only. */
	static const struct {
		enum mt_mem_cut how;
		const char *expect;
	} cases[] = {
		{ MT_MEM_CUT_LOSE_VOLATILE, "old" },
		{ MT_MEM_CUT_KEEP_NAMES, "" }, /* renamed, data never synced */
		{ MT_MEM_CUT_KEEP_ALL, "new" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put("f", "old", 1, 1);
		put("f.tmp", "new", 0, 0);
		assert_int_equal(mt_storage_rename(st, "f.tmp", "f"), 0);
		mt_mem_storage_cut(&ms, cases[i].how);
		assert_string_equal(get("f"), cases[i].expect);
	}
}

static void test_power_cut_closes_handles(void **state)
{
	int fd;

	put("a", "x", 1, 1);
	assert_int_equal(mt_storage_open(st, "a", MT_O_READ, &fd), 0);
	assert_int_equal(mt_mem_storage_open_fds(&ms), 1);
	mt_mem_storage_power_cut(&ms);
	assert_int_equal(mt_mem_storage_open_fds(&ms), 0);
	assert_int_equal(mt_storage_close(st, fd), -EBADF);
}

static void test_fail_at_once(void **state)
{
	uint64_t before;
	int fd;

	put("a", "old", 1, 1);
	before = mt_mem_storage_calls(&ms);
	mt_mem_storage_fail_at(&ms, 2, -ENOSPC); /* open is 1, the write is 2 */
	assert_int_equal(mt_storage_open(st, "a", MT_O_WRITE, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, "xyz", 3), -ENOSPC);
	assert_int_equal(mt_storage_write(st, fd, "xyz", 3), 3); /* once only */
	mt_mem_storage_fail_at(&ms, 1, -EIO);
	assert_int_equal(mt_storage_close(st, fd), -EIO);
	assert_int_equal(mt_mem_storage_open_fds(&ms), 0); /* released anyway */
	assert_int_equal(mt_mem_storage_calls(&ms) - before, 4);
	assert_string_equal(get("a"), "xyz");
}

static void test_crash_is_sticky_until_power_cut(void **state)
{
	int fd;

	put("a", "old", 1, 1);
	mt_mem_storage_crash_at(&ms, 3);
	assert_int_equal(mt_storage_open(st, "a", MT_O_WRITE | MT_O_TRUNC, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, "new", 3), 3);
	assert_false(mt_mem_storage_crashed(&ms));
	assert_int_equal(mt_storage_sync(st, fd), MT_ECRASHED);
	assert_true(mt_mem_storage_crashed(&ms));
	assert_int_equal(mt_storage_close(st, fd), MT_ECRASHED);
	assert_int_equal(mt_storage_remove(st, "a"), MT_ECRASHED);
	assert_int_equal(mt_storage_open(st, "a", MT_O_READ, &fd), MT_ECRASHED);
	mt_mem_storage_power_cut(&ms);
	assert_false(mt_mem_storage_crashed(&ms));
	assert_string_equal(get("a"), "old"); /* the crashed sync did nothing */
}

static void test_crash_disarmed_by_power_cut(void **state)
{
	/* A crash point the operation never reached must not fire later. */
	mt_mem_storage_crash_at(&ms, 100);
	put("a", "x", 1, 1);
	mt_mem_storage_power_cut(&ms);
	for (int i = 0; i < 120; i++)
		assert_non_null(get("a"));
}

static void test_short_writes(void **state)
{
	int fd;

	mt_mem_storage_short_writes(&ms, 2);
	assert_int_equal(mt_storage_open(st, "a", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, "hello", 5), 2);
	assert_int_equal(mt_storage_write(st, fd, "llo", 3), 2);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_string_equal(get("a"), "hell");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_write_basics),
		T(test_seek),
		T(test_unsynced_data_lost),
		T(test_synced_data_kept),
		T(test_new_file_needs_sync_dir),
		T(test_unsynced_rename_lost),
		T(test_synced_rename_kept),
		T(test_unsynced_remove_undone),
		T(test_folders),
		T(test_cut_modes),
		T(test_power_cut_closes_handles),
		T(test_fail_at_once),
		T(test_crash_is_sticky_until_power_cut),
		T(test_crash_disarmed_by_power_cut),
		T(test_short_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
