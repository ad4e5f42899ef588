/* Global and regional illumination change between background and picture. */
#include "motion/light.h"

#include <math.h>
#include <string.h>

#define SAT_LO  6 /* cells at the ends of the range clip: they do not fit a line */
#define SAT_HI  249
#define HBINS   128  /* residual histogram: -64..63 levels */
#define SAMPLES 1024 /* cells the global fit looks at: plenty for two numbers */

void mt_light_identity(struct mt_light *l)
{
	memset(l, 0, sizeof(*l));
	l->gain = 1.0f;
	l->used = 1.0f;
}

static int usable(const uint8_t *cur, const uint8_t *skip, unsigned i)
{
	return (!skip || !skip[i]) && cur[i] >= SAT_LO && cur[i] <= SAT_HI;
}

/* Every step-th cell, about SAMPLES of them; odd, so a grid whose width
 * the step divides is not sampled in the same columns only. */
static unsigned sample_step(unsigned n)
{
	return n > 2 * SAMPLES ? (n / SAMPLES) | 1 : 1;
}

/* Least squares on the cells whose residual against the current line is
 * within tol (tol < 0: all usable cells). Returns the number used. */
static unsigned fit(struct mt_light *l, const uint8_t *cur, const uint16_t *bg, const uint8_t *skip,
		    unsigned n, float tol)
{
	double sb = 0, sc = 0, sbb = 0, sbc = 0, sabs = 0;
	unsigned used = 0, step = sample_step(n);

	for (unsigned i = 0; i < n; i += step) {
		float b = bg[i] * (1.0f / 256), c = cur[i];

		if (!usable(cur, skip, i))
			continue;
		if (tol >= 0 && fabsf(c - (l->gain * b + l->offset)) > tol)
			continue;
		sb += b;
		sc += c;
		sbb += (double)b * b;
		sbc += (double)b * c;
		used++;
	}
	if (used < 4)
		return used;
	{
		double mb = sb / used, mc = sc / used;
		double var = sbb / used - mb * mb, cov = sbc / used - mb * mc;
		/* A flat picture says nothing about gain: only the offset moves. */
		double g = var > 16.0 ? cov / var : 1.0;

		if (g < 0.2)
			g = 0.2;
		if (g > 5.0)
			g = 5.0;
		l->gain = (float)g;
		l->offset = (float)(mc - g * mb);
	}
	for (unsigned i = 0; i < n; i += step) {
		float c = cur[i];

		if (!usable(cur, skip, i))
			continue;
		c -= l->gain * (bg[i] * (1.0f / 256)) + l->offset;
		if (tol < 0 || fabsf(c) <= tol)
			sabs += fabsf(c);
	}
	l->spread = (float)(sabs / used);
	return used;
}

/* Median of a region's residuals, and the share of them near it. */
static int16_t region_offset(const struct mt_light *l, const uint8_t *cur, const uint16_t *bg,
			     const uint8_t *skip, unsigned gw, unsigned x0, unsigned x1,
			     unsigned y0, unsigned y1)
{
	uint16_t hist[HBINS] = { 0 };
	unsigned n = 0, acc = 0, near = 0;
	int med = 0, tol = (int)(2 * l->spread + 0.5f);

	if (tol < 4)
		tol = 4;
	for (unsigned y = y0; y < y1; y++)
		for (unsigned x = x0; x < x1; x++) {
			unsigned i = y * gw + x;
			int r;

			if (!usable(cur, skip, i))
				continue;
			r = (int)lrintf(cur[i] - (l->gain * (bg[i] * (1.0f / 256)) + l->offset));
			r = r < -64 ? -64 : r > 63 ? 63 : r;
			hist[r + 64]++;
			n++;
		}
	if (n < 8)
		return 0;
	for (med = 0; med < HBINS; med++) {
		acc += hist[med];
		if (2 * acc >= n)
			break;
	}
	med -= 64;
	for (int b = med - tol; b <= med + tol; b++)
		if (b >= -64 && b < 64)
			near += hist[b + 64];
	/* Light moves most of a region together; an object moves a part. */
	if (10 * near < 6 * n || (med < tol / 2 && med > -tol / 2))
		return 0;
	return (int16_t)med;
}

void mt_light_estimate(struct mt_light *l, const uint8_t *cur, const uint16_t *bg,
		       const uint8_t *skip, unsigned gw, unsigned gh)
{
	unsigned n = gw * gh, all, used = 0;

	mt_light_identity(l);
	all = fit(l, cur, bg, skip, n, -1.0f);
	if (all < 4) {
		mt_light_identity(l);
		return;
	}
	/* Refit on the cells that agree with the line: twice is enough for
	 * objects up to about half of the picture. */
	for (int pass = 0; pass < 2; pass++) {
		float tol = 2.5f * l->spread;

		used = fit(l, cur, bg, skip, n, tol < 3.0f ? 3.0f : tol);
		if (used < 4) {
			mt_light_identity(l);
			return;
		}
	}
	l->used = (float)used / all;
	for (unsigned ry = 0; ry < MT_LIGHT_RH; ry++)
		for (unsigned rx = 0; rx < MT_LIGHT_RW; rx++)
			l->local[ry][rx] =
				region_offset(l, cur, bg, skip, gw, rx * gw / MT_LIGHT_RW,
					      (rx + 1) * gw / MT_LIGHT_RW, ry * gh / MT_LIGHT_RH,
					      (ry + 1) * gh / MT_LIGHT_RH);
}

/* Bilinear blend of the region offsets at cell (x, y), in 1/16 levels. */
static int local_at(const struct mt_light *l, unsigned x, unsigned y, unsigned gw, unsigned gh)
{
	/* Position in region units, region centres at integers. */
	float fx = ((x + 0.5f) * MT_LIGHT_RW / gw) - 0.5f;
	float fy = ((y + 0.5f) * MT_LIGHT_RH / gh) - 0.5f;
	int x0, y0, x1, y1;
	float tx, ty, top, bot;

	fx = fx < 0 ? 0 : fx > MT_LIGHT_RW - 1 ? MT_LIGHT_RW - 1 : fx;
	fy = fy < 0 ? 0 : fy > MT_LIGHT_RH - 1 ? MT_LIGHT_RH - 1 : fy;
	x0 = (int)fx;
	y0 = (int)fy;
	x1 = x0 + 1 < MT_LIGHT_RW ? x0 + 1 : x0;
	y1 = y0 + 1 < MT_LIGHT_RH ? y0 + 1 : y0;
	tx = fx - x0;
	ty = fy - y0;
	top = l->local[y0][x0] * (1 - tx) + l->local[y0][x1] * tx;
	bot = l->local[y1][x0] * (1 - tx) + l->local[y1][x1] * tx;
	return (int)lrintf((top * (1 - ty) + bot * ty) * 16);
}

static int any_local(const struct mt_light *l)
{
	for (unsigned ry = 0; ry < MT_LIGHT_RH; ry++)
		for (unsigned rx = 0; rx < MT_LIGHT_RW; rx++)
			if (l->local[ry][rx])
				return 1;
	return 0;
}

void mt_light_normalise(const struct mt_light *l, const uint8_t *cur, unsigned gw, unsigned gh,
			uint16_t *out)
{
	int off = (int)lrintf(l->offset * 16);
	int inv = (int)lrintf(65536.0f / l->gain); /* 1/gain, 16.16 */
	int local = any_local(l);

	for (unsigned y = 0; y < gh; y++)
		for (unsigned x = 0; x < gw; x++) {
			unsigned i = y * gw + x;
			int v = (cur[i] << 4) - off - (local ? local_at(l, x, y, gw, gh) : 0);

			v = (int)(((int64_t)v * inv) >> 16);
			out[i] = (uint16_t)(v < 0 ? 0 : v > (255 << 4) ? 255 << 4 : v);
		}
}
