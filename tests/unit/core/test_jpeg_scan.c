/* The baseline JPEG scan walker (core/jpeg_scan.h) on real footage and on
 * broken headers and scans: geometry, byte-exact copies where nothing is
 * masked, restart intervals copied whole, canonical output, room, and every
 * refusal; the DC thumbnail against TurboJPEG's 1/8 scale. Coefficients and decoded pixels of masked frames are checked in
 * tests/unit/record/test_privacy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/jpeg_scan.h"
#include "support.h"

static char *tmp;
static struct mt_jpeg_scan s;

/* A file made by a shell command (ffmpeg, jpegtran) in tmp, malloc'ed. */
static uint8_t *make(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uint8_t *make(size_t *len, const char *fmt, ...)
{
	char cmd[1024], path[600];
	va_list ap;
	FILE *f;
	uint8_t *d;
	long n;

	snprintf(path, sizeof(path), "%s/made.jpg", tmp);
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	setenv("OUT", path, 1);
	setenv("SRC", getenv("MT_FOOTAGE") ? getenv("MT_FOOTAGE") : "", 1);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* Masks d with map; returns the output (malloc'ed, room: the bound). */
static uint8_t *mask(const uint8_t *d, size_t n, const uint8_t *map, size_t *outlen,
		     uint64_t *blocks)
{
	size_t cap;
	uint8_t *out;

	assert_int_equal(mt_jpeg_scan_parse(&s, d, n), 0);
	cap = mt_jpeg_scan_bound(&s, n);
	out = malloc(cap);
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, cap, outlen, blocks), 0);
	return out;
}

/* Offset of the first marker ff m at or after i. */
static size_t find(const uint8_t *d, size_t n, size_t i, uint8_t m)
{
	for (; i + 1 < n; i++)
		if (d[i] == 0xFF && d[i + 1] == m)
			return i;
	fail_msg("marker %02x not found", m);
	return 0;
}

static void test_geometry(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(1);

	(void)state;
	assert_int_equal(mt_jpeg_scan_parse(&s, f->data, f->size), 0);
	assert_int_equal(s.width, 320);
	assert_int_equal(s.height, 240);
	assert_int_equal(s.ncomps, 3);
	assert_int_equal(s.hs[0], 2);
	assert_int_equal(s.vs[0], 2);
	assert_int_equal(s.hs[1], 1);
	assert_int_equal(s.mcux, 20);
	assert_int_equal(s.mcuy, 15);
	assert_int_equal(s.map_cols, 20);
	assert_int_equal(s.restart, 0);
	assert_true(s.walkable);
	assert_int_equal(s.scan_start, find(f->data, f->size, 2, 0xDA) + 14);
	mt_frame_put(f);
}

/* Nothing masked: the entropy-coded data is the input's, byte for byte;
 * everything masked: one black block per 8x8, and the output is smaller. */
static void test_none_and_all(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(7);
	uint8_t map[20 * 15];
	uint8_t *out;
	size_t outlen, in_scan;
	uint64_t blocks;

	(void)state;
	memset(map, 0, sizeof(map));
	out = mask(f->data, f->size, map, &outlen, &blocks);
	assert_int_equal(blocks, 0);
	in_scan = f->size - s.scan_start;
	assert_memory_equal(out + outlen - in_scan, f->data + s.scan_start, in_scan);
	free(out);
	memset(map, 1, sizeof(map));
	out = mask(f->data, f->size, map, &outlen, &blocks);
	assert_int_equal(blocks, 20 * 15 * 6);
	assert_true(outlen < f->size / 4);
	free(out);
	mt_frame_put(f);
}

/* Restart interval per MCU row, mask in row 0 only: from the first RST on,
 * the output is the input byte for byte (intervals copied, not walked);
 * and masking the output again changes nothing. */
static void test_restart_copied(void **state)
{
	uint8_t *d, *out, *again, map[120 * 68];
	size_t n, outlen, len2, a, b;
	uint64_t blocks, blocks2;

	(void)state;
	d = make(&n, "ffmpeg -nostdin -v error -y -i \"$SRC/cdnet-highway/input/in000500.jpg\" "
		     "-vf scale=1920:1080 -q:v 5 -f image2pipe - | jpegtran -restart 1 > \"$OUT\"");
	memset(map, 0, sizeof(map));
	map[3] = map[4] = map[100] = 1;
	out = mask(d, n, map, &outlen, &blocks);
	assert_int_equal(s.restart, 120);
	assert_int_equal(blocks, 3 * 6);
	a = find(d, n, s.scan_start, 0xD0);
	b = find(out, outlen, 2, 0xDA);
	b = find(out, outlen, b, 0xD0);
	assert_int_equal(n - a, outlen - b);
	assert_memory_equal(d + a, out + b, n - a);
	assert_true(b < a); /* the masked row is shorter */
	again = mask(out, outlen, map, &len2, &blocks2);
	assert_int_equal(len2, outlen);
	assert_int_equal(blocks2, blocks);
	assert_memory_equal(again, out, outlen);
	/* A restart marker out of sequence (the second, RST1, made RST2). */
	b = find(d, n, a + 2, 0xD1);
	d[b + 1] = 0xD2;
	assert_int_equal(mt_jpeg_scan_parse(&s, d, n), 0);
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, again, len2, &len2, &blocks2),
			 MT_EFORMAT);
	free(again);
	free(out);
	free(d);
}

/* Room: one byte short of the output is -ENOSPC, never a write past it. */
static void test_room(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(3);
	uint8_t map[20 * 15], *out, *small;
	size_t outlen, len2;
	uint64_t blocks;

	(void)state;
	for (unsigned i = 0; i < sizeof(map); i++)
		map[i] = (uint8_t)(i % 3 == 0);
	out = mask(f->data, f->size, map, &outlen, &blocks);
	small = malloc(outlen - 1);
	assert_int_equal(mt_jpeg_scan_mask(&s, f->data, f->size, map, small, outlen - 1, &len2,
					   &blocks),
			 -ENOSPC);
	assert_int_equal(mt_jpeg_scan_mask(&s, f->data, f->size, map, small, 0, &len2, &blocks),
			 -ENOSPC);
	free(small);
	free(out);
	mt_frame_put(f);
}

/* A flat picture with tables of only the codes it uses (-optimize): black
 * needs a DC difference the table cannot say, so the walker refuses (the
 * recorder then masks with the lossless transform). */
static void test_code_missing(void **state)
{
	uint8_t *d, map[8 * 8], out[4096];
	size_t n, outlen;
	uint64_t blocks;

	(void)state;
	d = make(&n, "ffmpeg -nostdin -v error -y -f lavfi -i color=c=gray:s=128x128 "
		     "-frames:v 1 -pix_fmt yuvj420p -f image2pipe - | jpegtran -optimize "
		     "> \"$OUT\"");
	memset(map, 0, sizeof(map));
	assert_int_equal(mt_jpeg_scan_parse(&s, d, n), 0);
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, sizeof(out), &outlen, &blocks), 0);
	map[9] = 1;
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, sizeof(out), &outlen, &blocks),
			 MT_EFORMAT);
	free(d);
}

/* Broken or unsupported headers, one change at a time. */
static void test_bad_headers(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(2);
	uint8_t *d = malloc(f->size), map[20 * 15] = { 0 }, out[64];
	size_t n = f->size, sof = find(f->data, n, 2, 0xC0), dht = find(f->data, n, 2, 0xC4),
	       sos = find(f->data, n, 2, 0xDA), outlen;
	uint64_t blocks;
	static const struct {
		const char *what;
		int at; /* 0 SOI, 1 SOF, 2 DHT, 3 SOS: offset from its marker */
		int off;
		uint8_t val;
	} bad[] = {
		{ "not SOI", 0, 1, 0xD9 },
		{ "progressive", 1, 1, 0xC2 },
		{ "arithmetic", 1, 1, 0xC9 },
		{ "lossless", 1, 1, 0xC3 },
		{ "12-bit", 1, 4, 12 },
		{ "height 0 (DNL)", 1, 6, 0 },
		{ "two components", 1, 9, 2 },
		{ "sampling 3", 1, 11, 0x32 },
		{ "sampling 0", 1, 14, 0x01 },
		{ "quant table 4", 1, 12, 4 },
		{ "same id twice", 1, 13, 0xEE }, /* the first one's */
		{ "SOF length", 1, 3, 18 },
		{ "DHT class 2", 2, 4, 0x20 },
		{ "DHT table 4", 2, 4, 0x04 },
		{ "DHT overfull", 2, 5, 3 },
		{ "DHT count past segment", 2, 20, 200 },
		{ "SOS two components", 3, 4, 2 },
		{ "SOS unknown id", 3, 5, 9 },
		{ "SOS undefined table", 3, 6, 0x33 },
		{ "SOS Se 62", 3, 12, 62 },
		{ "SOS Al 1", 3, 13, 1 },
		{ "segment past the end", 2, 2, 0xFF },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const size_t base[4] = { 0, sof, dht, sos };

		memcpy(d, f->data, n);
		d[base[bad[i].at] + (size_t)bad[i].off] = bad[i].val;
		if (bad[i].val == 0xEE)
			d[sof + 13] = d[sof + 10];
		print_message("%s\n", bad[i].what);
		if (bad[i].val == 0xC2 || bad[i].at == 3) { /* read, not walked */
			assert_int_equal(mt_jpeg_scan_parse(&s, d, n), 0);
			assert_false(s.walkable);
			assert_int_equal(s.width, 320);
		} else {
			assert_int_equal(mt_jpeg_scan_parse(&s, d, n), MT_EFORMAT);
		}
		/* and a mask after a failed parse is refused too */
		assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, sizeof(out), &outlen,
						   &blocks),
				 MT_EFORMAT);
	}
	/* cut anywhere in the headers */
	for (size_t cut = 0; cut < sos + 14; cut++)
		assert_int_equal(mt_jpeg_scan_parse(&s, f->data, cut), MT_EFORMAT);
	free(d);
	mt_frame_put(f);
}

/* Broken scans: cut short, no EOI, codes no table has. */
static void test_bad_scans(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(4);
	uint8_t *d = malloc(f->size), map[20 * 15], *out;
	size_t n = f->size, cap, outlen;
	uint64_t blocks;

	(void)state;
	memset(map, 1, sizeof(map));
	assert_int_equal(mt_jpeg_scan_parse(&s, f->data, n), 0);
	cap = mt_jpeg_scan_bound(&s, n);
	out = malloc(cap);
	/* cut short: at every 97th byte of the scan, and just before EOI */
	for (size_t cut = s.scan_start; cut < n; cut += 97)
		assert_int_equal(mt_jpeg_scan_mask(&s, f->data, cut, map, out, cap, &outlen,
						   &blocks),
				 MT_EFORMAT);
	assert_int_equal(mt_jpeg_scan_mask(&s, f->data, n - 2, map, out, cap, &outlen, &blocks),
			 MT_EFORMAT);
	/* EOI replaced by another marker (a second scan would follow) */
	memcpy(d, f->data, n);
	d[n - 1] = 0xDA;
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, cap, &outlen, &blocks), MT_EFORMAT);
	/* all-ones codes (0xFF 0x00 stuffed): no table has them */
	memcpy(d, f->data, n);
	for (size_t i = s.scan_start; i + 4 < n; i += 2)
		d[i] = 0xFF, d[i + 1] = 0x00;
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, cap, &outlen, &blocks), MT_EFORMAT);
	/* zeros: valid codes, but the data runs out before the last block */
	memset(d + s.scan_start, 0, n - 2 - s.scan_start);
	memset(map, 0, sizeof(map));
	map[299] = 1;
	assert_int_equal(mt_jpeg_scan_mask(&s, d, n, map, out, cap, &outlen, &blocks), MT_EFORMAT);
	free(out);
	free(d);
	mt_frame_put(f);
}

/* The DC thumbnail is TurboJPEG's 1/8-scale grey decode, pixel for pixel,
 * for every sampling, with and without restart intervals; with a need map
 * of every other MCU row, the intervals of the other rows are skipped and
 * their pixels left alone. */
static void test_dc_thumbnail(void **state)
{
	static const char *const pixfmts[] = { "yuvj420p", "yuvj422p", "yuvj444p", "gray" };
	static const char *const restart[] = { "", "-restart 1", "-restart 5B" };
	const int tw = 240, th = 135;
	uint8_t *ref = malloc((size_t)tw * th), *thumb = malloc((size_t)tw * th);
	tjhandle tj = tjInitDecompress();

	(void)state;
	for (unsigned k = 0; k < 4; k++)
		for (unsigned r = 0; r < 3; r++) {
			tjscalingfactor sf = { 1, 8 };
			uint32_t skipped = 1;
			size_t n;
			uint8_t *d = make(&n,
					  "ffmpeg -nostdin -v error -y -i "
					  "\"$SRC/cdnet-highway/input/in000700.jpg\" -vf "
					  "scale=1920:1080 -pix_fmt %s -q:v 4 -f image2pipe - | "
					  "jpegtran %s > \"$OUT\"",
					  pixfmts[k], restart[r]);

			print_message("%s %s\n", pixfmts[k], restart[r]);
			assert_int_equal(tjDecompress2(tj, d, n, ref, TJSCALED(1920, sf), 0,
						       TJSCALED(1080, sf), TJPF_GRAY,
						       TJFLAG_FASTDCT | TJFLAG_STOPONWARNING),
					 0);
			memset(thumb, 0x55, (size_t)tw * th);
			assert_int_equal(mt_jpeg_scan_parse(&s, d, n), 0);
			assert_int_equal(mt_jpeg_scan_dc(&s, d, n, NULL, thumb, tw, &skipped), 0);
			assert_int_equal(skipped, 0);
			assert_memory_equal(thumb, ref, (size_t)tw * th);
			if (r == 1 && s.ncomps == 3) {
				/* need: even MCU rows (an interval each) */
				uint8_t *need = calloc((size_t)s.map_cols * s.mcuy, 1);
				unsigned rows = 8 * s.vmax;

				for (uint32_t my = 0; my < s.mcuy; my += 2)
					memset(need + (size_t)my * s.map_cols, 1, s.map_cols);
				memset(thumb, 0x55, (size_t)tw * th);
				assert_int_equal(
					mt_jpeg_scan_dc(&s, d, n, need, thumb, tw, &skipped), 0);
				assert_int_equal(skipped, s.mcuy / 2);
				for (int y = 0; y < th; y++) {
					bool needed = !((unsigned)y * 8 / rows % 2);

					for (int x = 0; x < tw; x++)
						assert_int_equal(thumb[y * tw + x],
								 needed ? ref[y * tw + x] : 0x55);
				}
				free(need);
			}
			free(d);
		}
	/* broken: cut short */
	{
		struct mt_frame *f = mt_test_footage_frame(5);
		uint32_t skipped;

		assert_int_equal(mt_jpeg_scan_parse(&s, f->data, f->size), 0);
		assert_int_equal(mt_jpeg_scan_dc(&s, f->data, f->size - 200, NULL, thumb, 40,
						 &skipped),
				 MT_EFORMAT);
		mt_frame_put(f);
	}
	tjDestroy(tj);
	free(ref);
	free(thumb);
}

static int setup(void **state)
{
	(void)state;
	tmp = mt_test_tmpdir("jpegscan");
	mt_jpeg_scan_init(&s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mt_jpeg_scan_free(&s);
	mt_jpeg_scan_free(&s); /* safe twice */
	return mt_test_tmpdir_remove(&tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),       cmocka_unit_test(test_none_and_all),
		cmocka_unit_test(test_restart_copied), cmocka_unit_test(test_room),
		cmocka_unit_test(test_code_missing),   cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_scans),      cmocka_unit_test(test_dc_thumbnail),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
