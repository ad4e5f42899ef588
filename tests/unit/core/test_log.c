/* Logging: levels, and a repeated message printed once with a count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "fake/manual_clock.h"

MT_LOG_MODULE("test");

static char lines[32][320];
static int nlines;

static void capture_sink(void *arg, enum mt_log_level level, const char *tag, const char *msg)
{
	if (nlines < 32)
		snprintf(lines[nlines++], sizeof(lines[0]), "%d %s: %s", level, tag, msg);
}

static struct mt_manual_clock clk;

static int setup(void **state)
{
	nlines = 0;
	mt_manual_clock_init(&clk);
	mt_log_set_sink(capture_sink, NULL);
	mt_log_set_clock(&clk.dev);
	mt_log_set_level(MT_LOG_INF);
	return 0;
}

static int teardown(void **state)
{
	mt_log_set_clock(NULL);
	mt_log_set_sink(NULL, NULL);
	return 0;
}

static void test_level_filters(void **state)
{
	MT_DBG("hidden %d", 1);
	MT_INF("shown %d", 2);
	MT_ERR("shown %d", 3);
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[0], "2 test: shown 2");
	assert_string_equal(lines[1], "0 test: shown 3");
}

static void test_repeats_counted_not_printed(void **state)
{
	/* A fault on every frame at 25 fps for 4 s: one line, then a count. */
	for (int i = 0; i < 100; i++) {
		MT_WRN("frame %s: bad marker", "x");
		mt_manual_clock_advance(&clk, 40000);
	}
	assert_int_equal(nlines, 1);
	mt_log_flush();
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[1], "1 test: frame x: bad marker (repeated 99 more times)");
}

static void test_repeat_window_reprints(void **state)
{
	MT_ERR("disk full");
	mt_manual_clock_advance(&clk, 1000);
	MT_ERR("disk full");
	mt_manual_clock_advance(&clk, MT_LOG_REPEAT_WINDOW_US);
	MT_ERR("disk full"); /* window over: count, then the line again */
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[1], "0 test: disk full (repeated 1 more times)");
	assert_string_equal(lines[2], "0 test: disk full");
}

static void test_different_messages_not_merged(void **state)
{
	MT_INF("camera %d", 1);
	MT_INF("camera %d", 2);
	MT_INF("camera %d", 1);
	assert_int_equal(nlines, 2);
}

static void test_level_parse(void **state)
{
	enum mt_log_level l;

	assert_int_equal(mt_log_level_parse("debug", &l), 0);
	assert_int_equal(l, MT_LOG_DBG);
	assert_int_equal(mt_log_level_parse("WRN", &l), 0);
	assert_int_equal(l, MT_LOG_WRN);
	assert_int_equal(mt_log_level_parse("loud", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_level_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeats_counted_not_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_window_reprints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_different_messages_not_merged, setup,
						teardown),
		cmocka_unit_test(test_level_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
