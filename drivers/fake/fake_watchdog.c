/* Recording watchdog. */
#include "fake/fake_watchdog.h"

#include <string.h>

#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("fake-watchdog");

/* Called with w->lock held. */
static bool overdue(struct mt_fake_watchdog *w, int64_t now)
{
	if (!w->armed || now - w->last_feed_us <= (int64_t)w->timeout_ms * 1000)
		return false;
	if (!w->would_reset)
		MT_ERR("would reset: not fed for %lld ms (timeout %u ms)",
		       (long long)((now - w->last_feed_us) / 1000), w->timeout_ms);
	w->would_reset = true;
	return true;
}

static int fake_start(struct mt_watchdog *dev, uint32_t timeout_ms)
{
	struct mt_fake_watchdog *w = dev->priv;

	if (timeout_ms == 0)
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	w->armed = true;
	w->timeout_ms = timeout_ms;
	w->last_feed_us = mt_clock_mono_us(w->clock);
	w->would_reset = false;
	w->starts++;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static int fake_feed(struct mt_watchdog *dev)
{
	struct mt_fake_watchdog *w = dev->priv;
	int64_t now;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	if (w->feed_error) {
		ret = w->feed_error;
		goto out_unlock;
	}
	if (!w->armed) {
		ret = -EPERM;
		goto out_unlock;
	}
	now = mt_clock_mono_us(w->clock);
	overdue(w, now); /* a late feed: the board would already have reset */
	w->records[w->feeds % MT_FAKE_WATCHDOG_RECORDS] = now;
	w->feeds++;
	w->last_feed_us = now;
out_unlock:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static int fake_stop(struct mt_watchdog *dev)
{
	struct mt_fake_watchdog *w = dev->priv;

	pthread_mutex_lock(&w->lock);
	w->armed = false;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static const struct mt_watchdog_ops fake_watchdog_ops = {
	.start = fake_start,
	.feed = fake_feed,
	.stop = fake_stop,
};

void mt_fake_watchdog_init(struct mt_fake_watchdog *w, struct mt_clock *clock)
{
	memset(w, 0, sizeof(*w));
	w->dev.ops = &fake_watchdog_ops;
	w->dev.name = "fake-watchdog";
	w->dev.priv = w;
	w->clock = clock;
	pthread_mutex_init(&w->lock, NULL);
}

void mt_fake_watchdog_free(struct mt_fake_watchdog *w)
{
	if (!w || !w->dev.ops)
		return;
	pthread_mutex_destroy(&w->lock);
	w->dev.ops = NULL;
}

bool mt_fake_watchdog_expired(struct mt_fake_watchdog *w)
{
	bool ret;

	pthread_mutex_lock(&w->lock);
	ret = overdue(w, mt_clock_mono_us(w->clock));
	pthread_mutex_unlock(&w->lock);
	return ret;
}

bool mt_fake_watchdog_would_reset(struct mt_fake_watchdog *w)
{
	bool ret;

	pthread_mutex_lock(&w->lock);
	ret = w->would_reset;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

uint64_t mt_fake_watchdog_feeds(struct mt_fake_watchdog *w)
{
	uint64_t ret;

	pthread_mutex_lock(&w->lock);
	ret = w->feeds;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int64_t mt_fake_watchdog_last_feed_us(struct mt_fake_watchdog *w)
{
	int64_t ret;

	pthread_mutex_lock(&w->lock);
	ret = w->last_feed_us;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

bool mt_fake_watchdog_armed(struct mt_fake_watchdog *w)
{
	bool ret;

	pthread_mutex_lock(&w->lock);
	ret = w->armed;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

uint32_t mt_fake_watchdog_timeout_ms(struct mt_fake_watchdog *w)
{
	uint32_t ret;

	pthread_mutex_lock(&w->lock);
	ret = w->timeout_ms;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

size_t mt_fake_watchdog_feed_times(struct mt_fake_watchdog *w, int64_t *out, size_t n)
{
	uint64_t first;
	size_t count;

	pthread_mutex_lock(&w->lock);
	count = w->feeds < MT_FAKE_WATCHDOG_RECORDS ? (size_t)w->feeds : MT_FAKE_WATCHDOG_RECORDS;
	if (count > n)
		count = n;
	first = w->feeds - count;
	for (size_t i = 0; i < count; i++)
		out[i] = w->records[(first + i) % MT_FAKE_WATCHDOG_RECORDS];
	pthread_mutex_unlock(&w->lock);
	return count;
}

void mt_fake_watchdog_fail_feeds(struct mt_fake_watchdog *w, int err)
{
	pthread_mutex_lock(&w->lock);
	w->feed_error = err;
	pthread_mutex_unlock(&w->lock);
}
