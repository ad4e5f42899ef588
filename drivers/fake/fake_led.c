/* Fake LEDs. */
#include "fake/fake_led.h"

#include <string.h>

#include "core/log.h"

MT_LOG_MODULE("fake-led");

static int fake_set(struct mt_led *dev, unsigned int id, enum mt_led_pattern pattern)
{
	struct mt_fake_led *l = dev->priv;

	if (id >= l->count || (unsigned int)pattern > MT_LED_BLINK_FAST)
		return -EINVAL;
	if (atomic_exchange(&l->state[id], (int)pattern) != (int)pattern)
		MT_DBG("led %u: pattern %d", id, (int)pattern);
	atomic_fetch_add(&l->sets, 1);
	return 0;
}

static int fake_count(struct mt_led *dev)
{
	struct mt_fake_led *l = dev->priv;

	return (int)l->count;
}

static const struct mt_led_ops fake_led_ops = {
	.set = fake_set,
	.count = fake_count,
};

void mt_fake_led_init(struct mt_fake_led *l, unsigned int count)
{
	memset(l, 0, sizeof(*l));
	l->dev.ops = &fake_led_ops;
	l->dev.name = "fake-led";
	l->dev.priv = l;
	l->count = count > MT_FAKE_LED_MAX ? MT_FAKE_LED_MAX : count;
	for (int i = 0; i < MT_FAKE_LED_MAX; i++)
		atomic_init(&l->state[i], MT_LED_OFF);
	atomic_init(&l->sets, 0);
}

enum mt_led_pattern mt_fake_led_state(struct mt_fake_led *l, unsigned int id)
{
	if (id >= l->count)
		return MT_LED_OFF;
	return (enum mt_led_pattern)atomic_load(&l->state[id]);
}

uint64_t mt_fake_led_sets(struct mt_fake_led *l)
{
	return atomic_load(&l->sets);
}
