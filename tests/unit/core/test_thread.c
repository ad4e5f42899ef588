/* Threads: names, the stop flag, heartbeats on the clock hal. */
#define _GNU_SOURCE /* pthread_getname_np */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/thread.h"
#include "fake/manual_clock.h"

static struct mt_manual_clock clk;

static int setup(void **state)
{
	mt_manual_clock_init(&clk);
	return 0;
}

static int wait_for_stop(struct mt_thread *self, void *arg)
{
	struct timespec ms = { 0, 1000000L };
	int loops = 0;

	while (!mt_thread_should_stop(self)) {
		nanosleep(&ms, NULL);
		loops++;
	}
	*(int *)arg = loops;
	return 42;
}

static void test_name_is_set(void **state)
{
	struct mt_thread t;
	char name[32] = "";
	int loops = -1;

	mt_thread_init(&t, &clk.dev);
	assert_string_equal(mt_thread_name(&t), "");
	assert_int_equal(mt_thread_start(&t, "mt-capture-0123", wait_for_stop, &loops), 0);
	assert_int_equal(pthread_getname_np(t.tid, name, sizeof(name)), 0);
	assert_string_equal(name, "mt-capture-0123");
	assert_string_equal(mt_thread_name(&t), "mt-capture-0123");
	assert_int_equal(mt_thread_start(&t, "again", wait_for_stop, &loops), -EBUSY);
	mt_thread_stop(&t);
	assert_int_equal(mt_thread_join(&t), 42);
	assert_int_equal(mt_thread_join(&t), 42); /* safe twice */
}

static void test_bad_names_refused(void **state)
{
	struct mt_thread t;
	int loops;

	mt_thread_init(&t, &clk.dev);
	assert_int_equal(mt_thread_start(&t, "sixteen-chars-xx", wait_for_stop, &loops), -EINVAL);
	assert_int_equal(mt_thread_start(&t, "", wait_for_stop, &loops), -EINVAL);
	assert_int_equal(mt_thread_join(&t), 0); /* never ran */
}

static void test_stop_flag_ends_loop(void **state)
{
	struct mt_thread t;
	struct timespec pause = { 0, 20 * 1000000L };
	int loops = -1;

	mt_thread_init(&t, &clk.dev);
	assert_false(mt_thread_should_stop(&t));
	assert_int_equal(mt_thread_start(&t, "stopper", wait_for_stop, &loops), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(loops, -1); /* still running */
	mt_thread_stop(&t);
	assert_true(mt_thread_should_stop(&t));
	assert_int_equal(mt_thread_join(&t), 42);
	assert_true(loops > 0);

	/* A restart clears the flag. */
	loops = -1;
	assert_int_equal(mt_thread_start(&t, "stopper", wait_for_stop, &loops), 0);
	assert_false(mt_thread_should_stop(&t));
	mt_thread_stop(&t);
	assert_int_equal(mt_thread_join(&t), 42);
}

static int return_at_once(struct mt_thread *self, void *arg)
{
	return 0;
}

static void test_heartbeat_uses_clock_hal(void **state)
{
	struct mt_thread t;

	mt_manual_clock_set(&clk, 1000);
	mt_thread_init(&t, &clk.dev);
	assert_int_equal(mt_thread_last_beat(&t), 1000); /* fresh from init */
	mt_manual_clock_advance(&clk, 5000);
	assert_int_equal(mt_thread_last_beat(&t), 1000);
	mt_thread_beat(&t);
	assert_int_equal(mt_thread_last_beat(&t), 6000);

	mt_manual_clock_set(&clk, 9000000);
	assert_int_equal(mt_thread_start(&t, "beater", return_at_once, NULL), 0);
	assert_int_equal(mt_thread_join(&t), 0);
	assert_int_equal(mt_thread_last_beat(&t), 9000000); /* start beats */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_name_is_set, setup),
		cmocka_unit_test_setup(test_bad_names_refused, setup),
		cmocka_unit_test_setup(test_stop_flag_ends_loop, setup),
		cmocka_unit_test_setup(test_heartbeat_uses_clock_hal, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
