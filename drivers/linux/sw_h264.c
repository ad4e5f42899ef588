/* Software H.264 encoder (OpenH264). */
#include "linux/sw_h264.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wels/codec_api.h>

#include "core/errors.h"
#include "core/log.h"

MT_LOG_MODULE("swh264");

static size_t raw_size(enum mt_pixfmt fmt, uint32_t w, uint32_t h)
{
	if (fmt == MT_FMT_YUYV)
		return (size_t)w * h * 2;
	if (fmt == MT_FMT_NV12)
		return (size_t)w * h * 3 / 2;
	return 0;
}

static void sw_close(struct mt_encoder *dev)
{
	struct mt_sw_h264 *e = dev->priv;
	ISVCEncoder *enc = e->enc;

	if (enc) {
		(*enc)->Uninitialize(enc);
		WelsDestroySVCEncoder(enc);
	}
	e->enc = NULL;
	free(e->planes);
	e->planes = NULL;
	e->cfg = NULL;
}

static void params(const struct mt_encoder_config *cfg, SEncParamExt *p)
{
	float fps = cfg->fps ? (float)cfg->fps : 15.0f;

	p->iUsageType = CAMERA_VIDEO_REAL_TIME;
	p->iPicWidth = cfg->width;
	p->iPicHeight = cfg->height;
	p->iTargetBitrate = (int)cfg->bitrate;
	p->iRCMode = RC_BITRATE_MODE;
	p->fMaxFrameRate = fps;
	p->iTemporalLayerNum = 1;
	p->iSpatialLayerNum = 1;
	p->uiIntraPeriod = cfg->gop;
	p->eSpsPpsIdStrategy = CONSTANT_ID;  /* the muxer takes one SPS/PPS */
	p->bEnableFrameSkip = false;         /* every frame of the pre-roll */
	p->iMultipleThreadIdc = 1;           /* the encoder thread is the thread */
	p->iEntropyCodingModeFlag = 0;       /* CAVLC: constrained baseline */
	p->bEnableSceneChangeDetect = false; /* IDRs only where we say */
	p->sSpatialLayers[0].iVideoWidth = cfg->width;
	p->sSpatialLayers[0].iVideoHeight = cfg->height;
	p->sSpatialLayers[0].fFrameRate = fps;
	p->sSpatialLayers[0].iSpatialBitrate = (int)cfg->bitrate;
	p->sSpatialLayers[0].iMaxSpatialBitrate = UNSPECIFIED_BIT_RATE;
	p->sSpatialLayers[0].uiProfileIdc = PRO_BASELINE;
	p->sSpatialLayers[0].sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
}

static int sw_open(struct mt_encoder *dev, const struct mt_encoder_config *cfg)
{
	struct mt_sw_h264 *e = dev->priv;
	ISVCEncoder *enc = NULL;
	SEncParamExt p;
	int fmt = videoFormatI420, quiet = WELS_LOG_QUIET;

	if (cfg->out != MT_FMT_H264 || !raw_size(cfg->in, cfg->width, cfg->height) ||
	    (cfg->width | cfg->height) & 1)
		return MT_EFORMAT;
	if (!cfg->gop || !cfg->bitrate)
		return -EINVAL;
	sw_close(dev);
	if (cfg->profile_idc && cfg->profile_idc != 66)
		MT_WRN("profile %u asked: the software encoder makes constrained baseline",
		       cfg->profile_idc);
	e->planes = malloc((size_t)cfg->width * cfg->height * 3 / 2);
	if (!e->planes || WelsCreateSVCEncoder(&enc) || !enc)
		goto out_close;
	e->enc = enc;
	(*enc)->SetOption(enc, ENCODER_OPTION_TRACE_LEVEL, &quiet);
	(*enc)->GetDefaultParams(enc, &p);
	params(cfg, &p);
	if ((*enc)->InitializeExt(enc, &p) != cmResultSuccess) {
		MT_ERR("OpenH264 refused %ux%u at %u bit/s", cfg->width, cfg->height, cfg->bitrate);
		sw_close(dev);
		return -EINVAL;
	}
	(*enc)->SetOption(enc, ENCODER_OPTION_DATAFORMAT, &fmt);
	e->cfg = cfg;
	return 0;

out_close:
	sw_close(dev);
	return -ENOMEM;
}

/* I420 planes of in: NV12's luma in place, chroma split; YUYV all split. */
static void to_i420(struct mt_sw_h264 *e, const struct mt_frame *in, SSourcePicture *pic)
{
	size_t w = in->width, h = in->height;
	uint8_t *y = e->planes, *u = y + w * h, *v = u + w * h / 4;
	const uint8_t *s = in->data;

	if (in->format == MT_FMT_NV12) {
		const uint8_t *uv = s + w * h;

		for (size_t i = 0; i < w * h / 4; i++)
			u[i] = uv[2 * i], v[i] = uv[2 * i + 1];
		pic->pData[0] = (unsigned char *)s;
	} else {
		for (size_t r = 0; r < h; r++) {
			const uint8_t *row = s + r * w * 2;

			for (size_t x = 0; x < w; x++)
				y[r * w + x] = row[2 * x];
			if (r & 1)
				continue;
			for (size_t x = 0; x < w / 2; x++)
				u[r / 2 * w / 2 + x] = row[4 * x + 1],
						  v[r / 2 * w / 2 + x] = row[4 * x + 3];
		}
		pic->pData[0] = y;
	}
	pic->pData[1] = u, pic->pData[2] = v;
	pic->iStride[0] = (int)w, pic->iStride[1] = pic->iStride[2] = (int)(w / 2);
}

static int sw_encode(struct mt_encoder *dev, struct mt_frame *in, struct mt_frame **out)
{
	struct mt_sw_h264 *e = dev->priv;
	const struct mt_encoder_config *cfg = e->cfg;
	ISVCEncoder *enc = e->enc;
	SSourcePicture pic;
	SFrameBSInfo info;
	struct mt_frame *f;
	size_t used = 0;

	if (!cfg)
		return -EBADF;
	if (in->format != cfg->in || in->width != cfg->width || in->height != cfg->height ||
	    in->size != raw_size(cfg->in, cfg->width, cfg->height)) {
		e->stats.rejected++;
		return MT_EFORMAT;
	}
	memset(&pic, 0, sizeof(pic));
	memset(&info, 0, sizeof(info));
	pic.iColorFormat = videoFormatI420;
	pic.iPicWidth = in->width, pic.iPicHeight = in->height;
	pic.uiTimeStamp = in->ts_us / 1000;
	to_i420(e, in, &pic);
	if ((*enc)->EncodeFrame(enc, &pic, &info) != cmResultSuccess)
		return -EIO;
	if (info.eFrameType == videoFrameTypeSkip || info.iFrameSizeInBytes <= 0) {
		e->stats.skipped++;
		return -EAGAIN;
	}
	f = mt_frame_alloc((size_t)info.iFrameSizeInBytes);
	if (!f)
		return -ENOMEM;
	for (int l = 0; l < info.iLayerNum; l++) {
		const SLayerBSInfo *li = &info.sLayerInfo[l];
		size_t n = 0;

		for (int k = 0; k < li->iNalCount; k++)
			n += (size_t)li->pNalLengthInByte[k];
		if (used + n > f->capacity)
			break; /* cannot happen: the sizes add up to iFrameSizeInBytes */
		memcpy(f->data + used, li->pBsBuf, n);
		used += n;
	}
	f->size = used;
	f->format = MT_FMT_H264;
	f->width = in->width, f->height = in->height;
	f->seq = in->seq, f->ts_us = in->ts_us;
	f->flags = info.eFrameType == videoFrameTypeIDR ? MT_FRAME_KEY : 0;
	e->stats.frames++;
	e->stats.keyframes += info.eFrameType == videoFrameTypeIDR;
	e->stats.bytes_out += used;
	*out = f;
	return 0;
}

static int sw_request_keyframe(struct mt_encoder *dev)
{
	struct mt_sw_h264 *e = dev->priv;
	ISVCEncoder *enc = e->enc;

	if (!enc)
		return -EBADF;
	e->stats.key_requests++;
	return (*enc)->ForceIntraFrame(enc, true) == cmResultSuccess ? 0 : -EIO;
}

static int sw_set_bitrate(struct mt_encoder *dev, uint32_t bitrate)
{
	struct mt_sw_h264 *e = dev->priv;
	ISVCEncoder *enc = e->enc;
	SBitrateInfo bi = { .iLayer = SPATIAL_LAYER_ALL, .iBitrate = (int)bitrate };

	if (!enc)
		return -EBADF;
	return (*enc)->SetOption(enc, ENCODER_OPTION_BITRATE, &bi) == cmResultSuccess ? 0 : -EINVAL;
}

static const struct mt_encoder_ops sw_h264_ops = {
	.open = sw_open,
	.encode = sw_encode,
	.close = sw_close,
	.request_keyframe = sw_request_keyframe,
	.set_bitrate = sw_set_bitrate,
};

void mt_sw_h264_init(struct mt_sw_h264 *e)
{
	memset(e, 0, sizeof(*e));
	e->dev.ops = &sw_h264_ops;
	e->dev.name = "openh264";
	e->dev.priv = e;
}
