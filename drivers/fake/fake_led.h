/* Fake LEDs: remember the pattern last set on each LED, for tests and for
 * board/host (where a log line stands in for the light). */
#ifndef MT_FAKE_LED_H
#define MT_FAKE_LED_H

#include <stdatomic.h>
#include <stdint.h>

#include "hal/led.h"

#define MT_FAKE_LED_MAX 8

struct mt_fake_led {
	struct mt_led dev; /* hand &l.dev to the firmware */
	unsigned int count;
	_Atomic int state[MT_FAKE_LED_MAX]; /* enum mt_led_pattern */
	atomic_uint_fast64_t sets;          /* successful set() calls */
};

/* count LEDs (1..MT_FAKE_LED_MAX; larger is clamped), all off. */
void mt_fake_led_init(struct mt_fake_led *l, unsigned int count);

/* The pattern last set on LED id (MT_LED_OFF for an id out of range). */
enum mt_led_pattern mt_fake_led_state(struct mt_fake_led *l, unsigned int id);

uint64_t mt_fake_led_sets(struct mt_fake_led *l);

#endif
