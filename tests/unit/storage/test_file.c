/* Whole-file helpers over the in-memory storage: write_all completes short
 * and interrupted writes, read_all caps and terminates, and replace leaves
 * the old file whole on every failure and the new one after success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/file.h"
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
	return 0;
}

/* The contents of path as the running system sees them (caller frees). */
static char *get(const char *path)
{
	uint8_t *buf;
	size_t len;

	if (mt_file_read_all(st, path, 1 << 20, &buf, &len))
		return NULL;
	return (char *)buf;
}

static void assert_durable(const char *path, const char *text)
{
	const uint8_t *data;
	size_t len;

	assert_int_equal(mt_mem_storage_durable(&ms, path, &data, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(data, text, len);
}

static void test_write_all_short_and_eintr(void **state)
{
	static const char text[] = "the quick brown fox";
	char *got;
	int fd;

	assert_int_equal(mt_storage_open(st, "f", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	mt_mem_storage_short_writes(&ms, 4);
	mt_mem_storage_fail_at(&ms, 2, -EINTR); /* the second write is interrupted */
	assert_int_equal(mt_file_write_all(st, fd, text, strlen(text)), 0);
	assert_int_equal(mt_storage_close(st, fd), 0);
	got = get("f");
	assert_string_equal(got, text);
	free(got);
}

static void test_write_all_error(void **state)
{
	int fd;

	assert_int_equal(mt_storage_open(st, "f", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	mt_mem_storage_short_writes(&ms, 2);
	mt_mem_storage_fail_at(&ms, 3, -ENOSPC);
	assert_int_equal(mt_file_write_all(st, fd, "abcdefgh", 8), -ENOSPC);
	assert_int_equal(mt_storage_close(st, fd), 0);
}

static void test_read_all_limits(void **state)
{
	uint8_t *buf = (uint8_t *)"sentinel";
	size_t len = 99;

	assert_int_equal(mt_file_replace(st, "f", "12345", 5), 0);
	assert_int_equal(mt_file_read_all(st, "f", 5, &buf, &len), 0); /* exactly max */
	assert_int_equal(len, 5);
	assert_string_equal((char *)buf, "12345"); /* NUL-terminated */
	free(buf);
	assert_int_equal(mt_file_read_all(st, "f", 4, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(mt_file_read_all(st, "none", 4, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_int_equal(mt_file_replace(st, "e", "", 0), 0);
	assert_int_equal(mt_file_read_all(st, "e", 4, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal((char *)buf, "");
	free(buf);
	mt_mem_storage_fail_at(&ms, 2, -EIO); /* open, then the read fails */
	assert_int_equal(mt_file_read_all(st, "f", 10, &buf, &len), -EIO);
	assert_null(buf);
	assert_int_equal(mt_mem_storage_open_fds(&ms), 0);
}

static void test_read_all_large(void **state)
{
	size_t n = 100000, len;
	uint8_t *big = malloc(n), *buf;

	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(mt_file_replace(st, "big", big, n), 0);
	assert_int_equal(mt_file_read_all(st, "big", n, &buf, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(buf, big, n);
	free(buf);
	free(big);
}

static void test_replace_durable(void **state)
{
	assert_int_equal(mt_file_replace(st, "f", "old", 3), 0);
	assert_int_equal(mt_file_replace(st, "f", "new!", 4), 0);
	assert_durable("f", "new!");
	assert_false(mt_mem_storage_durable_exists(&ms, "f.tmp"));
	mt_mem_storage_power_cut(&ms);
	{
		char *got = get("f");

		assert_string_equal(got, "new!");
		free(got);
	}
}

static void test_replace_in_folder(void **state)
{
	assert_int_equal(mt_storage_mkdir(st, "etc"), 0);
	assert_int_equal(mt_storage_sync_dir(st, "."), 0);
	assert_int_equal(mt_file_replace(st, "etc/m.conf", "x", 1), 0);
	/* the folder that was synced is etc, not "." */
	assert_durable("etc/m.conf", "x");
	assert_int_equal(mt_file_replace(st, "nofolder/m.conf", "x", 1), -ENOENT);
}

/* Fails each call of a replace in turn: the old file stays whole (in the
 * running system and on the medium), the temp file is gone and no handle is
 * left open, unless the one failure was the final folder sync. */
static void fail_walk(int err)
{
	static const char old[] = "old contents", new[] = "brand new contents";
	uint64_t before, ncalls;
	int failures = 0;

	assert_int_equal(mt_file_replace(st, "f", old, strlen(old)), 0);
	before = mt_mem_storage_calls(&ms);
	assert_int_equal(mt_file_replace(st, "f", old, strlen(old)), 0);
	ncalls = mt_mem_storage_calls(&ms) - before;
	assert_int_equal(ncalls, 6); /* open write sync close rename sync_dir */

	for (uint64_t k = 1; k <= ncalls; k++) {
		char *got;
		int ret;

		mt_mem_storage_fail_at(&ms, k, err);
		ret = mt_file_replace(st, "f", new, strlen(new));
		got = get("f");
		assert_int_equal(mt_mem_storage_open_fds(&ms), 0);
		assert_null(get("f.tmp"));
		if (ret == 0) {
			assert_string_equal(got, new);
		} else if (k == ncalls) { /* the folder sync: renamed, not durable */
			failures++;
			assert_int_equal(ret, err);
			assert_string_equal(got, new);
			assert_durable("f", old);
		} else {
			failures++;
			assert_int_equal(ret, err);
			assert_string_equal(got, old);
			assert_durable("f", old);
		}
		free(got);
		assert_int_equal(mt_file_replace(st, "f", old, strlen(old)), 0);
	}
	/* EINTR on a write is retried; everything else fails the replace */
	assert_int_equal(failures, err == -EINTR ? (int)ncalls - 1 : (int)ncalls);
}

static void test_replace_fail_walk_enospc(void **state)
{
	fail_walk(-ENOSPC);
}

static void test_replace_fail_walk_eio(void **state)
{
	fail_walk(-EIO);
}

static void test_replace_fail_walk_eintr(void **state)
{
	fail_walk(-EINTR);
}

static void test_dirname(void **state)
{
	char d[8];

	assert_int_equal(mt_file_dirname("a.conf", d, sizeof(d)), 0);
	assert_string_equal(d, ".");
	assert_int_equal(mt_file_dirname("/a.conf", d, sizeof(d)), 0);
	assert_string_equal(d, "/");
	assert_int_equal(mt_file_dirname("etc/x/a.conf", d, sizeof(d)), 0);
	assert_string_equal(d, "etc/x");
	assert_int_equal(mt_file_dirname("longfolder/a", d, sizeof(d)), -ENAMETOOLONG);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_all_short_and_eintr), T(test_write_all_error),
		T(test_read_all_limits),           T(test_read_all_large),
		T(test_replace_durable),           T(test_replace_in_folder),
		T(test_replace_fail_walk_enospc),  T(test_replace_fail_walk_eio),
		T(test_replace_fail_walk_eintr),   T(test_dirname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
