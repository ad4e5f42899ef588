/* Capture hal: a camera that hands out refcounted frames stamped with the
 * clock hal's monotonic time. The caller owns the reference it dequeues and
 * drops it with mt_frame_put(); the driver may recycle its buffer then. */
#ifndef MT_HAL_CAPTURE_H
#define MT_HAL_CAPTURE_H

#include <assert.h>
#include <errno.h>
#include <stdint.h>

#include "core/frame.h"

struct mt_clock;

/* A camera control to set at open (and again after a reconnect). Names are
 * the kernel's, lower case with '_' ("power_line_frequency"), plus
 * "exposure_mode" (0 auto, 1 manual) which maps onto whichever automatic
 * exposure the camera offers. */
struct mt_capture_control {
	char name[32];
	int32_t value;
};

#define MT_CAPTURE_MAX_CONTROLS 16

struct mt_capture_config {
	const char *device;    /* device node, or footage path for a replay */
	enum mt_pixfmt format; /* asked for; the driver reports what it got */
	uint16_t width;
	uint16_t height;
	uint32_t fps;
	uint32_t buffers;       /* driver buffers (V4L2 mmap); 0 = default */
	struct mt_clock *clock; /* stamps frames; must outlive the device */
	int realtime;           /* replay: pace at fps (1) or as fast as read (0) */
	int loop;               /* replay: wrap around at the end (1) or MT_EEND (0) */
	struct mt_capture_control controls[MT_CAPTURE_MAX_CONTROLS];
	uint32_t ncontrols;
};

/* What the device actually delivers. */
struct mt_capture_format {
	enum mt_pixfmt format;
	uint16_t width;
	uint16_t height;
	uint32_t fps;
};

struct mt_capture_stats {
	uint64_t frames;         /* handed out */
	uint64_t dropped;        /* lost upstream (sequence gaps) */
	uint64_t corrupt;        /* rejected as malformed, never handed out */
	uint64_t restarts;       /* stream restarts after stalls or unplugs */
	uint64_t stalls;         /* no frame for MT_CAPTURE_STALL_MS while streaming */
	uint64_t unplugs;        /* device gone (ENODEV, EIO) */
	uint64_t reconnects;     /* device back, format restored */
	uint64_t renegotiations; /* format changed under us and was renegotiated */
	uint64_t ts_fixups;      /* timestamps that went backwards, moved forward */
	uint64_t loops;          /* replay: times the footage wrapped around */
};

/* A mode the camera offers: a format at one size (or a range of sizes) and
 * its frame rates. */
#define MT_CAPTURE_MODE_RATES 8
struct mt_capture_mode {
	enum mt_pixfmt format;               /* MT_FMT_NONE: a format matthan cannot use */
	char fourcc[16];                     /* as the camera names it ("MJPG", "YUYV") */
	uint16_t width, height;              /* the size, or the smallest of a range */
	uint16_t max_width, max_height;      /* the largest of a range; 0 for one size */
	uint32_t fps[MT_CAPTURE_MODE_RATES]; /* discrete rates, 0-terminated */
	uint32_t fps_min, fps_max;           /* a range of rates (fps[0] is 0); 0: unknown */
};

/* A streaming device that delivers nothing for this long is restarted. */
#define MT_CAPTURE_STALL_MS 2000

struct mt_capture;

struct mt_capture_ops {
	/* mandatory: open and negotiate; cfg must outlive the device */
	int (*open)(struct mt_capture *dev, const struct mt_capture_config *cfg);
	/* mandatory */
	int (*start)(struct mt_capture *dev);
	/* mandatory: next frame, or -EAGAIN after timeout_ms, or MT_EEND */
	int (*dequeue)(struct mt_capture *dev, int timeout_ms, struct mt_frame **out);
	/* mandatory */
	int (*stop)(struct mt_capture *dev);
	/* mandatory; safe after a failed open and twice */
	void (*close)(struct mt_capture *dev);
	/* optional */
	int (*get_format)(struct mt_capture *dev, struct mt_capture_format *out);
	/* optional */
	int (*get_stats)(struct mt_capture *dev, struct mt_capture_stats *out);
	/* optional: a camera control by name ("brightness", "power_line_frequency") */
	int (*set_control)(struct mt_capture *dev, const char *name, int32_t value);
	/* optional, on an open device: the modes it offers, at most max into
	 * out; returns how many it offers (more than max: the rest left out) */
	int (*enum_modes)(struct mt_capture *dev, struct mt_capture_mode *out, int max);
};

struct mt_capture {
	const struct mt_capture_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_capture_open(struct mt_capture *dev, const struct mt_capture_config *cfg)
{
	assert(dev->ops->open);
	return dev->ops->open(dev, cfg);
}

static inline int mt_capture_start(struct mt_capture *dev)
{
	assert(dev->ops->start);
	return dev->ops->start(dev);
}

static inline int mt_capture_dequeue(struct mt_capture *dev, int timeout_ms, struct mt_frame **out)
{
	assert(dev->ops->dequeue);
	return dev->ops->dequeue(dev, timeout_ms, out);
}

static inline int mt_capture_stop(struct mt_capture *dev)
{
	assert(dev->ops->stop);
	return dev->ops->stop(dev);
}

static inline void mt_capture_close(struct mt_capture *dev)
{
	assert(dev->ops->close);
	dev->ops->close(dev);
}

static inline int mt_capture_get_format(struct mt_capture *dev, struct mt_capture_format *out)
{
	return dev->ops->get_format ? dev->ops->get_format(dev, out) : -ENOSYS;
}

static inline int mt_capture_get_stats(struct mt_capture *dev, struct mt_capture_stats *out)
{
	return dev->ops->get_stats ? dev->ops->get_stats(dev, out) : -ENOSYS;
}

static inline int mt_capture_set_control(struct mt_capture *dev, const char *name, int32_t value)
{
	return dev->ops->set_control ? dev->ops->set_control(dev, name, value) : -ENOSYS;
}

static inline int mt_capture_enum_modes(struct mt_capture *dev, struct mt_capture_mode *out,
					int max)
{
	return dev->ops->enum_modes ? dev->ops->enum_modes(dev, out, max) : -ENOSYS;
}

#endif
