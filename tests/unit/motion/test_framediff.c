/* Frame difference on real footage and on made-up changes: passing cars are
 * motion, a still picture and a change of overall brightness are not, a
 * changed patch is motion of the right area, and a new picture size starts
 * learning again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "motion/framediff.h"
#include "motion/thumb.h"
#include "support.h"

#define LEARN 10

/* The shipped defaults, so the test also says they work on real footage. */
static const struct mt_framediff_config defaults = {
	.sensitivity = CONFIG_MT_MOTION_SENSITIVITY,
	.min_area_permille = CONFIG_MT_MOTION_MIN_AREA_PERMILLE,
	.learn_frames = LEARN,
};

static struct mt_thumbnailer tn;
static struct mt_framediff fd;
static struct mt_thumb th, th2;

static int setup(void **state)
{
	mt_thumbnailer_init(&tn);
	mt_framediff_init(&fd, &defaults);
	return 0;
}

static int teardown(void **state)
{
	mt_thumbnailer_free(&tn);
	return 0;
}

/* Thumbnail of cdnet-highway frame n. */
static void footage_thumb(int n, struct mt_thumb *out)
{
	struct mt_frame *f = mt_test_footage_frame(n);

	assert_int_equal(mt_thumb_make(&tn, f, out), 0);
	mt_frame_put(f);
}

static struct mt_motion_result feed(const struct mt_thumb *t)
{
	struct mt_motion_result r;

	memset(&r, 0x5a, sizeof(r));
	mt_framediff_feed(&fd, t, &r);
	assert_int_equal(r.pixels, (uint32_t)t->width * t->height);
	return r;
}

/* Feed t until the background is learnt; every result says learning. */
static void learn(const struct mt_thumb *t)
{
	for (int i = 0; i < LEARN; i++) {
		struct mt_motion_result r = feed(t);

		assert_true(r.learning);
		assert_false(r.motion);
	}
}

static void test_learning_then_judging(void **state)
{
	struct mt_motion_result r;

	footage_thumb(1, &th);
	learn(&th);
	r = feed(&th);
	assert_false(r.learning);
	assert_false(r.motion);
}

static void test_highway_cars_are_motion(void **state)
{
	int motion = 0, judged = 0;
	uint32_t peak = 0;

	/* Frames 1..300 at the camera's rate: cars come and go. */
	for (int n = 1; n <= 300; n++) {
		struct mt_motion_result r;

		footage_thumb(n, &th);
		r = feed(&th);
		if (r.learning)
			continue;
		judged++;
		motion += r.motion;
		peak = r.area_permille > peak ? r.area_permille : peak;
	}
	assert_int_equal(judged, 300 - LEARN);
	print_message("highway: motion in %d of %d frames, peak area %u permille\n", motion, judged,
		      peak);
	assert_true(motion >= judged / 10);
	assert_true(peak >= 20); /* a car is a few percent of the picture */
	assert_true(peak < 500); /* the road is not all moving */
}

static void test_same_frame_is_still(void **state)
{
	footage_thumb(500, &th);
	learn(&th);
	for (int i = 0; i < 50; i++) {
		struct mt_motion_result r = feed(&th);

		assert_false(r.motion);
		assert_int_equal(r.changed, 0);
	}
}

static void shift_brightness(const struct mt_thumb *in, struct mt_thumb *out, int delta)
{
	*out = *in;
	for (uint32_t i = 0; i < (uint32_t)in->width * in->height; i++) {
		int v = in->y[i] + delta;

		out->y[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

static void test_brightness_change_is_not_motion(void **state)
{
	static const int deltas[] = { 40, -40 };

	for (size_t k = 0; k < sizeof(deltas) / sizeof(deltas[0]); k++) {
		struct mt_motion_result r;

		mt_framediff_init(&fd, &defaults);
		footage_thumb(1, &th);
		learn(&th);
		assert_false(feed(&th).motion);
		shift_brightness(&th, &th2, deltas[k]);
		r = feed(&th2);
		if (r.motion)
			fail_msg("%+d brightness: %u permille changed", deltas[k], r.area_permille);
		/* and it stays still while the background adapts */
		for (int i = 0; i < 20; i++)
			assert_false(feed(&th2).motion);
	}
}

/* th2 = th with a side x side patch at (x0, y0) moved 100 levels away. */
static void change_patch(int x0, int y0, int side)
{
	th2 = th;
	for (int y = y0; y < y0 + side; y++)
		for (int x = x0; x < x0 + side; x++) {
			uint8_t *p = &th2.y[y * th2.width + x];

			*p = (uint8_t)(*p < 128 ? *p + 100 : *p - 100);
		}
}

static void test_changed_patch_is_motion(void **state)
{
	struct mt_motion_result r;

	footage_thumb(1, &th);
	learn(&th);
	feed(&th);
	change_patch(12, 8, 10); /* 100 of 1200 pixels */
	r = feed(&th2);
	assert_true(r.motion);
	assert_false(r.learning);
	assert_int_equal(r.changed, 100);
	assert_int_equal(r.area_permille, 100 * 1000 / 1200);
}

static void test_min_area_and_sensitivity(void **state)
{
	struct mt_framediff_config cfg = defaults;
	struct mt_motion_result r;

	/* 3x3 = 9 of 1200 pixels = 7 permille: motion over 5, not over 10. */
	footage_thumb(1, &th);
	change_patch(20, 20, 3);
	for (uint32_t min = 5; min <= 10; min += 5) {
		cfg.min_area_permille = min;
		mt_framediff_init(&fd, &cfg);
		learn(&th);
		r = feed(&th2);
		assert_int_equal(r.changed, 9);
		assert_int_equal(r.area_permille, 7);
		assert_int_equal(r.motion, min == 5);
	}

	/* A change of 20 levels: seen at the highest sensitivity only. */
	th2 = th;
	for (int y = 0; y < 10; y++)
		for (int x = 0; x < 10; x++)
			th2.y[y * 40 + x] = (uint8_t)(th.y[y * 40 + x] < 128 ?
							      th.y[y * 40 + x] + 20 :
							      th.y[y * 40 + x] - 20);
	for (uint32_t s = 1; s <= 100; s += 99) {
		cfg.sensitivity = s;
		cfg.min_area_permille = 5;
		mt_framediff_init(&fd, &cfg);
		learn(&th);
		r = feed(&th2);
		assert_int_equal(r.motion, s == 100);
	}
}

static void test_size_change_relearns(void **state)
{
	struct mt_motion_result r;

	footage_thumb(1, &th);
	learn(&th);
	assert_false(feed(&th).learning);

	/* A 20x15 picture (the camera changed mode): learn it from scratch. */
	memset(&th2, 0, sizeof(th2));
	th2.width = 20;
	th2.height = 15;
	for (int i = 0; i < 20 * 15; i++)
		th2.y[i] = (uint8_t)(i * 7);
	learn(&th2);
	r = feed(&th2);
	assert_false(r.learning);
	assert_false(r.motion);
	assert_int_equal(r.changed, 0);
	assert_int_equal(r.pixels, 300);

	/* And back: the old background is not reused. */
	learn(&th);
	r = feed(&th);
	assert_false(r.learning);
	assert_int_equal(r.changed, 0);
}

static void test_learn_frames_zero_means_one(void **state)
{
	struct mt_framediff_config cfg = defaults;
	struct mt_motion_result r;

	cfg.learn_frames = 0;
	mt_framediff_init(&fd, &cfg);
	footage_thumb(1, &th);
	assert_true(feed(&th).learning);
	change_patch(0, 0, 10);
	r = feed(&th2);
	assert_false(r.learning);
	assert_true(r.motion);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learning_then_judging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_highway_cars_are_motion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_frame_is_still, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brightness_change_is_not_motion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changed_patch_is_motion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_area_and_sensitivity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_change_relearns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_frames_zero_means_one, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
