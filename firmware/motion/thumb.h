/* Analysis thumbnails: a small luma picture of a frame, the only input of the
 * motion detector. A JPEG at 1/8 scale (640 pixels wide or more) is read by
 * the scan walker of core/jpeg_scan.h: the luma DC of each 8x8 block, AC
 * symbols skipped several at a time, nothing transformed, exactly the pixels
 * of TurboJPEG's 1/8 decode at less than its entropy decoding alone costs.
 * Other JPEGs (and any the walker does not take) use TurboJPEG's scaled
 * decode. YUYV and NV12 frames are subsampled. The scale is picked so the thumbnail is about
 * MT_THUMB_MIN_WIDTH wide or more, so the cost hardly grows with resolution. */
#ifndef MT_MOTION_THUMB_H
#define MT_MOTION_THUMB_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"

#define MT_THUMB_MIN_WIDTH  80
#define MT_THUMB_MAX_PIXELS (320 * 240)

struct mt_thumb {
	uint16_t width;
	uint16_t height;
	uint8_t y[MT_THUMB_MAX_PIXELS]; /* row-major luma, width * height used */
};

struct mt_jpeg_scan;
struct mt_region;

struct mt_thumbnailer {
	void *tj;                  /* TurboJPEG decompressor, made on first use */
	struct mt_jpeg_scan *scan; /* the scan walker, made on first use */
	uint64_t walked;           /* JPEG thumbnails made by the walker */
	uint64_t decoded;          /* by TurboJPEG (other scales, or the walker refused) */
	const struct mt_region *unneeded[2]; /* see mt_thumbnailer_skip() */
	uint8_t *need;                       /* the walker's MCU map for need_w x need_h */
	uint16_t need_w, need_h;
	uint64_t intervals_skipped; /* restart intervals not decoded: all masked */
};

void mt_thumbnailer_init(struct mt_thumbnailer *t);
void mt_thumbnailer_free(struct mt_thumbnailer *t);

/* Regions whose cells the detector never analyses (its ignore and privacy
 * masks; borrowed, either may be NULL). Where the camera writes restart
 * intervals, an interval whose MCUs all lie wholly inside one of them is
 * skipped at its RST marker without entropy decoding: below the decoding
 * floor. Its thumbnail pixels keep what they held (the caller's buffer). */
void mt_thumbnailer_skip(struct mt_thumbnailer *t, const struct mt_region *a,
			 const struct mt_region *b);

/* Make out from f. MT_EFORMAT for a frame it cannot read (unsupported format
 * or size), MT_ECORRUPT for a damaged one (a JPEG cut short, or one whose
 * decoder warns): the caller skips and counts it. */
int mt_thumb_make(struct mt_thumbnailer *t, const struct mt_frame *f, struct mt_thumb *out);

/* Make out from a luma plane (width x height, rows stride bytes apart) at the
 * scale a JPEG of that size would get, each thumbnail pixel the mean of its
 * box (what a JPEG's DC gives). For image files that are not JPEG. */
int mt_thumb_from_luma(const uint8_t *y, unsigned width, unsigned height, size_t stride,
		       struct mt_thumb *out);

#endif
