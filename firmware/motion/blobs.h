/* Clean-up and connected components of a motion map (one byte per cell,
 * nonzero = changed): a 3x3 majority-style smoothing that drops lone cells
 * and fills pinholes, then 8-connected flood fill of one blob at a time with
 * its box, area, active cells and the oldest age around it. Works in place
 * on caller-owned arrays; no allocation. */
#ifndef MT_MOTION_BLOBS_H
#define MT_MOTION_BLOBS_H

#include <stdint.h>

struct mt_blob {
	uint16_t x0, y0, x1, y1; /* box in cells, inclusive */
	uint32_t area;           /* cells */
	uint32_t active;         /* cells with act[] set */
	uint8_t prev_age;        /* max of age[] over the blob and its 8-neighbours */
};

/* out = in cleaned: a set cell stays when at least one of its 8 neighbours
 * is set; a clear cell is set when at least 6 of them are. out != in. */
void mt_blobs_clean(const uint8_t *in, uint8_t *out, unsigned gw, unsigned gh);

/* Flood-fills the blob of map holding cell start (which must be set and
 * unlabelled): label[] = id for its cells, *b filled. act and age may be
 * NULL (counted as zero). stack holds gw * gh entries. */
void mt_blobs_grow(const uint8_t *map, const uint8_t *act, const uint8_t *age, unsigned gw,
		   unsigned gh, unsigned start, uint16_t id, uint16_t *label, uint16_t *stack,
		   struct mt_blob *b);

#endif
