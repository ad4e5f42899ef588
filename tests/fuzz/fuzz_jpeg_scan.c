/* libFuzzer target: the baseline JPEG scan walker (core/jpeg_scan.h) on
 * arbitrary JPEGs. Byte 0 picks the mask (none, all, a checkerboard, one
 * MCU, or a map read from the next bytes); the rest is the JPEG, copied to
 * exactly its size so ASan sees a read past it. Asserts: results are only
 * the documented ones; a progressive JPEG is parsed but never walked; the
 * DC thumbnail (mt_jpeg_scan_dc, with the map as need map when byte 0 has
 * bit 7) writes only within its picture and skips at most every interval; the bound is always room enough; a masked JPEG
 * starts with SOI, ends with EOI, parses again, and masking it again with
 * the same map gives the same bytes (the output is canonical); one byte
 * less of room is -ENOSPC, never a write past it. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/jpeg_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void make_map(uint8_t *map, size_t n, uint32_t cols, uint8_t how, const uint8_t *bits,
		     size_t nbits)
{
	for (size_t i = 0; i < n; i++) {
		switch (how % 5) {
		case 0:
			map[i] = 0;
			break;
		case 1:
			map[i] = 1;
			break;
		case 2:
			map[i] = (uint8_t)((i % cols + i / cols) & 1);
			break;
		case 3:
			map[i] = i == (size_t)(how >> 3) % n;
			break;
		default:
			map[i] = nbits ? (bits[(i / 8) % nbits] >> (i % 8)) & 1 : 0;
			break;
		}
	}
}

static struct mt_jpeg_scan s, s2;

/* The DC thumbnail into a buffer of exactly its size (ASan sees a write
 * past it); with a need map, never more intervals skipped than there are. */
static void thumb_dc(const uint8_t *jpeg, size_t len, const uint8_t *need)
{
	size_t tw = (s.width + 7u) / 8, th = (s.height + 7u) / 8;
	uint8_t *y = malloc(tw * th);
	uint32_t skipped = 0, total = s.mcux * s.mcuy;
	int ret;

	if (!y)
		return;
	ret = mt_jpeg_scan_dc(&s, jpeg, len, need, y, tw, &skipped);
	assert(ret == 0 || ret == MT_EFORMAT || ret == -ENOMEM);
	assert(ret || skipped <= (s.restart ? (total + s.restart - 1) / s.restart : 1));
	assert(ret || need || skipped == 0);
	free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *jpeg, *map, *out, *again;
	size_t len, cap, outlen, len2;
	uint64_t blocks, blocks2;
	uint32_t rows;
	int ret;

	if (size < 1)
		return 0;
	len = size - 1;
	jpeg = malloc(len ? len : 1);
	if (!jpeg)
		return 0;
	memcpy(jpeg, data + 1, len);
	ret = mt_jpeg_scan_parse(&s, jpeg, len);
	assert(ret == 0 || ret == MT_EFORMAT);
	if (ret)
		goto out_jpeg;
	assert(s.width && s.height && s.scan_start <= len);
	if (!s.walkable) { /* progressive: headers only, never walked */
		uint8_t none = 0, o[4];

		ret = mt_jpeg_scan_mask(&s, jpeg, len, &none, o, sizeof(o), &outlen, &blocks);
		assert(ret == MT_EFORMAT);
		goto out_jpeg;
	}
	assert(s.mcux && s.mcuy);
	rows = (s.height + 8 * s.vmax - 1) / (8 * s.vmax);
	cap = mt_jpeg_scan_bound(&s, len);
	if ((uint64_t)s.map_cols * rows > (1u << 20) || cap > (64u << 20))
		goto out_jpeg; /* a huge picture: not in this target's memory */
	map = malloc((size_t)s.map_cols * rows);
	out = malloc(cap);
	if (!map || !out)
		goto out_free;
	make_map(map, (size_t)s.map_cols * rows, s.map_cols, data[0], jpeg, len < 64 ? len : 64);
	thumb_dc(jpeg, len, data[0] & 0x80 ? map : NULL);
	ret = mt_jpeg_scan_mask(&s, jpeg, len, map, out, cap, &outlen, &blocks);
	assert(ret == 0 || ret == MT_EFORMAT || ret == -ENOMEM);
	if (ret)
		goto out_free;
	assert(outlen >= 4 && outlen <= cap);
	assert(out[0] == 0xFF && out[1] == 0xD8 && out[outlen - 2] == 0xFF &&
	       out[outlen - 1] == 0xD9);
	if (data[0] % 5 == 0)
		assert(blocks == 0);
	/* Canonical: the same map again changes nothing. */
	assert(mt_jpeg_scan_parse(&s2, out, outlen) == 0);
	assert(s2.mcux == s.mcux && s2.mcuy == s.mcuy && s2.map_cols == s.map_cols);
	again = malloc(outlen);
	if (!again)
		goto out_free;
	ret = mt_jpeg_scan_mask(&s2, out, outlen, map, again, outlen, &len2, &blocks2);
	assert(ret == 0 && len2 == outlen && blocks2 == blocks && !memcmp(again, out, outlen));
	/* One byte short. */
	ret = mt_jpeg_scan_mask(&s2, out, outlen, map, again, outlen - 1, &len2, &blocks2);
	assert(ret == -ENOSPC);
	free(again);
out_free:
	free(map);
	free(out);
out_jpeg:
	free(jpeg);
	return 0;
}
