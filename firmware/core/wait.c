/* Monotonic condvar deadlines. */
#include "core/wait.h"

#include <assert.h>

void mt_wait_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	rc = pthread_condattr_init(&attr);
	rc |= pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc |= pthread_cond_init(cond, &attr);
	rc |= pthread_condattr_destroy(&attr);
	assert(rc == 0);
	(void)rc;
}

void mt_wait_deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
