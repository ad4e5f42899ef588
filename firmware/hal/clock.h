/* Clock hal: monotonic time for everything that measures intervals, and UTC
 * with its sync state for what is shown to people and written into evidence.
 * Nothing in firmware/ reads the system clock directly. */
#ifndef MT_HAL_CLOCK_H
#define MT_HAL_CLOCK_H

#include <assert.h>
#include <errno.h>
#include <stdint.h>

enum mt_clock_sync {
	MT_CLOCK_UNSYNCED = 0, /* never set: a UTC time from it is a guess */
	MT_CLOCK_SYNCED,       /* disciplined (NTP, GNSS, station) */
};

struct mt_utc {
	int64_t unix_us; /* microseconds since 1970-01-01 UTC */
	enum mt_clock_sync sync;
	int64_t uncertainty_us; /* estimated error; -1 if unknown */
};

struct mt_clock;

struct mt_clock_ops {
	/* mandatory: microseconds since an arbitrary fixed point, never goes back */
	int64_t (*mono_us)(struct mt_clock *dev);
	/* optional */
	int (*utc)(struct mt_clock *dev, struct mt_utc *out);
	/* optional: sleep for us microseconds (a manual clock just advances) */
	int (*sleep_us)(struct mt_clock *dev, int64_t us);
};

struct mt_clock {
	const struct mt_clock_ops *ops;
	const char *name;
	void *priv;
};

static inline int64_t mt_clock_mono_us(struct mt_clock *dev)
{
	assert(dev->ops->mono_us);
	return dev->ops->mono_us(dev);
}

static inline int mt_clock_utc(struct mt_clock *dev, struct mt_utc *out)
{
	return dev->ops->utc ? dev->ops->utc(dev, out) : -ENOSYS;
}

static inline int mt_clock_sleep_us(struct mt_clock *dev, int64_t us)
{
	return dev->ops->sleep_us ? dev->ops->sleep_us(dev, us) : -ENOSYS;
}

#endif
