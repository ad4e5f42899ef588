/* Privacy masks: parts of the picture that must never be recorded (a
 * neighbour's window or door), from motion.privacy's polygons rounded
 * outward to whole blocks: a block is masked if the polygons cover any part
 * of any of its pixels. Raw frames (YUYV, NV12) are blacked in 16x16 blocks
 * (an H.264 macroblock, a 4:2:0 JPEG MCU) before they are encoded or
 * analysed. A camera's JPEG is masked in the DCT domain, block by MCU: a
 * masked block gets the DC of black and no AC, every other block keeps its
 * coefficients exactly, and nothing is decoded or re-quantised
 * (record/jpeg_mask.c). A baseline JPEG is masked at the entropy level by
 * core/jpeg_scan.h (the bits of unmasked blocks copied); anything else with
 * TurboJPEG's lossless transform and a coefficient filter.
 * One thread uses a mask at a time. */
#ifndef MT_RECORD_PRIVACY_H
#define MT_RECORD_PRIVACY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/frame.h"
#include "core/jpeg_scan.h"
#include "motion/region.h"

#define MT_PRIVACY_RAW_BLOCK 16 /* block of a raw frame, in pixels */

struct mt_privacy_stats {
	uint64_t raw_masked;    /* raw frames blacked */
	uint64_t jpeg_masked;   /* JPEGs masked in the DCT domain */
	uint64_t jpeg_fallback; /* of them, by the lossless transform, not the scan walk */
	uint64_t refused;       /* frames that could not be masked: never recorded */
	uint64_t regrown;       /* masked JPEGs that outgrew their first buffer */
};

struct mt_privacy {
	struct mt_region region;
	bool active; /* the region covers something */
	/* The block map of the last picture geometry asked for. */
	uint16_t map_w, map_h;
	uint16_t blk_w, blk_h;
	uint32_t cols, rows;
	uint32_t nmasked;          /* blocks set in map */
	uint8_t *map;              /* cols * rows, 1 = masked */
	void *tj;                  /* TurboJPEG transformer, made on first use */
	struct mt_jpeg_scan *scan; /* the scan walker, made on first use */
	bool transform_only;       /* tests and bench: never the scan walker */
	struct mt_privacy_stats stats;
};

/* No mask. Cannot fail; mt_privacy_free() is then safe. */
void mt_privacy_init(struct mt_privacy *p);
void mt_privacy_free(struct mt_privacy *p);

/* Takes motion.privacy's text ("x,y x,y x,y; ..."; "" for no mask).
 * 0, or MT_ECONFIG with err (may be NULL) saying why and the mask unchanged. */
int mt_privacy_set(struct mt_privacy *p, const char *text, char *err, unsigned errlen);

static inline bool mt_privacy_active(const struct mt_privacy *p)
{
	return p->active;
}

/* The block map for a width x height picture cut in blk_w x blk_h blocks
 * (the last column and row may be partial): cols * rows bytes, row-major,
 * 1 for a masked block. Valid until the next call. NULL when out of memory. */
const uint8_t *mt_privacy_map(struct mt_privacy *p, unsigned width, unsigned height, unsigned blk_w,
			      unsigned blk_h);

/* Blacks the masked 16x16 blocks of a YUYV or NV12 frame in place (luma
 * black_y, chroma 128). The caller must be the only writer of f and do this
 * before anyone reads it. 0; MT_EFORMAT for another format or a size that
 * does not match width x height; -ENOMEM. */
int mt_privacy_mask_raw(struct mt_privacy *p, struct mt_frame *f, uint8_t black_y);

/* A copy of JPEG in with its masked MCUs black (record/jpeg_mask.c). *out
 * is a new frame the caller owns, with in's metadata. MT_EFORMAT when the
 * JPEG cannot be transformed (the frame must then not be recorded), -ENOMEM. */
int mt_privacy_mask_jpeg(struct mt_privacy *p, const struct mt_frame *in, struct mt_frame **out);

#endif
