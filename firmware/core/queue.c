/* Bounded FIFO of pointers between threads. Timeouts are real time, on
 * CLOCK_MONOTONIC condvars (core/wait.h says why). */
#include "core/queue.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "core/wait.h"

/* The pthread calls below cannot fail with default attributes on Linux;
 * a failure would be a programmer error (a destroyed or corrupt queue). */
static void must(int rc)
{
	assert(rc == 0);
	(void)rc;
}

void mt_queue_init(struct mt_queue *q, void **slots, size_t capacity)
{
	assert(slots && capacity > 0);
	memset(q, 0, sizeof(*q));
	q->slots = slots;
	q->capacity = capacity;
	must(pthread_mutex_init(&q->lock, NULL));
	mt_wait_cond_init(&q->not_empty);
	mt_wait_cond_init(&q->not_full);
	q->live = true;
}

void mt_queue_free(struct mt_queue *q)
{
	if (!q || !q->live)
		return;
	must(pthread_cond_destroy(&q->not_full));
	must(pthread_cond_destroy(&q->not_empty));
	must(pthread_mutex_destroy(&q->lock));
	q->live = false;
}

/* Waits for a signal on cond (deadline NULL: without a limit). Returns true
 * once the deadline has passed; the caller checks its condition once more. */
static bool wait_until(struct mt_queue *q, pthread_cond_t *cond, const struct timespec *deadline)
{
	if (!deadline) {
		must(pthread_cond_wait(cond, &q->lock));
		return false;
	}
	return pthread_cond_timedwait(cond, &q->lock, deadline) == ETIMEDOUT;
}

static void put(struct mt_queue *q, void *item)
{
	q->slots[(q->head + q->count) % q->capacity] = item;
	q->count++;
	q->pushed++;
	if (q->count > q->high_water)
		q->high_water = q->count;
	pthread_cond_signal(&q->not_empty);
}

int mt_queue_push_wait(struct mt_queue *q, void *item, int timeout_ms)
{
	struct timespec deadline;
	bool expired = timeout_ms == 0;
	int ret;

	if (timeout_ms > 0)
		mt_wait_deadline(&deadline, timeout_ms);
	must(pthread_mutex_lock(&q->lock));
	for (;;) {
		if (q->closed) {
			ret = -EPIPE;
			break;
		}
		if (q->count < q->capacity) {
			put(q, item);
			ret = 0;
			break;
		}
		if (expired) {
			q->dropped++;
			ret = -EAGAIN;
			break;
		}
		expired = wait_until(q, &q->not_full, timeout_ms < 0 ? NULL : &deadline);
	}
	must(pthread_mutex_unlock(&q->lock));
	return ret;
}

int mt_queue_push(struct mt_queue *q, void *item)
{
	return mt_queue_push_wait(q, item, 0);
}

int mt_queue_pop(struct mt_queue *q, int timeout_ms, void **item)
{
	struct timespec deadline;
	bool expired = timeout_ms == 0;
	int ret;

	if (timeout_ms > 0)
		mt_wait_deadline(&deadline, timeout_ms);
	must(pthread_mutex_lock(&q->lock));
	for (;;) {
		if (q->count) {
			*item = q->slots[q->head];
			q->slots[q->head] = NULL;
			q->head = (q->head + 1) % q->capacity;
			q->count--;
			q->popped++;
			pthread_cond_signal(&q->not_full);
			ret = 0;
			break;
		}
		if (q->closed) {
			ret = MT_EEND;
			break;
		}
		if (expired) {
			ret = -EAGAIN;
			break;
		}
		expired = wait_until(q, &q->not_empty, timeout_ms < 0 ? NULL : &deadline);
	}
	must(pthread_mutex_unlock(&q->lock));
	return ret;
}

void mt_queue_close(struct mt_queue *q)
{
	must(pthread_mutex_lock(&q->lock));
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	must(pthread_mutex_unlock(&q->lock));
}

void mt_queue_get_stats(struct mt_queue *q, struct mt_queue_stats *out)
{
	must(pthread_mutex_lock(&q->lock));
	out->pushed = q->pushed;
	out->popped = q->popped;
	out->dropped = q->dropped;
	out->depth = q->count;
	out->high_water = q->high_water;
	out->capacity = q->capacity;
	must(pthread_mutex_unlock(&q->lock));
}
