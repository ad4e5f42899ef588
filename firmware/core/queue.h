/* Bounded FIFO of pointers between threads (refcounted frames, mostly).
 * A producer that must never block (capture) uses mt_queue_push() and counts
 * a drop when the queue is full; one that may wait uses mt_queue_push_wait().
 * The queue never owns its items: whoever pops an item owns it, and items
 * still queued at free time belong to the caller (drain with a pop of
 * timeout 0). */
#ifndef MT_CORE_QUEUE_H
#define MT_CORE_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_queue_stats {
	uint64_t pushed;   /* items accepted */
	uint64_t popped;   /* items handed out */
	uint64_t dropped;  /* pushes refused because the queue was full */
	size_t depth;      /* items queued now */
	size_t high_water; /* most items ever queued at once */
	size_t capacity;
};

struct mt_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty; /* on CLOCK_MONOTONIC */
	pthread_cond_t not_full;  /* on CLOCK_MONOTONIC */
	void **slots;
	size_t capacity;
	size_t head; /* index of the oldest item */
	size_t count;
	bool closed;
	bool live; /* the mutex and condvars exist (free is safe twice) */
	uint64_t pushed;
	uint64_t popped;
	uint64_t dropped;
	size_t high_water;
};

/* Makes an empty queue over the caller's array of capacity slots (> 0).
 * slots must outlive the queue; the queue allocates nothing. */
void mt_queue_init(struct mt_queue *q, void **slots, size_t capacity);

/* Destroys the locks. NULL and a second call are fine. No thread may be
 * waiting on q. Items still queued are not touched (the caller owns them). */
void mt_queue_free(struct mt_queue *q);

/* Never blocks: 0, -EAGAIN when full (counted in dropped; the caller keeps
 * item and drops it), or -EPIPE after close. */
int mt_queue_push(struct mt_queue *q, void *item);

/* Waits up to timeout_ms (< 0: forever, 0: not at all) for room: 0, -EAGAIN
 * on timeout (counted in dropped), or -EPIPE when closed, also while waiting. */
int mt_queue_push_wait(struct mt_queue *q, void *item, int timeout_ms);

/* Takes the oldest item into *item, waiting up to timeout_ms (< 0: forever,
 * 0: not at all): 0, -EAGAIN on timeout, or MT_EEND once closed and empty.
 * Items pushed before close are still handed out. */
int mt_queue_pop(struct mt_queue *q, int timeout_ms, void **item);

/* Refuses further pushes and wakes every waiter. Safe twice. */
void mt_queue_close(struct mt_queue *q);

/* A consistent snapshot of the counters. */
void mt_queue_get_stats(struct mt_queue *q, struct mt_queue_stats *out);

#endif
