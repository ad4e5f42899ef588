/* The log ring: a sink that keeps the last lines. */
#include "console/logring.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "hal/clock.h"

static const char level_char[] = { 'E', 'W', 'I', 'D' };

void mt_logring_init(struct mt_logring *r, struct mt_clock *clock, bool to_stderr)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->clock = clock;
	r->to_stderr = to_stderr;
	r->live = true;
}

void mt_logring_install(struct mt_logring *r)
{
	mt_log_set_sink(mt_logring_sink, r);
}

void mt_logring_free(struct mt_logring *r)
{
	if (!r || !r->live)
		return;
	/* The log cannot say whose sink is set: put the default back, which is
	 * what every user of a ring wants at its end. */
	mt_log_set_sink(NULL, NULL);
	pthread_mutex_destroy(&r->lock);
	r->live = false;
}

void mt_logring_sink(void *arg, enum mt_log_level level, const char *tag, const char *msg)
{
	struct mt_logring *r = arg;
	char line[MT_LOGRING_LEN * 2];
	int n;
	uint64_t slot;

	if (r->to_stderr)
		fprintf(stderr, "%c %s: %s\n", level_char[level], tag, msg);
	n = snprintf(line, sizeof(line), "%c %s: %s", level_char[level], tag, msg);
	if (n < 0)
		return;
	pthread_mutex_lock(&r->lock);
	slot = r->total++ % MT_LOGRING_LINES;
	mt_text_clip(r->lines[slot], MT_LOGRING_LEN, line, strlen(line));
	r->at_us[slot] = r->clock ? mt_clock_mono_us(r->clock) : 0;
	pthread_mutex_unlock(&r->lock);
}

size_t mt_logring_tail(struct mt_logring *r, size_t n, char (*out)[MT_LOGRING_LEN], int64_t *at_us)
{
	uint64_t first;

	pthread_mutex_lock(&r->lock);
	if (n > MT_LOGRING_LINES)
		n = MT_LOGRING_LINES;
	if (n > r->total)
		n = (size_t)r->total;
	first = r->total - n;
	for (size_t i = 0; i < n; i++) {
		uint64_t slot = (first + i) % MT_LOGRING_LINES;

		memcpy(out[i], r->lines[slot], MT_LOGRING_LEN);
		if (at_us)
			at_us[i] = r->at_us[slot];
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}
