/* Masks and zones as polygons in normalised picture coordinates (0..1, x to
 * the right, y down), so they survive a change of resolution: parsed from
 * the configuration's text and laid onto whatever analysis grid is in use.
 * Text forms (docs/config.md):
 *   mask:  "x,y x,y x,y[; x,y x,y x,y ...]"   one or more polygons
 *   zone:  "S: x,y x,y x,y[; ...]"             S = the zone's sensitivity 1..100
 * Pure functions, no allocation. */
#ifndef MT_MOTION_REGION_H
#define MT_MOTION_REGION_H

#include <stdint.h>

#define MT_REGION_MAX_POINTS 16 /* per polygon */
#define MT_REGION_MAX_POLYS  8  /* per mask or zone */

struct mt_point {
	float x, y;
};

struct mt_polygon {
	uint8_t n; /* 3..MT_REGION_MAX_POINTS */
	struct mt_point p[MT_REGION_MAX_POINTS];
};

/* One mask or one zone: a union of polygons. */
struct mt_region {
	uint8_t npolys;      /* 0: empty (covers nothing) */
	uint8_t sensitivity; /* zones only: 1..100; 0 for a mask */
	struct mt_polygon poly[MT_REGION_MAX_POLYS];
};

/* Empty region. Cannot fail. */
void mt_region_init(struct mt_region *r);

/* Parses a mask ("" or blanks: empty). 0, or MT_ECONFIG with r left empty.
 * err (may be NULL) gets a short reason. */
int mt_region_parse_mask(struct mt_region *r, const char *text, char *err, unsigned errlen);

/* Parses a zone ("" : no zone). As mt_region_parse_mask. */
int mt_region_parse_zone(struct mt_region *r, const char *text, char *err, unsigned errlen);

/* The share (0..1) of grid cell (cx, cy) of a gw x gh grid that the region
 * covers (overlapping polygons may add up to more than 1; capped at 1). */
float mt_region_coverage(const struct mt_region *r, unsigned gw, unsigned gh, unsigned cx,
			 unsigned cy);

/* Sets bit in out[y * gw + x] for every cell the region touches at all
 * (coverage above 0.1%: masks err on the side of hiding), or, with
 * majority set, every cell it covers at least half of (zones). */
void mt_region_raster(const struct mt_region *r, unsigned gw, unsigned gh, int majority,
		      uint8_t bit, uint8_t *out);

#endif
