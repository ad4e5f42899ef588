/* Fake encoder: keyframe cadence, request_keyframe, seq and time carried
 * over, the input's digest in the payload, and its refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/errors.h"
#include "fake/fake_encoder.h"

#define W 64
#define H 48

static struct mt_frame *raw(enum mt_pixfmt fmt, uint64_t seq)
{
	size_t size = fmt == MT_FMT_YUYV ? W * H * 2 : W * H * 3 / 2;
	struct mt_frame *f = mt_frame_alloc(size);

	assert_non_null(f);
	f->format = fmt;
	f->width = W;
	f->height = H;
	f->seq = seq;
	f->ts_us = (int64_t)seq * 40000;
	f->size = size;
	for (size_t i = 0; i < size; i++)
		f->data[i] = (uint8_t)(i + seq);
	return f;
}

/* Encodes frame seq; returns whether the output is a keyframe. */
static bool encode_one(struct mt_fake_encoder *e, enum mt_pixfmt in, enum mt_pixfmt out,
		       uint64_t seq)
{
	struct mt_frame *f = raw(in, seq), *o = NULL;
	struct mt_fake_encoded d;
	bool key;

	assert_int_equal(mt_encoder_encode(&e->dev, f, &o), 0);
	assert_int_equal(atomic_load(&f->refs), 1); /* the input is not consumed */
	assert_int_equal(o->format, out);
	assert_int_equal(o->seq, seq);
	assert_int_equal(o->ts_us, f->ts_us);
	assert_int_equal(o->width, W);
	assert_int_equal(o->height, H);
	assert_int_equal(mt_fake_encoder_parse(o, &d), 0);
	assert_int_equal(d.seq, seq);
	assert_int_equal(d.ts_us, f->ts_us);
	assert_int_equal(d.flags, o->flags);
	assert_int_equal(d.in_size, f->size);
	assert_true(d.digest == mt_fake_encoder_digest(f->data, f->size));
	key = (o->flags & MT_FRAME_KEY) != 0;
	mt_frame_put(o);
	mt_frame_put(f);
	return key;
}

static void test_gop_cadence_and_request(void **state)
{
	const struct mt_encoder_config cfg = { .in = MT_FMT_YUYV,
					       .out = MT_FMT_H264,
					       .width = W,
					       .height = H,
					       .fps = 25,
					       .gop = 4 };
	struct mt_fake_encoder e;
	char keys[16] = "";

	mt_fake_encoder_init(&e);
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), 0);
	for (uint64_t i = 0; i < 10; i++)
		keys[i] = encode_one(&e, MT_FMT_YUYV, MT_FMT_H264, i) ? 'K' : '.';
	assert_string_equal(keys, "K...K...K.");

	/* An event triggers at frame 10: that frame is an IDR, and the GOP
	 * counts again from it. */
	assert_int_equal(mt_encoder_request_keyframe(&e.dev), 0);
	memset(keys, 0, sizeof(keys));
	for (uint64_t i = 10; i < 16; i++)
		keys[i - 10] = encode_one(&e, MT_FMT_YUYV, MT_FMT_H264, i) ? 'K' : '.';
	assert_string_equal(keys, "K...K.");
	assert_int_equal(e.encodes, 16);
	assert_int_equal(e.outputs, 16);
	assert_int_equal(e.keyframes, 5);
	assert_int_equal(e.key_requests, 1);
	mt_encoder_close(&e.dev);
	mt_encoder_close(&e.dev);
}

static void test_mjpeg_every_frame_key(void **state)
{
	const struct mt_encoder_config cfg = { .in = MT_FMT_NV12,
					       .out = MT_FMT_MJPEG,
					       .width = W,
					       .height = H,
					       .quality = 80 };
	struct mt_fake_encoder e;

	mt_fake_encoder_init(&e);
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), 0);
	for (uint64_t i = 0; i < 5; i++)
		assert_true(encode_one(&e, MT_FMT_NV12, MT_FMT_MJPEG, i));
	mt_encoder_close(&e.dev);
}

static void test_refusals_and_faults(void **state)
{
	struct mt_encoder_config cfg = { .in = MT_FMT_YUYV,
					 .out = MT_FMT_H264,
					 .width = W,
					 .height = H,
					 .gop = 0 };
	struct mt_fake_encoder e;
	struct mt_frame *f, *o = NULL;
	struct mt_fake_encoded d;

	mt_fake_encoder_init(&e);
	assert_int_equal(mt_encoder_request_keyframe(&e.dev), -EBADF);
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), -EINVAL); /* H.264 without a GOP */
	cfg.gop = 30;
	cfg.in = MT_FMT_MJPEG;
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), MT_EFORMAT);
	cfg.in = MT_FMT_YUYV;
	cfg.out = MT_FMT_NV12;
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), MT_EFORMAT);
	cfg.out = MT_FMT_H264;
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), 0);

	f = raw(MT_FMT_NV12, 1); /* not the configured input */
	assert_int_equal(mt_encoder_encode(&e.dev, f, &o), MT_EFORMAT);
	mt_frame_put(f);
	f = raw(MT_FMT_YUYV, 2);
	f->size--; /* truncated */
	assert_int_equal(mt_encoder_encode(&e.dev, f, &o), MT_EFORMAT);
	f->size++;
	mt_fake_encoder_fail_at(&e, 3, -EIO); /* the third encode call */
	assert_int_equal(mt_encoder_encode(&e.dev, f, &o), -EIO);
	assert_null(o);
	assert_int_equal(mt_encoder_encode(&e.dev, f, &o), 0);
	assert_true(o->flags & MT_FRAME_KEY); /* the first output */
	o->data[0] = 'X';
	assert_int_equal(mt_fake_encoder_parse(o, &d), MT_EFORMAT);
	mt_frame_put(o);
	mt_encoder_close(&e.dev);
	assert_int_equal(mt_encoder_encode(&e.dev, f, &o), -EBADF);
	mt_frame_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gop_cadence_and_request),
		cmocka_unit_test(test_mjpeg_every_frame_key),
		cmocka_unit_test(test_refusals_and_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
