/* Software H.264 encoder on Cisco's OpenH264 (Debian libopenh264-dev), for
 * boards without a hardware encoder and for host tests. Raw YUYV or NV12
 * in, one Annex-B access unit out per frame (constrained baseline, one
 * slice, no B-frames, SPS and PPS before every IDR), an IDR every gop
 * frames and right after request_keyframe(). OpenH264 takes I420 only, so
 * the chroma is split into planes first (YUYV's 4:2:2 chroma: every other
 * row). Its bitstream is copied once, into a frame of exactly its size.
 * One thread uses an encoder at a time. */
#ifndef MT_LINUX_SW_H264_H
#define MT_LINUX_SW_H264_H

#include <stdint.h>

#include "hal/encoder.h"

struct mt_sw_h264_stats {
	uint64_t frames;    /* access units handed out */
	uint64_t keyframes; /* IDRs among them */
	uint64_t skipped;   /* inputs the rate control skipped (-EAGAIN) */
	uint64_t rejected;  /* inputs of the wrong format or size */
	uint64_t key_requests;
	uint64_t bytes_out;
};

struct mt_sw_h264 {
	struct mt_encoder dev; /* hand &e.dev to the firmware */
	const struct mt_encoder_config *cfg;
	void *enc;       /* ISVCEncoder* */
	uint8_t *planes; /* I420 planes (YUYV: all three; NV12: U and V) */
	struct mt_sw_h264_stats stats;
};

void mt_sw_h264_init(struct mt_sw_h264 *e);

#endif
