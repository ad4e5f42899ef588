/* The event state machine: per analysed frame, motion or not, in; start,
 * split and stop decisions out. Motion must persist trigger_frames frames to
 * start an event (a single flash or raindrop does not); the event ends
 * postroll after the last motion; an event longer than max is split into
 * chained clips without losing a frame. An event that starts within merge
 * of the previous STOP continues that clip (the recorder merges them), so the
 * clip's length, and with it the next SPLIT, counts from the first one. Pure
 * function of inputs and time. */
#ifndef MT_RECORD_EVENT_H
#define MT_RECORD_EVENT_H

#include <stdint.h>

struct mt_event_config {
	uint32_t trigger_frames; /* consecutive motion frames to start */
	int64_t postroll_us;     /* quiet time that ends an event */
	int64_t max_us;          /* longest clip before a split */
	int64_t merge_us;        /* a START this soon after a STOP continues its clip
				  * (the recorder's pre-roll + merge gap); 0: never */
};

enum mt_event_action {
	MT_EVENT_NONE = 0,
	MT_EVENT_START, /* at: when the motion that triggered began */
	MT_EVENT_SPLIT, /* at: the first frame of the next chained clip */
	MT_EVENT_STOP,  /* at: the last frame of the event */
};

struct mt_event {
	struct mt_event_config cfg;
	int active;
	uint32_t run;         /* consecutive motion frames so far */
	int64_t run_start_us; /* time of the first frame of the run */
	int64_t clip_start_us;
	int64_t last_motion_us;
	int64_t stop_us; /* time of the last STOP; INT64_MIN before any */
	uint64_t events; /* started so far */
};

/* cfg is copied. */
void mt_event_init(struct mt_event *e, const struct mt_event_config *cfg);

/* One analysed frame at ts_us. *at_us is set for every action but NONE. */
enum mt_event_action mt_event_step(struct mt_event *e, int64_t ts_us, int motion, int64_t *at_us);

/* The input ended (camera gone, shutdown): STOP an active event at ts_us. */
enum mt_event_action mt_event_finish(struct mt_event *e, int64_t ts_us, int64_t *at_us);

#endif
