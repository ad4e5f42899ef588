/* Motion event state machine with hysteresis. */
#include "motion/trigger.h"

#include <string.h>

void mt_trigger_init(struct mt_trigger *t, const struct mt_trigger_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	if (t->cfg.trigger_frames == 0)
		t->cfg.trigger_frames = 1;
}

int mt_trigger_in_event(const struct mt_trigger *t)
{
	return t->state == MT_TRIGGER_ACTIVE || t->state == MT_TRIGGER_RELEASING;
}

static enum mt_trigger_action stop(struct mt_trigger *t, int64_t ts_us, int64_t *at_us,
				   int max_reached)
{
	t->state = MT_TRIGGER_IDLE;
	t->run = 0;
	t->max_reached = max_reached;
	*at_us = ts_us;
	return MT_TRIGGER_STOP;
}

/* IDLE and PENDING: count motion frames in a row. */
static enum mt_trigger_action wait_trigger(struct mt_trigger *t, int64_t ts_us, int motion,
					   int64_t *at_us)
{
	if (!motion) {
		t->state = MT_TRIGGER_IDLE;
		t->run = 0;
		return MT_TRIGGER_NONE;
	}
	if (t->run++ == 0)
		t->run_start_us = ts_us;
	if (t->run < t->cfg.trigger_frames) {
		t->state = MT_TRIGGER_PENDING;
		return MT_TRIGGER_NONE;
	}
	t->state = MT_TRIGGER_ACTIVE;
	t->start_us = t->run_start_us;
	t->last_us = ts_us;
	t->max_reached = 0;
	t->events++;
	*at_us = t->run_start_us;
	return MT_TRIGGER_START;
}

enum mt_trigger_action mt_trigger_step(struct mt_trigger *t, int64_t ts_us, int motion, int sustain,
				       int64_t *at_us)
{
	if (!mt_trigger_in_event(t))
		return wait_trigger(t, ts_us, motion, at_us);
	if (ts_us - t->start_us >= t->cfg.max_us)
		return stop(t, ts_us, at_us, 1);
	if (motion || sustain) {
		t->state = MT_TRIGGER_ACTIVE;
		t->last_us = ts_us;
		return MT_TRIGGER_NONE;
	}
	t->state = MT_TRIGGER_RELEASING;
	if (ts_us - t->last_us >= t->cfg.release_us && ts_us - t->start_us >= t->cfg.min_us)
		return stop(t, ts_us, at_us, 0);
	return MT_TRIGGER_NONE;
}

enum mt_trigger_action mt_trigger_finish(struct mt_trigger *t, int64_t ts_us, int64_t *at_us)
{
	if (!mt_trigger_in_event(t))
		return MT_TRIGGER_NONE;
	return stop(t, ts_us, at_us, 0);
}

const char *mt_trigger_state_name(enum mt_trigger_state s)
{
	switch (s) {
	case MT_TRIGGER_IDLE:
		return "idle";
	case MT_TRIGGER_PENDING:
		return "pending";
	case MT_TRIGGER_ACTIVE:
		return "active";
	case MT_TRIGGER_RELEASING:
		return "releasing";
	}
	return "?";
}
