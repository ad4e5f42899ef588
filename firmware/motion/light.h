/* Illumination compensation: how the light changed between the background
 * model and the current thumbnail, so a cloud, auto-exposure, lights
 * switched on or an IR-cut switch are not taken for motion.
 *  - global: a robust straight-line fit cur = gain * bg + offset over every
 *    usable cell (moving objects are outliers and are dropped by refitting
 *    on the cells that agree);
 *  - local: what is left, per region of a coarse 4 x 3 grid, when most of
 *    the region moved together (a headlight sweep, a shadow over a quarter
 *    of the picture), blended between region centres.
 * Pure functions; the caller owns every array. */
#ifndef MT_MOTION_LIGHT_H
#define MT_MOTION_LIGHT_H

#include <stdint.h>

#define MT_LIGHT_RW 4
#define MT_LIGHT_RH 3

struct mt_light {
	float gain, offset; /* cur ~= gain * bg + offset */
	float spread;       /* mean |residual| of the cells that fit (levels) */
	float used;         /* share of usable cells that fit the line */
	int16_t local[MT_LIGHT_RH][MT_LIGHT_RW]; /* per-region residual offset */
};

/* Fits *l. cur: the thumbnail (gw * gh); bg: background, luma << 8;
 * skip: nonzero for cells to leave out (masks). */
void mt_light_estimate(struct mt_light *l, const uint8_t *cur, const uint16_t *bg,
		       const uint8_t *skip, unsigned gw, unsigned gh);

/* The light-corrected picture in the background's terms, luma << 4:
 * out = (cur - offset - local) / gain, clamped to 0..255. */
void mt_light_normalise(const struct mt_light *l, const uint8_t *cur, unsigned gw, unsigned gh,
			uint16_t *out);

/* No change of light: gain 1, offsets 0. */
void mt_light_identity(struct mt_light *l);

#endif
