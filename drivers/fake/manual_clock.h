/* Manual clock: time moves only when a test (or a sleep) moves it. */
#ifndef MT_FAKE_MANUAL_CLOCK_H
#define MT_FAKE_MANUAL_CLOCK_H

#include <stdatomic.h>

#include "hal/clock.h"

struct mt_manual_clock {
	struct mt_clock dev; /* hand &clock.dev to the firmware */
	_Atomic int64_t mono_us;
	struct mt_utc utc_at_zero; /* UTC when mono_us was 0 */
};

/* Starts at mono 0 and UTC 2026-01-01T00:00:00Z, unsynced. */
void mt_manual_clock_init(struct mt_manual_clock *c);
void mt_manual_clock_advance(struct mt_manual_clock *c, int64_t us);
void mt_manual_clock_set(struct mt_manual_clock *c, int64_t mono_us);

#endif
