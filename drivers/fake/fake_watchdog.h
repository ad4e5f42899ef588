/* Recording watchdog: remembers every feed with the clock hal's time and
 * says when a real board would have reset (fed later than the timeout).
 * Boards without a hardware watchdog use it too: it logs "would reset". */
#ifndef MT_FAKE_WATCHDOG_H
#define MT_FAKE_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/watchdog.h"

/* Feed times kept (the most recent ones). */
#define MT_FAKE_WATCHDOG_RECORDS 64

struct mt_clock;

struct mt_fake_watchdog {
	struct mt_watchdog dev; /* hand &w.dev to the firmware */
	struct mt_clock *clock;
	pthread_mutex_t lock;
	bool armed;
	uint32_t timeout_ms;
	int64_t last_feed_us; /* the start counts as a feed */
	uint64_t feeds;
	uint64_t starts;
	bool would_reset; /* latched: a feed came late, or expired() saw it */
	int feed_error;   /* fault injection: feed() returns this if non-zero */
	int64_t records[MT_FAKE_WATCHDOG_RECORDS]; /* ring of feed times */
};

/* clock times the feeds and must outlive w. */
void mt_fake_watchdog_init(struct mt_fake_watchdog *w, struct mt_clock *clock);

/* Destroys the lock. NULL is fine. */
void mt_fake_watchdog_free(struct mt_fake_watchdog *w);

/* True when armed and now - last feed > timeout: a real board would have
 * reset by now. The first time, logs "would reset". */
bool mt_fake_watchdog_expired(struct mt_fake_watchdog *w);

/* Whether a reset would have happened at any point since start (a late feed
 * or an expired() that returned true). */
bool mt_fake_watchdog_would_reset(struct mt_fake_watchdog *w);

uint64_t mt_fake_watchdog_feeds(struct mt_fake_watchdog *w);
int64_t mt_fake_watchdog_last_feed_us(struct mt_fake_watchdog *w);
bool mt_fake_watchdog_armed(struct mt_fake_watchdog *w);
uint32_t mt_fake_watchdog_timeout_ms(struct mt_fake_watchdog *w);

/* Copies the times of the last min(n, MT_FAKE_WATCHDOG_RECORDS, feeds)
 * feeds into out, oldest first. Returns how many. */
size_t mt_fake_watchdog_feed_times(struct mt_fake_watchdog *w, int64_t *out, size_t n);

/* From now on, feed() fails with err (0 restores success). */
void mt_fake_watchdog_fail_feeds(struct mt_fake_watchdog *w, int err);

#endif
