/* Fake encoder. */
#include "fake/fake_encoder.h"

#include <string.h>

#include "core/errors.h"

uint64_t mt_fake_encoder_digest(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Bytes of a raw frame, or 0 for a format the fake does not take. */
static size_t raw_size(enum mt_pixfmt fmt, uint32_t w, uint32_t h)
{
	if (fmt == MT_FMT_YUYV)
		return (size_t)w * h * 2;
	if (fmt == MT_FMT_NV12)
		return (size_t)w * h * 3 / 2;
	return 0;
}

static int fake_open(struct mt_encoder *dev, const struct mt_encoder_config *cfg)
{
	struct mt_fake_encoder *e = dev->priv;

	if (!raw_size(cfg->in, cfg->width, cfg->height))
		return MT_EFORMAT;
	if (cfg->out != MT_FMT_MJPEG && cfg->out != MT_FMT_H264)
		return MT_EFORMAT;
	if (cfg->in == MT_FMT_NV12 && (cfg->width % 2 || cfg->height % 2))
		return MT_EFORMAT;
	if (cfg->out == MT_FMT_H264 && cfg->gop == 0)
		return -EINVAL;
	e->cfg = cfg;
	e->open = true;
	e->force_key = false;
	e->since_key = 0;
	return 0;
}

/* Every JPEG is a keyframe; H.264 has one every gop frames, the first, and
 * the one after a request. A keyframe restarts the cadence, as an IDR does. */
static bool next_is_key(struct mt_fake_encoder *e)
{
	bool key = e->cfg->out == MT_FMT_MJPEG || e->force_key || e->outputs == 0 ||
		   e->since_key >= e->cfg->gop;

	e->force_key = false;
	e->since_key = key ? 1 : e->since_key + 1;
	return key;
}

static int fake_encode(struct mt_encoder *dev, struct mt_frame *in, struct mt_frame **out)
{
	struct mt_fake_encoder *e = dev->priv;
	const struct mt_encoder_config *cfg = e->cfg;
	struct mt_frame *f;
	uint8_t *p;

	e->encodes++;
	if (!e->open)
		return -EBADF;
	if (e->fail_at && e->encodes == e->fail_at)
		return e->fail_err;
	if (in->format != cfg->in || in->width != cfg->width || in->height != cfg->height ||
	    in->size != raw_size(cfg->in, cfg->width, cfg->height))
		return MT_EFORMAT;
	f = mt_frame_alloc(MT_FAKE_ENCODER_BYTES);
	if (!f)
		return -ENOMEM;
	f->format = cfg->out;
	f->width = in->width;
	f->height = in->height;
	f->seq = in->seq;
	f->ts_us = in->ts_us;
	f->flags = next_is_key(e) ? MT_FRAME_KEY : 0;
	p = f->data;
	memcpy(p, "MTFE", 4);
	put_le(p + 4, f->flags, 4);
	put_le(p + 8, f->seq, 8);
	put_le(p + 16, (uint64_t)f->ts_us, 8);
	put_le(p + 24, mt_fake_encoder_digest(in->data, in->size), 8);
	put_le(p + 32, in->size, 4);
	f->size = MT_FAKE_ENCODER_BYTES;
	e->outputs++;
	e->keyframes += (f->flags & MT_FRAME_KEY) != 0;
	*out = f;
	return 0;
}

static void fake_close(struct mt_encoder *dev)
{
	struct mt_fake_encoder *e = dev->priv;

	e->open = false;
}

static int fake_request_keyframe(struct mt_encoder *dev)
{
	struct mt_fake_encoder *e = dev->priv;

	if (!e->open)
		return -EBADF;
	e->key_requests++;
	e->force_key = true;
	return 0;
}

static const struct mt_encoder_ops fake_encoder_ops = {
	.open = fake_open,
	.encode = fake_encode,
	.close = fake_close,
	.request_keyframe = fake_request_keyframe,
};

void mt_fake_encoder_init(struct mt_fake_encoder *e)
{
	memset(e, 0, sizeof(*e));
	e->dev.ops = &fake_encoder_ops;
	e->dev.name = "fake-encoder";
	e->dev.priv = e;
}

void mt_fake_encoder_fail_at(struct mt_fake_encoder *e, uint64_t n, int err)
{
	e->fail_at = n;
	e->fail_err = err;
}

int mt_fake_encoder_parse(const struct mt_frame *f, struct mt_fake_encoded *out)
{
	const uint8_t *p = f->data;

	if (f->size != MT_FAKE_ENCODER_BYTES || memcmp(p, "MTFE", 4) != 0)
		return MT_EFORMAT;
	out->flags = (uint32_t)get_le(p + 4, 4);
	out->seq = get_le(p + 8, 8);
	out->ts_us = (int64_t)get_le(p + 16, 8);
	out->digest = get_le(p + 24, 8);
	out->in_size = (uint32_t)get_le(p + 32, 4);
	return 0;
}
