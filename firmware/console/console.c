/* The console's thread, output, input and dispatch. */
#include "console/console.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/login.h"
#include "core/errors.h"
#include "core/log.h"
#include "hal/clock.h"
#include "hal/serial.h"

MT_LOG_MODULE("console");

#define READ_MS       200 /* a pass of the thread: the heartbeat comes this often */
#define MUTE_RETRY_US 5000000

void mt_console_init(struct mt_console *c, const struct mt_console_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->running = *cfg->running;
	c->work = *cfg->running;
	mt_history_init(&c->hist);
	mt_lineedit_init(&c->ed, &c->hist, MT_CONSOLE_COLS);
	mt_thread_init(&c->thread, cfg->clock);
	c->started_us = mt_clock_mono_us(cfg->clock);
}

void mt_console_free(struct mt_console *c)
{
	if (!c)
		return;
	mt_console_stop(c);
	free(c->pic);
	c->pic = NULL;
}

/* ---- output ---- */

void mt_console_flush(struct mt_console *c)
{
	ssize_t n;

	if (!c->olen)
		return;
	if (c->mute) {
		c->dropped += c->olen;
		c->olen = 0;
		return;
	}
	n = mt_serial_write(c->cfg->serial, c->obuf, c->olen);
	if (n < 0) {
		/* Nobody reads (or the line is gone): stop writing until someone
		 * types, so the thread never waits out a timeout per line. */
		MT_WRN("console output dropped: %s", mt_strerror((int)n));
		c->mute = true;
		c->muted_at_us = mt_clock_mono_us(c->cfg->clock);
		c->dropped += c->olen;
	}
	c->olen = 0;
}

static void put(struct mt_console *c, char ch)
{
	if (c->olen == sizeof(c->obuf))
		mt_console_flush(c);
	c->obuf[c->olen++] = ch;
}

void mt_console_write(struct mt_console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (c->oesc) { /* ESC x, or ESC [ ... final */
			put(c, (char)ch);
			if (c->oesc == 1)
				c->oesc = ch == '[' ? 2 : 0;
			else if (ch >= 0x40 && ch <= 0x7e)
				c->oesc = 0;
			continue;
		}
		if (ch == 0x1b) {
			c->oesc = 1;
			put(c, (char)ch);
		} else if (ch == '\n') {
			put(c, '\r');
			put(c, '\n');
			c->col = 0;
		} else if (ch == '\r') {
			put(c, '\r');
			c->col = 0;
		} else {
			/* UTF-8 continuation bytes take no column. */
			if ((ch & 0xc0) != 0x80) {
				if (c->col >= MT_CONSOLE_COLS) {
					put(c, '\r');
					put(c, '\n');
					c->col = 0;
				}
				c->col++;
			}
			put(c, (char)ch);
		}
	}
}

void mt_console_printf(struct mt_console *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mt_console_write(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void mt_console_wrap(struct mt_console *c, const char *label, unsigned indent, const char *text)
{
	unsigned col = indent;
	const char *p = text;

	mt_console_printf(c, "%-*s", (int)indent, label);
	while (*p) {
		const char *w = p;
		size_t n;

		while (*w == ' ')
			w++;
		n = strcspn(w, " ");
		if (!n)
			break;
		if (col > indent && col + 1 + n > MT_CONSOLE_COLS) {
			mt_console_printf(c, "\n%*s", (int)indent, "");
			col = indent;
		}
		if (col > indent) {
			mt_console_write(c, " ", 1);
			col++;
		}
		mt_console_write(c, w, n);
		col += (unsigned)n;
		p = w + n;
	}
	mt_console_write(c, "\n", 1);
}

/* An editor's own output: it keeps the cursor on its row itself. */
static void send_raw(struct mt_console *c, struct mt_lineedit *ed)
{
	size_t n;
	const char *s = mt_lineedit_output(ed, &n);

	for (size_t i = 0; i < n; i++)
		put(c, s[i]);
	mt_lineedit_output_done(ed);
	c->col = 0;
}

static void send_editor(struct mt_console *c)
{
	send_raw(c, &c->ed);
	mt_console_flush(c);
}

/* ---- input ---- */

static int read_some(struct mt_console *c, int timeout_ms)
{
	ssize_t n;

	mt_thread_beat(&c->thread);
	if (c->npending)
		return 0;
	n = mt_serial_read(c->cfg->serial, c->pending, sizeof(c->pending), timeout_ms);
	if (n < 0)
		return (int)n;
	/* Someone typed: try writing again, but at most every MUTE_RETRY_US,
	 * since a write to a line nobody reads costs the serial timeout. */
	if (n > 0 && c->mute && mt_clock_mono_us(c->cfg->clock) - c->muted_at_us >= MUTE_RETRY_US) {
		c->mute = false;
		if (c->dropped)
			mt_console_printf(c, "(%llu bytes of output were dropped: nobody read)\n",
					  (unsigned long long)c->dropped);
		c->dropped = 0;
	}
	c->npending = (size_t)n;
	return 0;
}

static uint8_t pop(struct mt_console *c)
{
	uint8_t b = (uint8_t)c->pending[0];

	memmove(c->pending, c->pending + 1, --c->npending);
	return b;
}

int mt_console_getc(struct mt_console *c, int timeout_ms, uint8_t *b)
{
	int ret;

	mt_console_flush(c);
	ret = read_some(c, timeout_ms);
	if (ret)
		return ret;
	if (!c->npending)
		return 0;
	*b = pop(c);
	return 1;
}

int mt_console_readline(struct mt_console *c, const char *prompt, int timeout_ms, char *buf,
			size_t len)
{
	struct mt_lineedit *ed = malloc(sizeof(*ed));
	int64_t deadline = mt_clock_mono_us(c->cfg->clock) + (int64_t)timeout_ms * 1000;
	int ret = -ENOMEM;

	if (!ed)
		return ret;
	mt_console_flush(c);
	mt_lineedit_init(ed, NULL, MT_CONSOLE_COLS);
	mt_lineedit_start(ed, prompt);
	for (;;) {
		uint8_t b = 0;

		send_raw(c, ed);
		ret = mt_console_getc(c, READ_MS, &b);
		if (ret < 0)
			break;
		if (ret == 0 && mt_clock_mono_us(c->cfg->clock) >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		if (ret == 0)
			continue;
		ret = (int)mt_lineedit_feed(ed, b);
		if (ret == MT_LINEEDIT_LINE) {
			snprintf(buf, len, "%s", mt_lineedit_line(ed));
			ret = 0;
			break;
		}
		if (ret == MT_LINEEDIT_CANCEL) {
			ret = -ECANCELED;
			break;
		}
	}
	send_raw(c, ed);
	free(ed);
	return ret;
}

/* ---- dispatch ---- */

int mt_console_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *r = line, *w;

	for (;;) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			return argc;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = w = r;
		while (*r && *r != ' ' && *r != '\t') {
			if (*r == '"') {
				r++;
				while (*r && *r != '"')
					*w++ = *r++;
				if (*r != '"')
					return -EINVAL;
				r++;
				continue;
			}
			*w++ = *r++;
		}
		if (*r)
			r++;
		*w = '\0';
	}
}

void mt_console_exec(struct mt_console *c, const char *line)
{
	char buf[MT_LINEEDIT_MAX + 1], *argv[MT_CONSOLE_ARGS];
	const struct mt_console_cmd *cmd;
	const char *near;
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = mt_console_split(buf, argv, MT_CONSOLE_ARGS);
	if (argc == -E2BIG) {
		mt_console_printf(c, "too many words (at most %d)\n", MT_CONSOLE_ARGS);
		return;
	}
	if (argc < 0) {
		mt_console_printf(c, "a quote (\") is not closed\n");
		return;
	}
	if (argc == 0)
		return;
	cmd = mt_console_cmd_find(argv[0]);
	if (cmd) {
		if (mt_console_login_allows(c, cmd->name))
			cmd->run(c, argc, argv);
		return;
	}
	near = mt_console_cmd_suggest(argv[0]);
	/* %.32s: a pasted line must not push the rest off the screen */
	if (near)
		mt_console_printf(c, "unknown command '%.32s' (did you mean %s?)\n", argv[0], near);
	else
		mt_console_printf(c, "unknown command '%.32s' (type help for the list)\n", argv[0]);
}

/* ---- completion ---- */

struct completion {
	const char *prefix;
	size_t plen;
	char first[MT_CONFIG_STR_MAX + 1];
	size_t common; /* bytes all candidates share */
	unsigned count;
	struct mt_console *c;
	bool print;
	unsigned printed;
};

static void candidate(void *arg, const char *word)
{
	struct completion *k = arg;
	size_t i;

	if (strncmp(word, k->prefix, k->plen) != 0)
		return;
	if (k->print) {
		size_t w = strlen(word) + 2;

		if (k->printed + w > MT_CONSOLE_COLS) {
			mt_console_write(k->c, "\n", 1);
			k->printed = 0;
		}
		mt_console_printf(k->c, "%s  ", word);
		k->printed += (unsigned)w;
		return;
	}
	if (k->count++ == 0) {
		snprintf(k->first, sizeof(k->first), "%s", word);
		k->common = strlen(k->first);
		return;
	}
	for (i = 0; i < k->common && word[i] == k->first[i]; i++)
		;
	k->common = i;
}

static void offer(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
		  void *arg)
{
	const struct mt_console_cmd *cmd;
	size_t n;

	if (argc == 0) {
		const struct mt_console_cmd *all = mt_console_cmds(&n);

		for (size_t i = 0; i < n; i++)
			fn(arg, all[i].name);
		return;
	}
	cmd = mt_console_cmd_find(argv[0]);
	if (!cmd)
		return;
	if (cmd->complete)
		cmd->complete(c, argc, argv, fn, arg);
	else if (argc == 1 && cmd->subs)
		for (size_t i = 0; cmd->subs[i]; i++)
			fn(arg, cmd->subs[i]);
}

static void complete(struct mt_console *c)
{
	char buf[MT_LINEEDIT_MAX + 1];
	size_t pos = mt_lineedit_cursor(&c->ed);
	struct completion k = { .c = c };
	char *word;

	memcpy(buf, mt_lineedit_line(&c->ed), pos);
	buf[pos] = '\0';
	/* The word being typed starts after the last blank before the cursor. */
	word = strrchr(buf, ' ');
	word = word ? word + 1 : buf;
	k.prefix = word;
	k.plen = strlen(word);
	{
		char head[MT_LINEEDIT_MAX + 1], *argv[MT_CONSOLE_ARGS];
		int argc;

		snprintf(head, sizeof(head), "%.*s", (int)(word - buf), buf);
		argc = mt_console_split(head, argv, MT_CONSOLE_ARGS);
		if (argc < 0)
			return;
		offer(c, argc, argv, candidate, &k);
		if (k.count == 0) {
			put(c, '\a');
			return;
		}
		if (k.count == 1) {
			mt_lineedit_insert(&c->ed, k.first + k.plen, strlen(k.first) - k.plen);
			mt_lineedit_insert(&c->ed, " ", 1);
			return;
		}
		if (k.common > k.plen) {
			mt_lineedit_insert(&c->ed, k.first + k.plen, k.common - k.plen);
			return;
		}
		/* Ambiguous: list them under the line, then draw it again. */
		mt_console_write(c, "\n", 1);
		k.print = true;
		offer(c, argc, argv, candidate, &k);
		mt_console_write(c, "\n", 1);
		mt_lineedit_redraw(&c->ed);
	}
}

/* ---- the loop ---- */

void mt_console_begin(struct mt_console *c)
{
	mt_console_printf(c, "\nmatthan %s console on board %s. Type help for the commands.\n",
			  MT_VERSION, c->cfg->board ? c->cfg->board : "?");
	if (mt_console_locked(c)) {
		mt_console_login_tick(c);
		return;
	}
	mt_console_login_banner(c);
	mt_lineedit_start(&c->ed, MT_CONSOLE_PROMPT);
	send_editor(c);
}

static void on_line(struct mt_console *c)
{
	char line[MT_LINEEDIT_MAX + 1];

	snprintf(line, sizeof(line), "%s", mt_lineedit_line(&c->ed));
	send_editor(c);
	mt_history_add(&c->hist, line, strlen(line));
	mt_console_exec(c, line);
	mt_console_flush(c);
	if (!c->exit_requested)
		mt_lineedit_start(&c->ed, MT_CONSOLE_PROMPT);
}

int mt_console_poll(struct mt_console *c, int timeout_ms)
{
	int ret = read_some(c, timeout_ms);

	if (ret)
		return ret;
	mt_console_login_idle(c);
	while (c->npending && !c->exit_requested) {
		if (mt_console_locked(c)) {
			if (mt_console_login_feed(c, pop(c))) {
				mt_lineedit_start(&c->ed, MT_CONSOLE_PROMPT);
				send_editor(c);
			}
			continue;
		}
		switch (mt_lineedit_feed(&c->ed, pop(c))) {
		case MT_LINEEDIT_LINE:
			on_line(c);
			break;
		case MT_LINEEDIT_COMPLETE:
			complete(c);
			break;
		case MT_LINEEDIT_CANCEL:
			send_editor(c);
			mt_lineedit_start(&c->ed, MT_CONSOLE_PROMPT);
			break;
		default:
			break;
		}
		send_editor(c);
	}
	if (mt_console_locked(c))
		mt_console_login_tick(c);
	mt_console_flush(c);
	return 0;
}

static int console_main(struct mt_thread *self, void *arg)
{
	struct mt_console *c = arg;
	bool told = false;

	mt_console_begin(c);
	while (!mt_thread_should_stop(self) && !c->exit_requested) {
		int ret = mt_console_poll(c, READ_MS);

		if (ret && !told) {
			MT_ERR("console line: %s; retrying every second", mt_strerror(ret));
			told = true;
		}
		if (ret)
			mt_clock_sleep_us(c->cfg->clock, 1000000);
		else
			told = false;
	}
	return 0;
}

int mt_console_start(struct mt_console *c)
{
	return mt_thread_start(&c->thread, "mt-console", console_main, c);
}

void mt_console_stop(struct mt_console *c)
{
	mt_thread_stop(&c->thread);
	mt_thread_join(&c->thread);
}
