/* Supervisor: heartbeats in, watchdog feeds out. */
#include "core/supervisor.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/errors.h"
#include "core/log.h"
#include "hal/clock.h"
#include "hal/watchdog.h"

MT_LOG_MODULE("supervisor");

/* With the default period (a quarter of the heartbeat timeout), the watchdog
 * must outlast one period, or the board resets while every thread is fine. */
#if CONFIG_MT_HEARTBEAT_TIMEOUT_MS / 4 >= CONFIG_MT_WATCHDOG_TIMEOUT_MS
#error "CONFIG_MT_WATCHDOG_TIMEOUT_MS must exceed a quarter of CONFIG_MT_HEARTBEAT_TIMEOUT_MS"
#endif

static uint32_t heartbeat_ms(const struct mt_supervisor *s)
{
	return s->cfg->heartbeat_timeout_ms ? s->cfg->heartbeat_timeout_ms :
					      CONFIG_MT_HEARTBEAT_TIMEOUT_MS;
}

static uint32_t watchdog_ms(const struct mt_supervisor *s)
{
	return s->cfg->watchdog_timeout_ms ? s->cfg->watchdog_timeout_ms :
					     CONFIG_MT_WATCHDOG_TIMEOUT_MS;
}

static uint32_t period_ms(const struct mt_supervisor *s)
{
	uint32_t p = s->cfg->period_ms ? s->cfg->period_ms : heartbeat_ms(s) / 4;

	return p ? p : 1;
}

void mt_supervisor_init(struct mt_supervisor *s, const struct mt_supervisor_config *cfg)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	rc = pthread_mutex_init(&s->lock, NULL);
	assert(rc == 0); /* cannot fail with default attributes on Linux */
	(void)rc;
	mt_thread_init(&s->thread, cfg->clock);
	s->live = true;
}

void mt_supervisor_free(struct mt_supervisor *s)
{
	if (!s || !s->live)
		return;
	mt_supervisor_stop(s);
	pthread_mutex_destroy(&s->lock);
	s->live = false;
}

int mt_supervisor_watch(struct mt_supervisor *s, struct mt_thread *t, uint32_t max_age_ms)
{
	struct mt_supervisor_watch *w;
	int ret = -ENOSPC;

	pthread_mutex_lock(&s->lock);
	if (s->count == MT_SUPERVISOR_MAX_THREADS) {
		MT_ERR("cannot watch thread %s: already %d threads", mt_thread_name(t),
		       MT_SUPERVISOR_MAX_THREADS);
		goto out_unlock;
	}
	w = &s->watches[s->count++];
	w->thread = t;
	w->max_age_us = (int64_t)(max_age_ms ? max_age_ms : heartbeat_ms(s)) * 1000;
	w->stale = false;
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* Marks w stale or fresh at time now, logging only the transitions: a stuck
 * thread costs one line, not one per tick. Returns whether w is stale. */
static bool check(struct mt_supervisor_watch *w, int64_t now)
{
	int64_t age = now - mt_thread_last_beat(w->thread);

	if (age > w->max_age_us) {
		if (!w->stale)
			MT_ERR("thread %s stuck: no heartbeat for %lld ms (limit %lld ms); "
			       "not feeding the watchdog",
			       mt_thread_name(w->thread), (long long)(age / 1000),
			       (long long)(w->max_age_us / 1000));
		w->stale = true;
	} else if (w->stale) {
		MT_WRN("thread %s beats again", mt_thread_name(w->thread));
		w->stale = false;
	}
	return w->stale;
}

int mt_supervisor_tick(struct mt_supervisor *s)
{
	size_t stale = 0;
	int64_t now;
	int ret;

	pthread_mutex_lock(&s->lock);
	now = mt_clock_mono_us(s->cfg->clock);
	s->ticks++;
	for (size_t i = 0; i < s->count; i++)
		stale += check(&s->watches[i], now);
	if (stale) {
		s->missed++;
		s->feeding = false;
		ret = -ETIMEDOUT;
		goto out_unlock;
	}
	ret = mt_watchdog_feed(s->cfg->watchdog);
	s->feeding = ret == 0;
	if (ret) {
		s->feed_errors++;
		MT_ERR("watchdog feed failed: %s", mt_strerror(ret));
	} else {
		s->feeds++;
	}
out_unlock:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int run(struct mt_thread *self, void *arg)
{
	struct mt_supervisor *s = arg;
	void *none;

	/* The wait is a pop from a queue nobody pushes to: it times out after a
	 * period, or ends at once when stop closes the queue. */
	while (!mt_thread_should_stop(self)) {
		if (mt_queue_pop(&s->wake, (int)period_ms(s), &none) == MT_EEND)
			break;
		mt_thread_beat(self);
		mt_supervisor_tick(s);
	}
	return 0;
}

int mt_supervisor_start(struct mt_supervisor *s)
{
	int ret;

	if (s->thread.running)
		return -EBUSY;
	if (period_ms(s) >= watchdog_ms(s)) {
		MT_ERR("tick period %u ms is not shorter than the watchdog timeout %u ms",
		       period_ms(s), watchdog_ms(s));
		return MT_ECONFIG;
	}
	ret = mt_watchdog_start(s->cfg->watchdog, watchdog_ms(s));
	if (ret) {
		MT_ERR("cannot arm the watchdog: %s", mt_strerror(ret));
		return ret;
	}
	mt_queue_init(&s->wake, s->wake_slot, 1);
	mt_supervisor_tick(s);
	ret = mt_thread_start(&s->thread, "supervisor", run, s);
	if (ret)
		goto out_free_wake;
	MT_INF("watching %zu threads: heartbeat %u ms, tick %u ms, watchdog %u ms", s->count,
	       heartbeat_ms(s), period_ms(s), watchdog_ms(s));
	return 0;

out_free_wake:
	mt_queue_free(&s->wake);
	mt_watchdog_stop(s->cfg->watchdog);
	return ret;
}

void mt_supervisor_stop(struct mt_supervisor *s)
{
	int ret;

	if (!s->thread.running)
		return;
	mt_thread_stop(&s->thread);
	mt_queue_close(&s->wake);
	mt_thread_join(&s->thread);
	mt_queue_free(&s->wake);
	ret = mt_watchdog_stop(s->cfg->watchdog);
	if (ret)
		MT_WRN("watchdog cannot be disarmed (%s): the board resets in %u ms",
		       mt_strerror(ret), watchdog_ms(s));
}

void mt_supervisor_health(struct mt_supervisor *s, struct mt_supervisor_health *out)
{
	int64_t now;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	now = mt_clock_mono_us(s->cfg->clock);
	out->ticks = s->ticks;
	out->feeds = s->feeds;
	out->missed = s->missed;
	out->feed_errors = s->feed_errors;
	out->feeding = s->feeding;
	out->count = s->count;
	for (size_t i = 0; i < s->count; i++) {
		const struct mt_supervisor_watch *w = &s->watches[i];
		struct mt_supervisor_thread_health *h = &out->threads[i];
		int64_t age = now - mt_thread_last_beat(w->thread);

		snprintf(h->name, sizeof(h->name), "%s", mt_thread_name(w->thread));
		h->age_ms = age > 0 ? age / 1000 : 0;
		h->max_age_ms = (uint32_t)(w->max_age_us / 1000);
		h->stale = age > w->max_age_us;
		out->stale += h->stale;
	}
	pthread_mutex_unlock(&s->lock);
}

/* snprintf at buf + *used, keeping *used the length the whole text needs. */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t len, int *used,
							 const char *fmt, ...)
{
	size_t at = (size_t)*used < len ? (size_t)*used : len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += n;
}

int mt_supervisor_health_format(const struct mt_supervisor_health *h, char *buf, size_t len)
{
	int used = 0;

	if (len)
		buf[0] = '\0';
	append(buf, len, &used, "watchdog %s (%llu feeds, %llu ticks missed, %llu feed errors)",
	       h->feeding ? "fed" : "NOT FED", (unsigned long long)h->feeds,
	       (unsigned long long)h->missed, (unsigned long long)h->feed_errors);
	for (size_t i = 0; i < h->count; i++) {
		const struct mt_supervisor_thread_health *t = &h->threads[i];

		append(buf, len, &used, "; %s %s %lld ms (limit %u ms)", t->name,
		       t->stale ? "STUCK" : "ok", (long long)t->age_ms, t->max_age_ms);
	}
	return used;
}
