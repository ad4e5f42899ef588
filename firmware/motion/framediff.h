/* A simple, honest motion check: the difference between a thumbnail and a
 * slowly adapting background, after removing the change of mean brightness
 * (a cloud, auto-exposure). A frame "has motion" when enough of the picture
 * changed. This is the foundation's detector; the full engine (noise model,
 * masks, zones, blobs) is issue #4. Pure function of thumbnails: no I/O. */
#ifndef MT_MOTION_FRAMEDIFF_H
#define MT_MOTION_FRAMEDIFF_H

#include <stdint.h>

#include "motion/thumb.h"

struct mt_framediff_config {
	uint32_t sensitivity;       /* 1..100: higher sees smaller changes */
	uint32_t min_area_permille; /* changed share of the picture for motion */
	uint32_t learn_frames;      /* frames to learn the background first */
};

struct mt_motion_result {
	int motion;             /* 1 if this frame shows motion */
	int learning;           /* 1 while the background is being learnt */
	uint32_t changed;       /* pixels that changed */
	uint32_t pixels;        /* pixels compared */
	uint32_t area_permille; /* changed * 1000 / pixels */
};

struct mt_framediff {
	struct mt_framediff_config cfg;
	uint16_t width;
	uint16_t height;
	uint32_t seen;                    /* frames since (re)start */
	uint16_t bg[MT_THUMB_MAX_PIXELS]; /* background, luma << 4 */
};

/* cfg is copied. */
void mt_framediff_init(struct mt_framediff *m, const struct mt_framediff_config *cfg);

/* Compare t with the background, then learn from it. */
void mt_framediff_feed(struct mt_framediff *m, const struct mt_thumb *t,
		       struct mt_motion_result *out);

#endif
