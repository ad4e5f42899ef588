/* The console's line editor and history, fed byte by byte as picocom,
 * screen and minicom send keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console/history.h"
#include "console/lineedit.h"

static struct mt_history hist;
static struct mt_lineedit ed;
static char screen[1 << 20]; /* everything the editor sent */
static size_t screen_len;

static void drain(void)
{
	size_t n;
	const char *s = mt_lineedit_output(&ed, &n);

	if (n > sizeof(screen) - 1 - screen_len)
		n = sizeof(screen) - 1 - screen_len;
	memcpy(screen + screen_len, s, n);
	screen_len += n;
	screen[screen_len] = '\0';
	mt_lineedit_output_done(&ed);
}

/* Feeds bytes one at a time; returns the last event that was not NONE. */
static enum mt_lineedit_event type_bytes(const char *s, size_t n)
{
	enum mt_lineedit_event last = MT_LINEEDIT_NONE;

	for (size_t i = 0; i < n; i++) {
		enum mt_lineedit_event ev = mt_lineedit_feed(&ed, (uint8_t)s[i]);
		drain();
		if (ev != MT_LINEEDIT_NONE)
			last = ev;
	}
	return last;
}

static enum mt_lineedit_event type(const char *s)
{
	return type_bytes(s, strlen(s));
}

/* Columns drawn by the last redraw: from its "\r" to its erase-line. */
static size_t drawn_width(void)
{
	char *start = strchr(screen, '\r'), *end = strstr(screen, "\x1b[K");

	assert_non_null(start);
	assert_non_null(end);
	return (size_t)(end - start - 1);
}

static int setup(void **state)
{
	mt_history_init(&hist);
	mt_lineedit_init(&ed, &hist, 80);
	screen_len = 0;
	screen[0] = '\0';
	mt_lineedit_start(&ed, "> ");
	drain();
	return 0;
}

static void test_typing_echoes_and_enter_ends(void **state)
{
	assert_string_equal(screen, "> ");
	assert_int_equal(type("status"), MT_LINEEDIT_NONE);
	assert_string_equal(screen, "> status");
	assert_int_equal(type("\r"), MT_LINEEDIT_LINE);
	assert_string_equal(mt_lineedit_line(&ed), "status");
	assert_string_equal(screen + strlen(screen) - 2, "\r\n");
}

static void test_cr_lf_is_one_enter_lf_alone_is_one(void **state)
{
	assert_int_equal(type("a\r"), MT_LINEEDIT_LINE);
	mt_lineedit_start(&ed, "> ");
	/* the LF of CR LF does not end the (empty) next line */
	assert_int_equal(type("\nb"), MT_LINEEDIT_NONE);
	assert_string_equal(mt_lineedit_line(&ed), "b");
	assert_int_equal(type("\n"), MT_LINEEDIT_LINE);
	assert_string_equal(mt_lineedit_line(&ed), "b");
}

static void test_arrows_both_forms_insert_in_middle(void **state)
{
	type("ac");
	type("\x1b[D"); /* left, CSI form (picocom, minicom) */
	type("b");
	assert_string_equal(mt_lineedit_line(&ed), "abc");
	assert_int_equal(mt_lineedit_cursor(&ed), 2);
	type("\x1bOD\x1bOD"); /* left twice, SS3 form (screen in application mode) */
	assert_int_equal(mt_lineedit_cursor(&ed), 0);
	type("\x1bOC\x1b[C"); /* right in both forms */
	assert_int_equal(mt_lineedit_cursor(&ed), 2);
	type("\x1b[C\x1b[C\x1b[C"); /* past the end: stays at the end */
	assert_int_equal(mt_lineedit_cursor(&ed), 3);
	type("\x02\x02\x06"); /* Ctrl-B Ctrl-B Ctrl-F */
	assert_int_equal(mt_lineedit_cursor(&ed), 2);
	/* a redraw puts the terminal's cursor where the editor's is */
	assert_non_null(strstr(screen, "\r> abc\x1b[K\r\x1b[4C"));
}

static void test_home_end_every_form(void **state)
{
	static const char *const home[] = { "\x01", "\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~" };
	static const char *const end[] = { "\x05", "\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~" };

	type("hello world");
	for (size_t i = 0; i < 5; i++) {
		type(home[i]);
		assert_int_equal(mt_lineedit_cursor(&ed), 0);
		type(end[i]);
		assert_int_equal(mt_lineedit_cursor(&ed), 11);
	}
}

static void test_backspace_delete(void **state)
{
	type("abcd");
	type("\x7f"); /* DEL as backspace */
	assert_string_equal(mt_lineedit_line(&ed), "abc");
	type("\x08"); /* Ctrl-H */
	assert_string_equal(mt_lineedit_line(&ed), "ab");
	type("\x01\x1b[3~"); /* home, Delete */
	assert_string_equal(mt_lineedit_line(&ed), "b");
	type("\x04"); /* Ctrl-D deletes under the cursor */
	assert_string_equal(mt_lineedit_line(&ed), "");
	type("\x04\x7f"); /* on an empty line: nothing, and no crash */
	assert_string_equal(mt_lineedit_line(&ed), "");
	assert_int_equal(mt_lineedit_cursor(&ed), 0);
}

static void test_kill_keys(void **state)
{
	type("config set capture.fps 10");
	type("\x17"); /* Ctrl-W: the word before the cursor */
	assert_string_equal(mt_lineedit_line(&ed), "config set capture.fps ");
	type("\x17"); /* blanks, then the word */
	assert_string_equal(mt_lineedit_line(&ed), "config set ");
	type("\x1b"
	     "b"); /* Alt-b: a word left */
	assert_int_equal(mt_lineedit_cursor(&ed), 7);
	type("\x0b"); /* Ctrl-K: to the end */
	assert_string_equal(mt_lineedit_line(&ed), "config ");
	type("\x1b[D\x15"); /* left, Ctrl-U: to the start */
	assert_string_equal(mt_lineedit_line(&ed), " ");
	assert_int_equal(mt_lineedit_cursor(&ed), 0);
	type("\x1b"
	     "f"); /* Alt-f */
	assert_int_equal(mt_lineedit_cursor(&ed), 1);
	type("ab cd\x1b[1;5D"); /* Ctrl-left as xterm sends it */
	assert_int_equal(mt_lineedit_cursor(&ed), 4);
	type("\x1b[1;5C");
	assert_int_equal(mt_lineedit_cursor(&ed), 6);
}

static void test_history_up_down(void **state)
{
	mt_history_add(&hist, "status", 6);
	mt_history_add(&hist, "log 5", 5);
	type("half");
	type("\x1b[A"); /* up */
	assert_string_equal(mt_lineedit_line(&ed), "log 5");
	type("\x1bOA"); /* up, SS3 */
	assert_string_equal(mt_lineedit_line(&ed), "status");
	type("\x10"); /* Ctrl-P past the oldest: stays */
	assert_string_equal(mt_lineedit_line(&ed), "status");
	type("\x1b[B");
	assert_string_equal(mt_lineedit_line(&ed), "log 5");
	type("\x0e"); /* Ctrl-N back to the line being typed */
	assert_string_equal(mt_lineedit_line(&ed), "half");
	type("\x1b[B"); /* nothing newer */
	assert_string_equal(mt_lineedit_line(&ed), "half");
}

static void test_history_keeps_no_blanks_or_repeats_and_wraps(void **state)
{
	char line[16];

	mt_history_add(&hist, "  ", 2);
	assert_null(mt_history_get(&hist, 1));
	mt_history_add(&hist, "a", 1);
	mt_history_add(&hist, "a", 1);
	assert_null(mt_history_get(&hist, 2));
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "cmd %d", i);
		mt_history_add(&hist, line, strlen(line));
	}
	assert_string_equal(mt_history_get(&hist, 1), "cmd 39");
	assert_string_equal(mt_history_get(&hist, MT_HISTORY_LINES), "cmd 8");
	assert_null(mt_history_get(&hist, MT_HISTORY_LINES + 1));
}

static void test_ctrl_c_cancels(void **state)
{
	type("factory");
	assert_int_equal(type("\x03"), MT_LINEEDIT_CANCEL);
	assert_string_equal(mt_lineedit_line(&ed), "");
	assert_non_null(strstr(screen, "^C\r\n"));
}

static void test_tab_asks_for_completion(void **state)
{
	type("sta");
	assert_int_equal(type("\t"), MT_LINEEDIT_COMPLETE);
	mt_lineedit_insert(&ed, "tus ", 4);
	drain();
	assert_string_equal(mt_lineedit_line(&ed), "status ");
}

static void test_half_escape_then_keys(void **state)
{
	/* ESC [ cut short by Enter: the Enter counts, the line is intact */
	type("ab\x1b[");
	assert_int_equal(type("\r"), MT_LINEEDIT_LINE);
	assert_string_equal(mt_lineedit_line(&ed), "ab");
	mt_lineedit_start(&ed, "> ");
	/* unknown sequences and function keys do nothing */
	type("x\x1b[15~\x1b[5~\x1b[2~\x1bOP\x1b[200~y");
	assert_string_equal(mt_lineedit_line(&ed), "xy");
	/* a sequence too long to mean anything is swallowed up to its end */
	type("\x1b[111111111111111111111111111111~z");
	assert_string_equal(mt_lineedit_line(&ed), "xyz");
	/* Ctrl-Z, Ctrl-\, BEL: nothing */
	type("\x1a\x1c\x07");
	assert_string_equal(mt_lineedit_line(&ed), "xyz");
}

static void test_utf8_whole_characters(void **state)
{
	type("\xc4\x90\xe1\xba\xafk"); /* "Đắk" */
	assert_string_equal(mt_lineedit_line(&ed), "\xc4\x90\xe1\xba\xafk");
	type("\x1b[D\x1b[D"); /* two characters left: before "ắ" */
	assert_int_equal(mt_lineedit_cursor(&ed), 2);
	type("\x7f"); /* backspace removes "Đ" whole */
	assert_string_equal(mt_lineedit_line(&ed), "\xe1\xba\xafk");
	type("\x1b[3~"); /* delete removes "ắ" whole */
	assert_string_equal(mt_lineedit_line(&ed), "k");
	/* broken UTF-8 is dropped: a stray continuation, a cut sequence, 0xff */
	type("\x80\xe1\xba"
	     "a\xff");
	assert_string_equal(mt_lineedit_line(&ed), "ak");
}

static void test_long_line_scrolls_and_stops_with_one_bell(void **state)
{
	char *big = malloc(100000);
	char *p;
	int bells = 0;

	assert_non_null(big);
	memset(big, 'x', 100000);
	type_bytes(big, 100000);
	free(big);
	assert_int_equal(strlen(mt_lineedit_line(&ed)), MT_LINEEDIT_MAX);
	for (p = screen; (p = strchr(p, '\a')); p++)
		bells++;
	assert_int_equal(bells, 1);
	/* a redraw at either end draws at most 79 columns */
	screen_len = 0;
	type("\x01");
	assert_true(drawn_width() > 70 && drawn_width() < 80);
	screen_len = 0;
	type("\x05");
	assert_true(drawn_width() > 70 && drawn_width() < 80);
	/* editing still works */
	type("\x7f");
	assert_int_equal(strlen(mt_lineedit_line(&ed)), MT_LINEEDIT_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_typing_echoes_and_enter_ends, setup),
		cmocka_unit_test_setup(test_cr_lf_is_one_enter_lf_alone_is_one, setup),
		cmocka_unit_test_setup(test_arrows_both_forms_insert_in_middle, setup),
		cmocka_unit_test_setup(test_home_end_every_form, setup),
		cmocka_unit_test_setup(test_backspace_delete, setup),
		cmocka_unit_test_setup(test_kill_keys, setup),
		cmocka_unit_test_setup(test_history_up_down, setup),
		cmocka_unit_test_setup(test_history_keeps_no_blanks_or_repeats_and_wraps, setup),
		cmocka_unit_test_setup(test_ctrl_c_cancels, setup),
		cmocka_unit_test_setup(test_tab_asks_for_completion, setup),
		cmocka_unit_test_setup(test_half_escape_then_keys, setup),
		cmocka_unit_test_setup(test_utf8_whole_characters, setup),
		cmocka_unit_test_setup(test_long_line_scrolls_and_stops_with_one_bell, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
