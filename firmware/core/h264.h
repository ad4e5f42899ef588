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

/* What the muxer needs from a sequence parameter set (ITU-T H.264 7.3.2.1.1). */
struct mt_h264_sps {
	uint8_t profile_idc;
	uint8_t constraint_flags; /* the byte after profile_idc */
	uint8_t level_idc;
	uint8_t chroma_format_idc; /* 1 (4:2:0) unless a high profile says */
	uint8_t bit_depth_luma;    /* 8.. */
	uint8_t bit_depth_chroma;
	bool frame_mbs_only;
	uint16_t width; /* picture size after the SPS's cropping window */
	uint16_t height;
};

/* Parses an SPS NAL unit (header byte included, emulation-prevention bytes
 * still in) as mt_h264_next_nal() gives it. 0, or MT_EFORMAT when it is not
 * an SPS, is cut short, or holds values out of the standard's range. */
int mt_h264_parse_sps(const uint8_t *nal, size_t len, struct mt_h264_sps *sps);

/* The access unit at or after *pos in an Annex-B byte stream: from its first
 * NAL unit's start code up to the next access unit's first start code (7.4.1.2.3:
 * an AUD, SPS, PPS or SEI after a slice, or a slice whose first_mb_in_slice
 * is 0, begins a new one). *pos moves past it. Returns 1 with *au and *au_len
 * set (au points into buf), 0 at the end. For splitting a camera's or an
 * encoder's byte stream into frames. */
int mt_h264_next_au(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **au,
		    size_t *au_len);

#endif
