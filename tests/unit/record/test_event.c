/* Event state machine, driven by a table: each case is a motion pattern (one
 * character per analysed frame at 10 fps, 'M' motion, '.' none) and the
 * decisions it must give, with the frame each comes at and the frame whose
 * time it carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "record/event.h"

#define T0    5000000 /* time of frame 0: not zero, so "0" is never right by luck */
#define FRAME 100000  /* 10 fps */
#define TS(i) ((int64_t)T0 + (int64_t)(i)*FRAME)

struct expect {
	int frame; /* index of the step that returns it; -1 for finish() */
	enum mt_event_action action;
	int at; /* frame index whose time *at_us must be */
};

struct event_case {
	const char *name;
	uint32_t trigger;
	int64_t postroll_ms;
	int64_t max_ms;
	const char *motion;
	int finish; /* call finish() at the frame after the pattern */
	uint64_t events;
	struct expect want[6]; /* up to the first action NONE */
};

/* A case run with the recorder's pre-roll + merge gap. */
struct merge_case {
	int64_t merge_ms;
	struct event_case c;
};

#define START MT_EVENT_START
#define SPLIT MT_EVENT_SPLIT
#define STOP  MT_EVENT_STOP

static const struct event_case cases[] = {
	{ "N frames trigger", 3, 500, 60000, "MMM", 0, 1, { { 2, START, 0 } } },
	{ "N-1 frames do not", 3, 500, 60000, "MM........", 0, 0, { { 0 } } },
	{ "a gap restarts the count", 3, 500, 60000, "MM.MM.MM.M.MM", 0, 0, { { 0 } } },
	{ "START carries the run's first frame",
	  3,
	  500,
	  60000,
	  "..M.MMMM",
	  0,
	  1,
	  { { 6, START, 4 } } },
	{ "STOP postroll after the last motion",
	  3,
	  500,
	  60000,
	  "MMM.........",
	  0,
	  1,
	  { { 2, START, 0 }, { 7, STOP, 7 } } },
	{ "motion in the postroll extends it",
	  3,
	  500,
	  60000,
	  "MMM....M..........",
	  0,
	  1,
	  { { 2, START, 0 }, { 12, STOP, 12 } } },
	{ "SPLIT every max",
	  3,
	  500,
	  1000,
	  "MMMMMMMMMMMMMMMMMMMMMMMM",
	  0,
	  1,
	  { { 2, START, 0 }, { 10, SPLIT, 10 }, { 20, SPLIT, 20 } } },
	{ "SPLIT then STOP",
	  3,
	  500,
	  1000,
	  "MMMMMMMMMMMM........",
	  0,
	  1,
	  { { 2, START, 0 }, { 10, SPLIT, 10 }, { 16, STOP, 16 } } },
	{ "STOP wins over a due SPLIT",
	  3,
	  500,
	  1000,
	  "MMMMMM.......",
	  0,
	  1,
	  { { 2, START, 0 }, { 10, STOP, 10 } } },
	{ "two events",
	  3,
	  500,
	  60000,
	  "MMM.....MMM",
	  0,
	  2,
	  { { 2, START, 0 }, { 7, STOP, 7 }, { 10, START, 8 } } },
	{ "quiet frames between events do not count",
	  2,
	  300,
	  60000,
	  "MM...M.M..MM",
	  0,
	  2,
	  { { 1, START, 0 }, { 4, STOP, 4 }, { 11, START, 10 } } },
	{ "postroll 0: STOP at the first quiet frame",
	  3,
	  0,
	  60000,
	  "MMMMMM..MMM",
	  0,
	  2,
	  { { 2, START, 0 }, { 6, STOP, 6 }, { 10, START, 8 } } },
	{ "trigger 1", 1, 500, 60000, ".M", 0, 1, { { 1, START, 1 } } },
	{ "trigger 0 means 1", 0, 500, 60000, "M", 0, 1, { { 0, START, 0 } } },
	{ "finish stops an active event",
	  3,
	  500,
	  60000,
	  "MMMM",
	  1,
	  1,
	  { { 2, START, 0 }, { -1, STOP, 4 } } },
	{ "finish during the postroll",
	  3,
	  500,
	  60000,
	  "MMM..",
	  1,
	  1,
	  { { 2, START, 0 }, { -1, STOP, 5 } } },
	{ "finish without an event", 3, 500, 60000, "MM", 1, 0, { { 0 } } },
	{ "finish after STOP", 3, 200, 60000, "MMM...", 1, 1, { { 2, START, 0 }, { 4, STOP, 4 } } },
};

static const struct merge_case merge_cases[] = {
	{ 500,
	  { .name = "a START within merge continues the clip: SPLIT counts from the first",
	    .trigger = 1,
	    .postroll_ms = 200,
	    .max_ms = 1000,
	    .motion = "MM....MMMMMMM",
	    .events = 2,
	    .want = { { 0, START, 0 }, { 3, STOP, 3 }, { 6, START, 6 }, { 10, SPLIT, 10 } } } },
	{ 500,
	  { .name = "a START beyond merge begins a clip of its own",
	    .trigger = 1,
	    .postroll_ms = 200,
	    .max_ms = 1000,
	    .motion = "MM.......MMMMMMMMMMM",
	    .events = 2,
	    .want = { { 0, START, 0 }, { 3, STOP, 3 }, { 9, START, 9 }, { 19, SPLIT, 19 } } } },
	{ 0,
	  { .name = "without merge every START begins a clip",
	    .trigger = 1,
	    .postroll_ms = 200,
	    .max_ms = 1000,
	    .motion = "MM....MMMMMMMMMMM",
	    .events = 2,
	    .want = { { 0, START, 0 }, { 3, STOP, 3 }, { 6, START, 6 }, { 16, SPLIT, 16 } } } },
};

static const char *action_name(enum mt_event_action a)
{
	static const char *const names[] = { "NONE", "START", "SPLIT", "STOP" };

	return (unsigned)a < 4 ? names[a] : "?";
}

static void check(const struct event_case *c, size_t *k, int frame, enum mt_event_action got,
		  int64_t at_us)
{
	const struct expect *w = &c->want[*k];

	if (got == MT_EVENT_NONE)
		return;
	if (w->action == MT_EVENT_NONE)
		fail_msg("%s: frame %d: unexpected %s", c->name, frame, action_name(got));
	if (w->frame != frame || w->action != got || TS(w->at) != at_us)
		fail_msg("%s: frame %d: %s at %lld us, expected %s at frame %d (%lld us) on %d",
			 c->name, frame, action_name(got), (long long)at_us, action_name(w->action),
			 w->at, (long long)TS(w->at), w->frame);
	(*k)++;
}

static void run_case(const struct event_case *c, int64_t merge_ms)
{
	struct mt_event_config cfg = { c->trigger, c->postroll_ms * 1000, c->max_ms * 1000,
				       merge_ms * 1000 };
	int len = (int)strlen(c->motion);
	struct mt_event e;
	size_t k = 0;

	mt_event_init(&e, &cfg);
	for (int i = 0; i < len; i++) {
		int64_t at = INT64_MIN;
		enum mt_event_action a = mt_event_step(&e, TS(i), c->motion[i] == 'M', &at);

		check(c, &k, i, a, at);
	}
	if (c->finish) {
		int64_t at = INT64_MIN;
		enum mt_event_action a = mt_event_finish(&e, TS(len), &at);

		check(c, &k, -1, a, at);
		/* Finished: nothing more to stop. */
		assert_int_equal(mt_event_finish(&e, TS(len + 1), &at), MT_EVENT_NONE);
		assert_false(e.active);
	}
	if (c->want[k].action != MT_EVENT_NONE)
		fail_msg("%s: %s on frame %d never came", c->name, action_name(c->want[k].action),
			 c->want[k].frame);
	if (e.events != c->events)
		fail_msg("%s: %llu events, expected %llu", c->name, (unsigned long long)e.events,
			 (unsigned long long)c->events);
}

static void test_table(void **state)
{
	for (size_t n = 0; n < sizeof(cases) / sizeof(cases[0]); n++)
		run_case(&cases[n], 0);
}

static void test_merge(void **state)
{
	for (size_t n = 0; n < sizeof(merge_cases) / sizeof(merge_cases[0]); n++)
		run_case(&merge_cases[n].c, merge_cases[n].merge_ms);
}

/* The numbers the pipeline runs with: 25 fps, 3 frames, 5 s, 300 s. A car
 * passing for 2 s gives one clip whose times are exactly these. */
static void test_pipeline_numbers(void **state)
{
	const struct mt_event_config cfg = { 3, 5000000, 300000000, 0 };
	struct mt_event e;
	int64_t at = 0, start = -1, stop = -1;
	int starts = 0, stops = 0;

	mt_event_init(&e, &cfg);
	for (int i = 0; i < 25 * 20; i++) {
		int64_t ts = 1000000 + (int64_t)i * 40000;
		int motion = i >= 100 && i < 150; /* 4 s .. 6 s */

		switch (mt_event_step(&e, ts, motion, &at)) {
		case MT_EVENT_START:
			starts++;
			start = at;
			assert_int_equal(i, 102);
			break;
		case MT_EVENT_STOP:
			stops++;
			stop = at;
			break;
		case MT_EVENT_SPLIT:
			fail_msg("split in a 7 s event");
			break;
		default:
			break;
		}
	}
	assert_int_equal(starts, 1);
	assert_int_equal(stops, 1);
	assert_int_equal(start, 1000000 + 100 * 40000);
	assert_int_equal(stop, 1000000 + 149 * 40000 + 5000000); /* last motion + postroll */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_pipeline_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
