/* Just enough ISO BMFF (MP4) to seal a fragmented clip: top-level box
 * headers, the time scale from the init segment, and from each moof its
 * sequence number, decode time, sample count and duration (first track). */
#ifndef MT_EVIDENCE_BMFF_H
#define MT_EVIDENCE_BMFF_H

#include <stddef.h>
#include <stdint.h>

#define MT_BMFF_HEADER_MAX 16 /* size, type, 64-bit largesize */

/* A four-character box type as a number: MT_BMFF_TYPE('m','o','o','f'). */
#define MT_BMFF_TYPE(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

struct mt_bmff_box {
	uint32_t type;
	uint64_t size; /* the whole box, header included */
	size_t header; /* 8, or 16 with a largesize */
};

struct mt_bmff_track {
	uint32_t timescale;        /* ticks per second (mdhd), 0 if unknown */
	uint32_t default_duration; /* trex default_sample_duration, 0 if none */
};

struct mt_bmff_fragment {
	uint32_t sequence;    /* mfhd sequence_number */
	uint64_t decode_time; /* tfdt, in track ticks */
	uint32_t samples;     /* trun sample counts */
	uint64_t duration;    /* sum of sample durations, in track ticks */
};

/* The header of the box at p (avail bytes): 0; -EAGAIN if avail is too
 * short to tell; MT_EFORMAT if it is no box (size smaller than its header,
 * or 0, "to the end of the file", which a growing clip cannot use). */
int mt_bmff_box_header(const uint8_t *p, size_t avail, struct mt_bmff_box *b);

/* Reads the first track's time scale and trex default from a moov box
 * (len bytes, header included). 0 or MT_EFORMAT. */
int mt_bmff_moov_info(const uint8_t *moov, size_t len, struct mt_bmff_track *t);

/* Reads a moof box (len bytes, header included) of track t. 0 or
 * MT_EFORMAT. */
int mt_bmff_moof_info(const uint8_t *moof, size_t len, const struct mt_bmff_track *t,
		      struct mt_bmff_fragment *f);

/* ticks of a track at timescale as microseconds (0 if timescale is 0). */
int64_t mt_bmff_ticks_to_us(uint64_t ticks, uint32_t timescale);

#endif
