/* The motion event state machine: every transition of the diagram in
 * motion/trigger.h, with the times its actions carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "motion/trigger.h"

#define MS    1000
#define FRAME (40 * MS) /* 25 fps */

static const struct mt_trigger_config cfg = {
	.trigger_frames = 3,
	.release_us = 200 * MS,
	.min_us = 0,
	.max_us = 10000 * MS,
};

static struct mt_trigger t;
static int64_t now;

/* One frame; returns the action, with *at set for START and STOP. */
static enum mt_trigger_action frame(int motion, int sustain, int64_t *at)
{
	enum mt_trigger_action a = mt_trigger_step(&t, now, motion, sustain, at);

	now += FRAME;
	return a;
}

static void test_trigger_needs_frames_in_a_row(void **state)
{
	int64_t at = -1;

	mt_trigger_init(&t, &cfg);
	now = 0;
	assert_int_equal(t.state, MT_TRIGGER_IDLE);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_PENDING);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE);
	/* A break goes back to idle, and the count starts over. */
	assert_int_equal(frame(0, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_IDLE);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE); /* t = 120 ms */
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(at, -1);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_START);
	assert_int_equal(at, 3 * FRAME); /* the run's first frame */
	assert_int_equal(t.state, MT_TRIGGER_ACTIVE);
	assert_true(mt_trigger_in_event(&t));
	assert_int_equal(t.events, 1);
	/* Sustain alone never starts one. */
	mt_trigger_init(&t, &cfg);
	for (int i = 0; i < 20; i++)
		assert_int_equal(frame(0, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_IDLE);
}

static void start(void)
{
	int64_t at;

	mt_trigger_init(&t, &cfg);
	now = 0;
	frame(1, 1, &at);
	frame(1, 1, &at);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_START);
}

static void test_release_with_hysteresis(void **state)
{
	int64_t at = -1;

	start();
	/* Weaker evidence keeps it going. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(frame(0, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_ACTIVE);
	/* Quiet: releasing; evidence again: active. */
	assert_int_equal(frame(0, 0, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_RELEASING);
	assert_true(mt_trigger_in_event(&t));
	assert_int_equal(frame(0, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(t.state, MT_TRIGGER_ACTIVE);
	/* The last sustaining frame was at now - FRAME: 200 ms later it ends. */
	{
		int64_t last = now - FRAME;
		enum mt_trigger_action a = MT_TRIGGER_NONE;

		while (a == MT_TRIGGER_NONE)
			a = frame(0, 0, &at);
		assert_int_equal(a, MT_TRIGGER_STOP);
		assert_int_equal(at, last + 200 * MS);
	}
	assert_int_equal(t.state, MT_TRIGGER_IDLE);
	assert_false(t.max_reached);
	assert_false(mt_trigger_in_event(&t));
}

static void test_min_length_holds(void **state)
{
	struct mt_trigger_config c = cfg;
	int64_t at = -1;
	enum mt_trigger_action a = MT_TRIGGER_NONE;

	c.min_us = 1000 * MS;
	mt_trigger_init(&t, &c);
	now = 0;
	frame(1, 1, &at);
	frame(1, 1, &at);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_START);
	while (a == MT_TRIGGER_NONE)
		a = frame(0, 0, &at);
	assert_int_equal(a, MT_TRIGGER_STOP);
	assert_int_equal(at, 1000 * MS); /* start 0 + min, not 80 + 200 ms */
}

static void test_max_length_ends(void **state)
{
	struct mt_trigger_config c = cfg;
	int64_t at = -1;
	enum mt_trigger_action a = MT_TRIGGER_NONE;

	c.max_us = 2000 * MS;
	mt_trigger_init(&t, &c);
	now = 0;
	while (a != MT_TRIGGER_START)
		a = frame(1, 1, &at);
	a = MT_TRIGGER_NONE;
	while (a == MT_TRIGGER_NONE)
		a = frame(1, 1, &at);
	assert_int_equal(a, MT_TRIGGER_STOP);
	assert_int_equal(at, 2000 * MS);
	assert_true(t.max_reached);
	/* Motion goes on: a new event after trigger_frames more. */
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_NONE);
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_START);
	assert_false(t.max_reached);
	assert_int_equal(t.events, 2);
}

static void test_finish_and_one_frame_trigger(void **state)
{
	struct mt_trigger_config c = cfg;
	int64_t at = -1;

	mt_trigger_init(&t, &cfg);
	assert_int_equal(mt_trigger_finish(&t, 5, &at), MT_TRIGGER_NONE);
	start();
	assert_int_equal(mt_trigger_finish(&t, 12345, &at), MT_TRIGGER_STOP);
	assert_int_equal(at, 12345);
	assert_int_equal(t.state, MT_TRIGGER_IDLE);
	c.trigger_frames = 0; /* means 1 */
	mt_trigger_init(&t, &c);
	now = 7;
	assert_int_equal(frame(1, 1, &at), MT_TRIGGER_START);
	assert_int_equal(at, 7);
	assert_string_equal(mt_trigger_state_name(MT_TRIGGER_RELEASING), "releasing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trigger_needs_frames_in_a_row),
		cmocka_unit_test(test_release_with_hysteresis),
		cmocka_unit_test(test_min_length_holds),
		cmocka_unit_test(test_max_length_ends),
		cmocka_unit_test(test_finish_and_one_frame_trigger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
