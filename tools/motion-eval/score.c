/* CDnet-style scoring at frame and 8x8-block level (docs/motion.md). */
#include "score.h"

#include <string.h>

unsigned ev_blocks(unsigned px)
{
	return (px + 7) / 8;
}

static void count(struct ev_counts *c, int truth, int said)
{
	if (truth && said)
		c->tp++;
	else if (said)
		c->fp++;
	else if (truth)
		c->fn++;
	else
		c->tn++;
}

static int in_roi(const uint8_t *gt, const uint8_t *roi, unsigned i)
{
	return (!roi || roi[i]) && gt[i] != EV_GT_OUTSIDE;
}

int ev_score_frame(struct ev_score *s, const uint8_t *gt, const uint8_t *roi, unsigned w,
		   unsigned h, const uint8_t *det)
{
	unsigned bw = ev_blocks(w), bh = ev_blocks(h);
	uint64_t roi_px = 0, moving_px = 0;
	int det_any = 0;

	for (unsigned i = 0; i < w * h; i++)
		if (in_roi(gt, roi, i)) {
			roi_px++;
			moving_px += gt[i] == EV_GT_MOVING;
		}
	if (!roi_px)
		return 0;
	for (unsigned i = 0; i < bw * bh; i++)
		det_any |= det[i] != 0;
	/* A frame is positive when its moving pixels are at least 0.1% of the ROI. */
	count(&s->frame, moving_px * 1000 >= roi_px, det_any);

	for (unsigned by = 0; by < bh; by++)
		for (unsigned bx = 0; bx < bw; bx++) {
			unsigned total = 0, bad = 0, inside = 0, moving = 0;

			for (unsigned y = by * 8; y < by * 8 + 8 && y < h; y++)
				for (unsigned x = bx * 8; x < bx * 8 + 8 && x < w; x++) {
					unsigned i = y * w + x;

					total++;
					if (!in_roi(gt, roi, i) || gt[i] == EV_GT_UNKNOWN)
						bad++;
					if (in_roi(gt, roi, i)) {
						inside++;
						moving += gt[i] == EV_GT_MOVING;
					}
				}
			/* Ignored: over half outside the ROI or unknown. */
			if (2 * bad > total)
				continue;
			count(&s->block, 4 * moving >= inside, det[by * bw + bx] != 0);
		}
	s->scored++;
	return 1;
}

double ev_precision(const struct ev_counts *c)
{
	return (c->tp + c->fp) ? (double)c->tp / (double)(c->tp + c->fp) : 0.0;
}

double ev_recall(const struct ev_counts *c)
{
	return (c->tp + c->fn) ? (double)c->tp / (double)(c->tp + c->fn) : 0.0;
}

double ev_f1(const struct ev_counts *c)
{
	uint64_t d = 2 * c->tp + c->fp + c->fn;

	return d ? 2.0 * (double)c->tp / (double)d : 0.0;
}

unsigned ev_cell_px(unsigned w, unsigned gw)
{
	unsigned p = 1;

	/* nearest: p * sqrt(2) < w / gw moves up */
	while ((uint64_t)p * p * 2 * gw * gw < (uint64_t)w * w)
		p *= 2;
	return p;
}

void ev_blocks_from_grid(const uint8_t *grid, unsigned gw, unsigned gh, unsigned cell_px,
			 unsigned w, unsigned h, uint8_t *blocks)
{
	unsigned bw = ev_blocks(w), bh = ev_blocks(h);

	memset(blocks, 0, (size_t)bw * bh);
	for (unsigned by = 0; by < bh; by++)
		for (unsigned bx = 0; bx < bw; bx++) {
			unsigned total = 0, hit = 0;

			for (unsigned y = by * 8; y < by * 8 + 8 && y < h; y++)
				for (unsigned x = bx * 8; x < bx * 8 + 8 && x < w; x++) {
					unsigned cx = x / cell_px < gw ? x / cell_px : gw - 1;
					unsigned cy = y / cell_px < gh ? y / cell_px : gh - 1;

					total++;
					hit += grid[cy * gw + cx] != 0;
				}
			blocks[by * bw + bx] = 2 * hit >= total;
		}
}
