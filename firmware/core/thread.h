/* Named threads with one stop flag and a heartbeat each (ARCHITECTURE.md,
 * Threads). A thread's loop checks mt_thread_should_stop() and calls
 * mt_thread_beat() once per pass; the supervisor feeds the watchdog only
 * while every heartbeat is fresh. */
#ifndef MT_CORE_THREAD_H
#define MT_CORE_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Linux thread names (comm) hold 15 characters plus the NUL. */
#define MT_THREAD_NAME_MAX 15

struct mt_clock;
struct mt_thread;

/* A thread's body: loop until mt_thread_should_stop(self). The return value
 * (0 or a negative error) is what mt_thread_join() returns. */
typedef int (*mt_thread_fn)(struct mt_thread *self, void *arg);

struct mt_thread {
	pthread_t tid;
	char name[MT_THREAD_NAME_MAX + 1];
	struct mt_clock *clock; /* times the heartbeat */
	atomic_bool stop;
	_Atomic int64_t beat_us; /* clock's monotonic time of the last beat */
	mt_thread_fn fn;
	void *arg;
	int result;
	bool running; /* started and not yet joined */
};

/* clock times the heartbeats and must outlive t. The heartbeat starts at
 * "now", so a thread is fresh from the moment it exists. */
void mt_thread_init(struct mt_thread *t, struct mt_clock *clock);

/* Starts fn(t, arg) in a new thread called name (1..15 characters, else
 * -EINVAL). Records a beat first. arg must live until the thread ends.
 * 0, -EINVAL, -EBUSY if t is already running, or pthread_create's error. */
int mt_thread_start(struct mt_thread *t, const char *name, mt_thread_fn fn, void *arg);

/* Asks the thread to stop; it notices at its next mt_thread_should_stop(). */
void mt_thread_stop(struct mt_thread *t);

static inline bool mt_thread_should_stop(struct mt_thread *t)
{
	return atomic_load_explicit(&t->stop, memory_order_acquire);
}

/* Waits for the thread to end; returns its fn's result (0 if t never ran).
 * Safe twice. Does not ask it to stop: call mt_thread_stop() first. */
int mt_thread_join(struct mt_thread *t);

/* Records the clock's monotonic time as t's heartbeat. Normally called by
 * the thread itself; any thread may call it. */
void mt_thread_beat(struct mt_thread *t);

/* The time of the last beat (clock's monotonic microseconds). */
static inline int64_t mt_thread_last_beat(struct mt_thread *t)
{
	return atomic_load_explicit(&t->beat_us, memory_order_acquire);
}

/* The name given to mt_thread_start(), or "" before. */
static inline const char *mt_thread_name(const struct mt_thread *t)
{
	return t->name;
}

#endif
