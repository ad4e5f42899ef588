/* "config save" across every cut point. A save is counted call by call, then
 * crashed at each call in turn; after the power cut the file must load (no
 * parse error, ever) as the old configuration or the new one, never a mix.
 * Run for each thing a power cut may keep (mem storage), for a first save
 * with no old file, for single failed calls, and on real files. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/errors.h"
#include "fake/mem_storage.h"
#include "linux/posix_storage.h"
#include "posix_fault.h"
#include "support.h"

#define PATH "etc/matthan.conf"

static struct mt_config defaults, old_cfg, new_cfg;

static int setup(void **state)
{
	mt_config_init(&defaults);
	mt_config_init(&old_cfg);
	assert_int_equal(mt_config_set(&old_cfg, "capture.fps", "10", NULL), 0);
	assert_int_equal(mt_config_set(&old_cfg, "device.location", "\"Nhà số 5\"", NULL), 0);
	assert_int_equal(mt_config_set(&old_cfg, "record.preroll_s", "3", NULL), 0);
	/* the new one differs in every key the old one set, and in more */
	mt_config_init(&new_cfg);
	assert_int_equal(mt_config_set(&new_cfg, "capture.fps", "25", NULL), 0);
	assert_int_equal(mt_config_set(&new_cfg, "device.location", "\"Chợ Ea Pốk, cổng 2\"", NULL),
			 0);
	assert_int_equal(mt_config_set(&new_cfg, "record.preroll_s", "12", NULL), 0);
	assert_int_equal(mt_config_set(&new_cfg, "capture.format", "h264", NULL), 0);
	assert_int_equal(mt_config_set(&new_cfg, "device.id", "EP-0042", NULL), 0);
	return 0;
}

/* 1 for old, 2 for new, 0 for defaults; fails on anything else. */
static int classify(const struct mt_config *c)
{
	if (mt_config_equal(c, &old_cfg))
		return 1;
	if (mt_config_equal(c, &new_cfg))
		return 2;
	if (mt_config_equal(c, &defaults))
		return 0;
	fail_msg("loaded a configuration that is neither old nor new");
	return -1;
}

static int load_after_cut(struct mt_storage *st, const char *path)
{
	struct mt_config_error err;
	struct mt_config c;
	int ret;

	mt_config_init(&c);
	ret = mt_config_load(&c, st, path, &err);
	if (ret) {
		char line[512];

		mt_config_error_format(&err, line, sizeof(line));
		fail_msg("load after the cut failed (%d): %s", ret, line);
	}
	return classify(&c);
}

/* A storage with folder etc and, if with_old, the old configuration saved. */
static void mem_prepare(struct mt_mem_storage *ms, bool with_old)
{
	mt_mem_storage_init(ms);
	assert_int_equal(mt_storage_mkdir(&ms->dev, "etc"), 0);
	assert_int_equal(mt_storage_sync_dir(&ms->dev, "."), 0);
	if (with_old)
		assert_int_equal(mt_config_save(&old_cfg, &ms->dev, PATH), 0);
}

static uint64_t mem_count_save(bool with_old)
{
	struct mt_mem_storage ms;
	uint64_t before, n;

	mem_prepare(&ms, with_old);
	before = mt_mem_storage_calls(&ms);
	assert_int_equal(mt_config_save(&new_cfg, &ms.dev, PATH), 0);
	n = mt_mem_storage_calls(&ms) - before;
	mt_mem_storage_free(&ms);
	return n;
}

static void mem_walk(enum mt_mem_cut how, bool with_old)
{
	uint64_t ncalls = mem_count_save(with_old);
	int before = with_old ? 1 : 0, seen[3] = { 0 };

	assert_true(ncalls >= 6);
	/* k = ncalls + 1: the crash point is never reached */
	for (uint64_t k = 1; k <= ncalls + 1; k++) {
		struct mt_mem_storage ms;
		int ret, got;

		mem_prepare(&ms, with_old);
		mt_mem_storage_crash_at(&ms, k);
		ret = mt_config_save(&new_cfg, &ms.dev, PATH);
		assert_int_equal(ret, k <= ncalls ? MT_ECRASHED : 0);
		mt_mem_storage_cut(&ms, how);
		got = load_after_cut(&ms.dev, PATH);
		if (got != before && got != 2)
			fail_msg("cut at call %d: loaded %d", (int)k, got);
		/* a save that returned 0 is durable whatever the cut keeps */
		if (ret == 0)
			assert_int_equal(got, 2);
		/* a real power cut keeps only what was synced: a save that did
		 * not return 0 changed nothing */
		if (how == MT_MEM_CUT_LOSE_VOLATILE && ret != 0)
			assert_int_equal(got, before);
		seen[got]++;
		mt_mem_storage_free(&ms);
	}
	assert_true(seen[before] > 0 && seen[2] > 0);
	/* when names and data written before the crash survive, a crash
	 * after the rename already gives the new file */
	if (how != MT_MEM_CUT_LOSE_VOLATILE)
		assert_true(seen[2] > 1);
}

static void test_mem_walk_lose_volatile(void **state)
{
	mem_walk(MT_MEM_CUT_LOSE_VOLATILE, true);
}

static void test_mem_walk_keep_names(void **state)
{
	mem_walk(MT_MEM_CUT_KEEP_NAMES, true);
}

static void test_mem_walk_keep_all(void **state)
{
	mem_walk(MT_MEM_CUT_KEEP_ALL, true);
}

static void test_mem_walk_first_save(void **state)
{
	mem_walk(MT_MEM_CUT_LOSE_VOLATILE, false);
	mem_walk(MT_MEM_CUT_KEEP_NAMES, false);
	mem_walk(MT_MEM_CUT_KEEP_ALL, false);
}

/* One call fails (disk full, I/O error): the save reports it, the file in
 * use and the file after a power cut are still the old configuration
 * (except when only the final folder sync failed). */
static void mem_fail_walk(int err)
{
	uint64_t ncalls = mem_count_save(true);

	for (uint64_t k = 1; k <= ncalls; k++) {
		struct mt_mem_storage ms;
		int ret, live, fd;

		mem_prepare(&ms, true);
		mt_mem_storage_fail_at(&ms, k, err);
		ret = mt_config_save(&new_cfg, &ms.dev, PATH);
		live = load_after_cut(&ms.dev, PATH); /* before any cut */
		assert_int_equal(mt_mem_storage_open_fds(&ms), 0);
		if (ret == 0) {
			assert_int_equal(live, 2);
		} else if (k == ncalls) {
			assert_int_equal(ret, err);
			assert_int_equal(live, 2); /* renamed; the folder sync failed */
		} else {
			assert_int_equal(ret, err);
			assert_int_equal(live, 1);
			assert_int_equal(mt_storage_open(&ms.dev, PATH ".tmp", MT_O_READ, &fd),
					 -ENOENT); /* the temp file was removed */
		}
		mt_mem_storage_power_cut(&ms);
		assert_int_equal(load_after_cut(&ms.dev, PATH), ret == 0 ? 2 : 1);
		mt_mem_storage_free(&ms);
	}
}

static void test_mem_fail_walk(void **state)
{
	mem_fail_walk(-ENOSPC);
	mem_fail_walk(-EIO);
}

static void test_mem_short_writes(void **state)
{
	struct mt_mem_storage ms;

	mem_prepare(&ms, true);
	mt_mem_storage_short_writes(&ms, 3);
	assert_int_equal(mt_config_save(&new_cfg, &ms.dev, PATH), 0);
	mt_mem_storage_power_cut(&ms);
	assert_int_equal(load_after_cut(&ms.dev, PATH), 2);
	mt_mem_storage_free(&ms);
}

/* ---- the same walk on real files ---- */

static char *dir;

/* Runs even when the walk failed half-way. */
static int posix_teardown(void **state)
{
	pf_remove();
	return mt_test_tmpdir_remove(&dir);
}

static void test_posix_walk(void **state)
{
	struct mt_posix_storage ps;
	char path[96];
	int seen[3] = { 0 };
	long ncalls;

	dir = mt_test_tmpdir("fault");
	snprintf(path, sizeof(path), "%s/matthan.conf", dir);
	mt_posix_storage_init(&ps);

	assert_int_equal(mt_config_save(&old_cfg, &ps.dev, path), 0);
	pf_install();
	assert_int_equal(mt_config_save(&old_cfg, &ps.dev, path), 0);
	ncalls = pf_calls();
	pf_remove();
	for (long k = 1; k <= ncalls + 1; k++) {
		int ret, got;

		pf_install();
		pf_crash_at(k);
		ret = mt_config_save(&new_cfg, &ps.dev, path);
		pf_remove(); /* what the crash left open, the kernel closes */
		got = load_after_cut(&ps.dev, path);
		assert_true(got == 1 || got == 2);
		if (ret == 0)
			assert_int_equal(got, 2);
		seen[got]++;
		assert_int_equal(mt_config_save(&old_cfg, &ps.dev, path), 0);
	}
	assert_true(seen[1] > 0 && seen[2] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_walk_lose_volatile),
		cmocka_unit_test(test_mem_walk_keep_names),
		cmocka_unit_test(test_mem_walk_keep_all),
		cmocka_unit_test(test_mem_walk_first_save),
		cmocka_unit_test(test_mem_fail_walk),
		cmocka_unit_test(test_mem_short_writes),
		cmocka_unit_test_teardown(test_posix_walk, posix_teardown),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
