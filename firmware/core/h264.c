/* Start-code scanning per ITU-T H.264 Annex B: a NAL unit runs from after
 * 00 00 01 up to the next 00 00 0x (x <= 1) or the end; zero bytes before a
 * four-byte start code belong to no NAL unit. */
#include "core/h264.h"

#include <string.h>

#include "core/errors.h"

/* Index of the first byte after the next start code at or after from, or len. */
static size_t skip_to_payload(const uint8_t *buf, size_t len, size_t from)
{
	for (size_t i = from; i + 3 <= len; i++) {
		if (buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1)
			return i + 3;
	}
	return len;
}

int mt_h264_next_nal(const uint8_t *buf, size_t len, size_t *pos, struct mt_h264_nal *nal)
{
	size_t start = skip_to_payload(buf, len, *pos);
	size_t end = start;

	if (start >= len) {
		*pos = len;
		return 0;
	}
	while (end + 3 <= len && !(buf[end] == 0 && buf[end + 1] == 0 && buf[end + 2] <= 1))
		end++;
	if (end + 3 > len)
		end = len;
	*pos = end;
	while (end > start && buf[end - 1] == 0)
		end--;
	if (end == start)
		return mt_h264_next_nal(buf, len, pos, nal);
	nal->data = buf + start;
	nal->size = end - start;
	nal->type = buf[start] & 0x1f;
	return 1;
}

bool mt_h264_is_idr(const uint8_t *buf, size_t len)
{
	struct mt_h264_nal nal;
	size_t pos = 0;

	while (mt_h264_next_nal(buf, len, &pos, &nal)) {
		if (nal.type == MT_H264_NAL_IDR)
			return true;
		if (nal.type == MT_H264_NAL_SLICE)
			return false;
	}
	return false;
}

bool mt_h264_has_start_code(const uint8_t *buf, size_t len)
{
	if (len >= 3 && buf[0] == 0 && buf[1] == 0 && buf[2] == 1)
		return true;
	return len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 1;
}

static bool is_vcl(uint8_t type)
{
	return type == MT_H264_NAL_SLICE || type == MT_H264_NAL_IDR;
}

/* Does this NAL unit begin a new access unit, after one that has a slice? */
static bool starts_au(const struct mt_h264_nal *nal)
{
	if (nal->type == MT_H264_NAL_AUD || nal->type == MT_H264_NAL_SPS ||
	    nal->type == MT_H264_NAL_PPS || nal->type == MT_H264_NAL_SEI)
		return true;
	/* first_mb_in_slice is ue(v): 0 is the single bit 1. */
	return is_vcl(nal->type) && nal->size > 1 && (nal->data[1] & 0x80);
}

int mt_h264_next_au(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **au, size_t *au_len)
{
	size_t start = *pos;
	size_t p = start;
	size_t before;
	struct mt_h264_nal nal;
	bool any = false, vcl = false;

	for (;;) {
		before = p;
		if (!mt_h264_next_nal(buf, len, &p, &nal)) {
			before = len;
			break;
		}
		if (vcl && starts_au(&nal))
			break;
		any = true;
		vcl = vcl || is_vcl(nal.type);
	}
	*pos = before;
	if (!any)
		return 0;
	*au = buf + start;
	*au_len = before - start;
	return 1;
}

/* Exp-Golomb bit reader over an RBSP (emulation prevention already removed). */
struct bits {
	const uint8_t *p;
	size_t len;
	size_t bit;
	bool err;
};

static uint32_t read_bit(struct bits *b)
{
	uint32_t v;

	if (b->bit >= b->len * 8) {
		b->err = true;
		return 0;
	}
	v = (b->p[b->bit / 8] >> (7 - b->bit % 8)) & 1;
	b->bit++;
	return v;
}

static uint32_t read_bits(struct bits *b, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = (v << 1) | read_bit(b);
	return v;
}

static uint32_t read_ue(struct bits *b)
{
	int zeros = 0;

	while (!read_bit(b) && !b->err) {
		if (++zeros > 31) {
			b->err = true;
			return 0;
		}
	}
	return (uint32_t)((1ull << zeros) - 1 + read_bits(b, zeros));
}

static int32_t read_se(struct bits *b)
{
	uint32_t k = read_ue(b);

	return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

static void skip_scaling_list(struct bits *b, int size)
{
	int last = 8, next = 8;

	for (int j = 0; j < size && !b->err; j++) {
		if (next != 0)
			next = (last + read_se(b) + 256) % 256;
		last = next == 0 ? last : next;
	}
}

/* Profiles whose SPS carries chroma format, bit depths and scaling lists. */
static bool high_profile(uint8_t p)
{
	static const uint8_t high[] = {
		100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135
	};

	for (size_t i = 0; i < sizeof(high); i++)
		if (p == high[i])
			return true;
	return false;
}

static void read_chroma_and_depth(struct bits *b, struct mt_h264_sps *sps)
{
	sps->chroma_format_idc = (uint8_t)read_ue(b);
	if (sps->chroma_format_idc == 3)
		read_bit(b); /* separate_colour_plane_flag */
	sps->bit_depth_luma = (uint8_t)(8 + read_ue(b));
	sps->bit_depth_chroma = (uint8_t)(8 + read_ue(b));
	read_bit(b);       /* qpprime_y_zero_transform_bypass_flag */
	if (read_bit(b)) { /* seq_scaling_matrix_present_flag */
		for (int i = 0; i < (sps->chroma_format_idc != 3 ? 8 : 12); i++)
			if (read_bit(b))
				skip_scaling_list(b, i < 6 ? 16 : 64);
	}
}

static void skip_poc(struct bits *b)
{
	uint32_t poc_type = read_ue(b);

	if (poc_type == 0) {
		read_ue(b); /* log2_max_pic_order_cnt_lsb_minus4 */
	} else if (poc_type == 1) {
		uint32_t n;

		read_bit(b); /* delta_pic_order_always_zero_flag */
		read_se(b);  /* offset_for_non_ref_pic */
		read_se(b);  /* offset_for_top_to_bottom_field */
		n = read_ue(b);
		if (n > 255)
			b->err = true;
		for (uint32_t i = 0; i < n && !b->err; i++)
			read_se(b);
	} else if (poc_type > 2) {
		b->err = true;
	}
}

/* The picture size (7.4.2.1.1: frame cropping in chroma sample units). */
static int read_size(struct bits *b, struct mt_h264_sps *sps)
{
	uint32_t w_mbs = read_ue(b) + 1, h_units = read_ue(b) + 1;
	uint32_t crop[4] = { 0, 0, 0, 0 }, cx = 1, cy, w, h;

	sps->frame_mbs_only = read_bit(b);
	if (!sps->frame_mbs_only)
		read_bit(b); /* mb_adaptive_frame_field_flag */
	read_bit(b);         /* direct_8x8_inference_flag */
	if (read_bit(b)) {   /* frame_cropping_flag */
		for (int i = 0; i < 4; i++)
			crop[i] = read_ue(b);
	}
	cy = 2 - sps->frame_mbs_only;
	if (sps->chroma_format_idc == 1 || sps->chroma_format_idc == 2)
		cx = 2;
	if (sps->chroma_format_idc == 1)
		cy *= 2;
	if (b->err || w_mbs > 1024 || h_units > 1024)
		return -1;
	w = w_mbs * 16;
	h = h_units * 16 * (2 - sps->frame_mbs_only);
	if ((uint64_t)(crop[0] + crop[1]) * cx >= w || (uint64_t)(crop[2] + crop[3]) * cy >= h)
		return -1;
	sps->width = (uint16_t)(w - (crop[0] + crop[1]) * cx);
	sps->height = (uint16_t)(h - (crop[2] + crop[3]) * cy);
	return 0;
}

int mt_h264_parse_sps(const uint8_t *nal, size_t len, struct mt_h264_sps *sps)
{
	uint8_t rbsp[512]; /* an SPS is tens of bytes; scaling lists add a few hundred bits */
	struct bits b = { rbsp, 0, 0, false };
	int zeros = 0;

	if (len < 4 || (nal[0] & 0x1f) != MT_H264_NAL_SPS)
		return MT_EFORMAT;
	for (size_t i = 1; i < len && b.len < sizeof(rbsp); i++) {
		if (zeros >= 2 && nal[i] == 3) { /* emulation_prevention_three_byte */
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		rbsp[b.len++] = nal[i];
	}
	memset(sps, 0, sizeof(*sps));
	sps->profile_idc = (uint8_t)read_bits(&b, 8);
	sps->constraint_flags = (uint8_t)read_bits(&b, 8);
	sps->level_idc = (uint8_t)read_bits(&b, 8);
	sps->chroma_format_idc = 1;
	sps->bit_depth_luma = 8;
	sps->bit_depth_chroma = 8;
	if (read_ue(&b) > 31) /* seq_parameter_set_id */
		return MT_EFORMAT;
	if (high_profile(sps->profile_idc))
		read_chroma_and_depth(&b, sps);
	if (sps->chroma_format_idc > 3 || sps->bit_depth_luma > 14 || sps->bit_depth_chroma > 14)
		return MT_EFORMAT;
	read_ue(&b); /* log2_max_frame_num_minus4 */
	skip_poc(&b);
	read_ue(&b);  /* max_num_ref_frames */
	read_bit(&b); /* gaps_in_frame_num_value_allowed_flag */
	if (b.err || read_size(&b, sps))
		return MT_EFORMAT;
	return 0;
}
