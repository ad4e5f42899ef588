/* Timed waits on condition variables. pthreads wants an absolute time on the
 * condvar's own clock; these condvars use CLOCK_MONOTONIC so a clock step
 * (NTP, the station setting the time) cannot stall or hurry a waiter. This is
 * the one place in firmware/ that reads a system clock: everything else uses
 * the clock hal. */
#ifndef MT_CORE_WAIT_H
#define MT_CORE_WAIT_H

#include <pthread.h>
#include <time.h>

/* A condvar whose timed waits are on CLOCK_MONOTONIC. */
void mt_wait_cond_init(pthread_cond_t *cond);

/* *ts = now + timeout_ms on CLOCK_MONOTONIC. */
void mt_wait_deadline(struct timespec *ts, int timeout_ms);

#endif
