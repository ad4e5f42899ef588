/* Frame difference against an adaptive background. */
#include "motion/framediff.h"

#include <stdlib.h>
#include <string.h>

#define FIX 4 /* background fraction bits */

void mt_framediff_init(struct mt_framediff *m, const struct mt_framediff_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (m->cfg.learn_frames == 0)
		m->cfg.learn_frames = 1;
}

/* Luma difference that counts as change: 6 at sensitivity 100, 46 at 1. */
static int threshold(uint32_t sensitivity)
{
	return 6 + (int)(100 - sensitivity) * 40 / 99;
}

void mt_framediff_feed(struct mt_framediff *m, const struct mt_thumb *t,
		       struct mt_motion_result *out)
{
	uint32_t n = (uint32_t)t->width * t->height;
	int64_t sum_y = 0, sum_bg = 0;
	int thr = threshold(m->cfg.sensitivity), offset;

	memset(out, 0, sizeof(*out));
	out->pixels = n;
	if (t->width != m->width || t->height != m->height || m->seen == 0) {
		/* New scene or new size: the thumbnail is the background. */
		m->width = t->width;
		m->height = t->height;
		for (uint32_t i = 0; i < n; i++)
			m->bg[i] = (uint16_t)(t->y[i] << FIX);
		m->seen = 1;
		out->learning = 1;
		return;
	}

	for (uint32_t i = 0; i < n; i++) {
		sum_y += t->y[i];
		sum_bg += m->bg[i] >> FIX;
	}
	/* A change of overall brightness is light, not motion. */
	offset = (int)((sum_y - sum_bg) / n);

	for (uint32_t i = 0; i < n; i++) {
		int d = (int)t->y[i] - (m->bg[i] >> FIX) - offset;
		int changed = abs(d) > thr;
		/* Learn fast where nothing moves, slowly under a moving object,
		 * so a parked car becomes background within a minute or so. */
		int shift = changed ? 6 : 3;

		out->changed += (uint32_t)changed;
		m->bg[i] = (uint16_t)(m->bg[i] + ((((int)t->y[i] << FIX) - m->bg[i]) >> shift));
	}
	out->area_permille = out->changed * 1000 / n;
	m->seen++;
	if (m->seen <= m->cfg.learn_frames) {
		out->learning = 1;
		return;
	}
	out->motion = out->area_permille >= m->cfg.min_area_permille;
}
