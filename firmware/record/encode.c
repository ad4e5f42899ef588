/* The encode stage: camera frame → recorded frame. */
#include "record/encode.h"

#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"

MT_LOG_MODULE("encode");

static bool is_raw(enum mt_pixfmt f)
{
	return f == MT_FMT_YUYV || f == MT_FMT_NV12;
}

void mt_encode_init(struct mt_encode *s)
{
	memset(s, 0, sizeof(*s));
	atomic_init(&s->want_key, 0);
	mt_privacy_init(&s->mask);
}

static int refuse(char *why, size_t len, const char *text)
{
	if (why && len)
		snprintf(why, len, "%s", text);
	return MT_ECONFIG;
}

int mt_encode_open(struct mt_encode *s, const struct mt_encode_config *cfg, char *why,
		   size_t whylen)
{
	char err[64];
	int ret;

	mt_encode_free(s);
	s->cfg = *cfg;
	if (mt_privacy_set(&s->mask, cfg->privacy ? cfg->privacy : "", err, sizeof(err)))
		return refuse(why, whylen, "motion.privacy does not parse");
	if (cfg->in == MT_FMT_H264 && mt_privacy_active(&s->mask))
		return refuse(why, whylen,
			      "a privacy mask needs an MJPEG or raw camera: H.264 from the "
			      "camera cannot be masked without re-encoding");
	if (!is_raw(cfg->in))
		return cfg->in == MT_FMT_MJPEG || cfg->in == MT_FMT_H264 ?
			       0 :
			       refuse(why, whylen, "unknown camera format");
	if (!cfg->encoder)
		return refuse(why, whylen,
			      "the camera gives raw frames and this board has no "
			      "encoder for record.codec");
	s->enc_cfg = (struct mt_encoder_config){
		.in = cfg->in,
		.out = cfg->out,
		.width = cfg->width,
		.height = cfg->height,
		.fps = cfg->fps,
		.quality = cfg->quality,
		.bitrate = cfg->bitrate,
		.gop = cfg->gop,
		.profile_idc = cfg->profile_idc,
	};
	ret = mt_encoder_open(cfg->encoder, &s->enc_cfg);
	if (ret) {
		if (why && whylen)
			snprintf(why, whylen, "encoder %s: %s", cfg->encoder->name,
				 mt_strerror(ret));
		return ret;
	}
	s->enc_open = true;
	return 0;
}

static int drop(struct mt_encode *s, const struct mt_frame *in, int err)
{
	s->stats.dropped++;
	MT_WRN("frame %llu not recorded: %s", (unsigned long long)in->seq, mt_strerror(err));
	return err;
}

static int encode_raw(struct mt_encode *s, struct mt_frame *in, struct mt_frame **out)
{
	/* Black is Y 0 in a full-range JPEG, 16 in limited-range H.264. */
	uint8_t black = s->cfg.out == MT_FMT_H264 ? 16 : 0;
	int ret = mt_privacy_mask_raw(&s->mask, in, black);

	if (ret)
		return drop(s, in, ret);
	if (atomic_exchange(&s->want_key, 0) && s->cfg.out == MT_FMT_H264)
		mt_encoder_request_keyframe(s->cfg.encoder);
	ret = mt_encoder_encode(s->cfg.encoder, in, out);
	if (ret == -EAGAIN) {
		s->stats.late++;
		return ret;
	}
	if (ret)
		return drop(s, in, ret);
	s->stats.encoded++;
	return 0;
}

int mt_encode_frame(struct mt_encode *s, struct mt_frame *in, struct mt_frame **out)
{
	if (in->format != s->cfg.in)
		return drop(s, in, MT_EFORMAT);
	if (is_raw(in->format))
		return encode_raw(s, in, out);
	if (in->format == MT_FMT_MJPEG && mt_privacy_active(&s->mask)) {
		int ret = mt_privacy_mask_jpeg(&s->mask, in, out);
		if (ret)
			return drop(s, in, ret);
		s->stats.masked++;
		return 0;
	}
	s->stats.passed++;
	*out = mt_frame_get(in);
	return 0;
}

bool mt_encode_busy(const struct mt_encode *s)
{
	return is_raw(s->cfg.in) || mt_privacy_active(&s->mask);
}

int mt_encode_request_keyframe(struct mt_encode *s)
{
	if (!s->enc_open || s->cfg.out != MT_FMT_H264)
		return -ENOSYS;
	atomic_store(&s->want_key, 1);
	s->stats.key_requests++;
	return 0;
}

void mt_encode_free(struct mt_encode *s)
{
	if (s->enc_open)
		mt_encoder_close(s->cfg.encoder);
	s->enc_open = false;
	mt_privacy_free(&s->mask);
}
