/* Privacy masks on JPEG frames in the DCT domain. A baseline JPEG (what
 * cameras write) goes through the scan walker of core/jpeg_scan.h, which
 * copies the bits of every unmasked block and writes black ones. Anything
 * the walker does not take (progressive, a table without a code the output
 * needs, ...) falls back to TurboJPEG's lossless transform (TJXOP_NONE)
 * with a coefficient filter that sets each masked block's DC to black and
 * its AC to zero. The filter needs the luma quantiser of DC to say "black",
 * which it is not given: it is read from the JPEG's DQT and SOF segments
 * by mt_jpeg_scan_parse(). */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/log.h"
#include "record/outframe.h"
#include "record/privacy.h"

MT_LOG_MODULE("privacy");

struct filter_ctx {
	const struct mt_jpeg_scan *jl;
	const uint8_t *map;
	uint32_t cols, rows;
	uint64_t blocks; /* blocks blacked, all components */
};

/* Called once per row of blocks of each component. */
static int black_blocks(short *coeffs, tjregion array, tjregion plane, int ci, int ti,
			tjtransform *t)
{
	struct filter_ctx *ctx = t->data;
	const struct mt_jpeg_scan *jl = ctx->jl;
	unsigned c = (unsigned)ci, by = (unsigned)array.y / 8, nbx = (unsigned)array.w / 8;
	unsigned mcu_row = by / jl->vs[c];
	short dc = 0;

	(void)plane, (void)ti;
	if (c >= jl->ncomps || mcu_row >= ctx->rows)
		return 0; /* padding rows past the picture's MCUs */
	if (c == 0) {
		/* Black is sample 0, level-shifted -128: DC = 8 * -128 = -1024,
		 * rounded away from zero so it decodes to 0 after clamping. */
		unsigned q = jl->dcq[jl->tq[0]];

		dc = (short)-(int)((1024 + q - 1) / q);
	}
	for (unsigned bx = 0; bx < nbx; bx++) {
		unsigned mcu_col = bx / jl->hs[c];

		if (mcu_col >= ctx->cols || !ctx->map[mcu_row * ctx->cols + mcu_col])
			continue;
		memset(coeffs + 64 * bx, 0, 64 * sizeof(short));
		coeffs[64 * bx] = dc;
		ctx->blocks++;
	}
	return 0;
}

/* One transform into out's buffer; -1 when it did not fit or failed. */
static int transform(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame *out,
		     struct filter_ctx *ctx)
{
	tjtransform xf;
	unsigned char *dst = out->data;
	unsigned long size = out->capacity;

	memset(&xf, 0, sizeof(xf));
	xf.op = TJXOP_NONE;
	/* COPYNONE: no APPn/COM segments, which may hold an EXIF thumbnail of
	 * the unmasked picture. */
	xf.options = TJXOPT_COPYNONE;
	xf.data = ctx;
	xf.customFilter = black_blocks;
	ctx->blocks = 0;
	if (tjTransform(p->tj, in->data, (unsigned long)in->size, 1, &dst, &size, &xf,
			TJFLAG_NOREALLOC) != 0)
		return -1;
	out->size = size;
	return 0;
}

static int refuse(struct mt_privacy *p, const struct mt_frame *in, const char *why)
{
	p->stats.refused++;
	MT_WRN("frame %llu: cannot mask the JPEG (%s): not recorded", (unsigned long long)in->seq,
	       why);
	return MT_EFORMAT;
}

static void finish(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame *f,
		   struct mt_frame **out)
{
	f->format = MT_FMT_MJPEG;
	f->flags = in->flags;
	f->width = in->width, f->height = in->height;
	f->seq = in->seq;
	f->ts_us = in->ts_us;
	*out = mt_outframe_fit(f);
	p->stats.jpeg_masked++;
}

/* The scan walk of the JPEG parsed into p->scan: 0 with *out, -ENOMEM, or
 * MT_EFORMAT for the fallback. */
static int walk(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame **out)
{
	struct mt_jpeg_scan *s = p->scan;
	const uint8_t *map;
	size_t cap;

	if (!s->walkable)
		return MT_EFORMAT;
	map = mt_privacy_map(p, s->width, s->height, 8 * s->hmax, 8 * s->vmax);
	if (!map)
		return -ENOMEM;
	/* Black blocks are short; a shifted copy may stuff a few more bytes. */
	cap = in->size + in->size / 4 + 4096;
	for (int round = 0; round < 2; round++) {
		struct mt_frame *f = mt_outframe_alloc(cap);
		uint64_t blocks;
		int ret;

		if (!f)
			return -ENOMEM;
		ret = mt_jpeg_scan_mask(s, in->data, in->size, map, f->data, cap, &f->size,
					&blocks);
		if (!ret) {
			finish(p, in, f, out);
			return 0;
		}
		mt_frame_put(f);
		if (ret != -ENOSPC)
			return ret;
		p->stats.regrown++;
		cap = mt_jpeg_scan_bound(s, in->size);
	}
	return MT_EFORMAT;
}

int mt_privacy_mask_jpeg(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame **out)
{
	const struct mt_jpeg_scan *jl;
	struct filter_ctx ctx;
	struct mt_frame *f;
	size_t cap;

	if (in->format != MT_FMT_MJPEG)
		return refuse(p, in, "not a JPEG");
	if (!p->scan) {
		p->scan = malloc(sizeof(*p->scan));
		if (!p->scan)
			return -ENOMEM;
		mt_jpeg_scan_init(p->scan);
	}
	jl = p->scan;
	if (mt_jpeg_scan_parse(p->scan, in->data, in->size))
		return refuse(p, in, "not an 8-bit sequential or progressive Huffman JPEG");
	if (!p->transform_only) {
		int ret = walk(p, in, out);

		if (ret != MT_EFORMAT)
			return ret;
	}
	if (!p->tj && !(p->tj = tjInitTransform()))
		return -ENOMEM;
	ctx = (struct filter_ctx){ .jl = jl };
	ctx.map = mt_privacy_map(p, jl->width, jl->height, 8 * jl->hmax, 8 * jl->vmax);
	if (!ctx.map)
		return -ENOMEM;
	ctx.cols = p->cols, ctx.rows = p->rows;
	/* Masked blocks only shrink the data; the standard Huffman tables the
	 * transform writes may cost a little over a camera's own. */
	cap = in->size + in->size / 4 + 4096;
	f = mt_outframe_alloc(cap);
	if (!f)
		return -ENOMEM;
	if (transform(p, in, f, &ctx)) {
		mt_frame_put(f);
		p->stats.regrown++;
		cap = tjBufSize(jl->width, jl->height, TJSAMP_444);
		f = mt_outframe_alloc(cap);
		if (!f)
			return -ENOMEM;
		if (transform(p, in, f, &ctx)) {
			mt_frame_put(f);
			return refuse(p, in, tjGetErrorStr2(p->tj));
		}
	}
	p->stats.jpeg_fallback++;
	finish(p, in, f, out);
	return 0;
}
