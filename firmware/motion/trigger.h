/* The motion event state machine, with hysteresis: an event starts after
 * trigger_frames analysed frames in a row with motion (persistent blobs),
 * is sustained by weaker evidence (any moving blob of the minimum size, or a
 * frame too changed to judge), is released after release_us without it, but
 * never before min_us from its start, and is ended at max_us (the engine
 * then takes the scene as changed and learns it again). Pure function of
 * per-frame inputs and time.
 *
 *   IDLE --motion--> PENDING --trigger_frames in a row--> ACTIVE (START)
 *   PENDING --no motion--> IDLE
 *   ACTIVE --no sustain--> RELEASING --sustain--> ACTIVE
 *   RELEASING --release_us quiet and min_us since start--> IDLE (STOP)
 *   ACTIVE, RELEASING --max_us since start--> IDLE (STOP, max reached) */
#ifndef MT_MOTION_TRIGGER_H
#define MT_MOTION_TRIGGER_H

#include <stdint.h>

struct mt_trigger_config {
	uint32_t trigger_frames; /* frames in a row with motion to start (0 means 1) */
	int64_t release_us;      /* quiet time that ends an event */
	int64_t min_us;          /* shortest event */
	int64_t max_us;          /* longest event */
};

enum mt_trigger_state {
	MT_TRIGGER_IDLE = 0,
	MT_TRIGGER_PENDING,
	MT_TRIGGER_ACTIVE,
	MT_TRIGGER_RELEASING,
};

enum mt_trigger_action {
	MT_TRIGGER_NONE = 0,
	MT_TRIGGER_START, /* at: the first frame of the motion that triggered */
	MT_TRIGGER_STOP,  /* at: the frame that ended the event */
};

struct mt_trigger {
	struct mt_trigger_config cfg;
	enum mt_trigger_state state;
	uint32_t run;         /* frames in a row with motion */
	int64_t run_start_us; /* first frame of the run */
	int64_t start_us;     /* the event's start */
	int64_t last_us;      /* last frame that sustained it */
	int max_reached;      /* the last STOP was at max_us */
	uint64_t events;      /* started so far */
};

/* cfg is copied. Cannot fail. */
void mt_trigger_init(struct mt_trigger *t, const struct mt_trigger_config *cfg);

/* One analysed frame at ts_us: motion (persistent motion seen) and sustain
 * (weaker evidence that the event goes on; motion implies it). *at_us is set
 * for START and STOP. */
enum mt_trigger_action mt_trigger_step(struct mt_trigger *t, int64_t ts_us, int motion, int sustain,
				       int64_t *at_us);

/* The input ended: STOP an event in progress at ts_us. */
enum mt_trigger_action mt_trigger_finish(struct mt_trigger *t, int64_t ts_us, int64_t *at_us);

/* 1 while an event is in progress (ACTIVE or RELEASING). */
int mt_trigger_in_event(const struct mt_trigger *t);

const char *mt_trigger_state_name(enum mt_trigger_state s);

#endif
