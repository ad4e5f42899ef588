/* The console's line editor: bytes from the terminal in, one line out, and
 * the bytes that redraw the line for the terminal. Knows the keys and escape
 * sequences picocom, screen and minicom send (ESC [ and ESC O forms), UTF-8
 * text, history, and a line longer than the screen (it scrolls sideways).
 * Pure: no I/O; the caller sends what mt_lineedit_output() holds. */
#ifndef MT_CONSOLE_LINEEDIT_H
#define MT_CONSOLE_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/history.h"

#define MT_LINEEDIT_MAX    1024 /* bytes in a line; more is refused with a bell */
#define MT_LINEEDIT_OUT    4096 /* terminal output held between feeds */
#define MT_LINEEDIT_PROMPT 32

enum mt_lineedit_event {
	MT_LINEEDIT_NONE = 0, /* keep feeding */
	MT_LINEEDIT_LINE,     /* Enter: the line is in mt_lineedit_line() */
	MT_LINEEDIT_COMPLETE, /* Tab: the caller completes (mt_lineedit_insert) */
	MT_LINEEDIT_CANCEL,   /* Ctrl-C: the line was dropped */
};

struct mt_lineedit {
	char buf[MT_LINEEDIT_MAX + 1];
	size_t len;    /* bytes in buf */
	size_t pos;    /* cursor, a byte offset at a character boundary */
	size_t scroll; /* first character shown when the line is wider than the screen */
	char prompt[MT_LINEEDIT_PROMPT];
	unsigned prompt_cols;
	unsigned cols;           /* terminal width */
	struct mt_history *hist; /* borrowed; may be NULL */
	unsigned hist_at;        /* 0: the line being typed; n: history line n */
	char stash[MT_LINEEDIT_MAX + 1];
	int esc; /* escape sequence state */
	char seq[16];
	size_t seqlen;
	uint8_t u8[4]; /* a UTF-8 character still arriving */
	unsigned u8len, u8need;
	bool after_cr; /* the last byte was CR: an LF now is its pair */
	bool belled;   /* the line is full and the user was told */
	char out[MT_LINEEDIT_OUT];
	size_t outlen;
};

/* hist (may be NULL) must outlive e; cols is the terminal width. */
void mt_lineedit_init(struct mt_lineedit *e, struct mt_history *hist, unsigned cols);

/* Starts a new empty line and prints prompt (at most MT_LINEEDIT_PROMPT - 1
 * bytes of ASCII). */
void mt_lineedit_start(struct mt_lineedit *e, const char *prompt);

/* One byte from the terminal. */
enum mt_lineedit_event mt_lineedit_feed(struct mt_lineedit *e, uint8_t byte);

/* Inserts n bytes of text at the cursor (a completion). Bytes that are not
 * printable ASCII or UTF-8 are dropped. */
void mt_lineedit_insert(struct mt_lineedit *e, const char *text, size_t n);

/* Prints the prompt and line again, e.g. after a completion list. */
void mt_lineedit_redraw(struct mt_lineedit *e);

/* The line (NUL-terminated) and the cursor's byte offset. */
static inline const char *mt_lineedit_line(const struct mt_lineedit *e)
{
	return e->buf;
}

static inline size_t mt_lineedit_cursor(const struct mt_lineedit *e)
{
	return e->pos;
}

/* What to send to the terminal; mt_lineedit_output_done() empties it. */
static inline const char *mt_lineedit_output(const struct mt_lineedit *e, size_t *len)
{
	*len = e->outlen;
	return e->out;
}

static inline void mt_lineedit_output_done(struct mt_lineedit *e)
{
	e->outlen = 0;
}

#endif
