/* Illumination compensation on synthetic pictures whose answer is known:
 * a gain and offset change of the whole picture (with and without a moving
 * object in it), a region lit on its own, no change, and everything masked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "motion/light.h"

#define W 80
#define H 60
#define N (W * H)

static uint16_t bg[N];
static uint8_t cur[N], skip[N];
static uint16_t norm[N];
static struct mt_light l;

/* A background with texture over 40..200. */
static uint8_t scene(unsigned x, unsigned y)
{
	return (uint8_t)(40 + (x * 7 + y * 13 + (x * y) % 17) % 160);
}

static void make_bg(void)
{
	for (unsigned i = 0; i < N; i++)
		bg[i] = (uint16_t)(scene(i % W, i / W) << 8);
}

static uint8_t clip(float v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrintf(v));
}

/* Every cell but the clipped ones maps back onto the background. */
static void check_normalised(unsigned x0, unsigned y0, unsigned x1, unsigned y1, int tol)
{
	mt_light_normalise(&l, cur, W, H, norm);
	for (unsigned y = y0; y < y1; y++)
		for (unsigned x = x0; x < x1; x++) {
			unsigned i = y * W + x;
			int d = abs((int)(norm[i] >> 4) - (bg[i] >> 8));

			if (cur[i] > 5 && cur[i] < 250 && d > tol)
				fail_msg("cell %u,%u: %d back, background %d", x, y, norm[i] >> 4,
					 bg[i] >> 8);
		}
}

static void test_no_change(void **state)
{
	make_bg();
	for (unsigned i = 0; i < N; i++)
		cur[i] = (uint8_t)(bg[i] >> 8);
	mt_light_estimate(&l, cur, bg, NULL, W, H);
	assert_true(fabsf(l.gain - 1) < 0.01f);
	assert_true(fabsf(l.offset) < 0.5f);
	assert_true(l.spread < 0.5f);
	assert_true(l.used > 0.99f);
	for (unsigned y = 0; y < MT_LIGHT_RH; y++)
		for (unsigned x = 0; x < MT_LIGHT_RW; x++)
			assert_int_equal(l.local[y][x], 0);
	check_normalised(0, 0, W, H, 0);
}

static void test_global_gain_and_offset(void **state)
{
	static const float gains[] = { 1.4f, 0.6f, 1.15f };
	static const float offsets[] = { 0, 0, -12 };

	make_bg();
	for (size_t k = 0; k < 3; k++) {
		for (int with_object = 0; with_object < 2; with_object++) {
			for (unsigned i = 0; i < N; i++)
				cur[i] = clip(gains[k] * (bg[i] >> 8) + offsets[k]);
			if (with_object) /* a 16x12 object, 4% of the picture, unlike the scene */
				for (unsigned y = 30; y < 42; y++)
					for (unsigned x = 50; x < 66; x++)
						cur[y * W + x] = scene(x, y) < 120 ? 240 : 15;
			mt_light_estimate(&l, cur, bg, NULL, W, H);
			if (fabsf(l.gain - gains[k]) > 0.02f || fabsf(l.offset - offsets[k]) > 1.5f)
				fail_msg("x%.2f %+.0f (object %d): fit x%.3f %+.2f", gains[k],
					 offsets[k], with_object, l.gain, l.offset);
			for (unsigned y = 0; y < MT_LIGHT_RH; y++)
				for (unsigned x = 0; x < MT_LIGHT_RW; x++)
					assert_int_equal(l.local[y][x], 0);
			check_normalised(0, 0, 50, H, 1); /* away from the object */
			if (with_object) {
				/* The object stays unlike the background. */
				unsigned i = 36 * W + 58;

				mt_light_normalise(&l, cur, W, H, norm);
				assert_true(abs((int)(norm[i] >> 4) - (bg[i] >> 8)) > 20);
			}
		}
	}
}

/* The top-left region (of 4 x 3) lit by 30 levels, as a headlight would. */
static void test_local_light(void **state)
{
	make_bg();
	for (unsigned i = 0; i < N; i++) {
		unsigned x = i % W, y = i / W;

		cur[i] = clip((float)(bg[i] >> 8) + (x < W / 4 && y < H / 3 ? 30 : 0));
	}
	mt_light_estimate(&l, cur, bg, NULL, W, H);
	assert_true(fabsf(l.gain - 1) < 0.02f);
	assert_true(l.local[0][0] >= 28 && l.local[0][0] <= 32);
	for (unsigned y = 0; y < MT_LIGHT_RH; y++)
		for (unsigned x = 0; x < MT_LIGHT_RW; x++)
			if (x || y)
				assert_int_equal(l.local[y][x], 0);
	/* At the region's centre the blend is the region's own offset. */
	mt_light_normalise(&l, cur, W, H, norm);
	{
		unsigned i = (H / 6) * W + W / 8;

		assert_true(abs((int)(norm[i] >> 4) - (bg[i] >> 8)) <= 2);
	}
	/* Only a corner of a region lit: not light, left alone. */
	for (unsigned i = 0; i < N; i++) {
		unsigned x = i % W, y = i / W;

		cur[i] = clip((float)(bg[i] >> 8) + (x < 6 && y < 6 ? 30 : 0));
	}
	mt_light_estimate(&l, cur, bg, NULL, W, H);
	assert_int_equal(l.local[0][0], 0);
}

static void test_masked_cells_left_out(void **state)
{
	make_bg();
	/* Half the picture changes wildly but is masked: the rest decides. */
	for (unsigned i = 0; i < N; i++) {
		int masked = (i % W) < W / 2;

		cur[i] = masked ? (uint8_t)(i * 31) : clip(1.2f * (bg[i] >> 8));
		skip[i] = (uint8_t)masked;
	}
	mt_light_estimate(&l, cur, bg, skip, W, H);
	assert_true(fabsf(l.gain - 1.2f) < 0.02f);
	/* Everything masked: no change of light can be known. */
	memset(skip, 1, sizeof(skip));
	mt_light_estimate(&l, cur, bg, skip, W, H);
	assert_true(l.gain == 1.0f && l.offset == 0.0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_global_gain_and_offset),
		cmocka_unit_test(test_local_light),
		cmocka_unit_test(test_masked_cells_left_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
