/* Named threads with a stop flag and a heartbeat. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "core/thread.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("thread");

void mt_thread_init(struct mt_thread *t, struct mt_clock *clock)
{
	memset(t, 0, sizeof(*t));
	t->clock = clock;
	atomic_init(&t->stop, false);
	atomic_init(&t->beat_us, mt_clock_mono_us(clock));
}

static void *trampoline(void *p)
{
	struct mt_thread *t = p;

	t->result = t->fn(t, t->arg);
	return NULL;
}

int mt_thread_start(struct mt_thread *t, const char *name, mt_thread_fn fn, void *arg)
{
	size_t len = strlen(name);
	int rc;

	if (len == 0 || len > MT_THREAD_NAME_MAX) {
		MT_ERR("thread name '%s': must be 1 to %d characters", name, MT_THREAD_NAME_MAX);
		return -EINVAL;
	}
	if (t->running)
		return -EBUSY;
	memcpy(t->name, name, len + 1);
	t->fn = fn;
	t->arg = arg;
	t->result = 0;
	atomic_store(&t->stop, false);
	mt_thread_beat(t);
	rc = pthread_create(&t->tid, NULL, trampoline, t);
	if (rc) {
		MT_ERR("thread %s: cannot start: %s", name, strerror(rc));
		return -rc;
	}
	t->running = true;
	/* Named from here rather than by the thread itself, so the name is set
	 * when start returns. Only a missing /proc makes this fail, and a
	 * nameless thread still works. */
	rc = pthread_setname_np(t->tid, t->name);
	if (rc)
		MT_WRN("thread %s: cannot set its name: %s", name, strerror(rc));
	return 0;
}

void mt_thread_stop(struct mt_thread *t)
{
	atomic_store_explicit(&t->stop, true, memory_order_release);
}

int mt_thread_join(struct mt_thread *t)
{
	int rc;

	if (!t->running)
		return t->result;
	rc = pthread_join(t->tid, NULL);
	assert(rc == 0); /* only a programmer error (joining oneself) fails */
	(void)rc;
	t->running = false;
	return t->result;
}

void mt_thread_beat(struct mt_thread *t)
{
	atomic_store_explicit(&t->beat_us, mt_clock_mono_us(t->clock), memory_order_release);
}
