/* Encoder hal: raw frames in, compressed frames out (TurboJPEG, a V4L2 M2M
 * H.264 encoder, a software H.264 encoder). Frames from a camera that already
 * compresses are never passed through an encoder. */
#ifndef MT_HAL_ENCODER_H
#define MT_HAL_ENCODER_H

#include <assert.h>
#include <errno.h>
#include <stdint.h>

#include "core/frame.h"

struct mt_encoder_config {
	enum mt_pixfmt in;  /* MT_FMT_YUYV or MT_FMT_NV12 */
	enum mt_pixfmt out; /* MT_FMT_MJPEG or MT_FMT_H264 */
	uint16_t width;
	uint16_t height;
	uint32_t fps;
	uint32_t quality;    /* JPEG quality 1..100 */
	uint32_t bitrate;    /* H.264 bits per second */
	uint32_t gop;        /* H.264 frames between IDRs */
	uint8_t profile_idc; /* H.264 profile: 66 baseline, 77 main, 100 high; 0: any */
};

struct mt_encoder;

struct mt_encoder_ops {
	/* mandatory: cfg must outlive the encoder */
	int (*open)(struct mt_encoder *dev, const struct mt_encoder_config *cfg);
	/* mandatory: encode in (not consumed: the caller keeps its reference);
	 * *out gets a new frame the caller owns, carrying in's seq and ts_us.
	 * -EAGAIN when the encoder buffered the frame and has no output yet. */
	int (*encode)(struct mt_encoder *dev, struct mt_frame *in, struct mt_frame **out);
	/* mandatory; safe twice */
	void (*close)(struct mt_encoder *dev);
	/* optional: make the next output a keyframe (an event just triggered) */
	int (*request_keyframe)(struct mt_encoder *dev);
	/* optional */
	int (*set_bitrate)(struct mt_encoder *dev, uint32_t bitrate);
};

struct mt_encoder {
	const struct mt_encoder_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_encoder_open(struct mt_encoder *dev, const struct mt_encoder_config *cfg)
{
	assert(dev->ops->open);
	return dev->ops->open(dev, cfg);
}

static inline int mt_encoder_encode(struct mt_encoder *dev, struct mt_frame *in,
				    struct mt_frame **out)
{
	assert(dev->ops->encode);
	return dev->ops->encode(dev, in, out);
}

static inline void mt_encoder_close(struct mt_encoder *dev)
{
	assert(dev->ops->close);
	dev->ops->close(dev);
}

static inline int mt_encoder_request_keyframe(struct mt_encoder *dev)
{
	return dev->ops->request_keyframe ? dev->ops->request_keyframe(dev) : -ENOSYS;
}

static inline int mt_encoder_set_bitrate(struct mt_encoder *dev, uint32_t bitrate)
{
	return dev->ops->set_bitrate ? dev->ops->set_bitrate(dev, bitrate) : -ENOSYS;
}

#endif
