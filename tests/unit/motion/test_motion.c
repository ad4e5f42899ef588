/* The motion engine on synthetic thumbnails whose right answer is known:
 * learning, a still noisy scene, a moving object (map, box, persistence,
 * event start and stop), a patch that steps and stays (a clock digit), a
 * brightness step and a flash, a scene that changes for good (relearnt),
 * ignore and privacy masks, a zone with its own sensitivity, a change of
 * resolution and a thumbnail too big for the grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "motion/motion.h"

#define W     80
#define H     60
#define FRAME 40000 /* 25 fps */

static struct mt_motion *m;
static struct mt_motion_config cfg;
static struct mt_thumb th;
static struct mt_motion_result res;
static int64_t now;
static uint32_t rng = 12345;

static int noise(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (int)(rng % 5) - 2; /* -2..2: sensor and compression noise */
}

static uint8_t scene(unsigned x, unsigned y)
{
	return (uint8_t)(60 + (x * 7 + y * 13 + (x * y) % 17) % 120);
}

static uint8_t clip(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The scene at w x h with noise, times gain plus offset. */
static void make(unsigned w, unsigned h, float gain, int offset)
{
	th.width = (uint16_t)w;
	th.height = (uint16_t)h;
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++)
			th.y[y * w + x] = clip((int)(gain * scene(x, y)) + offset + noise());
}

static void square(unsigned x0, unsigned y0, unsigned side, int value)
{
	for (unsigned y = y0; y < y0 + side && y < th.height; y++)
		for (unsigned x = x0; x < x0 + side && x < th.width; x++)
			th.y[y * th.width + x] = clip(value + noise());
}

static void feed(void)
{
	mt_motion_feed(m, &th, now, &res);
	now += FRAME;
}

static int setup(void **state)
{
	m = malloc(sizeof(*m));
	assert_non_null(m);
	mt_motion_config_defaults(&cfg);
	cfg.sensitivity = 50;
	cfg.min_area_permille = 5; /* 24 cells of 4800 */
	cfg.learn_us = 1000000;
	cfg.trigger.trigger_frames = 2;
	cfg.trigger.release_us = 400000;
	cfg.trigger.min_us = 0;
	cfg.trigger.max_us = 60000000;
	mt_motion_init(m, &cfg);
	now = 0;
	return 0;
}

static int teardown(void **state)
{
	free(m);
	return 0;
}

/* The still scene while the engine learns: one second (25 frames, and the
 * one at 1 s that ends it), then judged. */
static void learn(void)
{
	int frames = 0;

	do {
		make(W, H, 1, 0);
		feed();
		assert_false(res.motion);
		frames++;
	} while (res.learning && frames < 100);
	assert_int_equal(frames, 27);
}

static void test_still_scene(void **state)
{
	learn();
	for (int i = 0; i < 100; i++) {
		make(W, H, 1, 0);
		feed();
		assert_false(res.motion);
		assert_false(res.unjudged);
		assert_int_equal(res.event, MT_TRIGGER_IDLE);
		assert_int_equal(res.gw, W);
		assert_int_equal(res.gh, H);
	}
}

static void test_moving_object(void **state)
{
	int first = -1;
	int64_t onset = 0;

	learn();
	/* A 8x8 bright object crossing at 1 cell a frame. */
	for (int i = 0; i < 40; i++) {
		make(W, H, 1, 0);
		square(10 + (unsigned)i, 20, 8, 240);
		feed();
		if (i < MT_MOTION_PERSIST - 1) {
			assert_false(res.motion); /* not yet persistent */
			continue;
		}
		assert_true(res.motion);
		if (first < 0) {
			first = i;
			onset = now - FRAME;
		}
		assert_int_equal(res.nblobs, 1);
		assert_in_range(res.blobs[0].x0, 9u + i, 11u + i);
		assert_in_range(res.blobs[0].x1, 16u + i, 18u + i);
		assert_in_range(res.blobs[0].y0, 19, 21);
		assert_in_range(res.blobs[0].y1, 26, 28);
		assert_in_range(res.blobs[0].area, 56, 90);
		assert_in_range(res.area_permille, 11, 19);
		assert_true(res.score > 0 && res.score <= res.area_permille);
		assert_true(res.map[24 * W + 14 + i]);
		assert_false(res.map[50 * W + 5]);
		if (i == first + 1) {
			assert_int_equal(res.action, MT_TRIGGER_START);
			assert_int_equal(res.action_at_us, onset);
		}
	}
	assert_int_equal(first, MT_MOTION_PERSIST - 1);
	assert_int_equal(res.event, MT_TRIGGER_ACTIVE);
	/* Gone: released 400 ms after the last moving frame. */
	for (int i = 0; i < 30 && res.action != MT_TRIGGER_STOP; i++) {
		make(W, H, 1, 0);
		feed();
		assert_false(res.motion);
	}
	assert_int_equal(res.action, MT_TRIGGER_STOP);
	assert_int_equal(res.event, MT_TRIGGER_IDLE);
}

/* A patch that changes at once and stays, every second: a clock. */
static void test_ticking_patch_is_not_motion(void **state)
{
	learn();
	for (int i = 0; i < 250; i++) {
		make(W, H, 1, 0);
		square(4, 4, 8, (i / 25) % 2 ? 230 : 20); /* a digit: 64 cells */
		square(12, 4, 8, (i / 50) % 2 ? 20 : 230);
		feed();
		if (res.motion || res.event != MT_TRIGGER_IDLE)
			fail_msg("frame %d: motion %d, event %s", i, res.motion,
				 mt_trigger_state_name(res.event));
	}
}

static void test_light_changes(void **state)
{
	static const float gains[] = { 1.4f, 0.6f };

	for (size_t k = 0; k < 2; k++) {
		mt_motion_init(m, &cfg);
		learn();
		for (int i = 0; i < 50; i++) {
			make(W, H, gains[k], 0);
			feed();
			assert_false(res.motion);
			assert_int_equal(res.event, MT_TRIGGER_IDLE);
		}
	}
	/* A flash: two frames far brighter. */
	mt_motion_init(m, &cfg);
	learn();
	for (int i = 0; i < 50; i++) {
		int flash = i == 10 || i == 11;

		make(W, H, flash ? 3.0f : 1, flash ? 60 : 0);
		feed();
		assert_false(res.motion);
		assert_int_equal(res.event, MT_TRIGGER_IDLE);
	}
}

/* A new scene for good (the camera was moved): not judged, then learnt. */
static void test_scene_change_relearns(void **state)
{
	int judged_after = 0;

	learn();
	for (int i = 0; i < 100; i++) {
		th.width = W;
		th.height = H;
		for (unsigned p = 0; p < W * H; p++)
			th.y[p] = clip((int)((p * 37) % 200) + noise());
		feed();
		assert_false(res.motion);
		if (i <= 25) /* 1 s: frames 0..25 */
			assert_true(res.unjudged);
		if (i == 26)
			assert_true(res.learning);
		judged_after += !res.learning && !res.unjudged;
	}
	assert_true(judged_after > 40);
	assert_int_equal(res.event, MT_TRIGGER_IDLE);
}

static void moving_square_run(int contrast, int *motion_frames, uint8_t *zones)
{
	*motion_frames = 0;
	*zones = 0;
	mt_motion_init(m, &cfg);
	learn();
	for (int i = 0; i < 20; i++) {
		make(W, H, 1, 0);
		for (unsigned y = 30; y < 40; y++)
			for (unsigned x = 20 + (unsigned)i; x < 30 + (unsigned)i; x++)
				th.y[y * W + x] = clip(scene(x, y) + contrast + noise());
		feed();
		*motion_frames += res.motion;
		*zones |= res.zones_hit;
	}
}

static void test_masks_and_zones(void **state)
{
	int n;
	uint8_t z;

	moving_square_run(100, &n, &z);
	assert_int_equal(n, 20 - (MT_MOTION_PERSIST - 1));
	assert_int_equal(z, 0);
	/* The lower half ignored, then private: nothing. */
	assert_int_equal(mt_region_parse_mask(&cfg.ignore, "0,0.45 1,0.45 1,1 0,1", NULL, 0), 0);
	moving_square_run(100, &n, &z);
	assert_int_equal(n, 0);
	mt_region_init(&cfg.ignore);
	assert_int_equal(mt_region_parse_mask(&cfg.privacy, "0,0.45 1,0.45 1,1 0,1", NULL, 0), 0);
	moving_square_run(100, &n, &z);
	assert_int_equal(n, 0);
	mt_region_init(&cfg.privacy);
	/* A faint change: unseen at 50, seen in a zone at 100 (zone 2). */
	moving_square_run(5, &n, &z);
	assert_int_equal(n, 0);
	assert_int_equal(
		mt_region_parse_zone(&cfg.zone[1], "100: 0,0.4 1,0.4 1,0.8 0,0.8", NULL, 0), 0);
	moving_square_run(5, &n, &z);
	assert_true(n >= 10);
	assert_int_equal(z, 2);
	/* A zone less sensitive than the rest hides it again. */
	assert_int_equal(mt_region_parse_zone(&cfg.zone[1], "1: 0,0.4 1,0.4 1,0.8 0,0.8", NULL, 0),
			 0);
	cfg.sensitivity = 100;
	moving_square_run(5, &n, &z);
	assert_int_equal(n, 0);
	mt_region_init(&cfg.zone[1]);
	moving_square_run(5, &n, &z);
	assert_true(n >= 10);
}

static void test_resolution_change(void **state)
{
	learn();
	make(W / 2, H / 2, 1, 0);
	feed();
	assert_true(res.learning);
	assert_int_equal(res.gw, W / 2);
	assert_int_equal(res.gh, H / 2);
	/* Too big for the grid: halved until it fits. */
	make(320, 240, 1, 0);
	feed();
	assert_true(res.learning);
	assert_true((unsigned)res.gw * res.gh <= MT_MOTION_MAX_CELLS);
	assert_int_equal(res.gw, 80);
	assert_int_equal(res.gh, 60);
	/* The ignore mask follows: the left half at 40x30. */
	assert_int_equal(mt_region_parse_mask(&cfg.ignore, "0,0 0.5,0 0.5,1 0,1", NULL, 0), 0);
	mt_motion_init(m, &cfg);
	make(W / 2, H / 2, 1, 0);
	feed();
	{
		unsigned masked = 0;

		for (unsigned i = 0; i < (unsigned)(W / 2) * (H / 2); i++)
			masked += (m->mask[i] & MT_MOTION_IGNORE) != 0;
		assert_int_equal(masked, (W / 4) * (H / 2));
	}
}

static void test_finish_and_relearn(void **state)
{
	learn();
	for (int i = 0; i < 10; i++) {
		make(W, H, 1, 0);
		square(10 + (unsigned)i, 20, 8, 240);
		feed();
	}
	assert_int_equal(res.event, MT_TRIGGER_ACTIVE);
	mt_motion_finish(m, now, &res);
	assert_int_equal(res.action, MT_TRIGGER_STOP);
	assert_int_equal(res.action_at_us, now);
	mt_motion_relearn(m);
	make(W, H, 1, 0);
	feed();
	assert_true(res.learning);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_still_scene, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moving_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ticking_patch_is_not_motion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_light_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scene_change_relearns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masks_and_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolution_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_and_relearn, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
