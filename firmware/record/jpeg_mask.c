/* Privacy masks on JPEG frames in the DCT domain: TurboJPEG's lossless
 * transform (TJXOP_NONE) with a coefficient filter that sets each masked
 * block's DC to black and its AC to zero. The filter needs the luma
 * quantiser of DC to say "black", which it is not given: it is read from the
 * JPEG's DQT and SOF segments here. */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/log.h"
#include "record/outframe.h"
#include "record/privacy.h"

MT_LOG_MODULE("privacy");

#define MAX_COMPS 3

struct jpeg_layout {
	uint16_t width, height;
	unsigned ncomps;
	unsigned hs[MAX_COMPS], vs[MAX_COMPS]; /* sampling factors */
	unsigned tq[MAX_COMPS];                /* quantisation table of each */
	unsigned hmax, vmax;
	uint16_t dcq[4]; /* DC quantiser of each table; 0: not seen */
};

struct filter_ctx {
	const struct jpeg_layout *jl;
	const uint8_t *map;
	uint32_t cols, rows;
	uint64_t blocks; /* blocks blacked, all components */
};

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int parse_dqt(struct jpeg_layout *jl, const uint8_t *p, size_t len)
{
	while (len >= 65) {
		unsigned pq = p[0] >> 4, tq = p[0] & 15;
		size_t n = pq ? 129 : 65;

		if (tq > 3 || len < n)
			return MT_EFORMAT;
		/* Entry 0 in zig-zag order is the DC quantiser. */
		jl->dcq[tq] = (uint16_t)(pq ? be16(p + 1) : p[1]);
		p += n, len -= n;
	}
	return len ? MT_EFORMAT : 0;
}

static int parse_sof(struct jpeg_layout *jl, const uint8_t *p, size_t len)
{
	if (len < 6 || p[0] != 8)
		return MT_EFORMAT; /* 8-bit samples only */
	jl->height = (uint16_t)be16(p + 1);
	jl->width = (uint16_t)be16(p + 3);
	jl->ncomps = p[5];
	if ((jl->ncomps != 1 && jl->ncomps != 3) || len < 6 + 3 * jl->ncomps)
		return MT_EFORMAT;
	jl->hmax = jl->vmax = 1;
	for (unsigned c = 0; c < jl->ncomps; c++) {
		const uint8_t *q = p + 6 + 3 * c;

		jl->hs[c] = q[1] >> 4, jl->vs[c] = q[1] & 15, jl->tq[c] = q[2];
		if (!jl->hs[c] || !jl->vs[c] || jl->hs[c] > 2 || jl->vs[c] > 2 || jl->tq[c] > 3)
			return MT_EFORMAT;
		jl->hmax = jl->hs[c] > jl->hmax ? jl->hs[c] : jl->hmax;
		jl->vmax = jl->vs[c] > jl->vmax ? jl->vs[c] : jl->vmax;
	}
	return 0;
}

/* Marker segments from SOI up to SOS. */
static int parse_layout(const uint8_t *d, size_t n, struct jpeg_layout *jl)
{
	size_t i = 2;
	bool sof = false;

	memset(jl, 0, sizeof(*jl));
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return MT_EFORMAT;
	while (i + 4 <= n) {
		unsigned m = d[i + 1];
		size_t len;
		int ret = 0;

		if (d[i] != 0xFF)
			return MT_EFORMAT;
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		len = be16(d + i + 2);
		if (len < 2 || i + 2 + len > n)
			return MT_EFORMAT;
		if (m == 0xDB)
			ret = parse_dqt(jl, d + i + 4, len - 2);
		else if (m == 0xC0 || m == 0xC1 || m == 0xC2)
			ret = parse_sof(jl, d + i + 4, len - 2), sof = true;
		else if (m == 0xDA)
			break;
		if (ret)
			return ret;
		i += 2 + len;
	}
	if (!sof)
		return MT_EFORMAT;
	for (unsigned c = 0; c < jl->ncomps; c++)
		if (!jl->dcq[jl->tq[c]])
			return MT_EFORMAT;
	return 0;
}

/* Called once per row of blocks of each component. */
static int black_blocks(short *coeffs, tjregion array, tjregion plane, int ci, int ti,
			tjtransform *t)
{
	struct filter_ctx *ctx = t->data;
	const struct jpeg_layout *jl = ctx->jl;
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

int mt_privacy_mask_jpeg(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame **out)
{
	struct jpeg_layout jl;
	struct filter_ctx ctx;
	struct mt_frame *f;
	size_t cap;

	if (in->format != MT_FMT_MJPEG || parse_layout(in->data, in->size, &jl))
		return refuse(p, in, "not a baseline 8-bit JPEG");
	if (!p->tj && !(p->tj = tjInitTransform()))
		return -ENOMEM;
	ctx = (struct filter_ctx){ .jl = &jl };
	ctx.map = mt_privacy_map(p, jl.width, jl.height, 8 * jl.hmax, 8 * jl.vmax);
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
		cap = tjBufSize(jl.width, jl.height, TJSAMP_444);
		f = mt_outframe_alloc(cap);
		if (!f)
			return -ENOMEM;
		if (transform(p, in, f, &ctx)) {
			mt_frame_put(f);
			return refuse(p, in, tjGetErrorStr2(p->tj));
		}
	}
	f->format = MT_FMT_MJPEG;
	f->flags = in->flags;
	f->width = in->width, f->height = in->height;
	f->seq = in->seq;
	f->ts_us = in->ts_us;
	*out = mt_outframe_fit(f);
	p->stats.jpeg_masked++;
	return 0;
}
