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

struct mt_capture_config {
	const char *device;    /* device node, or footage path for a replay */
	enum mt_pixfmt format; /* asked for; the driver reports what it got */
	uint16_t width;
	uint16_t height;
	uint32_t fps;
	uint32_t buffers;       /* driver buffers (V4L2 mmap); 0 = default */
	struct mt_clock *clock; /* stamps frames; must outlive the device */
	int realtime;           /* replay: pace at fps (1) or as fast as read (0) */
};

/* What the device actually delivers. */
struct mt_capture_format {
	enum mt_pixfmt format;
	uint16_t width;
	uint16_t height;
	uint32_t fps;
};

struct mt_capture_stats {
	uint64_t frames;   /* handed out */
	uint64_t dropped;  /* lost upstream (sequence gaps) */
	uint64_t corrupt;  /* rejected as malformed, never handed out */
	uint64_t restarts; /* stream restarts after stalls or unplugs */
};

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

#endif
