/* Supervisor, the acceptance test of the watchdog issue: the watchdog is fed
 * while every heartbeat is fresh, stops being fed within the heartbeat
 * timeout (+ one tick) of a thread's last beat however much the others beat,
 * the board would then reset after the watchdog timeout, and feeding resumes
 * when the thread comes back. Once on a manual clock tick by tick, once with
 * real threads on the Linux clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/log.h"
#include "core/supervisor.h"
#include "fake/fake_watchdog.h"
#include "fake/manual_clock.h"
#include "linux/linux_clock.h"

#define HEARTBEAT_MS 5000
#define WATCHDOG_MS  15000
#define PERIOD_US    (HEARTBEAT_MS * 1000 / 4)

static char lines[64][320];
static int nlines;

static void capture_sink(void *arg, enum mt_log_level level, const char *tag, const char *msg)
{
	if (nlines < 64)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s: %s", tag, msg);
}

static int count_lines(const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlines; i++)
		n += strstr(lines[i], needle) != NULL;
	return n;
}

static int setup(void **state)
{
	nlines = 0;
	mt_log_set_sink(capture_sink, NULL);
	return 0;
}

static int teardown(void **state)
{
	mt_log_set_sink(NULL, NULL);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A supervised thread: beats every 5 ms unless told to hang. */
struct worker {
	struct mt_thread t;
	atomic_bool hang;
};

static int work(struct mt_thread *self, void *arg)
{
	struct worker *w = arg;

	while (!mt_thread_should_stop(self)) {
		if (!atomic_load(&w->hang))
			mt_thread_beat(self);
		sleep_ms(5);
	}
	return 0;
}

static void start_workers(struct worker *w, int n, struct mt_clock *clock)
{
	static const char *const names[] = { "capture", "analysis", "writer" };

	for (int i = 0; i < n; i++) {
		mt_thread_init(&w[i].t, clock);
		atomic_init(&w[i].hang, true); /* the manual test beats for them */
		assert_int_equal(mt_thread_start(&w[i].t, names[i], work, &w[i]), 0);
	}
}

static void stop_workers(struct worker *w, int n)
{
	for (int i = 0; i < n; i++) {
		mt_thread_stop(&w[i].t);
		assert_int_equal(mt_thread_join(&w[i].t), 0);
	}
}

/* Advances the manual clock one period, beats the threads in mask, ticks. */
static int step(struct mt_manual_clock *clk, struct mt_supervisor *s, struct worker *w,
		unsigned mask)
{
	mt_manual_clock_advance(clk, PERIOD_US);
	for (int i = 0; i < 3; i++)
		if (mask & (1u << i))
			mt_thread_beat(&w[i].t);
	return mt_supervisor_tick(s);
}

static void test_stuck_thread_stops_feeding(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_watchdog wd;
	struct mt_supervisor s;
	struct mt_supervisor_health h;
	struct worker w[3];
	struct mt_supervisor_config cfg;
	int64_t last_beat, unfed_at = -1;
	uint64_t feeds;
	char text[512];
	bool expired_seen = false;

	mt_manual_clock_init(&clk);
	mt_manual_clock_set(&clk, 1000000);
	mt_fake_watchdog_init(&wd, &clk.dev);
	cfg = (struct mt_supervisor_config){ .clock = &clk.dev,
					     .watchdog = &wd.dev,
					     .heartbeat_timeout_ms = HEARTBEAT_MS,
					     .watchdog_timeout_ms = WATCHDOG_MS };
	mt_supervisor_init(&s, &cfg);
	start_workers(w, 3, &clk.dev);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mt_supervisor_watch(&s, &w[i].t, 0), 0);
	assert_int_equal(mt_watchdog_start(&wd.dev, WATCHDOG_MS), 0);

	/* All beating: every tick feeds. */
	for (uint64_t i = 1; i <= 10; i++) {
		assert_int_equal(step(&clk, &s, w, 7), 0);
		assert_int_equal(mt_fake_watchdog_feeds(&wd), i);
	}

	/* "analysis" hangs; the other two keep beating. */
	last_beat = mt_thread_last_beat(&w[1].t);
	for (int i = 0; i < 40 && unfed_at < 0; i++)
		if (step(&clk, &s, w, 5) == -ETIMEDOUT)
			unfed_at = mt_clock_mono_us(&clk.dev);
	assert_true(unfed_at > 0);
	assert_true(unfed_at - last_beat > (int64_t)HEARTBEAT_MS * 1000);
	assert_true(unfed_at - last_beat <= (int64_t)HEARTBEAT_MS * 1000 + PERIOD_US);
	assert_true(mt_fake_watchdog_last_feed_us(&wd) - last_beat <= HEARTBEAT_MS * 1000);
	assert_int_equal(count_lines("thread analysis stuck: no heartbeat for 6250 ms"), 1);

	/* The others beating does not help; the board would reset once the
	 * watchdog timeout has passed since the last feed, not before. */
	feeds = mt_fake_watchdog_feeds(&wd);
	for (int i = 0; i < 20; i++) {
		int64_t now;

		assert_int_equal(step(&clk, &s, w, 5), -ETIMEDOUT);
		now = mt_clock_mono_us(&clk.dev);
		assert_int_equal(mt_fake_watchdog_expired(&wd),
				 now - mt_fake_watchdog_last_feed_us(&wd) > WATCHDOG_MS * 1000LL);
		expired_seen |= mt_fake_watchdog_expired(&wd);
	}
	assert_true(expired_seen);
	assert_true(mt_fake_watchdog_would_reset(&wd));
	assert_int_equal(mt_fake_watchdog_feeds(&wd), feeds);
	assert_int_equal(count_lines("thread analysis stuck"), 1); /* logged once */
	assert_int_equal(count_lines("fake-watchdog: would reset"), 1);

	mt_supervisor_health(&s, &h);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.stale, 1);
	assert_false(h.feeding);
	assert_int_equal(h.feeds, feeds);
	assert_int_equal(h.missed, 21);
	assert_string_equal(h.threads[1].name, "analysis");
	assert_true(h.threads[1].stale);
	assert_false(h.threads[0].stale);
	assert_int_equal(h.threads[1].max_age_ms, HEARTBEAT_MS);
	assert_true(mt_supervisor_health_format(&h, text, sizeof(text)) < (int)sizeof(text));
	assert_non_null(strstr(text, "watchdog NOT FED"));
	assert_non_null(strstr(text, "analysis STUCK"));
	assert_non_null(strstr(text, "capture ok"));

	/* It comes back: feeding resumes on the next tick. */
	assert_int_equal(step(&clk, &s, w, 7), 0);
	assert_int_equal(mt_fake_watchdog_feeds(&wd), feeds + 1);
	assert_false(mt_fake_watchdog_expired(&wd));
	assert_int_equal(count_lines("thread analysis beats again"), 1);
	mt_supervisor_health(&s, &h);
	assert_int_equal(h.stale, 0);
	assert_true(h.feeding);

	stop_workers(w, 3);
	mt_supervisor_free(&s);
	mt_supervisor_free(&s);
	mt_supervisor_free(NULL);
	mt_fake_watchdog_free(&wd);
}

static void test_per_thread_max_age_and_feed_errors(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_watchdog wd;
	struct mt_supervisor s;
	struct mt_thread t[MT_SUPERVISOR_MAX_THREADS + 1];
	struct mt_supervisor_config cfg;

	mt_manual_clock_init(&clk);
	mt_fake_watchdog_init(&wd, &clk.dev);
	cfg = (struct mt_supervisor_config){ .clock = &clk.dev, .watchdog = &wd.dev };
	mt_supervisor_init(&s, &cfg);
	for (int i = 0; i <= MT_SUPERVISOR_MAX_THREADS; i++)
		mt_thread_init(&t[i], &clk.dev);
	assert_int_equal(mt_supervisor_watch(&s, &t[0], 100), 0);
	for (int i = 1; i < MT_SUPERVISOR_MAX_THREADS; i++)
		assert_int_equal(mt_supervisor_watch(&s, &t[i], 0), 0);
	assert_int_equal(mt_supervisor_watch(&s, &t[MT_SUPERVISOR_MAX_THREADS], 0), -ENOSPC);

	assert_int_equal(mt_watchdog_start(&wd.dev, 1000), 0);
	assert_int_equal(mt_supervisor_tick(&s), 0);
	/* 150 ms: stale for thread 0's own 100 ms limit, fresh for the rest
	 * (the default limit, CONFIG_MT_HEARTBEAT_TIMEOUT_MS). */
	mt_manual_clock_advance(&clk, 150000);
	for (int i = 1; i < MT_SUPERVISOR_MAX_THREADS; i++)
		mt_thread_beat(&t[i]);
	assert_int_equal(mt_supervisor_tick(&s), -ETIMEDOUT);
	mt_thread_beat(&t[0]);
	assert_int_equal(mt_supervisor_tick(&s), 0);

	/* A driver that refuses the feed: reported, counted. */
	mt_fake_watchdog_fail_feeds(&wd, -EIO);
	assert_int_equal(mt_supervisor_tick(&s), -EIO);
	assert_int_equal(s.feed_errors, 1);
	assert_false(s.feeding);
	mt_supervisor_free(&s);
	mt_fake_watchdog_free(&wd);
}

static void test_start_refuses_period_not_below_watchdog(void **state)
{
	struct mt_manual_clock clk;
	struct mt_fake_watchdog wd;
	struct mt_supervisor s;
	struct mt_supervisor_config cfg;

	mt_manual_clock_init(&clk);
	mt_fake_watchdog_init(&wd, &clk.dev);
	cfg = (struct mt_supervisor_config){ .clock = &clk.dev,
					     .watchdog = &wd.dev,
					     .period_ms = 2000,
					     .watchdog_timeout_ms = 2000 };
	mt_supervisor_init(&s, &cfg);
	assert_int_equal(mt_supervisor_start(&s), MT_ECONFIG);
	assert_false(mt_fake_watchdog_armed(&wd));
	mt_supervisor_free(&s);
	mt_fake_watchdog_free(&wd);
}

/* Real threads, the Linux clock, a 200 ms heartbeat timeout. */
static void test_running_supervisor_thread(void **state)
{
	struct mt_fake_watchdog wd;
	struct mt_supervisor s;
	struct mt_supervisor_health h;
	struct worker w[3];
	struct mt_clock *clock = &mt_linux_clock;
	const struct mt_supervisor_config cfg = {
		.clock = clock,
		.watchdog = &wd.dev,
		.heartbeat_timeout_ms = 200,
		.watchdog_timeout_ms = 300,
		.period_ms = 25,
	};
	int64_t last_beat, last_feed;
	uint64_t feeds;

	mt_fake_watchdog_init(&wd, clock);
	mt_supervisor_init(&s, &cfg);
	start_workers(w, 3, clock);
	for (int i = 0; i < 3; i++) {
		atomic_store(&w[i].hang, false);
		assert_int_equal(mt_supervisor_watch(&s, &w[i].t, 0), 0);
	}
	assert_int_equal(mt_supervisor_start(&s), 0);
	assert_true(mt_fake_watchdog_armed(&wd));
	assert_int_equal(mt_fake_watchdog_timeout_ms(&wd), 300);
	sleep_ms(150);
	assert_true(mt_fake_watchdog_feeds(&wd) >= 3);
	assert_false(mt_fake_watchdog_expired(&wd));

	atomic_store(&w[2].hang, true);
	sleep_ms(20); /* past any beat that was under way */
	last_beat = mt_thread_last_beat(&w[2].t);
	while (mt_clock_mono_us(clock) < last_beat + 200000 + 2 * 25000)
		sleep_ms(5);
	last_feed = mt_fake_watchdog_last_feed_us(&wd);
	assert_true(last_feed - last_beat <= 200000 + 25000);
	feeds = mt_fake_watchdog_feeds(&wd);
	while (mt_clock_mono_us(clock) < last_feed + 300000 + 20000)
		sleep_ms(5);
	assert_int_equal(mt_fake_watchdog_feeds(&wd), feeds);
	assert_true(mt_fake_watchdog_expired(&wd));
	mt_supervisor_health(&s, &h);
	assert_true(h.threads[2].stale);
	assert_string_equal(h.threads[2].name, "writer");

	atomic_store(&w[2].hang, false);
	sleep_ms(100);
	assert_true(mt_fake_watchdog_feeds(&wd) > feeds);
	assert_false(mt_fake_watchdog_expired(&wd));

	mt_supervisor_stop(&s);
	assert_false(mt_fake_watchdog_armed(&wd)); /* an orderly stop disarms */
	assert_int_equal(count_lines("thread writer stuck"), 1);
	stop_workers(w, 3);
	mt_supervisor_free(&s);
	mt_fake_watchdog_free(&wd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stuck_thread_stops_feeding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_thread_max_age_and_feed_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_refuses_period_not_below_watchdog, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_running_supervisor_thread, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
