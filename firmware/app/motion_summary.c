/* Motion summary for manifests: see motion_summary.h. */
#include "app/motion_summary.h"

#include <string.h>

static const char *const zone_names[] = { "zone1", "zone2", "zone3", "zone4",
					  "zone5", "zone6", "zone7", "zone8" };

void mt_motion_summary_init(struct mt_motion_summary *s, uint16_t width, uint16_t height)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->width = width;
	s->height = height;
}

void mt_motion_summary_free(struct mt_motion_summary *s)
{
	pthread_mutex_destroy(&s->lock);
}

static int32_t overlap(const struct mt_motion_box *a, const struct mt_motion_box *b)
{
	int32_t x0 = a->x > b->x ? a->x : b->x, y0 = a->y > b->y ? a->y : b->y;
	int32_t x1 = a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w;
	int32_t y1 = a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h;

	return x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0;
}

static void join(struct mt_motion_box *a, const struct mt_motion_box *b)
{
	int32_t x1 = a->x + a->w > b->x + b->w ? a->x + a->w : b->x + b->w;
	int32_t y1 = a->y + a->h > b->y + b->h ? a->y + a->h : b->y + b->h;

	a->x = a->x < b->x ? a->x : b->x;
	a->y = a->y < b->y ? a->y : b->y;
	a->w = x1 - a->x;
	a->h = y1 - a->y;
}

/* Keeps at most MT_MANIFEST_BOXES boxes: a box that overlaps one already
 * kept, or one that does not fit, is joined to the box it overlaps most
 * (or the first, when none overlaps). */
static void add_box(struct mt_motion_summary *s, const struct mt_motion_box *b)
{
	size_t best = 0;
	int32_t most = 0;

	for (size_t i = 0; i < s->nboxes; i++) {
		int32_t o = overlap(&s->boxes[i], b);

		if (o > most) {
			most = o;
			best = i;
		}
	}
	if (most > 0 || s->nboxes == MT_MANIFEST_BOXES)
		join(&s->boxes[best], b);
	else
		s->boxes[s->nboxes++] = *b;
}

void mt_motion_summary_add(struct mt_motion_summary *s, const struct mt_motion_result *res)
{
	if (!res->motion || !res->gw || !res->gh)
		return;
	pthread_mutex_lock(&s->lock);
	if ((int32_t)res->score > s->peak)
		s->peak = (int32_t)res->score;
	s->zones |= res->zones_hit;
	for (unsigned i = 0; i < res->nblobs; i++) {
		const struct mt_motion_blob *bl = &res->blobs[i];
		struct mt_motion_box b = {
			.x = (int32_t)((uint32_t)bl->x0 * s->width / res->gw),
			.y = (int32_t)((uint32_t)bl->y0 * s->height / res->gh),
		};

		b.w = (int32_t)((uint32_t)(bl->x1 + 1) * s->width / res->gw) - b.x;
		b.h = (int32_t)((uint32_t)(bl->y1 + 1) * s->height / res->gh) - b.y;
		add_box(s, &b);
	}
	pthread_mutex_unlock(&s->lock);
}

void mt_motion_summary_take(void *arg, const struct mt_clip_info *clip,
			    struct mt_manifest_motion *out)
{
	struct mt_motion_summary *s = arg;
	size_t nz = 0;

	(void)clip;
	pthread_mutex_lock(&s->lock);
	memcpy(s->out_boxes, s->boxes, s->nboxes * sizeof(s->boxes[0]));
	for (unsigned z = 0; z < 8 && nz < MT_MANIFEST_ZONES; z++) {
		if (s->zones & (1u << z))
			s->out_zones[nz++] = zone_names[z];
	}
	out->peak_score = s->peak;
	out->boxes = s->out_boxes;
	out->nboxes = s->nboxes;
	out->zones = s->out_zones;
	out->nzones = nz;
	s->peak = 0;
	s->zones = 0;
	s->nboxes = 0;
	pthread_mutex_unlock(&s->lock);
}
