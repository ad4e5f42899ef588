/* ISO BMFF boxes of a fragmented MP4 with one video track (ISO/IEC 14496-12,
 * H.264 sample entry per ISO/IEC 14496-15): the init segment (ftyp + moov
 * with mvex/trex) and a fragment's header (moof + the mdat box header).
 * Pure serialisation into caller buffers; record/fmp4.c holds the state. */
#ifndef MT_RECORD_FMP4_BOX_H
#define MT_RECORD_FMP4_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "core/h264.h"

#define MT_FMP4_TRACK_ID 1

/* trun sample_flags (14496-12 8.8.3.1): depends on no other sample, or on
 * others and is not a sync sample. */
#define MT_FMP4_FLAGS_SYNC     0x02000000u
#define MT_FMP4_FLAGS_NON_SYNC 0x01010000u

/* Bytes of a fragment header besides its per-sample entries: moof 8, mfhd 16,
 * traf 8, tfhd 16, tfdt 20, trun 20, mdat header 8. */
#define MT_FMP4_FRAG_FIXED    96
#define MT_FMP4_FRAG_PER_SAMP 12

struct mt_fmp4_track {
	enum mt_pixfmt format; /* MT_FMT_MJPEG ('jpeg') or MT_FMT_H264 ('avc1') */
	uint16_t width;
	uint16_t height;
	uint32_t timescale;
	/* H.264 only: one SPS and one PPS NAL unit (header byte included, no
	 * start code), and what the SPS says; borrowed for the call. */
	const uint8_t *sps;
	size_t sps_len;
	const uint8_t *pps;
	size_t pps_len;
	struct mt_h264_sps sps_info;
};

struct mt_fmp4_trun_entry {
	uint32_t duration; /* timescale units */
	uint32_t size;     /* bytes in the mdat */
	uint32_t flags;    /* MT_FMP4_FLAGS_* */
};

/* ftyp + moov into out[0..cap). Returns its length, or 0 if cap is too small
 * (a 4 KiB buffer always fits: SPS and PPS are at most 255 bytes here). */
size_t mt_fmp4_box_init(uint8_t *out, size_t cap, const struct mt_fmp4_track *t);

/* moof (sequence number seq, first decode time base_dts, n samples) followed
 * by the 8-byte header of an mdat of mdat_payload bytes, into out[0..cap).
 * Returns the length (MT_FMP4_FRAG_FIXED + n * MT_FMP4_FRAG_PER_SAMP), or 0
 * if cap is too small or mdat_payload does not fit a 32-bit box. */
size_t mt_fmp4_box_fragment(uint8_t *out, size_t cap, uint32_t seq, uint64_t base_dts,
			    const struct mt_fmp4_trun_entry *s, uint32_t n, uint64_t mdat_payload);

#endif
