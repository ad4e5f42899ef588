/* Analysis thumbnails from JPEG (TurboJPEG scaled decode) or raw luma. */
#include "motion/thumb.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/jpeg.h"
#include "core/jpeg_scan.h"
#include "motion/region.h"

void mt_thumbnailer_init(struct mt_thumbnailer *t)
{
	memset(t, 0, sizeof(*t));
}

void mt_thumbnailer_free(struct mt_thumbnailer *t)
{
	if (t->tj)
		tjDestroy(t->tj);
	if (t->scan)
		mt_jpeg_scan_free(t->scan);
	free(t->scan);
	free(t->need);
	mt_thumbnailer_init(t);
}

void mt_thumbnailer_skip(struct mt_thumbnailer *t, const struct mt_region *a,
			 const struct mt_region *b)
{
	t->unneeded[0] = a;
	t->unneeded[1] = b;
	t->need_w = t->need_h = 0; /* made again for the next frame */
}

/* Is luma block (bx, by) of a bw x bh block grid wholly inside a region the
 * detector ignores? Blocks cut by the picture's edge count as needed. */
static bool block_unneeded(const struct mt_thumbnailer *t, unsigned bw, unsigned bh, unsigned bx,
			   unsigned by, bool cut_x, bool cut_y)
{
	if ((cut_x && bx == bw - 1) || (cut_y && by == bh - 1))
		return false;
	for (int i = 0; i < 2; i++)
		if (t->unneeded[i] && mt_region_coverage(t->unneeded[i], bw, bh, bx, by) >= 0.999f)
			return true;
	return false;
}

/* The walker's need map for the parsed scan: an MCU is needed unless every
 * luma block of it is unneeded. Made once per picture size. */
static int make_need(struct mt_thumbnailer *t)
{
	const struct mt_jpeg_scan *s = t->scan;
	unsigned bw = (s->width + 7u) / 8, bh = (s->height + 7u) / 8;
	unsigned hf = s->ncomps == 1 ? 1 : s->hmax, vf = s->ncomps == 1 ? 1 : s->vmax;
	size_t cells = (size_t)s->map_cols * s->mcuy;
	uint8_t *map;

	if (t->need && t->need_w == s->width && t->need_h == s->height)
		return 0;
	map = realloc(t->need, cells);
	if (!map)
		return -ENOMEM;
	t->need = map;
	for (uint32_t my = 0; my < s->mcuy; my++)
		for (uint32_t mx = 0; mx < s->map_cols; mx++) {
			bool needed = false;

			for (unsigned y = 0; y < vf && !needed; y++)
				for (unsigned x = 0; x < hf && !needed; x++) {
					unsigned bx = mx * hf + x, by = my * vf + y;

					needed = bx < bw && by < bh &&
						 !block_unneeded(t, bw, bh, bx, by, s->width % 8,
								 s->height % 8);
				}
			map[(size_t)my * s->map_cols + mx] = needed;
		}
	t->need_w = s->width;
	t->need_h = s->height;
	return 0;
}

/* The 1/8 scale by the scan walker: 0, or non-zero for TurboJPEG to try
 * (which also judges a damaged frame the walker refused). */
static int walk_dc(struct mt_thumbnailer *t, const struct mt_frame *f, struct mt_thumb *out)
{
	const uint8_t *need = NULL;
	uint32_t skipped = 0;
	int ret;

	if (!t->scan) {
		t->scan = malloc(sizeof(*t->scan));
		if (!t->scan)
			return -ENOMEM;
		mt_jpeg_scan_init(t->scan);
	}
	if (mt_jpeg_scan_parse(t->scan, f->data, f->size) ||
	    (t->scan->width + 7u) / 8 != out->width || (t->scan->height + 7u) / 8 != out->height)
		return MT_EFORMAT;
	if (t->scan->restart && (t->unneeded[0] || t->unneeded[1]) && make_need(t) == 0)
		need = t->need;
	ret = mt_jpeg_scan_dc(t->scan, f->data, f->size, need, out->y, out->width, &skipped);
	if (ret == 0)
		t->intervals_skipped += skipped;
	return ret;
}

/* The smallest TurboJPEG scale that keeps the thumbnail at least
 * MT_THUMB_MIN_WIDTH wide and within MT_THUMB_MAX_PIXELS. */
static int pick_scale(int w, int h, tjscalingfactor *out)
{
	static const tjscalingfactor scales[] = { { 1, 8 }, { 1, 4 }, { 1, 2 }, { 1, 1 } };

	for (unsigned i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		int sw = TJSCALED(w, scales[i]), sh = TJSCALED(h, scales[i]);

		if (sw * sh > MT_THUMB_MAX_PIXELS)
			return MT_EFORMAT; /* even 1/8 too big: over 2560x1920 */
		if (sw >= MT_THUMB_MIN_WIDTH || i == 3) {
			*out = scales[i];
			return 0;
		}
	}
	return MT_EFORMAT;
}

static int from_jpeg(struct mt_thumbnailer *t, const struct mt_frame *f, struct mt_thumb *out)
{
	int w, h, subsamp, colorspace;
	uint16_t pw, ph;
	tjscalingfactor sf;

	/* A frame cut short has no EOI: libjpeg would fill the rest with gray
	 * and warn, and the detector would see a gray band as motion. */
	if (mt_jpeg_probe(f->data, f->size, &pw, &ph))
		return MT_ECORRUPT;
	if (!t->tj && !(t->tj = tjInitDecompress()))
		return -ENOMEM;
	if (tjDecompressHeader3(t->tj, f->data, (unsigned long)f->size, &w, &h, &subsamp,
				&colorspace))
		return MT_ECORRUPT;
	if (pick_scale(w, h, &sf))
		return MT_EFORMAT;
	out->width = (uint16_t)TJSCALED(w, sf);
	out->height = (uint16_t)TJSCALED(h, sf);
	if (sf.num == 1 && sf.denom == 8 && !walk_dc(t, f, out)) {
		t->walked++;
		return 0;
	}
	t->decoded++;
	/* Any warning (corrupt entropy data, premature end) means part of the
	 * picture is made up: skip the frame rather than learn from it. */
	if (tjDecompress2(t->tj, f->data, (unsigned long)f->size, out->y, out->width, 0,
			  out->height, TJPF_GRAY, TJFLAG_FASTDCT | TJFLAG_STOPONWARNING))
		return MT_ECORRUPT;
	return 0;
}

/* Every step-th luma sample of a raw frame: YUYV has Y at even bytes, NV12
 * starts with a full Y plane. */
static int from_raw(const struct mt_frame *f, struct mt_thumb *out)
{
	unsigned step = 1, bpp = f->format == MT_FMT_YUYV ? 2 : 1;
	size_t need = (size_t)f->width * f->height * (f->format == MT_FMT_YUYV ? 2 : 1);

	if (!f->width || !f->height || f->size < need)
		return MT_EFORMAT;
	/* The same rule as the JPEG scales: as small as MT_THUMB_MIN_WIDTH allows. */
	while (f->width / (step * 2) >= MT_THUMB_MIN_WIDTH)
		step *= 2;
	if ((size_t)(f->width / step) * (f->height / step) > MT_THUMB_MAX_PIXELS)
		return MT_EFORMAT;
	out->width = (uint16_t)(f->width / step);
	out->height = (uint16_t)(f->height / step);
	for (unsigned y = 0; y < out->height; y++) {
		const uint8_t *row = f->data + (size_t)y * step * f->width * bpp;

		for (unsigned x = 0; x < out->width; x++)
			out->y[y * out->width + x] = row[(size_t)x * step * bpp];
	}
	return 0;
}

int mt_thumb_from_luma(const uint8_t *y, unsigned width, unsigned height, size_t stride,
		       struct mt_thumb *out)
{
	tjscalingfactor sf;
	unsigned step;

	if (!width || !height || width > 0xffff || height > 0xffff || stride < width)
		return MT_EFORMAT;
	if (pick_scale((int)width, (int)height, &sf))
		return MT_EFORMAT;
	step = (unsigned)(sf.denom / sf.num);
	out->width = (uint16_t)TJSCALED((int)width, sf);
	out->height = (uint16_t)TJSCALED((int)height, sf);
	/* Box means, like the DC of a JPEG block; partial boxes at the edges. */
	for (unsigned ty = 0; ty < out->height; ty++)
		for (unsigned tx = 0; tx < out->width; tx++) {
			unsigned x1 = (tx + 1) * step < width ? (tx + 1) * step : width;
			unsigned y1 = (ty + 1) * step < height ? (ty + 1) * step : height;
			unsigned sum = 0, cnt = 0;

			for (unsigned yy = ty * step; yy < y1; yy++)
				for (unsigned xx = tx * step; xx < x1; xx++, cnt++)
					sum += y[yy * stride + xx];
			out->y[ty * out->width + tx] = (uint8_t)((sum + cnt / 2) / cnt);
		}
	return 0;
}

int mt_thumb_make(struct mt_thumbnailer *t, const struct mt_frame *f, struct mt_thumb *out)
{
	switch (f->format) {
	case MT_FMT_MJPEG:
		return from_jpeg(t, f, out);
	case MT_FMT_YUYV:
	case MT_FMT_NV12:
		return from_raw(f, out);
	default:
		return MT_EFORMAT; /* H.264 analysis needs a decoder: issue #4 */
	}
}
