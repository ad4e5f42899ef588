/* Recording watchdog: feeds recorded with the clock's time, expiry, the
 * "would reset" latch and its one log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "fake/fake_watchdog.h"
#include "fake/manual_clock.h"

static int resets_logged;

static void sink(void *arg, enum mt_log_level level, const char *tag, const char *msg)
{
	resets_logged += strstr(msg, "would reset") != NULL;
}

static void test_feeds_recorded_and_expiry(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_watchdog w;
	int64_t times[8];

	resets_logged = 0;
	mt_log_set_sink(sink, NULL);
	mt_manual_clock_init(&clk);
	mt_fake_watchdog_init(&w, &clk.dev);
	assert_int_equal(mt_watchdog_feed(&w.dev), -EPERM); /* not armed */
	assert_false(mt_fake_watchdog_expired(&w));
	assert_int_equal(mt_watchdog_start(&w.dev, 1000), 0);
	assert_true(mt_fake_watchdog_armed(&w));
	assert_int_equal(mt_fake_watchdog_timeout_ms(&w), 1000);

	for (int i = 0; i < 3; i++) {
		mt_manual_clock_advance(&clk, 400000);
		assert_int_equal(mt_watchdog_feed(&w.dev), 0);
	}
	assert_int_equal(mt_fake_watchdog_feeds(&w), 3);
	assert_int_equal(mt_fake_watchdog_feed_times(&w, times, 8), 3);
	assert_int_equal(times[0], 400000);
	assert_int_equal(times[2], 1200000);
	assert_int_equal(mt_fake_watchdog_feed_times(&w, times, 2), 2); /* the latest two */
	assert_int_equal(times[0], 800000);
	assert_int_equal(times[1], 1200000);

	mt_manual_clock_advance(&clk, 1000000); /* exactly the timeout: still fine */
	assert_false(mt_fake_watchdog_expired(&w));
	mt_manual_clock_advance(&clk, 1);
	assert_true(mt_fake_watchdog_expired(&w));
	assert_true(mt_fake_watchdog_expired(&w));
	assert_true(mt_fake_watchdog_would_reset(&w));
	assert_int_equal(resets_logged, 1);

	/* Fed again: no longer expired, but the reset stays on record. */
	assert_int_equal(mt_watchdog_feed(&w.dev), 0);
	assert_false(mt_fake_watchdog_expired(&w));
	assert_true(mt_fake_watchdog_would_reset(&w));
	assert_int_equal(resets_logged, 1);

	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
	mt_manual_clock_advance(&clk, 10000000);
	assert_false(mt_fake_watchdog_expired(&w));
	mt_fake_watchdog_free(&w);
	mt_fake_watchdog_free(&w);
	mt_fake_watchdog_free(NULL);
	mt_log_set_sink(NULL, NULL);
}

static void test_late_feed_latches_reset(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_watchdog w;

	resets_logged = 0;
	mt_log_set_sink(sink, NULL);
	mt_manual_clock_init(&clk);
	mt_fake_watchdog_init(&w, &clk.dev);
	assert_int_equal(mt_watchdog_start(&w.dev, 500), 0);
	mt_manual_clock_advance(&clk, 600000);
	assert_int_equal(mt_watchdog_feed(&w.dev), 0); /* nobody asked expired() */
	assert_true(mt_fake_watchdog_would_reset(&w));
	assert_int_equal(resets_logged, 1);

	mt_fake_watchdog_fail_feeds(&w, -EIO);
	assert_int_equal(mt_watchdog_feed(&w.dev), -EIO);
	assert_int_equal(mt_fake_watchdog_feeds(&w), 1);
	assert_int_equal(mt_watchdog_start(&w.dev, 0), -EINVAL);
	mt_fake_watchdog_free(&w);
	mt_log_set_sink(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feeds_recorded_and_expiry),
		cmocka_unit_test(test_late_feed_latches_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
