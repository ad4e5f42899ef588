/* LED/GPIO hal: the status light an installer sees from the ladder. */
#ifndef MT_HAL_LED_H
#define MT_HAL_LED_H

#include <assert.h>
#include <errno.h>

enum mt_led_pattern {
	MT_LED_OFF = 0,
	MT_LED_ON,
	MT_LED_BLINK_SLOW, /* 1 Hz: starting, or no station link */
	MT_LED_BLINK_FAST, /* 4 Hz: fault needing attention */
};

struct mt_led;

struct mt_led_ops {
	/* mandatory: show a pattern on LED number id */
	int (*set)(struct mt_led *dev, unsigned int id, enum mt_led_pattern pattern);
	/* optional: how many LEDs the board has */
	int (*count)(struct mt_led *dev);
};

struct mt_led {
	const struct mt_led_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_led_set(struct mt_led *dev, unsigned int id, enum mt_led_pattern p)
{
	assert(dev->ops->set);
	return dev->ops->set(dev, id, p);
}

static inline int mt_led_count(struct mt_led *dev)
{
	return dev->ops->count ? dev->ops->count(dev) : -ENOSYS;
}

#endif
