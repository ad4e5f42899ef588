/* Line editing for a serial terminal. The line is redrawn from the start of
 * the row ("\r", prompt, the visible part, erase to the end, cursor back):
 * one method that every VT100-like terminal gets right, cheap at 80 columns.
 * Typing at the end of a line that fits just echoes. */
#include "console/lineedit.h"

#include <stdio.h>
#include <string.h>

enum {
	ST_TEXT,
	ST_ESC,
	ST_CSI,
	ST_SS3
};

static void out(struct mt_lineedit *e, const char *s, size_t n)
{
	/* A feed adds one redraw at most (a few hundred bytes); the caller
	 * drains after every feed, so this only drops output if it does not. */
	if (n > sizeof(e->out) - e->outlen)
		n = sizeof(e->out) - e->outlen;
	memcpy(e->out + e->outlen, s, n);
	e->outlen += n;
}

static void outs(struct mt_lineedit *e, const char *s)
{
	out(e, s, strlen(s));
}

static bool is_cont(uint8_t b)
{
	return (b & 0xc0) == 0x80;
}

/* Characters (code points) in buf[from, to). */
static size_t chars(const struct mt_lineedit *e, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++)
		n += !is_cont((uint8_t)e->buf[i]);
	return n;
}

/* Byte offset of character index ci. */
static size_t byte_at(const struct mt_lineedit *e, size_t ci)
{
	size_t i = 0;

	while (i < e->len && ci) {
		i++;
		while (i < e->len && is_cont((uint8_t)e->buf[i]))
			i++;
		ci--;
	}
	return i;
}

static size_t width(const struct mt_lineedit *e)
{
	/* The last column stays empty: writing into it makes some terminals
	 * wrap and the "\r" redraw would then land on the wrong row. */
	return e->cols > e->prompt_cols + 2 ? e->cols - e->prompt_cols - 1 : 1;
}

void mt_lineedit_redraw(struct mt_lineedit *e)
{
	size_t w = width(e), cur = chars(e, 0, e->pos), total = chars(e, 0, e->len);
	size_t from, to;
	char move[16];

	if (cur < e->scroll)
		e->scroll = cur;
	if (cur >= e->scroll + w)
		e->scroll = cur - w + 1;
	if (e->scroll > total)
		e->scroll = total;
	from = byte_at(e, e->scroll);
	to = byte_at(e, e->scroll + w);
	outs(e, "\r");
	outs(e, e->prompt);
	out(e, e->buf + from, to - from);
	outs(e, "\x1b[K\r");
	snprintf(move, sizeof(move), "\x1b[%uC", (unsigned)(e->prompt_cols + cur - e->scroll));
	outs(e, move);
}

void mt_lineedit_init(struct mt_lineedit *e, struct mt_history *hist, unsigned cols)
{
	memset(e, 0, sizeof(*e));
	e->hist = hist;
	e->cols = cols;
}

void mt_lineedit_start(struct mt_lineedit *e, const char *prompt)
{
	snprintf(e->prompt, sizeof(e->prompt), "%s", prompt);
	e->prompt_cols = (unsigned)strlen(e->prompt);
	e->buf[0] = '\0';
	e->len = e->pos = e->scroll = 0;
	e->hist_at = 0;
	e->esc = ST_TEXT;
	e->u8len = e->u8need = 0;
	e->belled = false;
	outs(e, e->prompt);
}

static void set_line(struct mt_lineedit *e, const char *s)
{
	size_t n = strlen(s);

	if (n > MT_LINEEDIT_MAX)
		n = MT_LINEEDIT_MAX;
	memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	e->len = e->pos = n;
	mt_lineedit_redraw(e);
}

static void insert_bytes(struct mt_lineedit *e, const char *s, size_t n)
{
	bool at_end = e->pos == e->len;

	if (n > MT_LINEEDIT_MAX - e->len) {
		if (!e->belled)
			outs(e, "\a");
		e->belled = true;
		return;
	}
	memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos + 1);
	memcpy(e->buf + e->pos, s, n);
	e->len += n;
	e->pos += n;
	if (at_end && chars(e, 0, e->pos) < e->scroll + width(e))
		out(e, s, n); /* fits: the terminal's cursor is already there */
	else
		mt_lineedit_redraw(e);
}

/* Removes bytes [from, to) and puts the cursor at from. */
static void cut(struct mt_lineedit *e, size_t from, size_t to)
{
	if (from >= to)
		return;
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->pos = from;
	e->belled = false;
	mt_lineedit_redraw(e);
}

static size_t prev_char(const struct mt_lineedit *e, size_t i)
{
	while (i > 0) {
		i--;
		if (!is_cont((uint8_t)e->buf[i]))
			break;
	}
	return i;
}

static size_t next_char(const struct mt_lineedit *e, size_t i)
{
	if (i >= e->len)
		return e->len;
	i++;
	while (i < e->len && is_cont((uint8_t)e->buf[i]))
		i++;
	return i;
}

static size_t word_left(const struct mt_lineedit *e, size_t i)
{
	while (i > 0 && e->buf[i - 1] == ' ')
		i--;
	while (i > 0 && e->buf[i - 1] != ' ')
		i--;
	return i;
}

static size_t word_right(const struct mt_lineedit *e, size_t i)
{
	while (i < e->len && e->buf[i] == ' ')
		i++;
	while (i < e->len && e->buf[i] != ' ')
		i++;
	return i;
}

static void move_to(struct mt_lineedit *e, size_t pos)
{
	if (pos == e->pos)
		return;
	e->pos = pos;
	mt_lineedit_redraw(e);
}

static void history(struct mt_lineedit *e, int dir)
{
	if (!e->hist)
		return;
	if (dir > 0) { /* older */
		const char *line = mt_history_get(e->hist, e->hist_at + 1);
		if (!line)
			return;
		if (e->hist_at == 0)
			memcpy(e->stash, e->buf, e->len + 1);
		e->hist_at++;
		set_line(e, line);
		return;
	}
	if (e->hist_at == 0)
		return;
	e->hist_at--;
	set_line(e, e->hist_at ? mt_history_get(e->hist, e->hist_at) : e->stash);
}

static void key_home(struct mt_lineedit *e)
{
	move_to(e, 0);
}

static void key_end(struct mt_lineedit *e)
{
	move_to(e, e->len);
}

static void key_delete(struct mt_lineedit *e)
{
	cut(e, e->pos, next_char(e, e->pos));
}

/* The final byte of ESC [ params final, or of ESC O final. */
static void sequence(struct mt_lineedit *e, char final)
{
	int n = 0;
	bool ctrl = false;

	if (e->seqlen) {
		sscanf(e->seq, "%d", &n);
		ctrl = strstr(e->seq, ";5") != NULL || strstr(e->seq, ";3") != NULL;
	}
	switch (final) {
	case 'A':
		history(e, 1);
		break;
	case 'B':
		history(e, -1);
		break;
	case 'C':
		move_to(e, ctrl ? word_right(e, e->pos) : next_char(e, e->pos));
		break;
	case 'D':
		move_to(e, ctrl ? word_left(e, e->pos) : prev_char(e, e->pos));
		break;
	case 'H':
		key_home(e);
		break;
	case 'F':
		key_end(e);
		break;
	case '~':
		if (n == 1 || n == 7)
			key_home(e);
		else if (n == 4 || n == 8)
			key_end(e);
		else if (n == 3)
			key_delete(e);
		break; /* insert, page up/down, function keys: nothing */
	default:
		break;
	}
}

static enum mt_lineedit_event escape(struct mt_lineedit *e, uint8_t b)
{
	switch (e->esc) {
	case ST_ESC:
		e->esc = ST_TEXT;
		e->seqlen = 0;
		e->seq[0] = '\0';
		if (b == '[')
			e->esc = ST_CSI;
		else if (b == 'O')
			e->esc = ST_SS3;
		else if (b == 0x1b)
			e->esc = ST_ESC;
		else if (b == 'b') /* Alt-b, Alt-f, Alt-d, Alt-Backspace: words */
			move_to(e, word_left(e, e->pos));
		else if (b == 'f')
			move_to(e, word_right(e, e->pos));
		else if (b == 'd')
			cut(e, e->pos, word_right(e, e->pos));
		else if (b == 0x7f || b == 0x08)
			cut(e, word_left(e, e->pos), e->pos);
		return MT_LINEEDIT_NONE;
	case ST_CSI:
		if (b >= 0x40 && b <= 0x7e) {
			e->esc = ST_TEXT;
			sequence(e, (char)b);
		} else if (e->seqlen < sizeof(e->seq) - 1) {
			e->seq[e->seqlen++] = (char)b;
			e->seq[e->seqlen] = '\0';
		} /* else: too long to mean anything; its final byte ends it */
		return MT_LINEEDIT_NONE;
	default: /* ST_SS3 */
		e->esc = ST_TEXT;
		sequence(e, (char)b);
		return MT_LINEEDIT_NONE;
	}
}

static enum mt_lineedit_event control(struct mt_lineedit *e, uint8_t b)
{
	switch (b) {
	case 0x01: /* Ctrl-A */
		key_home(e);
		break;
	case 0x02: /* Ctrl-B */
		move_to(e, prev_char(e, e->pos));
		break;
	case 0x03: /* Ctrl-C */
		outs(e, "^C\r\n");
		e->buf[0] = '\0';
		e->len = e->pos = 0;
		return MT_LINEEDIT_CANCEL;
	case 0x04: /* Ctrl-D: delete; on an empty line there is no session to end */
		key_delete(e);
		break;
	case 0x05: /* Ctrl-E */
		key_end(e);
		break;
	case 0x06: /* Ctrl-F */
		move_to(e, next_char(e, e->pos));
		break;
	case 0x08: /* Ctrl-H, Backspace */
	case 0x7f:
		cut(e, prev_char(e, e->pos), e->pos);
		break;
	case 0x09:
		return MT_LINEEDIT_COMPLETE;
	case 0x0b: /* Ctrl-K */
		cut(e, e->pos, e->len);
		break;
	case 0x0c: /* Ctrl-L */
		outs(e, "\x1b[H\x1b[2J");
		mt_lineedit_redraw(e);
		break;
	case 0x0d: /* CR, and LF on its own */
	case 0x0a:
		outs(e, "\r\n");
		return MT_LINEEDIT_LINE;
	case 0x0e: /* Ctrl-N */
		history(e, -1);
		break;
	case 0x10: /* Ctrl-P */
		history(e, 1);
		break;
	case 0x15: /* Ctrl-U */
		cut(e, 0, e->pos);
		break;
	case 0x17: /* Ctrl-W */
		cut(e, word_left(e, e->pos), e->pos);
		break;
	case 0x1b:
		e->esc = ST_ESC;
		break;
	default: /* Ctrl-Z, Ctrl-\ and the rest: nothing here */
		break;
	}
	return MT_LINEEDIT_NONE;
}

/* Collects a UTF-8 character; inserts it whole, drops a broken one. */
static void utf8(struct mt_lineedit *e, uint8_t b)
{
	if (is_cont(b)) {
		if (!e->u8need)
			return; /* stray continuation byte */
		e->u8[e->u8len++] = b;
		if (e->u8len == e->u8need) {
			insert_bytes(e, (const char *)e->u8, e->u8len);
			e->u8len = e->u8need = 0;
		}
		return;
	}
	e->u8len = 0;
	e->u8need = b >= 0xc2 && b <= 0xdf ? 2 :
		    b >= 0xe0 && b <= 0xef ? 3 :
		    b >= 0xf0 && b <= 0xf4 ? 4 :
					     0;
	if (e->u8need)
		e->u8[e->u8len++] = b;
}

enum mt_lineedit_event mt_lineedit_feed(struct mt_lineedit *e, uint8_t b)
{
	bool pair = e->after_cr && b == 0x0a;

	e->after_cr = b == 0x0d;
	if (pair)
		return MT_LINEEDIT_NONE; /* CR LF is one Enter */
	/* Half a sequence followed by a control key or text: the key wins. */
	if (e->esc != ST_TEXT && ((b < 0x20 && b != 0x1b) || b >= 0x80))
		e->esc = ST_TEXT;
	if (e->esc != ST_TEXT)
		return escape(e, b);
	if (b >= 0x80) {
		utf8(e, b);
		return MT_LINEEDIT_NONE;
	}
	e->u8len = e->u8need = 0; /* an ASCII byte ends a broken character */
	if (b < 0x20 || b == 0x7f)
		return control(e, b);
	insert_bytes(e, (const char *)&b, 1);
	return MT_LINEEDIT_NONE;
}

void mt_lineedit_insert(struct mt_lineedit *e, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)text[i];

		if (b >= 0x80)
			utf8(e, b);
		else if (b >= 0x20 && b != 0x7f)
			insert_bytes(e, (const char *)&b, 1);
	}
}
