/* Recorder: event decisions → clips, fed from the pre-roll ring. */
#include "record/recorder.h"

#include <stdbool.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"
#include "core/wait.h"

MT_LOG_MODULE("recorder");

void mt_recorder_init(struct mt_recorder *rec, int64_t preroll_us, struct mt_ring *ring,
		      struct mt_clip_writer *writer, mt_recorder_clip_cb on_clip, void *arg)
{
	memset(rec, 0, sizeof(*rec));
	rec->preroll_us = preroll_us;
	rec->ring = ring;
	rec->writer = writer;
	rec->on_clip = on_clip;
	rec->cb_arg = arg;
	pthread_mutex_init(&rec->lock, NULL);
	mt_wait_cond_init(&rec->posted);
	rec->horizon_us = INT64_MAX;
	rec->merge_gap_us = -1;
}

void mt_recorder_set_merge_gap(struct mt_recorder *rec, int64_t gap_us)
{
	rec->merge_gap_us = gap_us;
}

void mt_recorder_free(struct mt_recorder *rec)
{
	if (!rec->ring)
		return;
	pthread_cond_destroy(&rec->posted);
	pthread_mutex_destroy(&rec->lock);
	rec->ring = NULL;
}

int mt_recorder_post(struct mt_recorder *rec, enum mt_event_action action, int64_t at_us)
{
	int ret = 0;

	pthread_mutex_lock(&rec->lock);
	if (rec->ncmds == MT_RECORDER_CMDS) {
		ret = -EAGAIN;
	} else {
		rec->cmds[rec->ncmds].action = action;
		rec->cmds[rec->ncmds].at_us = at_us;
		rec->ncmds++;
		pthread_cond_signal(&rec->posted);
	}
	pthread_mutex_unlock(&rec->lock);
	return ret;
}

void mt_recorder_analysed(struct mt_recorder *rec, int64_t ts_us)
{
	pthread_mutex_lock(&rec->lock);
	rec->horizon_us = ts_us;
	pthread_cond_signal(&rec->posted);
	pthread_mutex_unlock(&rec->lock);
}

/* Is f beyond what analysis has decided about? Then wait a while for it. */
static int ahead_of_analysis(struct mt_recorder *rec, const struct mt_frame *f, int timeout_ms)
{
	struct timespec until;
	int ahead;

	pthread_mutex_lock(&rec->lock);
	ahead = f->ts_us > rec->horizon_us;
	if (ahead && timeout_ms > 0) {
		mt_wait_deadline(&until, timeout_ms);
		pthread_cond_timedwait(&rec->posted, &rec->lock, &until);
	}
	pthread_mutex_unlock(&rec->lock);
	return ahead;
}

static int idle_and_done(struct mt_recorder *rec)
{
	int pending;

	pthread_mutex_lock(&rec->lock);
	pending = rec->ncmds;
	pthread_mutex_unlock(&rec->lock);
	return !pending && mt_ring_is_closed(rec->ring);
}

static void finish_clip(struct mt_recorder *rec)
{
	struct mt_clip_info info;

	rec->recording = 0;
	rec->closing = 0;
	if (mt_clip_end(rec->writer, &info)) {
		rec->stats.errors++;
		return;
	}
	rec->stats.clips++;
	if (rec->on_clip)
		rec->on_clip(rec->cb_arg, &info);
}

static void begin_clip(struct mt_recorder *rec, int64_t trigger_us, uint64_t pos)
{
	if (mt_clip_begin(rec->writer, trigger_us)) {
		rec->stats.errors++;
		return;
	}
	rec->recording = 1;
	rec->closing = 0;
	rec->next = pos;
	rec->end_us = INT64_MAX;
	rec->split_us = INT64_MAX;
}

static void start_event(struct mt_recorder *rec, int64_t trigger_us)
{
	struct mt_frame *f;
	uint64_t pos;

	if (mt_ring_find(rec->ring, trigger_us - rec->preroll_us, &pos)) {
		MT_WRN("event at %lld us: the ring holds no keyframe", (long long)trigger_us);
		rec->stats.errors++;
		return;
	}
	if (mt_ring_read(rec->ring, pos, 0, &f) == 0) {
		if (f->ts_us > trigger_us - rec->preroll_us)
			rec->stats.preroll_short++;
		mt_frame_put(f);
	}
	begin_clip(rec, trigger_us, pos);
}

/* Take the decisions that apply now: START waits until the clip being
 * written is finished; STOP and SPLIT apply to the open clip, and wait while
 * a split it has not reached yet is pending (a writer that trails the camera
 * may hold several decisions). */
static void apply_commands(struct mt_recorder *rec, int timeout_ms)
{
	struct timespec until;
	unsigned int used = 0;

	pthread_mutex_lock(&rec->lock);
	if (!rec->recording && rec->ncmds == 0 && timeout_ms > 0) {
		mt_wait_deadline(&until, timeout_ms);
		pthread_cond_timedwait(&rec->posted, &rec->lock, &until);
	}
	for (; used < rec->ncmds; used++) {
		enum mt_event_action a = rec->cmds[used].action;
		int64_t at = rec->cmds[used].at_us;

		if (a == MT_EVENT_START) {
			if (rec->recording)
				break;
			start_event(rec, at);
		} else if (rec->recording && rec->split_us != INT64_MAX) {
			/* A split not reached yet: what follows is for the next
			 * clip, and begin_clip() would forget it. */
			break;
		} else if (rec->recording && a == MT_EVENT_STOP) {
			rec->end_us = at;
		} else if (rec->recording && a == MT_EVENT_SPLIT) {
			rec->split_us = at;
		}
	}
	memmove(rec->cmds, rec->cmds + used, (rec->ncmds - used) * sizeof(rec->cmds[0]));
	rec->ncmds -= used;
	pthread_mutex_unlock(&rec->lock);
}

/* A chained clip must start where a decoder can: any JPEG, but only an
 * H.264 keyframe, so an H.264 split waits for the next one (at most a GOP)
 * rather than lose the frames before it. */
static bool split_here(const struct mt_frame *f)
{
	return f->format != MT_FMT_H264 || (f->flags & MT_FRAME_KEY);
}

enum past_end {
	PAST_END_CLOSE,
	PAST_END_WAIT,
	PAST_END_MERGED
};

/* The writer reached the first frame after the clip's STOP. A START that is
 * next in line and close enough continues the clip; a later one, or analysis
 * already past the last trigger that could merge, ends it; else wait. */
static enum past_end past_end(struct mt_recorder *rec, int timeout_ms)
{
	enum past_end r = PAST_END_CLOSE;
	struct timespec until;
	int64_t limit;

	if (rec->merge_gap_us < 0)
		return PAST_END_CLOSE;
	/* the latest trigger whose pre-roll begins within the gap */
	limit = rec->end_us + rec->merge_gap_us + rec->preroll_us;
	pthread_mutex_lock(&rec->lock);
	if (rec->ncmds > 0) {
		if (rec->cmds[0].action == MT_EVENT_START && rec->cmds[0].at_us <= limit) {
			rec->ncmds--;
			memmove(rec->cmds, rec->cmds + 1, rec->ncmds * sizeof(rec->cmds[0]));
			r = PAST_END_MERGED;
		}
	} else if (rec->horizon_us < limit && !mt_ring_is_closed(rec->ring)) {
		r = PAST_END_WAIT;
		if (timeout_ms > 0) {
			mt_wait_deadline(&until, timeout_ms);
			pthread_cond_timedwait(&rec->posted, &rec->lock, &until);
		}
	}
	pthread_mutex_unlock(&rec->lock);
	return r;
}

static int poll_once(struct mt_recorder *rec, int timeout_ms);

int mt_recorder_poll(struct mt_recorder *rec, int timeout_ms)
{
	int ret = poll_once(rec, timeout_ms);

	atomic_store(&rec->pub_next, rec->next);
	/* a clip held open for a merge is not behind: nothing past its end is due */
	atomic_store(&rec->pub_recording, rec->recording && !rec->closing);
	return ret;
}

uint64_t mt_recorder_backlog(struct mt_recorder *rec, uint64_t head)
{
	uint64_t next = atomic_load(&rec->pub_next);

	return atomic_load(&rec->pub_recording) && head > next ? head - next : 0;
}

static int poll_once(struct mt_recorder *rec, int timeout_ms)
{
	struct mt_frame *f;
	int ret;

	apply_commands(rec, timeout_ms);
	if (!rec->recording) {
		/* Closed ring and nothing left to start: the run is over. */
		if (idle_and_done(rec))
			return MT_EEND;
		return 0;
	}

	ret = mt_ring_read(rec->ring, rec->next, timeout_ms, &f);
	if (ret == -EAGAIN)
		return 0;
	if (ret == -ENOENT && rec->closing) {
		/* past the clip's end, gone before an event came: no merge */
		finish_clip(rec);
		return 0;
	}
	if (ret == -ENOENT) { /* evicted before we got to it */
		rec->stats.lost++;
		rec->next++;
		return 0;
	}
	if (ret == MT_EEND) {
		finish_clip(rec);
		return 0;
	}
	if (ahead_of_analysis(rec, f, timeout_ms)) {
		mt_frame_put(f);
		return 0;
	}
	if (f->ts_us > rec->end_us) {
		enum past_end r = past_end(rec, timeout_ms);

		if (r != PAST_END_MERGED) {
			if (r == PAST_END_CLOSE)
				finish_clip(rec);
			else
				rec->closing = 1;
			mt_frame_put(f);
			return 0;
		}
		MT_INF("the next event began within %lld ms of the clip's end: one clip",
		       (long long)((rec->merge_gap_us + rec->preroll_us) / 1000));
		rec->end_us = INT64_MAX;
		rec->closing = 0;
		rec->stats.merged++;
	}
	if (f->ts_us >= rec->split_us && split_here(f)) {
		finish_clip(rec);
		begin_clip(rec, f->ts_us, rec->next);
	}
	ret = rec->recording ? mt_clip_append(rec->writer, f) : 0;
	if (rec->recording && ret == 0) {
		rec->stats.frames++;
	} else if (ret == MT_EFORMAT) {
		rec->stats.refused++; /* the clip goes on without it */
	} else if (rec->recording) {
		/* Storage failed mid-clip: close what we have, drop the event. */
		rec->stats.errors++;
		mt_clip_writer_free(rec->writer);
		rec->recording = 0;
	}
	rec->next++;
	mt_frame_put(f);
	return 0;
}
