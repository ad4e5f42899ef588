/* The last log lines in RAM, for the console's "log" command. Installed as
 * the log sink, it keeps each line and still prints it to stderr as the
 * default sink does ("W capture: text"), so the service log is unchanged.
 * Keeping a line is a copy under a mutex: any thread may log, and nothing
 * here waits on the serial line. */
#ifndef MT_CONSOLE_LOGRING_H
#define MT_CONSOLE_LOGRING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

#define MT_LOGRING_LINES 128
#define MT_LOGRING_LEN   160 /* longer lines are cut at a character */

struct mt_clock;

struct mt_logring {
	pthread_mutex_t lock;
	struct mt_clock *clock; /* stamps lines; may be NULL */
	bool to_stderr;         /* also print, as the default sink */
	char lines[MT_LOGRING_LINES][MT_LOGRING_LEN];
	int64_t at_us[MT_LOGRING_LINES];
	uint64_t total; /* lines ever kept; the newest is total - 1 */
	bool live;
};

/* clock (may be NULL: no times) must outlive r. Cannot fail. */
void mt_logring_init(struct mt_logring *r, struct mt_clock *clock, bool to_stderr);

/* Makes r the log sink (mt_log_set_sink). r must stay until uninstalled. */
void mt_logring_install(struct mt_logring *r);

/* Puts the default sink back if r is the sink, and releases r. NULL and a
 * second call are fine. */
void mt_logring_free(struct mt_logring *r);

/* The sink itself (arg is the ring), for tests and for chaining. */
void mt_logring_sink(void *arg, enum mt_log_level level, const char *tag, const char *msg);

/* Copies the newest n lines (at most MT_LOGRING_LINES), oldest first, into
 * out[i] (MT_LOGRING_LEN each) and their times into at_us (may be NULL).
 * Returns how many were copied. */
size_t mt_logring_tail(struct mt_logring *r, size_t n, char (*out)[MT_LOGRING_LEN], int64_t *at_us);

#endif
