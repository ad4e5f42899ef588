/* Privacy masks: polygons → block map, and blacking raw frames. */
#include "record/privacy.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"

void mt_privacy_init(struct mt_privacy *p)
{
	memset(p, 0, sizeof(*p));
	mt_region_init(&p->region);
}

void mt_privacy_free(struct mt_privacy *p)
{
	free(p->map);
	if (p->tj)
		tjDestroy(p->tj);
	if (p->scan)
		mt_jpeg_scan_free(p->scan);
	free(p->scan);
	mt_privacy_init(p);
}

int mt_privacy_set(struct mt_privacy *p, const char *text, char *err, unsigned errlen)
{
	struct mt_region r;

	if (mt_region_parse_mask(&r, text, err, errlen))
		return MT_ECONFIG;
	p->region = r;
	p->active = r.npolys > 0;
	p->map_w = p->map_h = 0; /* the map must be made again */
	return 0;
}

/* Does segment a-b pass through the open box (x0,x1) x (y0,y1)?
 * Liang-Barsky: clip the parameter range of the segment to each slab. */
static bool segment_hits(float ax, float ay, float bx, float by, float x0, float y0, float x1,
			 float y1)
{
	float t0 = 0.0f, t1 = 1.0f;
	const float d[2] = { bx - ax, by - ay };
	const float lo[2] = { x0 - ax, y0 - ay }, hi[2] = { x1 - ax, y1 - ay };

	for (int i = 0; i < 2; i++) {
		if (d[i] == 0.0f) {
			if (lo[i] > 0.0f || hi[i] < 0.0f)
				return false;
			continue;
		}
		float ta = lo[i] / d[i], tb = hi[i] / d[i];

		if (ta > tb) {
			float t = ta;

			ta = tb;
			tb = t;
		}
		if (ta > t0)
			t0 = ta;
		if (tb < t1)
			t1 = tb;
		if (t0 > t1)
			return false;
	}
	return true;
}

/* Even-odd rule. */
static bool point_inside(const struct mt_polygon *pg, float sx, float sy, float x, float y)
{
	bool in = false;

	for (unsigned i = 0, j = pg->n - 1u; i < pg->n; j = i++) {
		float xi = pg->p[i].x * sx, yi = pg->p[i].y * sy;
		float xj = pg->p[j].x * sx, yj = pg->p[j].y * sy;

		if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			in = !in;
	}
	return in;
}

/* Does the polygon cover some area of the pixel box [x0,x1) x [y0,y1)?
 * An edge crossing the box's inside, or the box's centre inside the polygon
 * (the box entirely within). The box is shrunk by a hair so that an edge
 * lying exactly on a block boundary does not take the neighbour too. */
static bool poly_overlaps(const struct mt_polygon *pg, float sx, float sy, float x0, float y0,
			  float x1, float y1)
{
	const float e = 1e-3f;

	x0 += e, y0 += e, x1 -= e, y1 -= e;
	for (unsigned i = 0, j = pg->n - 1u; i < pg->n; j = i++)
		if (segment_hits(pg->p[j].x * sx, pg->p[j].y * sy, pg->p[i].x * sx, pg->p[i].y * sy,
				 x0, y0, x1, y1))
			return true;
	return point_inside(pg, sx, sy, (x0 + x1) / 2, (y0 + y1) / 2);
}

const uint8_t *mt_privacy_map(struct mt_privacy *p, unsigned width, unsigned height, unsigned blk_w,
			      unsigned blk_h)
{
	uint32_t cols = (width + blk_w - 1) / blk_w, rows = (height + blk_h - 1) / blk_h;
	uint8_t *map;

	if (p->map && p->map_w == width && p->map_h == height && p->blk_w == blk_w &&
	    p->blk_h == blk_h)
		return p->map;
	map = realloc(p->map, (size_t)cols * rows);
	if (!map)
		return NULL;
	p->map = map;
	p->map_w = (uint16_t)width, p->map_h = (uint16_t)height;
	p->blk_w = (uint16_t)blk_w, p->blk_h = (uint16_t)blk_h;
	p->cols = cols, p->rows = rows;
	p->nmasked = 0;
	for (uint32_t r = 0; r < rows; r++) {
		for (uint32_t c = 0; c < cols; c++) {
			float x0 = (float)(c * blk_w), y0 = (float)(r * blk_h);
			float x1 = (float)((c + 1) * blk_w), y1 = (float)((r + 1) * blk_h);
			uint8_t hit = 0;

			/* Only the pixels inside the picture count. */
			x1 = x1 > (float)width ? (float)width : x1;
			y1 = y1 > (float)height ? (float)height : y1;
			for (unsigned k = 0; k < p->region.npolys && !hit; k++)
				hit = poly_overlaps(&p->region.poly[k], (float)width, (float)height,
						    x0, y0, x1, y1);
			map[r * cols + c] = hit;
			p->nmasked += hit;
		}
	}
	return map;
}

static size_t raw_size(const struct mt_frame *f)
{
	if (f->format == MT_FMT_YUYV)
		return (size_t)f->width * f->height * 2;
	if (f->format == MT_FMT_NV12)
		return (size_t)f->width * f->height * 3 / 2;
	return 0;
}

/* Pixels [x0, x1) of rows [y0, y1). */
static void black_yuyv(struct mt_frame *f, unsigned x0, unsigned x1, unsigned y0, unsigned y1,
		       uint8_t black_y)
{
	for (unsigned y = y0; y < y1; y++) {
		uint8_t *row = f->data + (size_t)y * f->width * 2;

		for (unsigned x = x0; x < x1; x++) {
			row[2 * x] = black_y;
			row[2 * x + 1] = 128;
		}
	}
}

static void black_nv12(struct mt_frame *f, unsigned x0, unsigned x1, unsigned y0, unsigned y1,
		       uint8_t black_y)
{
	uint8_t *uv = f->data + (size_t)f->width * f->height;

	for (unsigned y = y0; y < y1; y++)
		memset(f->data + (size_t)y * f->width + x0, black_y, x1 - x0);
	/* Chroma is one U,V pair per 2x2 pixels; blocks are even-aligned. */
	for (unsigned y = y0 / 2; y < (y1 + 1) / 2; y++)
		memset(uv + (size_t)y * f->width + (x0 & ~1u), 128, ((x1 + 1) & ~1u) - (x0 & ~1u));
}

int mt_privacy_mask_raw(struct mt_privacy *p, struct mt_frame *f, uint8_t black_y)
{
	const unsigned b = MT_PRIVACY_RAW_BLOCK;
	const uint8_t *map;
	size_t need = raw_size(f);

	if (!need || f->size != need || (f->format == MT_FMT_NV12 && (f->width | f->height) & 1)) {
		p->stats.refused++;
		return MT_EFORMAT;
	}
	if (!p->active)
		return 0;
	map = mt_privacy_map(p, f->width, f->height, b, b);
	if (!map) {
		p->stats.refused++;
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < p->rows; r++) {
		unsigned y0 = r * b, y1 = y0 + b > f->height ? f->height : y0 + b;

		for (uint32_t c = 0; c < p->cols; c++) {
			unsigned x0 = c * b, x1 = x0 + b > f->width ? f->width : x0 + b;

			if (!map[r * p->cols + c])
				continue;
			if (f->format == MT_FMT_YUYV)
				black_yuyv(f, x0, x1, y0, y1, black_y);
			else
				black_nv12(f, x0, x1, y0, y1, black_y);
		}
	}
	p->stats.raw_masked++;
	return 0;
}
