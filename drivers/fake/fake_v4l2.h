/* Fake V4L2 device: a video capture node that answers the ioctls, mmap and
 * poll the V4L2 capture driver makes, through its syscall table, with the
 * kernel API's state machine and error codes (EINVAL for a bad type or
 * index, EBUSY for S_FMT or REQBUFS while buffers are in use, EAGAIN when
 * no buffer is ready, ENODEV once unplugged, ...). Frames come from a
 * callback that tests feed with real footage. Time is the linked manual
 * clock: poll() moves it forward to the next frame, so a test runs a minute
 * of 30 fps video in well under a second of real time.
 *
 * One fake device at a time (the syscall table has no context pointer):
 * mt_fake_v4l2_attach() makes it the one mt_fake_v4l2_syscalls talks to.
 * Not thread-safe: the driver and the test share one thread. */
#ifndef MT_FAKE_V4L2_H
#define MT_FAKE_V4L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake/manual_clock.h"
#include "linux/v4l2_capture.h"

#define MT_FAKE_V4L2_MAX_FORMATS 6
#define MT_FAKE_V4L2_MAX_SIZES   6
#define MT_FAKE_V4L2_MAX_RATES   6
#define MT_FAKE_V4L2_MAX_BUFFERS 32
#define MT_FAKE_V4L2_FD          0x7600 /* the one descriptor it hands out */

/* Writes frame number n (0-based, counting every frame the device makes)
 * for fourcc at w x h into dst; returns the bytes written, or -1 if the
 * frame does not fit in cap. */
typedef long (*mt_fake_v4l2_fill_fn)(void *ctx, uint32_t fourcc, uint16_t w, uint16_t h, uint64_t n,
				     uint8_t *dst, size_t cap);

struct mt_fake_v4l2_format {
	uint32_t fourcc;
	struct {
		uint16_t w, h;
	} sizes[MT_FAKE_V4L2_MAX_SIZES];
	uint32_t nsizes;
	uint32_t fps[MT_FAKE_V4L2_MAX_RATES]; /* discrete intervals 1/fps */
	uint32_t nfps;
	/* a stepwise camera: sizes[0]..sizes[1] in steps of 16, and rates
	 * fps[1]..fps[0] as a continuous range (ENUM_* as such cameras answer) */
	bool stepwise;
};

/* Faults, each at a frame number the device makes (0 = never). */
struct mt_fake_v4l2_faults {
	uint64_t unplug_at;     /* before making this frame: device gone */
	uint64_t stall_at;      /* stops delivering from this frame ... */
	uint64_t stall_frames;  /* ... for this many frame times (0: forever) */
	uint64_t error_flag_at; /* V4L2_BUF_FLAG_ERROR on this frame */
	uint64_t zero_bytes_at; /* bytesused 0 */
	uint64_t oversize_at;   /* bytesused larger than the buffer */
	uint64_t no_eoi_at;     /* JPEG with its EOI cut off */
	uint64_t bad_marker_at; /* JPEG with a broken marker segment */
	uint64_t seq_gap_at;    /* sequence jumps by seq_gap before this frame */
	uint32_t seq_gap;
	uint64_t resize_at; /* the source changes to resize_w x resize_h */
	uint16_t resize_w, resize_h;
	bool resize_event;    /* and says so with V4L2_EVENT_SOURCE_CHANGE */
	uint32_t eintr_every; /* every Nth ioctl fails with EINTR first */
};

struct mt_fake_v4l2_buf {
	uint8_t *mem;
	size_t length;
	int state; /* enum in fake_v4l2.c: dequeued, queued, done */
	bool mapped;
	uint32_t bytesused;
	uint32_t flags;
	uint32_t sequence;
	int64_t ts_us;
};

struct mt_fake_v4l2 {
	/* set by the test before use */
	char path[64];
	char card[32];
	uint32_t caps; /* V4L2_CAP_*; default: capture and streaming */
	struct mt_fake_v4l2_format formats[MT_FAKE_V4L2_MAX_FORMATS];
	uint32_t nformats;
	mt_fake_v4l2_fill_fn fill;
	void *fill_ctx;
	struct mt_manual_clock *clock;
	struct mt_fake_v4l2_faults faults;
	int32_t ctrl_brightness, ctrl_contrast, ctrl_power_line, ctrl_exposure;

	/* device state */
	bool plugged;
	bool open;
	bool streaming;
	bool subscribed;
	bool event_pending;
	uint32_t fourcc;
	uint16_t width, height;
	uint32_t fps;
	uint16_t src_w, src_h; /* what the sensor makes (differs after a resize) */
	struct mt_fake_v4l2_buf buf[MT_FAKE_V4L2_MAX_BUFFERS];
	uint32_t nbuf;
	uint32_t done[MT_FAKE_V4L2_MAX_BUFFERS]; /* finished buffers, oldest first */
	uint32_t ndone;
	uint64_t made;     /* frames made (the fill callback's n) */
	uint32_t sequence; /* next V4L2 sequence number */
	int64_t next_due_us;

	/* what tests check */
	uint64_t ioctls;
	uint64_t eintr_injected;
	uint64_t opens;
	uint64_t streamons;
	uint64_t dropped_no_buffer; /* frames made with no buffer queued */
};

/* A 1080p-capable webcam offering MJPEG, YUYV and H.264 at 5..30 fps,
 * unplugged until mt_fake_v4l2_plug(). path may be a /dev/v4l/by-id name. */
void mt_fake_v4l2_init(struct mt_fake_v4l2 *f, const char *path, struct mt_manual_clock *clock,
		       mt_fake_v4l2_fill_fn fill, void *ctx);

/* Replaces the offered formats. */
void mt_fake_v4l2_set_formats(struct mt_fake_v4l2 *f, const struct mt_fake_v4l2_format *fmts,
			      uint32_t n);

void mt_fake_v4l2_attach(struct mt_fake_v4l2 *f);
void mt_fake_v4l2_plug(struct mt_fake_v4l2 *f);
/* Gone: every call on the open descriptor fails with ENODEV, open ENOENT. */
void mt_fake_v4l2_unplug(struct mt_fake_v4l2 *f);
/* Frees the buffers; the device must be closed. */
void mt_fake_v4l2_free(struct mt_fake_v4l2 *f);

/* Talks to the attached fake. */
extern const struct mt_v4l2_sys mt_fake_v4l2_syscalls;

#endif
