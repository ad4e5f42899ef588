/* Event state machine. */
#include "record/event.h"

#include <string.h>

void mt_event_init(struct mt_event *e, const struct mt_event_config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	if (e->cfg.trigger_frames == 0)
		e->cfg.trigger_frames = 1;
	e->stop_us = INT64_MIN;
}

enum mt_event_action mt_event_step(struct mt_event *e, int64_t ts_us, int motion, int64_t *at_us)
{
	if (motion) {
		if (e->run++ == 0)
			e->run_start_us = ts_us;
		e->last_motion_us = ts_us;
	} else {
		e->run = 0;
	}

	if (!e->active) {
		if (e->run < e->cfg.trigger_frames)
			return MT_EVENT_NONE;
		e->active = 1;
		e->events++;
		if (e->cfg.merge_us <= 0 || e->stop_us == INT64_MIN ||
		    e->run_start_us - e->stop_us > e->cfg.merge_us)
			e->clip_start_us = e->run_start_us;
		/* else: the recorder continues the clip, which began earlier */
		*at_us = e->run_start_us;
		return MT_EVENT_START;
	}
	/* Only a quiet frame ends an event: with a post-roll of 0 a motion
	 * frame would otherwise stop it and the next one start it again. */
	if (!motion && ts_us - e->last_motion_us >= e->cfg.postroll_us) {
		e->active = 0;
		e->stop_us = ts_us;
		*at_us = ts_us;
		return MT_EVENT_STOP;
	}
	if (ts_us - e->clip_start_us >= e->cfg.max_us) {
		e->clip_start_us = ts_us;
		*at_us = ts_us;
		return MT_EVENT_SPLIT;
	}
	return MT_EVENT_NONE;
}

enum mt_event_action mt_event_finish(struct mt_event *e, int64_t ts_us, int64_t *at_us)
{
	if (!e->active)
		return MT_EVENT_NONE;
	e->active = 0;
	e->stop_us = ts_us;
	*at_us = ts_us;
	return MT_EVENT_STOP;
}
