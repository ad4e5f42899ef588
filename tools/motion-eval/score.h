/* The scoring rules of docs/motion.md, CDnet ground truth against 8x8-block
 * motion maps: which frames are scored, which blocks count, and the pooled
 * frame and block confusion counts. */
#ifndef MT_EVAL_SCORE_H
#define MT_EVAL_SCORE_H

#include <stdint.h>

/* CDnet ground-truth values. */
#define EV_GT_STATIC  0
#define EV_GT_SHADOW  50
#define EV_GT_OUTSIDE 85
#define EV_GT_UNKNOWN 170
#define EV_GT_MOVING  255

struct ev_counts {
	uint64_t tp, fp, fn, tn;
};

struct ev_score {
	struct ev_counts frame, block;
	unsigned scored;
};

/* Blocks of a w x h picture: ceil(w / 8) x ceil(h / 8). */
unsigned ev_blocks(unsigned px);

/* Scores one frame. gt: w x h CDnet values; roi: w x h, nonzero inside (NULL:
 * all inside); det: the detector's block map, bw x bh, nonzero = motion.
 * Returns 1 when the frame was scored, 0 when its ground truth has no
 * pixel in the region of interest. */
int ev_score_frame(struct ev_score *s, const uint8_t *gt, const uint8_t *roi, unsigned w,
		   unsigned h, const uint8_t *det);

/* 2tp / (2tp + fp + fn) etc.; 0 when undefined. */
double ev_precision(const struct ev_counts *c);
double ev_recall(const struct ev_counts *c);
double ev_f1(const struct ev_counts *c);

/* The block map of a detector grid over a w x h picture, each cell cell_px
 * pixels square from the top left (a thumbnail scale times the engine's
 * halvings; edge cells may be partial): a block has motion when at least
 * half of its pixels fall in motion cells. */
void ev_blocks_from_grid(const uint8_t *grid, unsigned gw, unsigned gh, unsigned cell_px,
			 unsigned w, unsigned h, uint8_t *blocks);

/* cell_px of a grid gw cells wide over a picture w pixels wide: the power
 * of two nearest w / gw. */
unsigned ev_cell_px(unsigned w, unsigned gw);

#endif
