/* Timed waits for the fakes (loopback net, fake serial), measured on the
 * clock hal so tests can run them on a manual clock. Two ways to wait:
 *   - advance = false: sleep on a condvar in short real-time slices until
 *     woken or until the clock hal passes the deadline (real time, or a test
 *     thread moving a manual clock);
 *   - advance = true: for single-threaded tests on a manual clock, where
 *     nothing could end the wait: move the clock to the deadline at once
 *     (with a real clock this would sleep holding the fake's lock: don't). */
#ifndef MT_FAKE_WAIT_H
#define MT_FAKE_WAIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct mt_clock;

struct mt_fake_waiter {
	pthread_mutex_t lock; /* the fake's one lock */
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	struct mt_clock *clock;
	bool advance;
	bool live;
};

void mt_fake_waiter_init(struct mt_fake_waiter *w, struct mt_clock *clock, bool advance);
void mt_fake_waiter_free(struct mt_fake_waiter *w);

/* The clock hal time timeout_ms from now; INT64_MAX for a negative timeout. */
int64_t mt_fake_waiter_deadline(struct mt_fake_waiter *w, int timeout_ms);

/* With w->lock held: waits once (a wake, a slice, or an advance) and returns
 * whether the deadline has passed. The caller checks its condition again
 * either way, so nothing that arrived just in time is lost. A wait without a
 * deadline never advances the clock: it waits for a wake. */
bool mt_fake_waiter_wait(struct mt_fake_waiter *w, int64_t deadline);

/* With w->lock held: wakes every waiter (state changed). */
void mt_fake_waiter_wake(struct mt_fake_waiter *w);

#endif
