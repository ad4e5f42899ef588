/* Annex-B scanning: NAL units between three- and four-byte start codes,
 * trailing zeros dropped, IDR told from a P slice, and garbage without a
 * start code found to hold nothing. SPS parsing against streams libx264 made
 * (tests/vectors/h264/sps.txt holds what ffprobe says of them) and against
 * an SPS full of emulation-prevention bytes; access units split from
 * streams with and without AUDs, with four slices per picture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/h264.h"

/* The whole of $MT_VECTORS/h264/name; the caller frees it. */
static uint8_t *read_vector(const char *name, size_t *len)
{
	const char *dir = getenv("MT_VECTORS");
	char path[512];
	uint8_t *buf;
	long n;
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/h264/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* AUD, SPS, PPS, IDR slice (with a trailing zero before the next code). */
static const uint8_t idr_au[] = {
	0, 0, 0, 1,    0x09, 0x10,             /* AUD */
	0, 0, 0, 1,    0x67, 0x42, 0xc0, 0x1e, /* SPS */
	0, 0, 1, 0x68, 0xce, 0x3c, 0x80,       /* PPS */
	0, 0, 0, 1,    0x65, 0x88, 0x84, 0x00, /* IDR, then zero padding */
	0, 0,
};

static const uint8_t p_au[] = { 0, 0, 0, 1, 0x41, 0x9a, 0x02, 0, 0, 1, 0x65, 0x01 };

static void walks_every_nal(void **state)
{
	static const uint8_t want_type[] = { 9, 7, 8, 5 };
	static const size_t want_size[] = { 2, 4, 4, 3 };
	struct mt_h264_nal nal;
	size_t pos = 0;
	size_t n = 0;

	(void)state;
	while (mt_h264_next_nal(idr_au, sizeof(idr_au), &pos, &nal)) {
		assert_true(n < 4);
		assert_int_equal(nal.type, want_type[n]);
		assert_int_equal(nal.size, want_size[n]);
		assert_int_equal(nal.data[0] & 0x1f, want_type[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(pos, sizeof(idr_au));
}

static void tells_idr_from_p(void **state)
{
	(void)state;
	assert_true(mt_h264_is_idr(idr_au, sizeof(idr_au)));
	/* the first slice decides: a P slice, whatever follows */
	assert_false(mt_h264_is_idr(p_au, sizeof(p_au)));
	assert_false(mt_h264_is_idr(idr_au, 10)); /* cut before the slice */
}

static void garbage_holds_nothing(void **state)
{
	static const uint8_t junk[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46 };
	static const uint8_t zeros[16];
	struct mt_h264_nal nal;
	size_t pos = 0;

	(void)state;
	assert_false(mt_h264_has_start_code(junk, sizeof(junk)));
	assert_int_equal(mt_h264_next_nal(junk, sizeof(junk), &pos, &nal), 0);
	pos = 0;
	assert_int_equal(mt_h264_next_nal(zeros, sizeof(zeros), &pos, &nal), 0);
	assert_false(mt_h264_is_idr(NULL, 0));
	assert_true(mt_h264_has_start_code(idr_au, sizeof(idr_au)));
	assert_true(mt_h264_has_start_code(idr_au + 1, 5));
}

static void sps_of_real_streams(void **state)
{
	const char *dir = getenv("MT_VECTORS");
	char path[512], line[256], name[64];
	unsigned int profile, level, chroma, depth, frame_mbs, width, height;
	int checked = 0;
	FILE *list;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/h264/sps.txt", dir);
	list = fopen(path, "r");
	assert_non_null(list);
	while (fgets(line, sizeof(line), list)) {
		struct mt_h264_sps sps;
		struct mt_h264_nal nal;
		size_t len, pos = 0;
		uint8_t *buf;
		int found = 0;

		if (line[0] == '#' ||
		    sscanf(line, "%63s %u %u %u %u %u %u %u", name, &profile, &level, &chroma,
			   &depth, &frame_mbs, &width, &height) != 8)
			continue;
		buf = read_vector(name, &len);
		while (!found && mt_h264_next_nal(buf, len, &pos, &nal))
			found = nal.type == MT_H264_NAL_SPS;
		assert_true(found);
		if (mt_h264_parse_sps(nal.data, nal.size, &sps) != 0)
			fail_msg("%s: SPS not parsed", name);
		if (sps.profile_idc != profile || sps.level_idc != level ||
		    sps.chroma_format_idc != chroma || sps.bit_depth_luma != depth ||
		    sps.frame_mbs_only != (frame_mbs != 0) || sps.width != width ||
		    sps.height != height)
			fail_msg(
				"%s: got profile %u level %u chroma %u depth %u frame_mbs %d %ux%u",
				name, sps.profile_idc, sps.level_idc, sps.chroma_format_idc,
				sps.bit_depth_luma, sps.frame_mbs_only, sps.width, sps.height);
		free(buf);
		checked++;
	}
	fclose(list);
	assert_int_equal(checked, 6);
}

static void sps_with_emulation_prevention(void **state)
{
	struct mt_h264_sps sps;
	size_t len;
	uint8_t *buf = read_vector("sps-epb-312x234.bin", &len);

	(void)state;
	assert_int_equal(mt_h264_parse_sps(buf, len, &sps), 0);
	assert_int_equal(sps.profile_idc, 66);
	assert_int_equal(sps.constraint_flags, 0xc0);
	assert_int_equal(sps.level_idc, 30);
	assert_int_equal(sps.width, 312);
	assert_int_equal(sps.height, 234);
	/* Read as if the 03 bytes were data, the size comes out wrong: the
	 * vector does test the unescaping. Every cut before the size fails. */
	for (size_t cut = 0; cut < len - 3; cut++)
		assert_int_equal(mt_h264_parse_sps(buf, cut, &sps), MT_EFORMAT);
	free(buf);
}

static void sps_rejects_what_is_not_one(void **state)
{
	static const uint8_t pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	/* profile 66, sps id 32 (ue 000001 00001): out of range */
	static const uint8_t bad_id[] = { 0x67, 0x42, 0xc0, 0x1e, 0x04, 0x20, 0xff, 0xff };
	struct mt_h264_sps sps;

	(void)state;
	assert_int_equal(mt_h264_parse_sps(pps, sizeof(pps), &sps), MT_EFORMAT);
	assert_int_equal(mt_h264_parse_sps(bad_id, sizeof(bad_id), &sps), MT_EFORMAT);
	assert_int_equal(mt_h264_parse_sps(idr_au + 10, 4, &sps), MT_EFORMAT); /* cut short */
}

/* Twelve pictures, an IDR every 5th: twelve access units that tile the
 * stream, each with slices_per_au slices and only its first with SPS/PPS. */
static void check_split(const char *name, int slices_per_au, int auds)
{
	const uint8_t *au, *expect;
	size_t len, pos = 0, au_len;
	uint8_t *buf = read_vector(name, &len);
	int n = 0;

	expect = buf;
	while (mt_h264_next_au(buf, len, &pos, &au, &au_len)) {
		struct mt_h264_nal nal;
		size_t p = 0;
		int slices = 0, aud = 0;

		assert_ptr_equal(au, expect);
		expect = au + au_len;
		while (mt_h264_next_nal(au, au_len, &p, &nal)) {
			slices += nal.type == MT_H264_NAL_SLICE || nal.type == MT_H264_NAL_IDR;
			aud += nal.type == MT_H264_NAL_AUD;
		}
		assert_int_equal(slices, slices_per_au);
		assert_int_equal(aud, auds);
		assert_int_equal(mt_h264_is_idr(au, au_len), n % 5 == 0);
		n++;
	}
	assert_int_equal(n, 12);
	assert_ptr_equal(expect, buf + len);
	assert_int_equal(pos, len);
	free(buf);
}

static void splits_access_units(void **state)
{
	const uint8_t *au;
	size_t pos = 0, au_len;

	(void)state;
	check_split("gop5-64x64.h264", 1, 0);
	check_split("gop5-slices4-aud-64x64.h264", 4, 1);
	assert_int_equal(mt_h264_next_au(idr_au, 10, &pos, &au, &au_len), 1); /* no slice: one AU */
	assert_int_equal(au_len, 10);
	assert_int_equal(mt_h264_next_au(idr_au, 10, &pos, &au, &au_len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_every_nal),
		cmocka_unit_test(tells_idr_from_p),
		cmocka_unit_test(garbage_holds_nothing),
		cmocka_unit_test(sps_of_real_streams),
		cmocka_unit_test(sps_with_emulation_prevention),
		cmocka_unit_test(sps_rejects_what_is_not_one),
		cmocka_unit_test(splits_access_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
