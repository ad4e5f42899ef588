/* TurboJPEG encoder: YUV planes to JPEG. */
#include "linux/tj_encoder.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/log.h"
#include "record/outframe.h"

MT_LOG_MODULE("tjenc");

static size_t raw_size(enum mt_pixfmt fmt, uint32_t w, uint32_t h)
{
	if (fmt == MT_FMT_YUYV)
		return (size_t)w * h * 2;
	if (fmt == MT_FMT_NV12)
		return (size_t)w * h * 3 / 2;
	return 0;
}

static void tj_close(struct mt_encoder *dev)
{
	struct mt_tj_encoder *e = dev->priv;

	if (e->tj)
		tjDestroy(e->tj);
	e->tj = NULL;
	free(e->planes);
	e->planes = NULL;
	e->cfg = NULL;
}

static int tj_open(struct mt_encoder *dev, const struct mt_encoder_config *cfg)
{
	struct mt_tj_encoder *e = dev->priv;
	size_t w = cfg->width, h = cfg->height;

	if (cfg->out != MT_FMT_MJPEG || !raw_size(cfg->in, cfg->width, cfg->height) || w % 2 ||
	    (cfg->in == MT_FMT_NV12 && h % 2))
		return MT_EFORMAT;
	if (cfg->quality < 1 || cfg->quality > 100)
		return -EINVAL;
	tj_close(dev);
	e->subsamp = cfg->in == MT_FMT_YUYV ? TJSAMP_422 : TJSAMP_420;
	/* YUYV: Y, U, V planes (2 * w * h bytes); NV12: U and V (w * h / 2). */
	e->planes = malloc(cfg->in == MT_FMT_YUYV ? 2 * w * h : w * h / 2);
	e->tj = tjInitCompress();
	if (!e->planes || !e->tj) {
		tj_close(dev);
		return -ENOMEM;
	}
	e->bound = tjBufSize((int)w, (int)h, e->subsamp);
	e->cfg = cfg;
	return 0;
}

/* The three planes of in, and their strides. */
static void split(struct mt_tj_encoder *e, const struct mt_frame *in, const uint8_t *pl[3],
		  int st[3])
{
	size_t w = in->width, h = in->height;
	const uint8_t *s = in->data;

	if (in->format == MT_FMT_YUYV) {
		uint8_t *y = e->planes, *u = y + w * h, *v = u + w * h / 2;

		for (size_t i = 0; i < w * h / 2; i++, s += 4) {
			y[2 * i] = s[0], u[i] = s[1], y[2 * i + 1] = s[2], v[i] = s[3];
		}
		pl[0] = y, pl[1] = u, pl[2] = v;
		st[0] = (int)w, st[1] = st[2] = (int)(w / 2);
	} else {
		const uint8_t *uv = s + w * h;
		uint8_t *u = e->planes, *v = u + w * h / 4;

		for (size_t i = 0; i < w * h / 4; i++)
			u[i] = uv[2 * i], v[i] = uv[2 * i + 1];
		pl[0] = s, pl[1] = u, pl[2] = v;
		st[0] = (int)w, st[1] = st[2] = (int)(w / 2);
	}
}

static int tj_encode(struct mt_encoder *dev, struct mt_frame *in, struct mt_frame **out)
{
	struct mt_tj_encoder *e = dev->priv;
	const struct mt_encoder_config *cfg = e->cfg;
	const uint8_t *pl[3];
	int st[3];
	struct mt_frame *f;
	unsigned char *dst;
	unsigned long size;

	if (!cfg)
		return -EBADF;
	if (in->format != cfg->in || in->width != cfg->width || in->height != cfg->height ||
	    in->size != raw_size(cfg->in, cfg->width, cfg->height)) {
		e->rejected++;
		return MT_EFORMAT;
	}
	f = mt_outframe_alloc(e->bound);
	if (!f)
		return -ENOMEM;
	split(e, in, pl, st);
	dst = f->data;
	size = (unsigned long)f->capacity;
	if (tjCompressFromYUVPlanes(e->tj, pl, in->width, st, in->height, e->subsamp, &dst, &size,
				    (int)cfg->quality, TJFLAG_NOREALLOC)) {
		MT_ERR("frame %llu: %s", (unsigned long long)in->seq, tjGetErrorStr2(e->tj));
		mt_frame_put(f);
		e->rejected++;
		return MT_EFORMAT;
	}
	f->size = size;
	f->format = MT_FMT_MJPEG;
	f->flags = MT_FRAME_KEY;
	f->width = in->width, f->height = in->height;
	f->seq = in->seq;
	f->ts_us = in->ts_us;
	*out = mt_outframe_fit(f);
	e->frames++;
	e->bytes_out += size;
	return 0;
}

static const struct mt_encoder_ops tj_encoder_ops = {
	.open = tj_open,
	.encode = tj_encode,
	.close = tj_close,
};

void mt_tj_encoder_init(struct mt_tj_encoder *e)
{
	memset(e, 0, sizeof(*e));
	e->dev.ops = &tj_encoder_ops;
	e->dev.name = "turbojpeg";
	e->dev.priv = e;
}
