/* H.264 Annex-B access units, looked at without decoding: walk the NAL units
 * between start codes and tell an IDR (a frame decodable on its own) from
 * the rest. The capture path stamps keyframes with it; the muxer takes SPS
 * and PPS from it. */
#ifndef MT_CORE_H264_H
#define MT_CORE_H264_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mt_h264_nal_type {
	MT_H264_NAL_SLICE = 1,
	MT_H264_NAL_IDR = 5,
	MT_H264_NAL_SEI = 6,
	MT_H264_NAL_SPS = 7,
	MT_H264_NAL_PPS = 8,
	MT_H264_NAL_AUD = 9,
};

struct mt_h264_nal {
	const uint8_t *data; /* first byte is the NAL header; no start code */
	size_t size;         /* up to the next start code, trailing zeros dropped */
	uint8_t type;        /* nal_unit_type, the low 5 bits of the header */
};

/* The NAL unit at or after *pos in buf[0..len); *pos moves past it.
 * Returns 1 with *nal set, 0 when none is left. */
int mt_h264_next_nal(const uint8_t *buf, size_t len, size_t *pos, struct mt_h264_nal *nal);

/* True when the access unit holds an IDR slice. */
bool mt_h264_is_idr(const uint8_t *buf, size_t len);

/* True when buf starts with an Annex-B start code (00 00 01 or 00 00 00 01):
 * the least a buffer claiming to be H.264 must have. */
bool mt_h264_has_start_code(const uint8_t *buf, size_t len);

#endif
