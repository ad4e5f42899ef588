/* Frames: refcounts, release hooks, format names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/frame.h"

static int released;

static void test_refcount_frees_on_last_put(void **state)
{
	struct mt_frame *f = mt_frame_alloc(100);

	assert_non_null(f);
	assert_int_equal(f->capacity, 100);
	assert_ptr_equal(mt_frame_get(f), f);
	assert_int_equal(atomic_load(&f->refs), 2);
	mt_frame_put(f);
	assert_int_equal(atomic_load(&f->refs), 1);
	mt_frame_put(f); /* freed: ASan reports a leak otherwise */
	mt_frame_put(NULL);
}

static void plain_release(struct mt_frame *f)
{
	released++;
	free(f);
}

static void test_release_hook_runs_once(void **state)
{
	struct mt_frame *f = mt_frame_alloc(8);

	released = 0;
	f->release = plain_release;
	mt_frame_get(f);
	mt_frame_put(f);
	assert_int_equal(released, 0);
	mt_frame_put(f);
	assert_int_equal(released, 1);
}

static void test_pixfmt_names_round_trip(void **state)
{
	for (int i = MT_FMT_MJPEG; i <= MT_FMT_H264; i++)
		assert_int_equal(mt_pixfmt_parse(mt_pixfmt_name((enum mt_pixfmt)i)), i);
	assert_int_equal(mt_pixfmt_parse("rgb24"), MT_FMT_NONE);
	assert_string_equal(mt_pixfmt_name((enum mt_pixfmt)99), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refcount_frees_on_last_put),
		cmocka_unit_test(test_release_hook_runs_once),
		cmocka_unit_test(test_pixfmt_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
