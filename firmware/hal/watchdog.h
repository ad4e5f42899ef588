/* Watchdog hal: the board resets unless fed within the timeout. Only the
 * supervisor feeds it, and only while every thread's heartbeat is fresh. */
#ifndef MT_HAL_WATCHDOG_H
#define MT_HAL_WATCHDOG_H

#include <assert.h>
#include <errno.h>
#include <stdint.h>

struct mt_watchdog;

struct mt_watchdog_ops {
	/* mandatory: arm with a timeout; 0 or a negative errno */
	int (*start)(struct mt_watchdog *dev, uint32_t timeout_ms);
	/* mandatory */
	int (*feed)(struct mt_watchdog *dev);
	/* optional: disarm (a "magic close"); many watchdogs cannot */
	int (*stop)(struct mt_watchdog *dev);
};

struct mt_watchdog {
	const struct mt_watchdog_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_watchdog_start(struct mt_watchdog *dev, uint32_t timeout_ms)
{
	assert(dev->ops->start);
	return dev->ops->start(dev, timeout_ms);
}

static inline int mt_watchdog_feed(struct mt_watchdog *dev)
{
	assert(dev->ops->feed);
	return dev->ops->feed(dev);
}

static inline int mt_watchdog_stop(struct mt_watchdog *dev)
{
	return dev->ops->stop ? dev->ops->stop(dev) : -ENOSYS;
}

#endif
