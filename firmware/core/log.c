/* Logging with repeat suppression. */
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "autoconf.h"
#include "hal/clock.h"

#define REPEAT_SLOTS 16
#define MSG_MAX      256

struct repeat {
	const char *tag;
	enum mt_log_level level;
	char msg[MSG_MAX];
	int64_t first_us; /* when the window started */
	uint32_t count;   /* suppressed since the window started */
	uint32_t age;     /* for replacing the least recently used slot */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum mt_log_level max_level = (enum mt_log_level)CONFIG_MT_LOG_LEVEL;
static mt_log_sink sink_fn;
static void *sink_arg;
static struct mt_clock *clock_dev;
static struct repeat repeats[REPEAT_SLOTS];
static uint32_t tick;

static const char level_char[] = { 'E', 'W', 'I', 'D' };

static void emit(enum mt_log_level level, const char *tag, const char *msg)
{
	if (sink_fn) {
		sink_fn(sink_arg, level, tag, msg);
		return;
	}
	fprintf(stderr, "%c %s: %s\n", level_char[level], tag, msg);
}

static void emit_count(struct repeat *r)
{
	char line[MSG_MAX + 64];

	snprintf(line, sizeof(line), "%s (repeated %u more times)", r->msg, r->count);
	emit(r->level, r->tag, line);
}

/* Returns 1 if this message is a repeat to be counted, not printed. */
static int suppress(enum mt_log_level level, const char *tag, const char *msg)
{
	struct repeat *r, *victim = &repeats[0];
	int64_t now;

	if (!clock_dev)
		return 0;
	now = mt_clock_mono_us(clock_dev);
	tick++;
	for (int i = 0; i < REPEAT_SLOTS; i++) {
		r = &repeats[i];
		if (r->tag == tag && r->level == level && strcmp(r->msg, msg) == 0) {
			r->age = tick;
			if (now - r->first_us < MT_LOG_REPEAT_WINDOW_US) {
				r->count++;
				return 1;
			}
			/* Window over: report what was counted, print this one. */
			if (r->count)
				emit_count(r);
			r->count = 0;
			r->first_us = now;
			return 0;
		}
		if (r->age < victim->age)
			victim = r;
	}
	if (victim->tag && victim->count)
		emit_count(victim);
	victim->tag = tag;
	victim->level = level;
	snprintf(victim->msg, sizeof(victim->msg), "%s", msg);
	victim->first_us = now;
	victim->count = 0;
	victim->age = tick;
	return 0;
}

void mt_log_write(enum mt_log_level level, const char *tag, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&lock);
	if (!suppress(level, tag, msg))
		emit(level, tag, msg);
	pthread_mutex_unlock(&lock);
}

void mt_log_flush(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < REPEAT_SLOTS; i++) {
		if (repeats[i].tag && repeats[i].count)
			emit_count(&repeats[i]);
		repeats[i].count = 0;
	}
	pthread_mutex_unlock(&lock);
}

void mt_log_set_level(enum mt_log_level level)
{
	pthread_mutex_lock(&lock);
	max_level = level;
	pthread_mutex_unlock(&lock);
}

enum mt_log_level mt_log_get_level(void)
{
	return max_level;
}

int mt_log_level_parse(const char *name, enum mt_log_level *out)
{
	static const char *const names[][2] = {
		{ "err", "error" },
		{ "wrn", "warn" },
		{ "inf", "info" },
		{ "dbg", "debug" },
	};

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(name, names[i][0]) == 0 || strcasecmp(name, names[i][1]) == 0) {
			*out = (enum mt_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void mt_log_set_sink(mt_log_sink sink, void *arg)
{
	pthread_mutex_lock(&lock);
	sink_fn = sink;
	sink_arg = arg;
	pthread_mutex_unlock(&lock);
}

void mt_log_set_clock(struct mt_clock *clk)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < REPEAT_SLOTS; i++)
		memset(&repeats[i], 0, sizeof(repeats[i]));
	clock_dev = clk;
	pthread_mutex_unlock(&lock);
}
