/* Pre-roll ring of frame references. */
#include "core/ring.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/errors.h"
#include "core/wait.h"

void mt_ring_init(struct mt_ring *r, struct mt_frame **slots, uint32_t nslots, size_t max_bytes,
		  int64_t max_age_us)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	mt_wait_cond_init(&r->grown);
	memset(slots, 0, nslots * sizeof(*slots));
	r->slots = slots;
	r->nslots = nslots;
	r->max_bytes = max_bytes;
	r->max_age_us = max_age_us;
}

static struct mt_frame **slot(struct mt_ring *r, uint64_t pos)
{
	return &r->slots[pos % r->nslots];
}

static void evict_oldest(struct mt_ring *r)
{
	struct mt_frame **s = slot(r, r->tail);

	r->bytes -= (*s)->size;
	mt_frame_put(*s);
	*s = NULL;
	r->tail++;
	r->evicted++;
}

void mt_ring_free(struct mt_ring *r)
{
	if (!r->slots)
		return;
	pthread_mutex_lock(&r->lock);
	while (r->tail < r->head)
		evict_oldest(r);
	pthread_mutex_unlock(&r->lock);
	pthread_cond_destroy(&r->grown);
	pthread_mutex_destroy(&r->lock);
	r->slots = NULL;
}

/* May the oldest frame go for age? Only once a later keyframe is itself at
 * least max_age old: a clip that reaches back max_age from the newest frame
 * starts at the last keyframe at or before that point, and that keyframe
 * and everything after it stay. (For JPEG, where every frame is a keyframe,
 * this keeps the one frame at or just before the bound.) The scan ends at
 * the first keyframe, so it costs at most one GOP. */
static int too_old(struct mt_ring *r, int64_t newest_us)
{
	int64_t limit = newest_us - r->max_age_us;

	for (uint64_t p = r->tail + 1; p < r->head; p++) {
		const struct mt_frame *f = *slot(r, p);

		if (f->ts_us > limit)
			return 0;
		if (f->flags & MT_FRAME_KEY)
			return 1;
	}
	return 0;
}

uint64_t mt_ring_push(struct mt_ring *r, struct mt_frame *f)
{
	uint64_t pos;

	pthread_mutex_lock(&r->lock);
	if (r->head - r->tail == r->nslots)
		evict_oldest(r);
	pos = r->head++;
	*slot(r, pos) = mt_frame_get(f);
	r->bytes += f->size;
	/* Keep the newest frame even if it alone is over the byte bound. */
	while (r->tail + 1 < r->head && (r->bytes > r->max_bytes || too_old(r, f->ts_us)))
		evict_oldest(r);
	pthread_cond_broadcast(&r->grown);
	pthread_mutex_unlock(&r->lock);
	return pos;
}

int mt_ring_find(struct mt_ring *r, int64_t ts_us, uint64_t *pos)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	for (uint64_t p = r->tail; p < r->head; p++) {
		struct mt_frame *f = *slot(r, p);

		if (!(f->flags & MT_FRAME_KEY))
			continue;
		if (f->ts_us > ts_us && ret == 0)
			break; /* the previous keyframe was the last one at or before ts */
		*pos = p;
		ret = 0;
		if (f->ts_us > ts_us)
			break; /* everything held is newer: the oldest keyframe will do */
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int mt_ring_read(struct mt_ring *r, uint64_t pos, int timeout_ms, struct mt_frame **out)
{
	struct timespec until;
	int ret = 0;

	mt_wait_deadline(&until, timeout_ms);
	pthread_mutex_lock(&r->lock);
	while (pos >= r->head && !r->closed && ret == 0)
		ret = pthread_cond_timedwait(&r->grown, &r->lock, &until);
	if (pos < r->tail) {
		ret = -ENOENT;
	} else if (pos < r->head) {
		*out = mt_frame_get(*slot(r, pos));
		ret = 0;
	} else {
		ret = r->closed ? MT_EEND : -EAGAIN;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void mt_ring_close(struct mt_ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->closed = 1;
	pthread_cond_broadcast(&r->grown);
	pthread_mutex_unlock(&r->lock);
}

int mt_ring_is_closed(struct mt_ring *r)
{
	int closed;

	pthread_mutex_lock(&r->lock);
	closed = r->closed;
	pthread_mutex_unlock(&r->lock);
	return closed;
}

void mt_ring_usage(struct mt_ring *r, uint32_t *frames, size_t *bytes, uint64_t *evicted)
{
	pthread_mutex_lock(&r->lock);
	*frames = (uint32_t)(r->head - r->tail);
	*bytes = r->bytes;
	*evicted = r->evicted;
	pthread_mutex_unlock(&r->lock);
}
