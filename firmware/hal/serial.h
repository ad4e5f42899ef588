/* Serial console hal: the installer's line (a UART at 115200 8N1 on boards,
 * a pseudo-terminal on board/host). Byte-oriented; the console module does
 * line editing on top. */
#ifndef MT_HAL_SERIAL_H
#define MT_HAL_SERIAL_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mt_serial_config {
	const char *device; /* "/dev/ttyS0", or "pty" for a new pseudo-terminal */
	uint32_t baud;      /* 8N1 always */
};

struct mt_serial;

struct mt_serial_ops {
	/* mandatory: open the line; cfg must live until close */
	int (*open)(struct mt_serial *dev, const struct mt_serial_config *cfg);
	/* mandatory: up to len bytes; 0 on timeout; negative errno on error */
	ssize_t (*read)(struct mt_serial *dev, void *buf, size_t len, int timeout_ms);
	/* mandatory: all len bytes or a negative errno */
	ssize_t (*write)(struct mt_serial *dev, const void *buf, size_t len);
	/* mandatory; safe to call twice */
	void (*close)(struct mt_serial *dev);
	/* optional: the path a terminal program opens (the pty's slave side) */
	const char *(*path)(struct mt_serial *dev);
};

struct mt_serial {
	const struct mt_serial_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_serial_open(struct mt_serial *dev, const struct mt_serial_config *cfg)
{
	assert(dev->ops->open);
	return dev->ops->open(dev, cfg);
}

static inline ssize_t mt_serial_read(struct mt_serial *dev, void *buf, size_t len, int timeout_ms)
{
	assert(dev->ops->read);
	return dev->ops->read(dev, buf, len, timeout_ms);
}

static inline ssize_t mt_serial_write(struct mt_serial *dev, const void *buf, size_t len)
{
	assert(dev->ops->write);
	return dev->ops->write(dev, buf, len);
}

static inline void mt_serial_close(struct mt_serial *dev)
{
	assert(dev->ops->close);
	dev->ops->close(dev);
}

static inline const char *mt_serial_path(struct mt_serial *dev)
{
	return dev->ops->path ? dev->ops->path(dev) : NULL;
}

#endif
