/* The manifest's motion summary: peak score, boxes scaled from grid cells
 * to picture pixels, overlapping boxes joined, at most MT_MANIFEST_BOXES
 * kept, zones named, frames without motion ignored, and a fresh start
 * after every take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/motion_summary.h"

static struct mt_motion_result frame(int motion, uint32_t score, uint8_t zones, uint16_t x0,
				     uint16_t y0, uint16_t x1, uint16_t y1)
{
	struct mt_motion_result r;

	memset(&r, 0, sizeof(r));
	r.motion = motion;
	r.score = score;
	r.zones_hit = zones;
	r.gw = 80;
	r.gh = 60;
	r.nblobs = 1;
	r.blobs[0] = (struct mt_motion_blob){ .x0 = x0, .y0 = y0, .x1 = x1, .y1 = y1 };
	return r;
}

static void summary(void **state)
{
	struct mt_motion_summary s;
	struct mt_manifest_motion out;
	struct mt_motion_result r;

	(void)state;
	mt_motion_summary_init(&s, 320, 240); /* 4 px per cell */
	r = frame(1, 120, 0x1, 10, 10, 19, 14);
	mt_motion_summary_add(&s, &r);
	r = frame(1, 300, 0x4, 12, 12, 21, 16); /* overlaps the first: joined */
	mt_motion_summary_add(&s, &r);
	r = frame(0, 999, 0x2, 60, 50, 79, 59); /* no motion: ignored */
	mt_motion_summary_add(&s, &r);
	r = frame(1, 50, 0, 60, 50, 79, 59); /* elsewhere: a box of its own */
	mt_motion_summary_add(&s, &r);
	mt_motion_summary_take(&s, NULL, &out);
	assert_int_equal(out.peak_score, 300);
	assert_int_equal(out.nboxes, 2);
	assert_int_equal(out.boxes[0].x, 40);
	assert_int_equal(out.boxes[0].y, 40);
	assert_int_equal(out.boxes[0].w, 48); /* cells 10..21 */
	assert_int_equal(out.boxes[0].h, 28); /* cells 10..16 */
	assert_int_equal(out.boxes[1].x, 240);
	assert_int_equal(out.boxes[1].w, 80); /* to the right edge */
	assert_int_equal(out.boxes[1].h, 40);
	assert_int_equal(out.nzones, 2);
	assert_string_equal(out.zones[0], "zone1");
	assert_string_equal(out.zones[1], "zone3");
	/* the next clip starts empty */
	mt_motion_summary_take(&s, NULL, &out);
	assert_int_equal(out.peak_score, 0);
	assert_int_equal(out.nboxes, 0);
	assert_int_equal(out.nzones, 0);
	/* many separate boxes: never more than the manifest holds */
	for (uint16_t i = 0; i < 40; i++) {
		r = frame(1, i, 0, (uint16_t)(i * 2 % 78), (uint16_t)(i / 39 * 30),
			  (uint16_t)(i * 2 % 78), (uint16_t)(i / 39 * 30));
		mt_motion_summary_add(&s, &r);
	}
	mt_motion_summary_take(&s, NULL, &out);
	assert_int_equal(out.nboxes, MT_MANIFEST_BOXES);
	assert_int_equal(out.peak_score, 39);
	mt_motion_summary_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(summary) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
