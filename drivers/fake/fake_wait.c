/* Timed waits for the fakes. */
#include "fake/fake_wait.h"

#include <time.h>

#include "hal/clock.h"

/* The longest real-time sleep between looks at the clock hal: short enough
 * that a test moving a manual clock is noticed quickly. */
#define SLICE_US 5000

void mt_fake_waiter_init(struct mt_fake_waiter *w, struct mt_clock *clock, bool advance)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	w->clock = clock;
	w->advance = advance;
	w->live = true;
}

void mt_fake_waiter_free(struct mt_fake_waiter *w)
{
	if (!w->live)
		return;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->live = false;
}

int64_t mt_fake_waiter_deadline(struct mt_fake_waiter *w, int timeout_ms)
{
	if (timeout_ms < 0)
		return INT64_MAX;
	return mt_clock_mono_us(w->clock) + (int64_t)timeout_ms * 1000;
}

bool mt_fake_waiter_wait(struct mt_fake_waiter *w, int64_t deadline)
{
	int64_t now = mt_clock_mono_us(w->clock);
	int64_t slice = deadline - now;
	struct timespec ts;

	if (now >= deadline)
		return true;
	if (w->advance && deadline != INT64_MAX) {
		mt_clock_sleep_us(w->clock, deadline - now);
		return true;
	}
	if (slice > SLICE_US)
		slice = SLICE_US;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)slice * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	return mt_clock_mono_us(w->clock) >= deadline;
}

void mt_fake_waiter_wake(struct mt_fake_waiter *w)
{
	pthread_cond_broadcast(&w->cond);
}
