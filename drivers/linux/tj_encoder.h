/* TurboJPEG encoder: raw YUYV or NV12 frames straight to JPEG from their
 * YUV planes (tjCompressFromYUVPlanes: no RGB round trip), at the quality
 * of the configuration. NV12's luma is read in place; its interleaved
 * chroma, and all of YUYV, are split into planes first (4:2:0 and 4:2:2
 * JPEGs). The JPEG is written into its own frame at the worst-case size and
 * the frame shrunk after (record/outframe.h), so it is never copied. Every
 * output is a keyframe. One thread uses an encoder at a time. */
#ifndef MT_LINUX_TJ_ENCODER_H
#define MT_LINUX_TJ_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "hal/encoder.h"

struct mt_tj_encoder {
	struct mt_encoder dev; /* hand &e.dev to the firmware */
	const struct mt_encoder_config *cfg;
	void *tj;
	uint8_t *planes; /* the chroma (and for YUYV luma) planes */
	int subsamp;     /* TJSAMP_* */
	size_t bound;    /* tjBufSize() of the configured picture */
	uint64_t frames; /* encoded */
	uint64_t rejected;
	uint64_t bytes_out;
};

void mt_tj_encoder_init(struct mt_tj_encoder *e);

#endif
