/* Refcounted frames: one buffer, shared by the capture, analysis and clip
 * threads without copies. The last mt_frame_put() releases it. */
#ifndef MT_CORE_FRAME_H
#define MT_CORE_FRAME_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum mt_pixfmt {
	MT_FMT_NONE = 0,
	MT_FMT_MJPEG,
	MT_FMT_YUYV,
	MT_FMT_NV12,
	MT_FMT_H264,
};

#define MT_FRAME_KEY   (1u << 0) /* decodable on its own (JPEG, H.264 IDR) */
#define MT_FRAME_ERROR (1u << 1) /* the source flagged it; never recorded */

struct mt_frame {
	atomic_int refs;
	enum mt_pixfmt format;
	uint32_t flags;
	uint16_t width;
	uint16_t height;
	uint64_t seq;    /* source sequence number; gaps are drops upstream */
	int64_t ts_us;   /* capture time, monotonic clock of the clock hal */
	size_t size;     /* bytes used */
	size_t capacity; /* bytes available at data */
	uint8_t *data;
	/* Called by the last put; NULL frees a frame made by mt_frame_alloc(). */
	void (*release)(struct mt_frame *f);
	void *owner; /* for release(): the pool or driver buffer */
};

/* A heap frame with room for capacity bytes (data follows the header).
 * The caller holds the one reference. NULL when out of memory. */
struct mt_frame *mt_frame_alloc(size_t capacity);

/* Take another reference; returns f. */
struct mt_frame *mt_frame_get(struct mt_frame *f);

/* Drop a reference; NULL is fine. The frame must not be used afterwards. */
void mt_frame_put(struct mt_frame *f);

const char *mt_pixfmt_name(enum mt_pixfmt fmt);

/* Parses "mjpeg", "yuyv", "nv12", "h264"; MT_FMT_NONE if unknown. */
enum mt_pixfmt mt_pixfmt_parse(const char *name);

#endif
