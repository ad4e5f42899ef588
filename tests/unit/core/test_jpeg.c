/* JPEG structure probe: a real camera frame passes with its size; every cut,
 * a missing marker, a bad segment length or garbage is MT_EFORMAT; zero
 * padding after EOI (some cameras send it) is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/jpeg.h"

static uint8_t *jpg;
static size_t jpg_len;

static int load_footage(void **state)
{
	const char *dir = getenv("MT_FOOTAGE");
	char path[512];
	FILE *fp;
	long n;

	if (!dir) {
		fprintf(stderr, "MT_FOOTAGE is not set (ctest sets it)\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cdnet-highway/input/in000001.jpg", dir);
	fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return -1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	jpg = malloc((size_t)n + 64);
	jpg_len = fread(jpg, 1, (size_t)n, fp);
	fclose(fp);
	return jpg_len == (size_t)n && n > 100 ? 0 : -1;
}

static int free_footage(void **state)
{
	free(jpg);
	return 0;
}

static int probe(const uint8_t *data, size_t len)
{
	uint16_t w = 0, h = 0;

	return mt_jpeg_probe(data, len, &w, &h);
}

/* A copy of the frame that a test may change. */
static uint8_t *copy(void)
{
	uint8_t *c = malloc(jpg_len + 64);

	assert_non_null(c);
	memcpy(c, jpg, jpg_len);
	return c;
}

static void test_real_frame(void **state)
{
	uint16_t w = 0, h = 0;

	assert_int_equal(mt_jpeg_probe(jpg, jpg_len, &w, &h), 0);
	assert_int_equal(w, 320);
	assert_int_equal(h, 240);
}

static void test_every_cut_rejected(void **state)
{
	/* A copy per length, so ASan sees any read past the cut. */
	for (size_t len = 0; len < jpg_len; len++) {
		uint8_t *cut = malloc(len ? len : 1);

		memcpy(cut, jpg, len);
		if (probe(cut, len) != MT_EFORMAT)
			fail_msg("a copy cut at %zu of %zu bytes was accepted", len, jpg_len);
		free(cut);
	}
}

/* Offset just past the SOS header: the end of what the probe parses. */
static size_t scan_start(const uint8_t *d, size_t len)
{
	size_t i = 2;

	while (i + 4 <= len && d[i] == 0xff) {
		size_t seg = (size_t)d[i + 2] << 8 | d[i + 3];

		if (d[i + 1] == 0xda)
			return i + 2 + seg;
		i += 2 + seg;
	}
	return 0;
}

static void test_header_cut_with_eoi_rejected(void **state)
{
	size_t end = scan_start(jpg, jpg_len);

	/* The headers cut anywhere and closed with an EOI, as a camera that
	 * lost the middle of a frame might send: every segment length must be
	 * checked against the data (ASan sees any read past it). */
	assert_true(end > 100 && end < jpg_len);
	for (size_t len = 0; len < end; len++) {
		uint8_t *cut = malloc(len + 2);

		memcpy(cut, jpg, len);
		cut[len] = 0xff;
		cut[len + 1] = 0xd9;
		if (probe(cut, len + 2) != MT_EFORMAT)
			fail_msg("headers cut at %zu of %zu, closed with EOI, accepted", len, end);
		free(cut);
	}
}

static void test_zero_padding_after_eoi(void **state)
{
	uint8_t *c = copy();
	uint16_t w = 0, h = 0;

	memset(c + jpg_len, 0, 64);
	for (size_t pad = 1; pad <= 64; pad *= 2) {
		assert_int_equal(mt_jpeg_probe(c, jpg_len + pad, &w, &h), 0);
		assert_int_equal(w, 320);
		assert_int_equal(h, 240);
	}
	/* Padding that is not zero is not a JPEG end. */
	c[jpg_len] = 0x55;
	assert_int_equal(probe(c, jpg_len + 8), MT_EFORMAT);
	free(c);
}

static void test_missing_soi_or_eoi(void **state)
{
	uint8_t *c = copy();

	c[1] = 0xd9; /* FF D9 where FF D8 should be */
	assert_int_equal(probe(c, jpg_len), MT_EFORMAT);
	c[1] = 0xd8;
	c[0] = 0x00;
	assert_int_equal(probe(c, jpg_len), MT_EFORMAT);
	c[0] = 0xff;
	assert_int_equal(probe(c, jpg_len), 0);
	/* SOI skipped entirely: the data starts at the first segment. */
	assert_int_equal(probe(c + 2, jpg_len - 2), MT_EFORMAT);
	c[jpg_len - 1] = 0x00; /* EOI's D9 overwritten */
	assert_int_equal(probe(c, jpg_len), MT_EFORMAT);
	c[jpg_len - 1] = 0xd9;
	c[jpg_len - 2] = 0x00;
	assert_int_equal(probe(c, jpg_len), MT_EFORMAT);
	free(c);
}

/* Offset of the first marker m before the scan, or 0. */
static size_t find_marker(const uint8_t *d, size_t len, uint8_t m)
{
	size_t i = 2;

	while (i + 4 <= len && d[i] == 0xff && d[i + 1] != 0xda) {
		if (d[i + 1] == m)
			return i;
		i += 2 + ((size_t)d[i + 2] << 8 | d[i + 3]);
	}
	return 0;
}

static void test_bad_segment_length(void **state)
{
	static const uint8_t markers[] = { 0xe0, 0xdb, 0xc0, 0xc4 }; /* APP0 DQT SOF0 DHT */
	static const int delta[] = { -1, +1, +2 };

	for (size_t m = 0; m < sizeof(markers); m++) {
		size_t at = find_marker(jpg, jpg_len, markers[m]);
		uint16_t good;

		assert_true(at > 0);
		good = (uint16_t)(jpg[at + 2] << 8 | jpg[at + 3]);
		for (size_t d = 0; d < sizeof(delta) / sizeof(delta[0]); d++) {
			uint8_t *c = copy();
			uint16_t bad = (uint16_t)(good + delta[d]);

			c[at + 2] = (uint8_t)(bad >> 8);
			c[at + 3] = (uint8_t)bad;
			if (probe(c, jpg_len) != MT_EFORMAT)
				fail_msg("marker %02x with length %u (not %u) accepted", markers[m],
					 bad, good);
			free(c);
		}
		for (unsigned bad = 0; bad <= 0xffff; bad += bad < 2 ? 1 : 0xfffd) {
			uint8_t *c = copy();

			c[at + 2] = (uint8_t)(bad >> 8);
			c[at + 3] = (uint8_t)bad;
			assert_int_equal(probe(c, jpg_len), MT_EFORMAT);
			free(c);
		}
	}
}

static void test_garbage(void **state)
{
	uint8_t buf[4096];
	uint32_t x = 12345;

	for (int round = 0; round < 64; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		assert_int_equal(probe(buf, sizeof(buf)), MT_EFORMAT);
		/* With a JPEG's first and last markers around the noise. */
		buf[0] = 0xff;
		buf[1] = 0xd8;
		buf[sizeof(buf) - 2] = 0xff;
		buf[sizeof(buf) - 1] = 0xd9;
		if (buf[2] == 0xff)
			buf[2] = 0x00;
		assert_int_equal(probe(buf, sizeof(buf)), MT_EFORMAT);
	}
	memset(buf, 0, sizeof(buf));
	assert_int_equal(probe(buf, sizeof(buf)), MT_EFORMAT);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(probe(buf, sizeof(buf)), MT_EFORMAT);
}

static void test_empty_and_tiny(void **state)
{
	static const uint8_t soi_eoi[] = { 0xff, 0xd8, 0xff, 0xd9 };

	assert_int_equal(probe(NULL, 0), MT_EFORMAT);
	assert_int_equal(probe(jpg, 0), MT_EFORMAT);
	assert_int_equal(probe(soi_eoi, 2), MT_EFORMAT);
	assert_int_equal(probe(soi_eoi, sizeof(soi_eoi)), MT_EFORMAT); /* no frame header */
}

/* Small hand-made streams: the SOF kinds, a DHT that must not be read as a
 * SOF, and a scan before any frame header. */
static void test_markers(void **state)
{
	/* SOF2 first, then a DHT whose bytes would read as 512x256 if it
	 * were taken for a frame header. */
	static const uint8_t progressive[] = {
		0xff, 0xd8, 0xff, 0xc2, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x10, 0x01, 0x01, 0x11,
		0x00, 0xff, 0xc4, 0x00, 0x07, 0x00, 0x01, 0x00, 0x02, 0x00, /* DHT */
		0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0x34, 0xff, 0xd9,
	};
	static const uint8_t scan_first[] = {
		0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01,
		0x00, 0x00, 0x3f, 0x00, 0x12, 0x34, 0xff, 0xd9,
	};
	uint8_t c[sizeof(progressive)];
	uint16_t w = 0, h = 0;

	assert_int_equal(mt_jpeg_probe(progressive, sizeof(progressive), &w, &h), 0);
	assert_int_equal(w, 16);
	assert_int_equal(h, 8);
	assert_int_equal(probe(scan_first, sizeof(scan_first)), MT_EFORMAT);

	memcpy(c, progressive, sizeof(c));
	c[9] = 0x00; /* width 0 */
	c[10] = 0x00;
	assert_int_equal(probe(c, sizeof(c)), MT_EFORMAT);
	memcpy(c, progressive, sizeof(c));
	c[3] = 0xd0; /* a standalone RST before the scan */
	assert_int_equal(probe(c, sizeof(c)), MT_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_frame),
		cmocka_unit_test(test_every_cut_rejected),
		cmocka_unit_test(test_header_cut_with_eoi_rejected),
		cmocka_unit_test(test_zero_padding_after_eoi),
		cmocka_unit_test(test_missing_soi_or_eoi),
		cmocka_unit_test(test_bad_segment_length),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_empty_and_tiny),
		cmocka_unit_test(test_markers),
	};
	return cmocka_run_group_tests(tests, load_footage, free_footage);
}
