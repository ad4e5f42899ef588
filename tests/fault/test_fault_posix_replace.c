/* mt_file_replace on real files under injected faults: a full disk or an
 * I/O error at any step leaves the old file byte-identical with no temp file
 * and no open descriptor; EINTR anywhere is retried; a crash at every call
 * of a replace leaves the old file or the new one. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/file.h"
#include "linux/posix_storage.h"
#include "posix_fault.h"
#include "support.h"

static char *dir, path[96];
static struct mt_posix_storage ps;
static struct mt_storage *st;
static uint8_t old_data[3000], new_data[5000];

static int setup(void **state)
{
	dir = mt_test_tmpdir("fault");
	snprintf(path, sizeof(path), "%s/data.bin", dir);
	mt_posix_storage_init(&ps);
	st = &ps.dev;
	for (size_t i = 0; i < sizeof(old_data); i++)
		old_data[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(new_data); i++)
		new_data[i] = (uint8_t)(i * 17 + 3);
	assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
	return 0;
}

static int teardown(void **state)
{
	pf_remove();
	return mt_test_tmpdir_remove(&dir);
}

/* 1 if the file holds the old bytes, 2 if the new ones; fails otherwise. */
static int which(void)
{
	static uint8_t buf[8192];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(old_data) && memcmp(buf, old_data, n) == 0)
		return 1;
	if (n == sizeof(new_data) && memcmp(buf, new_data, n) == 0)
		return 2;
	fail_msg("%s holds %zu bytes that are neither old nor new", path, n);
	return 0;
}

static int count_cb(void *arg, const char *name)
{
	(*(int *)arg)++;
	return 0;
}

/* Entries in dir: 1 means data.bin alone, no temp file. */
static int entries(void)
{
	int n = 0;

	assert_int_equal(mt_storage_list(st, dir, count_cb, &n), 0);
	return n;
}

static void test_full_disk_and_io_errors(void **state)
{
	static const struct {
		enum pf_kind kind;
		int err;
	} cases[] = {
		{ PF_OPEN, ENOSPC },   { PF_WRITE, ENOSPC }, { PF_WRITE, EIO },
		{ PF_FSYNC, ENOSPC },  { PF_FSYNC, EIO },    { PF_CLOSE, EIO },
		{ PF_RENAME, ENOSPC }, { PF_RENAME, EIO },   { PF_OPEN, EACCES },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pf_install();
		pf_fail_kind(cases[i].kind, cases[i].err);
		assert_int_equal(mt_file_replace(st, path, new_data, sizeof(new_data)),
				 -cases[i].err);
		if (pf_close_leaked() != 0)
			fail_msg("case %zu: a descriptor was left open", i);
		pf_remove();
		assert_int_equal(which(), 1);
		if (entries() != 1)
			fail_msg("case %zu: the temp file was left behind", i);
	}
}

static void test_fail_each_call_once(void **state)
{
	long ncalls;

	pf_install();
	assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
	ncalls = pf_calls();
	assert_int_equal(ncalls, 8); /* open write fsync close rename open fsync close */
	for (long k = 1; k <= ncalls; k++) {
		int ret;

		pf_install();
		pf_fail_at(k, ENOSPC);
		ret = mt_file_replace(st, path, new_data, sizeof(new_data));
		assert_int_equal(pf_close_leaked(), 0);
		pf_remove();
		assert_int_equal(entries(), 1);
		if (k <= 5) { /* up to the rename: failed, old file untouched */
			assert_int_equal(ret, -ENOSPC);
			assert_int_equal(which(), 1);
		} else { /* the folder sync: renamed, durability unknown */
			assert_int_equal(ret, -ENOSPC);
			assert_int_equal(which(), 2);
		}
		assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
	}
}

static void test_eintr_anywhere_is_retried(void **state)
{
	for (long k = 1; k <= 8; k++) {
		pf_install();
		pf_fail_at(k, EINTR);
		assert_int_equal(mt_file_replace(st, path, new_data, sizeof(new_data)), 0);
		/* every call is made again, but a close: its descriptor is gone */
		assert_int_equal(pf_calls(), k == 4 || k == 8 ? 8 : 9);
		assert_int_equal(pf_close_leaked(), 0);
		pf_remove();
		assert_int_equal(which(), 2);
		assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
	}
}

static void test_short_writes_completed(void **state)
{
	pf_install();
	pf_short_writes(7);
	assert_int_equal(mt_file_replace(st, path, new_data, sizeof(new_data)), 0);
	assert_int_equal(pf_calls(), 7 + (sizeof(new_data) + 6) / 7);
	pf_remove();
	assert_int_equal(which(), 2);
}

static void test_crash_walk(void **state)
{
	int seen[3] = { 0 };
	long ncalls;

	pf_install();
	assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
	ncalls = pf_calls();
	pf_remove();
	for (long k = 1; k <= ncalls + 1; k++) {
		int ret, got;

		pf_install();
		pf_crash_at(k);
		ret = mt_file_replace(st, path, new_data, sizeof(new_data));
		pf_remove(); /* the process is gone: its descriptors close */
		got = which();
		seen[got]++;
		if (ret == 0)
			assert_int_equal(got, 2);
		else
			assert_int_equal(got, k <= 5 ? 1 : 2); /* old until the rename */
		/* a temp file left by the crash goes with the next replace */
		assert_int_equal(mt_file_replace(st, path, old_data, sizeof(old_data)), 0);
		assert_int_equal(entries(), 1);
	}
	assert_true(seen[1] > 0 && seen[2] > 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_full_disk_and_io_errors),
		T(test_fail_each_call_once),
		T(test_eintr_anywhere_is_retried),
		T(test_short_writes_completed),
		T(test_crash_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
