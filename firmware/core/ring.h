/* The pre-roll ring: the last seconds of compressed frames, held in RAM by
 * reference (no payload copies). Bounded by bytes, by age and by slots; the
 * oldest frames go first. The age bound keeps whole GOPs: a frame goes for
 * age only once a later keyframe is max_age old, so the last keyframe at or
 * before (newest - max_age) is always held (bytes and slots still bound it). Readers (the clip writer, a snapshot) walk it by
 * position and hold their own references, so eviction never frees a frame a
 * reader still has. One writer (capture), any number of readers. */
#ifndef MT_CORE_RING_H
#define MT_CORE_RING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"

struct mt_ring {
	pthread_mutex_t lock;
	pthread_cond_t grown; /* signalled on push and close */
	struct mt_frame **slots;
	uint32_t nslots;
	uint64_t head; /* position the next push gets */
	uint64_t tail; /* oldest position still held */
	size_t bytes;  /* payload bytes held */
	size_t max_bytes;
	int64_t max_age_us;
	uint64_t evicted;
	int closed;
};

/* slots (nslots entries) is caller-owned and must outlive the ring. */
void mt_ring_init(struct mt_ring *r, struct mt_frame **slots, uint32_t nslots, size_t max_bytes,
		  int64_t max_age_us);

/* Drop every frame; safe twice. */
void mt_ring_free(struct mt_ring *r);

/* Add f (the ring takes its own reference) and evict what no longer fits.
 * Returns f's position. */
uint64_t mt_ring_push(struct mt_ring *r, struct mt_frame *f);

/* Position of the last keyframe whose time is at or before ts_us, or of the
 * oldest keyframe held if every frame is newer (pre-roll as complete as
 * memory allowed). -ENOENT when the ring holds no keyframe. */
int mt_ring_find(struct mt_ring *r, int64_t ts_us, uint64_t *pos);

/* The frame at pos, with a new reference for the caller. Waits up to
 * timeout_ms for it to be pushed: -EAGAIN if it was not; -ENOENT if it was
 * evicted already; MT_EEND once the ring is closed and pos is past the end. */
int mt_ring_read(struct mt_ring *r, uint64_t pos, int timeout_ms, struct mt_frame **out);

/* No more pushes: wake readers. */
void mt_ring_close(struct mt_ring *r);
int mt_ring_is_closed(struct mt_ring *r);

/* Counters, read under the lock. */
void mt_ring_usage(struct mt_ring *r, uint32_t *frames, size_t *bytes, uint64_t *evicted);

#endif
