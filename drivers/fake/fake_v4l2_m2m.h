/* Fake V4L2 M2M stateful H.264 encoder: a multi-planar memory-to-memory
 * node that answers the open, ioctl, mmap, poll and close calls of the M2M
 * encoder driver through the V4L2 syscall table, with the rules of the
 * kernel's stateful encoder documentation (dev-encoder.rst) and videobuf2:
 * the coded format is set on CAPTURE before the raw one on OUTPUT (EINVAL
 * otherwise, counted), S_FMT and REQBUFS fail with EBUSY while buffers are
 * allocated or streaming, QBUF needs a valid index of a dequeued buffer,
 * DQBUF gives EAGAIN on a non-blocking descriptor with nothing ready, a
 * flagged buffer is V4L2_BUF_FLAG_ERROR. Raw planes are padded like the
 * Raspberry Pi's bcm2835-codec (rows to 32 bytes, NV12 height to 16).
 *
 * Its "encoder" is any encoder hal given at init (tests give the OpenH264
 * one), so the coded frames are real H.264 that ffprobe can check. The
 * controls (bitrate, H264_I_PERIOD / GOP_SIZE, profile, REPEAT_SEQ_HEADER,
 * FORCE_KEY_FRAME) reach it: without REPEAT_SEQ_HEADER the fake strips SPS
 * and PPS from every IDR after the first, as some hardware does.
 *
 * One fake at a time (the syscall table has no context pointer):
 * mt_fake_m2m_attach() makes it the one mt_fake_m2m_syscalls talks to.
 * Not thread-safe: driver and test share one thread. */
#ifndef MT_FAKE_V4L2_M2M_H
#define MT_FAKE_V4L2_M2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/encoder.h"
#include "linux/v4l2_capture.h"

#define MT_FAKE_M2M_FD      0x7700
#define MT_FAKE_M2M_BUFFERS 8

struct mt_fake_m2m_buf {
	uint8_t *mem;
	size_t length;
	int state; /* dequeued, queued, done (fake_v4l2_m2m.c) */
	bool mapped;
	uint32_t bytesused;
	uint32_t flags;
	uint32_t sequence;
	int64_t ts_us;
};

struct mt_fake_m2m_queue {
	uint32_t fourcc;
	uint16_t width, height;
	uint32_t bytesperline, sizeimage;
	bool fmt_set;
	bool streaming;
	struct mt_fake_m2m_buf buf[MT_FAKE_M2M_BUFFERS];
	uint32_t nbuf;
	uint32_t done[MT_FAKE_M2M_BUFFERS]; /* finished, oldest first */
	uint32_t ndone;
};

struct mt_fake_m2m {
	/* set by the test */
	char path[64];
	struct mt_encoder *codec; /* borrowed: makes the coded frames */
	uint32_t latency;         /* raw frames held before the first coded one */
	uint64_t error_at;        /* coded frame number (1-based) flagged ERROR */
	uint32_t eintr_every;     /* every Nth ioctl fails with EINTR first */
	bool no_gop_control;      /* a device without I_PERIOD and GOP_SIZE */
	bool no_repeat_control;   /* ... without REPEAT_SEQ_HEADER */

	/* device state */
	bool open;
	struct mt_fake_m2m_queue out, cap; /* OUTPUT (raw), CAPTURE (coded) */
	int32_t bitrate, i_period, gop_size, profile, repeat_seq;
	uint32_t fps;
	bool force_key;
	bool codec_open;
	struct mt_encoder_config codec_cfg;
	uint32_t held[MT_FAKE_M2M_BUFFERS]; /* OUTPUT buffers read, not yet coded */
	uint32_t nheld;
	uint32_t sequence;

	/* what tests check */
	uint64_t ioctls;
	uint64_t order_errors; /* OUTPUT format set before CAPTURE's */
	uint64_t encoded;
	uint64_t keys_forced;
	uint64_t params_stripped;
	int last_gop; /* the GOP the codec was opened with */
};

/* path: the node the driver must open. codec must outlive the fake. */
void mt_fake_m2m_init(struct mt_fake_m2m *f, const char *path, struct mt_encoder *codec);
void mt_fake_m2m_attach(struct mt_fake_m2m *f);
/* Frees buffers and closes the codec; the device must be closed. */
void mt_fake_m2m_free(struct mt_fake_m2m *f);

extern const struct mt_v4l2_sys mt_fake_m2m_syscalls;

#endif
