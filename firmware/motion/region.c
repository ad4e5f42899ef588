/* Polygons in normalised coordinates: parsing and laying onto a grid. */
#include "motion/region.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"

/* Clipping a polygon of n points to a rectangle adds at most one point per
 * crossing, and a line crosses n edges at most: 16 points stay under 256. */
#define CLIP_MAX 256

void mt_region_init(struct mt_region *r)
{
	memset(r, 0, sizeof(*r));
}

static int fail(struct mt_region *r, char *err, unsigned errlen, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	mt_region_init(r);
	return MT_ECONFIG;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One coordinate in 0..1, written as a plain decimal. */
static int parse_coord(const char **s, float *out)
{
	char *end;
	float v;

	if (!isdigit((unsigned char)**s) && **s != '.')
		return -1;
	v = strtof(*s, &end);
	if (end == *s || v < 0.0f || v > 1.0f)
		return -1;
	*s = end;
	*out = v;
	return 0;
}

/* Polygons separated by ';' up to the end of s. */
static int parse_polys(struct mt_region *r, const char *s, char *err, unsigned errlen)
{
	struct mt_polygon *p;

	s = skip_blanks(s);
	if (!*s)
		return 0;
	for (;;) {
		if (r->npolys == MT_REGION_MAX_POLYS)
			return fail(r, err, errlen, "too many polygons (limit 8)");
		p = &r->poly[r->npolys++];
		p->n = 0;
		for (s = skip_blanks(s); *s && *s != ';'; s = skip_blanks(s)) {
			if (p->n == MT_REGION_MAX_POINTS)
				return fail(r, err, errlen, "too many points (limit 16)");
			if (parse_coord(&s, &p->p[p->n].x) || *s++ != ',' ||
			    parse_coord(&s, &p->p[p->n].y))
				return fail(r, err, errlen, "expected x,y with 0 <= x, y <= 1");
			p->n++;
			if (*s && *s != ' ' && *s != '\t' && *s != ';')
				return fail(r, err, errlen, "points are separated by blanks");
		}
		if (p->n < 3)
			return fail(r, err, errlen, "a polygon needs at least 3 points");
		if (!*s)
			return 0;
		s++; /* ';' */
	}
}

int mt_region_parse_mask(struct mt_region *r, const char *text, char *err, unsigned errlen)
{
	mt_region_init(r);
	return parse_polys(r, text, err, errlen);
}

int mt_region_parse_zone(struct mt_region *r, const char *text, char *err, unsigned errlen)
{
	const char *s = skip_blanks(text);
	char *end;
	long sens;

	mt_region_init(r);
	if (!*s)
		return 0;
	sens = strtol(s, &end, 10);
	if (end == s || sens < 1 || sens > 100)
		return fail(r, err, errlen, "a zone starts with its sensitivity 1..100");
	s = skip_blanks(end);
	if (*s++ != ':')
		return fail(r, err, errlen, "expected \"sensitivity: x,y x,y x,y\"");
	if (!*skip_blanks(s))
		return fail(r, err, errlen, "a zone needs a polygon");
	r->sensitivity = (uint8_t)sens;
	return parse_polys(r, s, err, errlen);
}

/* Sutherland-Hodgman against one edge of the rectangle: keeps the side where
 * sign * (coord - lim) <= 0. Works for concave polygons too (the area of the
 * result is right; it may have zero-width bridges). */
static unsigned clip_edge(const struct mt_point *in, unsigned n, struct mt_point *out, int axis_x,
			  float lim, float sign)
{
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		struct mt_point a = in[i], b = in[(i + 1) % n];
		float da = sign * ((axis_x ? a.x : a.y) - lim);
		float db = sign * ((axis_x ? b.x : b.y) - lim);

		if (da <= 0)
			out[m++] = a;
		if ((da < 0 && db > 0) || (da > 0 && db < 0)) {
			float t = da / (da - db);

			out[m].x = a.x + t * (b.x - a.x);
			out[m].y = a.y + t * (b.y - a.y);
			m++;
		}
	}
	return m;
}

static float area(const struct mt_point *p, unsigned n)
{
	float s = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct mt_point *a = &p[i], *b = &p[(i + 1) % n];

		s += a->x * b->y - b->x * a->y;
	}
	return s < 0 ? -s / 2 : s / 2;
}

static float poly_cell_area(const struct mt_polygon *poly, float x0, float y0, float x1, float y1)
{
	struct mt_point a[CLIP_MAX], b[CLIP_MAX]; /* 4 KiB of stack */
	unsigned n = poly->n;

	memcpy(a, poly->p, n * sizeof(a[0]));
	n = clip_edge(a, n, b, 1, x0, -1.0f);
	n = clip_edge(b, n, a, 1, x1, 1.0f);
	n = clip_edge(a, n, b, 0, y0, -1.0f);
	n = clip_edge(b, n, a, 0, y1, 1.0f);
	return n < 3 ? 0.0f : area(a, n);
}

float mt_region_coverage(const struct mt_region *r, unsigned gw, unsigned gh, unsigned cx,
			 unsigned cy)
{
	float x0 = (float)cx / gw, x1 = (float)(cx + 1) / gw;
	float y0 = (float)cy / gh, y1 = (float)(cy + 1) / gh;
	float cell = (x1 - x0) * (y1 - y0), sum = 0;

	for (unsigned i = 0; i < r->npolys; i++)
		sum += poly_cell_area(&r->poly[i], x0, y0, x1, y1);
	sum /= cell;
	return sum > 1.0f ? 1.0f : sum;
}

void mt_region_raster(const struct mt_region *r, unsigned gw, unsigned gh, int majority,
		      uint8_t bit, uint8_t *out)
{
	float need = majority ? 0.5f : 0.001f;

	if (!r->npolys)
		return;
	for (unsigned y = 0; y < gh; y++)
		for (unsigned x = 0; x < gw; x++)
			if (mt_region_coverage(r, gw, gh, x, y) >= need)
				out[y * gw + x] |= bit;
}
