/* Line history of the console: the last MT_HISTORY_LINES lines entered,
 * oldest dropped first, an empty line or a repeat of the newest not kept. */
#ifndef MT_CONSOLE_HISTORY_H
#define MT_CONSOLE_HISTORY_H

#include <stddef.h>

#define MT_HISTORY_LINES    32
#define MT_HISTORY_LINE_MAX 256 /* longer lines are kept cut at a character */

struct mt_history {
	char lines[MT_HISTORY_LINES][MT_HISTORY_LINE_MAX];
	unsigned count; /* lines held, at most MT_HISTORY_LINES */
	unsigned next;  /* slot the next line goes into */
};

/* Empty. Cannot fail. */
void mt_history_init(struct mt_history *h);

/* Keeps line (len bytes, need not be NUL-terminated), unless it is empty,
 * all blanks, or the same as the newest line. */
void mt_history_add(struct mt_history *h, const char *line, size_t len);

/* The line n steps back (1 = the newest), or NULL past the oldest. */
const char *mt_history_get(const struct mt_history *h, unsigned n);

#endif
