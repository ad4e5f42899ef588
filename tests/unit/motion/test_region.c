/* Masks and zones: the polygon text (good and bad), coverage of cells by
 * polygons whose answer is known (rectangles on cell edges, a triangle, a
 * concave shape), the same mask on grids of different sizes, and polygons
 * that run to the picture's edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/errors.h"
#include "motion/region.h"

static struct mt_region r;

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"0,0 1,0",        /* two points */
		"0,0 1,0 1,x",    /* not a number */
		"0,0 1,0 1,1.5",  /* over 1 */
		"0,0 -0.1,0 1,1", /* negative */
		"0,0 1,0 1,1;",   /* empty polygon after ; */
		"0,0 1,0 1;1",    /* no y */
		"0,0,1 1,0 1,1",  /* a third number */
		"0 0 1 0 1 1",    /* no commas */
	};
	char err[96];

	assert_int_equal(mt_region_parse_mask(&r, "", err, sizeof(err)), 0);
	assert_int_equal(r.npolys, 0);
	assert_int_equal(mt_region_parse_mask(&r, "  ", err, sizeof(err)), 0);
	assert_int_equal(mt_region_parse_mask(&r, "0,0 0.5,0 0.5,1 0,1", err, sizeof(err)), 0);
	assert_int_equal(r.npolys, 1);
	assert_int_equal(r.poly[0].n, 4);
	assert_true(fabsf(r.poly[0].p[1].x - 0.5f) < 1e-6f);
	assert_int_equal(
		mt_region_parse_mask(&r, " 0,0 1,0 1,1 ; .2,.2 .3,.2 .3,.3 ", err, sizeof(err)), 0);
	assert_int_equal(r.npolys, 2);
	assert_int_equal(r.poly[1].n, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (mt_region_parse_mask(&r, bad[i], err, sizeof(err)) != MT_ECONFIG)
			fail_msg("\"%s\" was taken", bad[i]);
		assert_int_equal(r.npolys, 0);
		assert_true(strlen(err) > 0);
	}
	/* 17 points, 9 polygons: over the limits. */
	assert_int_equal(
		mt_region_parse_mask(&r,
				     "0,0 .1,0 .2,0 .3,0 .4,0 .5,0 .6,0 .7,0 .8,0 .9,0 1,0 "
				     "1,.1 1,.2 1,.3 1,.4 1,.5 1,1",
				     err, sizeof(err)),
		MT_ECONFIG);
	assert_int_equal(mt_region_parse_mask(&r,
					      "0,0 1,0 1,1;0,0 1,0 1,1;0,0 1,0 1,1;0,0 1,0 1,1;"
					      "0,0 1,0 1,1;0,0 1,0 1,1;0,0 1,0 1,1;0,0 1,0 1,1;"
					      "0,0 1,0 1,1",
					      err, sizeof(err)),
			 MT_ECONFIG);

	assert_int_equal(mt_region_parse_zone(&r, "80: 0,0.5 1,0.5 1,1 0,1", err, sizeof(err)), 0);
	assert_int_equal(r.sensitivity, 80);
	assert_int_equal(r.npolys, 1);
	assert_int_equal(mt_region_parse_zone(&r, "", err, sizeof(err)), 0);
	assert_int_equal(r.npolys, 0);
	assert_int_equal(mt_region_parse_zone(&r, "0: 0,0 1,0 1,1", err, sizeof(err)), MT_ECONFIG);
	assert_int_equal(mt_region_parse_zone(&r, "101: 0,0 1,0 1,1", err, sizeof(err)),
			 MT_ECONFIG);
	assert_int_equal(mt_region_parse_zone(&r, "50 0,0 1,0 1,1", err, sizeof(err)), MT_ECONFIG);
	assert_int_equal(mt_region_parse_zone(&r, "50:", err, sizeof(err)), MT_ECONFIG);
	assert_int_equal(mt_region_parse_zone(&r, "0,0 1,0 1,1", NULL, 0), MT_ECONFIG);
}

static unsigned count(const uint8_t *m, unsigned n, uint8_t bit)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += (m[i] & bit) != 0;
	return c;
}

/* The left half exactly: cells on its edge are not touched. */
static void test_rectangle_on_cell_edges(void **state)
{
	static const unsigned sizes[][2] = { { 40, 30 }, { 80, 60 }, { 160, 90 }, { 7, 5 } };
	static uint8_t m[160 * 90];

	assert_int_equal(mt_region_parse_mask(&r, "0,0 0.5,0 0.5,1 0,1", NULL, 0), 0);
	for (size_t k = 0; k < 4; k++) {
		unsigned gw = sizes[k][0], gh = sizes[k][1];

		memset(m, 0, sizeof(m));
		mt_region_raster(&r, gw, gh, 0, 4, m);
		for (unsigned y = 0; y < gh; y++)
			for (unsigned x = 0; x < gw; x++) {
				/* a cell touches x < 0.5 when its left edge is below 0.5 */
				int want = (float)x / gw < 0.5f;

				if (!!(m[y * gw + x] & 4) != want)
					fail_msg("%ux%u: cell %u,%u", gw, gh, x, y);
			}
		/* Majority: the cells wholly inside (the odd width's middle
		 * cell is half in: a float's width from either answer). */
		memset(m, 0, sizeof(m));
		mt_region_raster(&r, gw, gh, 1, 1, m);
		if (gw % 2 == 0)
			assert_int_equal(count(m, gw * gh, 1), gw / 2 * gh);
		else
			assert_in_range(count(m, gw * gh, 1), gw / 2 * gh, (gw / 2 + 1) * gh);
	}
}

static void test_triangle_and_concave(void **state)
{
	static uint8_t m[40 * 30];
	float c;

	/* The lower-left half of cell (0,0) of a 10x10 grid. */
	assert_int_equal(mt_region_parse_mask(&r, "0,0 0.1,0.1 0,0.1", NULL, 0), 0);
	c = mt_region_coverage(&r, 10, 10, 0, 0);
	assert_true(fabsf(c - 0.5f) < 1e-4f);
	assert_true(mt_region_coverage(&r, 10, 10, 1, 0) < 1e-6f);
	/* An L: the whole 2x2 top-left block of a 4x4 grid but its top-right cell. */
	assert_int_equal(mt_region_parse_mask(&r, "0,0 0.25,0 0.25,0.25 0.5,0.25 0.5,0.5 0,0.5",
					      NULL, 0),
			 0);
	assert_true(fabsf(mt_region_coverage(&r, 4, 4, 0, 0) - 1) < 1e-4f);
	assert_true(mt_region_coverage(&r, 4, 4, 1, 0) < 1e-6f);
	assert_true(fabsf(mt_region_coverage(&r, 4, 4, 1, 1) - 1) < 1e-4f);
	assert_true(fabsf(mt_region_coverage(&r, 4, 4, 0, 1) - 1) < 1e-4f);
	/* Clockwise or not, the same. */
	assert_int_equal(mt_region_parse_mask(&r, "0,0.5 0.5,0.5 0.5,0.25 0.25,0.25 0.25,0 0,0",
					      NULL, 0),
			 0);
	assert_true(fabsf(mt_region_coverage(&r, 4, 4, 1, 1) - 1) < 1e-4f);
	assert_true(mt_region_coverage(&r, 4, 4, 1, 0) < 1e-6f);
	/* A thin sliver still hides the cells it crosses (masks err on hiding). */
	assert_int_equal(mt_region_parse_mask(&r, "0.5,0 0.502,0 0.502,1 0.5,1", NULL, 0), 0);
	memset(m, 0, sizeof(m));
	mt_region_raster(&r, 40, 30, 0, 1, m);
	assert_int_equal(count(m, 40 * 30, 1), 30);
	memset(m, 0, sizeof(m));
	mt_region_raster(&r, 40, 30, 1, 1, m);
	assert_int_equal(count(m, 40 * 30, 1), 0);
}

/* The same mask on a grid twice as fine covers the same share of the
 * picture; a polygon to the edges covers all; two overlapping polygons
 * cap at full. */
static void test_resolution_change_and_edges(void **state)
{
	static uint8_t a[40 * 30], b[80 * 60];

	assert_int_equal(mt_region_parse_mask(&r, "0.25,0.2 0.75,0.2 0.75,0.6 0.25,0.6", NULL, 0),
			 0);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	mt_region_raster(&r, 40, 30, 1, 1, a);
	mt_region_raster(&r, 80, 60, 1, 1, b);
	assert_int_equal(count(a, 40 * 30, 1), 20 * 12);
	assert_int_equal(count(b, 80 * 60, 1), 40 * 24);
	for (unsigned y = 0; y < 60; y++)
		for (unsigned x = 0; x < 80; x++)
			assert_int_equal(b[y * 80 + x] & 1, a[(y / 2) * 40 + x / 2] & 1);

	assert_int_equal(mt_region_parse_mask(&r, "0,0 1,0 1,1 0,1; 0,0 1,0 1,1", NULL, 0), 0);
	memset(b, 0, sizeof(b));
	mt_region_raster(&r, 80, 60, 1, 2, b);
	assert_int_equal(count(b, 80 * 60, 2), 80 * 60);
	assert_true(fabsf(mt_region_coverage(&r, 80, 60, 79, 0) - 1) < 1e-6f);
	/* Empty regions set nothing. */
	mt_region_init(&r);
	memset(b, 0, sizeof(b));
	mt_region_raster(&r, 80, 60, 0, 1, b);
	assert_int_equal(count(b, 80 * 60, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rectangle_on_cell_edges),
		cmocka_unit_test(test_triangle_and_concave),
		cmocka_unit_test(test_resolution_change_and_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
