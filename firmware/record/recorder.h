/* The recorder turns event decisions into clips: on START it goes back in the
 * pre-roll ring to the last keyframe at or before (trigger - pre-roll), then
 * follows the ring frame by frame into the clip until the frame after STOP.
 * The analysis thread posts decisions; the clip-writer thread polls. Frames
 * the writer could not reach before the ring evicted them are counted. An
 * H.264 clip splits at the first keyframe at or after the SPLIT time, so the
 * chained clip starts decodable and no frame is lost. */
#ifndef MT_RECORD_RECORDER_H
#define MT_RECORD_RECORDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/ring.h"
#include "record/clip.h"
#include "record/event.h"

#define MT_RECORDER_CMDS 16

struct mt_recorder_stats {
	uint64_t clips;
	uint64_t frames;        /* written into clips */
	uint64_t lost;          /* evicted from the ring before they were written */
	uint64_t errors;        /* clips that could not be written or finished */
	uint64_t preroll_short; /* clips whose pre-roll the ring could not hold */
	uint64_t refused;       /* frames the muxer dropped as bad input (clip went on) */
	uint64_t merged;        /* events that continued the clip before them */
};

typedef void (*mt_recorder_clip_cb)(void *arg, const struct mt_clip_info *clip);

struct mt_recorder {
	int64_t preroll_us;
	struct mt_ring *ring;          /* borrowed */
	struct mt_clip_writer *writer; /* borrowed */
	mt_recorder_clip_cb on_clip;
	void *cb_arg;

	pthread_mutex_t lock; /* guards cmds */
	pthread_cond_t posted;
	struct {
		enum mt_event_action action;
		int64_t at_us;
	} cmds[MT_RECORDER_CMDS];
	unsigned int ncmds;
	int64_t horizon_us; /* newest frame time analysed; INT64_MAX: no gate */

	/* writer-thread state */
	int recording;
	uint64_t next;        /* ring position of the next frame to write */
	int64_t end_us;       /* last frame time of the clip, INT64_MAX while open */
	int64_t split_us;     /* first frame time of the next chained clip */
	int64_t merge_gap_us; /* see mt_recorder_set_merge_gap(); < 0: never merge */
	int closing;          /* past end_us, waiting to see whether an event merges */
	struct mt_recorder_stats stats;
	/* for other threads: the writer's next ring position while it records */
	_Atomic uint64_t pub_next;
	_Atomic int pub_recording;
};

/* ring and writer must outlive the recorder; on_clip runs on the writer
 * thread after each finished clip (may be NULL). */
void mt_recorder_init(struct mt_recorder *rec, int64_t preroll_us, struct mt_ring *ring,
		      struct mt_clip_writer *writer, mt_recorder_clip_cb on_clip, void *arg);
void mt_recorder_free(struct mt_recorder *rec);

/* Events closer than gap_us merge: a START whose pre-roll would begin no later
 * than gap_us after the open clip's last frame continues that clip (the
 * frames between them included) instead of starting a new one, so no frame is
 * stored twice and a thief who stops for a moment stays in one clip. The
 * writer holds the clip open, writing nothing past its STOP, until analysis
 * is past (STOP + gap + pre-roll) or a START arrives; the ring must keep that
 * long for a merge to be seamless (when it cannot, the clip simply ends). A
 * gap of 0 merges only overlapping pre-rolls; < 0 (the default) never. */
void mt_recorder_set_merge_gap(struct mt_recorder *rec, int64_t gap_us);

/* From the analysis thread: an mt_event_step() decision. -EAGAIN if full. */
int mt_recorder_post(struct mt_recorder *rec, enum mt_event_action action, int64_t at_us);

/* From the analysis thread: every frame up to ts_us has been analysed, so
 * its decisions are posted. The writer writes no frame newer than this, so
 * a clip never runs past its STOP. INT64_MAX (the initial state) lifts the
 * gate: analysis is over, or the caller decides without it. */
void mt_recorder_analysed(struct mt_recorder *rec, int64_t ts_us);

/* From the writer thread: apply decisions, write what is due, wait up to
 * timeout_ms for more. MT_EEND once the ring is closed and all is written. */
int mt_recorder_poll(struct mt_recorder *rec, int timeout_ms);

/* From any thread: frames between the writer's next ring position and head
 * (the position the next push gets) while a clip is being written, else 0.
 * A capture that may wait (a replay run as fast as it reads) waits while
 * this nears what the ring keeps, so the writer never loses a frame. */
uint64_t mt_recorder_backlog(struct mt_recorder *rec, uint64_t head);

#endif
