/* Annex-B scanning: NAL units between three- and four-byte start codes,
 * trailing zeros dropped, IDR told from a P slice, and garbage without a
 * start code found to hold nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/h264.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_every_nal),
		cmocka_unit_test(tells_idr_from_p),
		cmocka_unit_test(garbage_holds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
