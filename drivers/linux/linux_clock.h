/* Linux clock: CLOCK_MONOTONIC for intervals, CLOCK_REALTIME for UTC, and the
 * kernel's NTP state (adjtimex) for whether UTC can be trusted. */
#ifndef MT_LINUX_CLOCK_H
#define MT_LINUX_CLOCK_H

#include "hal/clock.h"

/* The one Linux clock; its ops are stateless. */
extern struct mt_clock mt_linux_clock;

#endif
