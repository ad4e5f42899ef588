/* V4L2 capture: a UVC or CSI camera through the Linux video API, as the
 * capture hal. It negotiates a format (docs/capture.md gives the fallback
 * order), streams with mmap buffers, and copies each frame once out of its
 * buffer so the buffer goes straight back to the camera. It checks every
 * frame before handing it on, counts what it drops, restarts a stalled
 * stream, reopens an unplugged camera with backoff and restores its format.
 *
 * Every system call goes through one table (sys), so tests run this code
 * against the fake V4L2 device in drivers/fake/fake_v4l2.c. */
#ifndef MT_LINUX_V4L2_CAPTURE_H
#define MT_LINUX_V4L2_CAPTURE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hal/capture.h"

#define MT_V4L2_MAX_BUFFERS     32
#define MT_V4L2_DEFAULT_BUFFERS 4
/* Reopen attempts after an unplug start this far apart and double. */
#define MT_V4L2_BACKOFF_MIN_MS 100
#define MT_V4L2_BACKOFF_MAX_MS 5000

/* The system calls the driver makes, with libc's signatures and errno. */
struct mt_v4l2_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
	int (*munmap)(void *addr, size_t len);
	int (*poll)(struct pollfd *fds, nfds_t nfds, int timeout_ms);
	/* CLOCK_MONOTONIC in microseconds: the clock of the driver's timestamps */
	int64_t (*mono_us)(void);
};

/* The real system calls. */
extern const struct mt_v4l2_sys mt_v4l2_syscalls;

struct mt_v4l2_buffer {
	void *start;
	size_t length;
};

/* What the driver asks of the camera, and what it got. */
struct mt_v4l2_mode {
	uint32_t fourcc; /* V4L2_PIX_FMT_* */
	uint16_t width;
	uint16_t height;
	uint32_t fps_num; /* frames per second as a fraction: fps_num / fps_den */
	uint32_t fps_den;
};

struct mt_v4l2_capture {
	struct mt_capture dev; /* hand &cam.dev to the firmware */
	const struct mt_v4l2_sys *sys;
	const struct mt_capture_config *cfg;
	int fd;
	bool streaming;
	bool have_mode; /* mode is what the camera agreed to */
	bool events;    /* the device takes V4L2_EVENT_SOURCE_CHANGE */
	bool monotonic; /* its timestamps are CLOCK_MONOTONIC */
	struct mt_v4l2_mode mode;
	struct mt_v4l2_buffer buf[MT_V4L2_MAX_BUFFERS];
	uint32_t nbuf;
	uint64_t next_seq; /* the driver sequence expected next */
	bool seq_started;
	uint64_t out_seq;      /* our sequence, continuous across restarts */
	int64_t last_ts_us;    /* last timestamp handed out */
	int64_t last_frame_us; /* clock time of the last frame (stall check) */
	int64_t retry_at_us;   /* unplugged: next reopen attempt */
	uint32_t backoff_ms;
	bool unplugged;
	struct mt_capture_stats stats;
	uint64_t copied_bytes; /* payload bytes copied: one copy per frame byte */
	char card[32];         /* VIDIOC_QUERYCAP card name, for reports */
};

/* Uses mt_v4l2_syscalls; a test may point cam->sys at its own table. */
void mt_v4l2_capture_init(struct mt_v4l2_capture *cam);

/* The fourcc of a pixel format, and back (0 / MT_FMT_NONE if not ours). */
uint32_t mt_v4l2_fourcc(enum mt_pixfmt fmt);
enum mt_pixfmt mt_v4l2_pixfmt(uint32_t fourcc);

/* "MJPG", "YUYV", or "0x%08x" for unprintable codes; buf holds 16 bytes. */
const char *mt_v4l2_fourcc_str(uint32_t fourcc, char buf[16]);

/* The formats tried for a request, best first: the one asked for, then
 * MJPEG, H.264, YUYV, NV12 (compressed first: cheaper to keep and record).
 * Fills out[] without repeats; returns how many (at most 4). */
size_t mt_v4l2_fallback_order(enum mt_pixfmt asked, enum mt_pixfmt out[4]);

/* A control name as the kernel spells it ("Power Line Frequency") made
 * comparable with a configuration name ("power_line_frequency"). */
void mt_v4l2_control_key(const char *name, char *out, size_t size);

#endif
