/* Logging: levels, a tag per module, one sink. A message that repeats (same
 * module, same text) is printed once, then counted: the count is printed when
 * the window ends or the message stops, so a fault that hits every frame at
 * 25 fps costs one line per window, not 25 a second. */
#ifndef MT_CORE_LOG_H
#define MT_CORE_LOG_H

#include <stdint.h>

enum mt_log_level {
	MT_LOG_ERR = 0,
	MT_LOG_WRN = 1,
	MT_LOG_INF = 2,
	MT_LOG_DBG = 3,
};

#define MT_LOG_REPEAT_WINDOW_US (10 * 1000000LL)

struct mt_clock;

/* Where lines go: default stderr as "W capture: text". msg has no newline. */
typedef void (*mt_log_sink)(void *arg, enum mt_log_level level, const char *tag, const char *msg);

/* Put at the top of a .c file: MT_LOG_MODULE("capture"); */
#define MT_LOG_MODULE(name) static const char mt_log_tag[] = name

#define MT_ERR(...) mt_log_write(MT_LOG_ERR, mt_log_tag, __VA_ARGS__)
#define MT_WRN(...) mt_log_write(MT_LOG_WRN, mt_log_tag, __VA_ARGS__)
#define MT_INF(...) mt_log_write(MT_LOG_INF, mt_log_tag, __VA_ARGS__)
#define MT_DBG(...) mt_log_write(MT_LOG_DBG, mt_log_tag, __VA_ARGS__)

void mt_log_write(enum mt_log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void mt_log_set_level(enum mt_log_level level);
enum mt_log_level mt_log_get_level(void);

/* Parses "err", "wrn"/"warn", "inf"/"info", "dbg"/"debug"; -EINVAL if unknown. */
int mt_log_level_parse(const char *name, enum mt_log_level *out);

/* sink NULL restores stderr. arg must live while the sink is set. */
void mt_log_set_sink(mt_log_sink sink, void *arg);

/* The clock that times repeat windows; NULL (the default) disables
 * suppression. clk must outlive its use here. */
void mt_log_set_clock(struct mt_clock *clk);

/* Print the counts of messages still being suppressed (at shutdown). */
void mt_log_flush(void);

#endif
