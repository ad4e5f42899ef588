/* The motion engine: analysis thumbnails and their times in, per frame a
 * motion map, blobs, score, zones hit and the event state out.
 *
 * Per cell of a small grid (the thumbnail, halved until it fits
 * MT_MOTION_MAX_CELLS, so the cost hardly grows with resolution): a
 * background (mean luma) and its noise (mean absolute deviation); a cell
 * changed when it differs from the light-corrected background (light.h) by
 * more than its own threshold, k * noise but at least a floor, both set by
 * the sensitivity of its zone. The changed map is cleaned up (blobs.h), cut
 * into blobs, and a blob is motion when it is at least the minimum size, is
 * moving now (part of it differs from the previous frame: a step that then
 * stays still, like a burnt-in clock ticking, is not) and has been moving in
 * MT_MOTION_PERSIST frames in a row, overlapping itself (rain, insects, a
 * flash do not). Ignore and privacy masks remove their cells from
 * everything. A frame where most of the picture changed at once is not
 * judged (light, not an object); if that lasts MT_MOTION_RELEARN_US, or an
 * event reaches its longest length, the scene is learnt again. Events come
 * from trigger.h.
 *
 * Pure function of thumbnails and times: no I/O, no allocation; all state
 * is in struct mt_motion (about 300 KiB: allocate it once). */
#ifndef MT_MOTION_MOTION_H
#define MT_MOTION_MOTION_H

#include <stdint.h>

#include "motion/light.h"
#include "motion/region.h"
#include "motion/thumb.h"
#include "motion/trigger.h"

#define MT_MOTION_MAX_CELLS  (160 * 90)
#define MT_MOTION_ZONES      4
#define MT_MOTION_MAX_BLOBS  16
#define MT_MOTION_PERSIST    3 /* frames in a row a blob must move */
#define MT_MOTION_RELEARN_US 1000000

/* Bits of mt_motion.mask. */
#define MT_MOTION_IGNORE  1u
#define MT_MOTION_PRIVACY 2u

struct mt_motion_config {
	uint32_t sensitivity;       /* 1..100, outside zones */
	uint32_t min_area_permille; /* smallest object, per mille of the picture */
	int64_t learn_us;           /* learning period after start or scene change */
	struct mt_trigger_config trigger;
	struct mt_region ignore;                /* cells never analysed */
	struct mt_region privacy;               /* as ignore (the recorder also hides them) */
	struct mt_region zone[MT_MOTION_ZONES]; /* own sensitivity; empty: unused */
};

struct mt_motion_blob {
	uint16_t x0, y0, x1, y1; /* box in grid cells, inclusive */
	uint32_t area;           /* cells */
	uint8_t zones;           /* bit z: touches zone z + 1 */
};

struct mt_motion_result {
	int learning;           /* learning the scene: no motion is reported */
	int unjudged;           /* most of the picture changed at once */
	int motion;             /* the map has motion */
	uint32_t area_permille; /* motion cells per mille of the unmasked cells */
	uint32_t score;         /* 0..1000: area weighted by contrast (1..4x threshold, /4) */
	uint8_t zones_hit;      /* bit z: motion in zone z + 1 */
	uint16_t gw, gh;        /* grid */
	const uint8_t *map;     /* gw * gh, nonzero = motion; valid until the next feed */
	unsigned nblobs;        /* motion blobs, largest first, at most MT_MOTION_MAX_BLOBS */
	struct mt_motion_blob blobs[MT_MOTION_MAX_BLOBS];
	enum mt_trigger_state event;   /* after this frame */
	enum mt_trigger_action action; /* what this frame did to the event */
	int64_t action_at_us;          /* for START and STOP */
};

struct mt_motion {
	struct mt_motion_config cfg;
	struct mt_trigger trigger;
	struct mt_light light;
	uint16_t tw, th;  /* thumbnail size the grid was made for */
	uint16_t gw, gh;  /* grid */
	uint8_t halvings; /* thumbnail halved this many times */
	int learning;
	int64_t learn_start_us;
	uint32_t learn_frames;
	int64_t unjudged_since_us;           /* -1: the last frame was judged */
	uint32_t valid;                      /* unmasked cells */
	uint32_t min_cells;                  /* smallest blob */
	uint8_t cur[MT_MOTION_MAX_CELLS];    /* the grid's luma */
	uint16_t bg[MT_MOTION_MAX_CELLS];    /* background, luma << 8 */
	uint16_t noise[MT_MOTION_MAX_CELLS]; /* mean |deviation|, luma << 8 */
	uint16_t norm[MT_MOTION_MAX_CELLS];  /* light-corrected picture, luma << 4 */
	uint16_t prev[MT_MOTION_MAX_CELLS];  /* the last one */
	uint16_t thr[MT_MOTION_MAX_CELLS];   /* this frame's thresholds, luma << 4 */
	uint8_t mask[MT_MOTION_MAX_CELLS];   /* MT_MOTION_IGNORE | MT_MOTION_PRIVACY */
	uint8_t zones[MT_MOTION_MAX_CELLS];  /* bit z: in zone z + 1 */
	uint8_t sens[MT_MOTION_MAX_CELLS];   /* sensitivity of the cell */
	uint8_t raw[MT_MOTION_MAX_CELLS];    /* changed */
	uint8_t fg[MT_MOTION_MAX_CELLS];     /* changed, cleaned */
	uint8_t act[MT_MOTION_MAX_CELLS];    /* differs from the previous frame */
	uint8_t age[MT_MOTION_MAX_CELLS];    /* frames in a row its blob moved */
	uint8_t age2[MT_MOTION_MAX_CELLS];
	uint8_t map[MT_MOTION_MAX_CELLS]; /* output: 1 motion; 2 still blob; 3 moving, young */
	uint16_t label[MT_MOTION_MAX_CELLS];
	uint16_t stack[MT_MOTION_MAX_CELLS];
};

/* cfg is copied. Cannot fail; the first frame starts learning. */
void mt_motion_init(struct mt_motion *m, const struct mt_motion_config *cfg);

/* One thumbnail taken at ts_us (monotonic). */
void mt_motion_feed(struct mt_motion *m, const struct mt_thumb *t, int64_t ts_us,
		    struct mt_motion_result *out);

/* The input ended: closes an event in progress (action STOP) at ts_us. */
void mt_motion_finish(struct mt_motion *m, int64_t ts_us, struct mt_motion_result *out);

/* Forget the scene: the next frame starts learning again. */
void mt_motion_relearn(struct mt_motion *m);

/* Defaults for everything but the regions (all empty), from autoconf.h. */
void mt_motion_config_defaults(struct mt_motion_config *cfg);

#endif
