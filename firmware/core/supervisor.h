/* Supervisor: feeds the hardware watchdog only while every watched thread's
 * heartbeat is fresh, so a stuck thread resets the board. Its health summary
 * says which thread is stale, for the console's status command.
 *
 * Lock order: the supervisor's lock, then the watchdog driver's, then the
 * log's. */
#ifndef MT_CORE_SUPERVISOR_H
#define MT_CORE_SUPERVISOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/queue.h"
#include "core/thread.h"

#define MT_SUPERVISOR_MAX_THREADS 16

struct mt_clock;
struct mt_watchdog;

struct mt_supervisor_config {
	struct mt_clock *clock;        /* ages heartbeats; must outlive the supervisor */
	struct mt_watchdog *watchdog;  /* must outlive the supervisor */
	uint32_t heartbeat_timeout_ms; /* default max age; 0: CONFIG_MT_HEARTBEAT_TIMEOUT_MS */
	uint32_t watchdog_timeout_ms;  /* 0: CONFIG_MT_WATCHDOG_TIMEOUT_MS */
	uint32_t period_ms;            /* between ticks; 0: a quarter of the heartbeat timeout */
};

struct mt_supervisor_watch {
	struct mt_thread *thread;
	int64_t max_age_us;
	bool stale; /* reported stuck, not yet recovered */
};

struct mt_supervisor {
	const struct mt_supervisor_config *cfg;
	pthread_mutex_t lock; /* guards everything below but the thread */
	struct mt_supervisor_watch watches[MT_SUPERVISOR_MAX_THREADS];
	size_t count;
	uint64_t ticks;
	uint64_t feeds;
	uint64_t missed;      /* ticks that did not feed: a heartbeat was stale */
	uint64_t feed_errors; /* the watchdog driver refused a feed */
	bool feeding;         /* the last tick fed */
	bool live;            /* the lock exists (free is safe twice) */
	struct mt_thread thread;
	struct mt_queue wake; /* closed by stop: ends the sleep between ticks */
	void *wake_slot[1];
};

struct mt_supervisor_thread_health {
	char name[MT_THREAD_NAME_MAX + 1];
	int64_t age_ms; /* since the last heartbeat */
	uint32_t max_age_ms;
	bool stale;
};

struct mt_supervisor_health {
	uint64_t ticks;
	uint64_t feeds;
	uint64_t missed;
	uint64_t feed_errors;
	bool feeding;
	size_t stale; /* how many threads are stale now */
	size_t count;
	struct mt_supervisor_thread_health threads[MT_SUPERVISOR_MAX_THREADS];
};

/* cfg must outlive s. Cannot fail. */
void mt_supervisor_init(struct mt_supervisor *s, const struct mt_supervisor_config *cfg);

/* Stops the thread if running (see mt_supervisor_stop) and releases s.
 * NULL and a second call are fine. */
void mt_supervisor_free(struct mt_supervisor *s);

/* Watches t's heartbeat: older than max_age_ms (0: the configured heartbeat
 * timeout) means stuck. t must outlive s. 0, or -ENOSPC when
 * MT_SUPERVISOR_MAX_THREADS are already watched. */
int mt_supervisor_watch(struct mt_supervisor *s, struct mt_thread *t, uint32_t max_age_ms);

/* One check: feeds the watchdog if every heartbeat is fresh. Logs a thread
 * once when it goes stale (and once when it recovers). Returns 0 when fed,
 * -ETIMEDOUT when a heartbeat is stale (not fed), or the feed's error. */
int mt_supervisor_tick(struct mt_supervisor *s);

/* Arms the watchdog with the configured timeout, ticks once, then ticks every
 * period in a thread named "supervisor". 0, MT_ECONFIG if the period is not
 * shorter than the watchdog timeout, or the watchdog's or thread's error. */
int mt_supervisor_start(struct mt_supervisor *s);

/* Stops and joins the thread, then disarms the watchdog where the driver can
 * (an orderly exit must not reset the board). Safe if never started. */
void mt_supervisor_stop(struct mt_supervisor *s);

/* A consistent snapshot, ages taken now. */
void mt_supervisor_health(struct mt_supervisor *s, struct mt_supervisor_health *out);

/* Writes h as one line of text into buf (len > 0; always terminated):
 * "watchdog fed (12 feeds, 0 ticks missed, 0 feed errors); capture ok 40 ms
 * (limit 5000 ms); ...". Returns the length the whole text needs, as
 * snprintf does. */
int mt_supervisor_health_format(const struct mt_supervisor_health *h, char *buf, size_t len);

#endif
