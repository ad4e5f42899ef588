/* V4L2 memory-to-memory stateful H.264 encoder (the kind a Raspberry Pi
 * exposes as /dev/video11), as the encoder hal. It follows the kernel's
 * "Memory-to-Memory Stateful Video Encoder Interface" (dev-encoder.rst) on
 * the multi-planar queues the Pi uses: the coded format on CAPTURE first,
 * then the raw format on OUTPUT (NV12 or YUYV, one plane, the device's own
 * stride and height alignment), frame rate, then bitrate, GOP
 * (H264_I_PERIOD and GOP_SIZE), profile and REPEAT_SEQ_HEADER controls, mmap
 * buffers on both queues, STREAMON. Each raw frame is copied into an OUTPUT
 * buffer; each coded frame is copied out of its CAPTURE buffer into a frame
 * of its exact size, so the buffers go straight back to the device. An IDR
 * is asked for with V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME before the next
 * frame. An IDR that comes without SPS and PPS gets the last ones the
 * device sent, so every IDR can start a clip.
 *
 * Every system call goes through the V4L2 capture driver's syscall table,
 * so tests run it against the fake M2M device (drivers/fake/fake_v4l2_m2m.c). */
#ifndef MT_LINUX_V4L2_M2M_ENC_H
#define MT_LINUX_V4L2_M2M_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/encoder.h"
#include "linux/v4l2_capture.h"

#define MT_M2M_BUFFERS   4   /* on each queue */
#define MT_M2M_PENDING   16  /* frames in the device at once, at most */
#define MT_M2M_WAIT_MS   200 /* for a coded frame after queueing a raw one */
#define MT_M2M_PARAM_MAX 128

struct mt_m2m_stats {
	uint64_t frames;       /* coded frames handed out */
	uint64_t keyframes;    /* IDRs among them */
	uint64_t key_requests; /* FORCE_KEY_FRAME set */
	uint64_t late;         /* inputs with no coded frame yet (-EAGAIN) */
	uint64_t errors;       /* coded buffers the device flagged, dropped */
	uint64_t rejected;     /* inputs of the wrong format or size */
	uint64_t busy;         /* no free OUTPUT buffer in time: input dropped */
	uint64_t params_added; /* IDRs that got the saved SPS/PPS */
	uint64_t bytes_in;     /* raw bytes copied into OUTPUT buffers */
	uint64_t bytes_out;    /* coded bytes copied out of CAPTURE buffers */
};

struct mt_m2m_buf {
	void *start;
	size_t length;
	bool queued;
};

struct mt_v4l2_m2m_enc {
	struct mt_encoder dev; /* hand &e.dev to the firmware */
	const struct mt_v4l2_sys *sys;
	const char *path; /* borrowed; outlives the encoder */
	const struct mt_encoder_config *cfg;
	int fd;
	bool streaming;
	bool force_key;
	uint32_t out_stride; /* bytes per row of the OUTPUT plane */
	uint32_t out_rows;   /* luma rows the OUTPUT plane holds (aligned height) */
	struct mt_m2m_buf out[MT_M2M_BUFFERS], cap[MT_M2M_BUFFERS];
	uint32_t nout, ncap;
	struct {
		int64_t ts_us;
		uint64_t seq;
	} pending[MT_M2M_PENDING];
	uint32_t npending;
	uint8_t params[2 * MT_M2M_PARAM_MAX + 8]; /* SPS and PPS with start codes */
	size_t params_len;
	struct mt_m2m_stats stats;
};

/* path: the device node. Uses mt_v4l2_syscalls; a test may point e->sys
 * at the fake's table. */
void mt_v4l2_m2m_enc_init(struct mt_v4l2_m2m_enc *e, const char *path);

#endif
