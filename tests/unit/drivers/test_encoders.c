/* Encoders on real footage (CDnet highway as NV12 and YUYV, made by
 * ffmpeg): TurboJPEG and OpenH264 outputs, and the V4L2 M2M driver against
 * the fake M2M device (whose encoder is OpenH264), each muxed into a clip
 * that ffprobe counts frame for frame and ffmpeg decodes with -xerror, at
 * the capture times, close to the source pictures. Keyframe cadence,
 * forced IDRs, SPS/PPS restored on IDRs that lack them, encoder latency,
 * flagged buffers, EINTR, and bad input are checked with their counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../record/media.h"
#include "core/errors.h"
#include "core/h264.h"
#include "fake/fake_v4l2_m2m.h"
#include "linux/sw_h264.h"
#include "linux/tj_encoder.h"
#include "linux/v4l2_m2m_enc.h"
#include "support.h"

static char *tmp;

#define MAXF 64

static int64_t ts_of(int i)
{
	return 5000000 + (int64_t)i * 100000; /* 10 fps */
}

/* Mean absolute difference of the luma of n frames of a clip (decoded by
 * ffmpeg to 4:2:0, full range for JPEG as it was written) against the
 * source's. */
static double luma_error(const char *clip, int jpeg, const uint8_t *raw, enum mt_pixfmt fmt, int w,
			 int h, int n)
{
	char path[512];
	size_t len, fsize = fmt == MT_FMT_YUYV ? (size_t)w * h * 2 : (size_t)w * h * 3 / 2;
	uint8_t *dec;
	double sum = 0;

	snprintf(path, sizeof(path), "%s/dec.yuv", tmp);
	assert_int_equal(media_run(NULL, 0,
				   "ffmpeg -nostdin -v error -y -i %s -f rawvideo -pix_fmt %s %s",
				   clip, jpeg ? "yuvj420p" : "yuv420p", path),
			 0);
	dec = media_read_file(path, &len);
	assert_int_equal(len, (size_t)w * h * 3 / 2 * n);
	for (int i = 0; i < n; i++)
		for (int p = 0; p < w * h; p++) {
			int src = fmt == MT_FMT_YUYV ? raw[fsize * i + 2 * (size_t)p] :
						       raw[fsize * i + (size_t)p];

			sum += abs((int)dec[(size_t)w * h * 3 / 2 * i + p] - src);
		}
	free(dec);
	return sum / ((double)w * h * n);
}

/* The clip of out[0..n) plays all n frames at the capture times. */
static void check_clip(const char *name, struct mt_frame **out, int n)
{
	char path[512];
	double pts[MAXF];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	media_write_clip(path, out, n);
	assert_int_equal(media_probe_frames(path), n);
	assert_true(media_decodes_cleanly(path));
	assert_int_equal(media_probe_pts(path, pts, MAXF), n);
	for (int i = 0; i < n; i++) {
		double want = (double)(out[i]->ts_us - out[0]->ts_us) / 1e6;

		assert_true(pts[i] > want - 2e-5 && pts[i] < want + 2e-5);
	}
}

static void put_all(struct mt_frame **f, int n)
{
	for (int i = 0; i < n; i++)
		mt_frame_put(f[i]);
}

static void tj_run(enum mt_pixfmt fmt)
{
	const int w = 320, h = 240, n = 30;
	uint8_t *raw = media_footage_raw(tmp, fmt, w, h, n);
	struct mt_encoder_config cfg = { .in = fmt,
					 .out = MT_FMT_MJPEG,
					 .width = w,
					 .height = h,
					 .fps = 10,
					 .quality = 90 };
	struct mt_frame *out[MAXF], *bad;
	struct mt_tj_encoder e;
	char name[64], clip[512];

	mt_tj_encoder_init(&e);
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), 0);
	for (int i = 0; i < n; i++) {
		struct mt_frame *in = media_raw_frame(raw, fmt, w, h, i, ts_of(i));

		assert_int_equal(mt_encoder_encode(&e.dev, in, &out[i]), 0);
		assert_int_equal(out[i]->format, MT_FMT_MJPEG);
		assert_true(out[i]->flags & MT_FRAME_KEY);
		assert_int_equal(out[i]->seq, (uint64_t)i);
		assert_int_equal(out[i]->ts_us, ts_of(i));
		assert_int_equal(out[i]->capacity, out[i]->size); /* shrunk, not copied */
		mt_frame_put(in);
	}
	snprintf(name, sizeof(name), "tj-%s.mp4", mt_pixfmt_name(fmt));
	check_clip(name, out, n);
	snprintf(clip, sizeof(clip), "%s/%s", tmp, name);
	assert_true(luma_error(clip, 1, raw, fmt, w, h, n) < 2.0);
	/* A frame of another size is refused and counted. */
	bad = media_raw_frame(raw, fmt, w, h, 0, 0);
	bad->width = 160;
	assert_int_equal(mt_encoder_encode(&e.dev, bad, &out[n]), MT_EFORMAT);
	assert_int_equal(e.rejected, 1);
	assert_int_equal(e.frames, (uint64_t)n);
	assert_int_equal(mt_encoder_request_keyframe(&e.dev), -ENOSYS);
	mt_frame_put(bad);
	mt_encoder_close(&e.dev);
	mt_encoder_close(&e.dev); /* safe twice */
	put_all(out, n);
	free(raw);
}

static void test_turbojpeg_nv12(void **state)
{
	(void)state;
	tj_run(MT_FMT_NV12);
}

static void test_turbojpeg_yuyv(void **state)
{
	(void)state;
	tj_run(MT_FMT_YUYV);
}

/* n frames through enc; out[i] for each; key_at: request an IDR before it. */
static void encode_all(struct mt_encoder *enc, const uint8_t *raw, enum mt_pixfmt fmt, int w, int h,
		       int n, int key_at, struct mt_frame **out)
{
	for (int i = 0; i < n; i++) {
		struct mt_frame *in = media_raw_frame(raw, fmt, w, h, i, ts_of(i));

		if (i == key_at)
			assert_int_equal(mt_encoder_request_keyframe(enc), 0);
		assert_int_equal(mt_encoder_encode(enc, in, &out[i]), 0);
		assert_int_equal(out[i]->format, MT_FMT_H264);
		assert_int_equal(out[i]->seq, (uint64_t)i);
		assert_int_equal(out[i]->ts_us, ts_of(i));
		assert_int_equal(!!(out[i]->flags & MT_FRAME_KEY),
				 mt_h264_is_idr(out[i]->data, out[i]->size));
		mt_frame_put(in);
	}
}

/* IDRs at 0, at key_at, and never more than gop frames apart. */
static void check_gop(struct mt_frame **out, int n, int gop, int key_at)
{
	int last = 0;

	assert_true(out[0]->flags & MT_FRAME_KEY);
	assert_true(out[key_at]->flags & MT_FRAME_KEY);
	for (int i = 1; i < n; i++) {
		if (out[i]->flags & MT_FRAME_KEY)
			last = i;
		assert_true(i - last < gop);
	}
}

static void sw_run(enum mt_pixfmt fmt)
{
	const int w = 320, h = 240, n = 40;
	uint8_t *raw = media_footage_raw(tmp, fmt, w, h, n);
	struct mt_encoder_config cfg = { .in = fmt,
					 .out = MT_FMT_H264,
					 .width = w,
					 .height = h,
					 .fps = 10,
					 .bitrate = 1000000,
					 .gop = 10,
					 .profile_idc = 66 };
	struct mt_frame *out[MAXF];
	struct mt_sw_h264 e;
	char name[64], clip[512];

	mt_sw_h264_init(&e);
	assert_int_equal(mt_encoder_request_keyframe(&e.dev), -EBADF);
	assert_int_equal(mt_encoder_open(&e.dev, &cfg), 0);
	encode_all(&e.dev, raw, fmt, w, h, n, 15, out);
	check_gop(out, n, 10, 15);
	assert_int_equal(e.stats.frames, (uint64_t)n);
	assert_int_equal(e.stats.key_requests, 1);
	assert_int_equal(mt_encoder_set_bitrate(&e.dev, 500000), 0);
	snprintf(name, sizeof(name), "sw-%s.mp4", mt_pixfmt_name(fmt));
	check_clip(name, out, n);
	snprintf(clip, sizeof(clip), "%s/%s", tmp, name);
	assert_true(luma_error(clip, 0, raw, fmt, w, h, n) < 6.0);
	mt_encoder_close(&e.dev);
	mt_encoder_close(&e.dev);
	put_all(out, n);
	free(raw);
}

static void test_openh264_nv12(void **state)
{
	(void)state;
	sw_run(MT_FMT_NV12);
}

static void test_openh264_yuyv(void **state)
{
	(void)state;
	sw_run(MT_FMT_YUYV);
}

struct m2m_rig {
	struct mt_sw_h264 codec;
	struct mt_fake_m2m fake;
	struct mt_v4l2_m2m_enc enc;
	struct mt_encoder_config cfg;
};

static void rig_init(struct m2m_rig *r, enum mt_pixfmt fmt, int w, int h)
{
	mt_sw_h264_init(&r->codec);
	mt_fake_m2m_init(&r->fake, "/dev/video11", &r->codec.dev);
	mt_fake_m2m_attach(&r->fake);
	mt_v4l2_m2m_enc_init(&r->enc, "/dev/video11");
	r->enc.sys = &mt_fake_m2m_syscalls;
	r->cfg = (struct mt_encoder_config){ .in = fmt,
					     .out = MT_FMT_H264,
					     .width = (uint16_t)w,
					     .height = (uint16_t)h,
					     .fps = 10,
					     .bitrate = 800000,
					     .gop = 10,
					     .profile_idc = 100 };
}

static void rig_free(struct m2m_rig *r)
{
	mt_encoder_close(&r->enc.dev);
	mt_encoder_close(&r->enc.dev);
	mt_fake_m2m_free(&r->fake);
}

/* 320x180: the device pads NV12 to 192 rows, so the chroma plane moves. */
static void m2m_run(enum mt_pixfmt fmt)
{
	const int w = 320, h = 180, n = 30;
	uint8_t *raw = media_footage_raw(tmp, fmt, w, h, n);
	struct mt_frame *out[MAXF];
	struct m2m_rig r;
	char name[64], clip[512];
	int second_idr = 0;

	rig_init(&r, fmt, w, h);
	r.fake.eintr_every = 7; /* a signal now and then changes nothing */
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), 0);
	assert_int_equal(r.fake.order_errors, 0);
	assert_int_equal(r.fake.i_period, 10);
	assert_int_equal(r.fake.bitrate, 800000);
	assert_int_equal(r.fake.profile, V4L2_MPEG_VIDEO_H264_PROFILE_HIGH);
	assert_int_equal(r.fake.repeat_seq, 1);
	assert_int_equal(r.fake.fps, 10);
	assert_int_equal(r.enc.out_rows, fmt == MT_FMT_NV12 ? 192 : 180);
	encode_all(&r.enc.dev, raw, fmt, w, h, n, 12, out);
	assert_int_equal(r.fake.last_gop, 10);
	assert_int_equal(r.fake.keys_forced, 1);
	check_gop(out, n, 10, 12);
	assert_int_equal(r.enc.stats.frames, (uint64_t)n);
	assert_int_equal(r.enc.stats.bytes_in,
			 (uint64_t)n * (fmt == MT_FMT_NV12 ? w * h * 3 / 2 : w * h * 2));
	snprintf(name, sizeof(name), "m2m-%s.mp4", mt_pixfmt_name(fmt));
	check_clip(name, out, n);
	snprintf(clip, sizeof(clip), "%s/%s", tmp, name);
	assert_true(luma_error(clip, 0, raw, fmt, w, h, n) < 6.0);
	/* A clip may start at any IDR. */
	for (int i = 1; i < n && !second_idr; i++)
		if (out[i]->flags & MT_FRAME_KEY)
			second_idr = i;
	assert_true(second_idr > 0);
	check_clip("m2m-tail.mp4", out + second_idr, n - second_idr);
	rig_free(&r);
	put_all(out, n);
	free(raw);
}

static void test_m2m_nv12(void **state)
{
	(void)state;
	m2m_run(MT_FMT_NV12);
}

static void test_m2m_yuyv(void **state)
{
	(void)state;
	m2m_run(MT_FMT_YUYV);
}

/* Hardware that sends SPS/PPS only once: every later IDR gets them back
 * from the driver, so a clip that starts there decodes. */
static void test_m2m_no_repeated_headers(void **state)
{
	const int w = 320, h = 240, n = 25;
	uint8_t *raw = media_footage_raw(tmp, MT_FMT_NV12, w, h, n);
	struct mt_frame *out[MAXF];
	struct m2m_rig r;

	(void)state;
	rig_init(&r, MT_FMT_NV12, w, h);
	r.fake.no_repeat_control = true;
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), 0);
	encode_all(&r.enc.dev, raw, MT_FMT_NV12, w, h, n, -1, out);
	assert_true(r.fake.params_stripped >= 4); /* SPS and PPS of IDRs 10 and 20 */
	assert_int_equal(r.enc.stats.params_added, 2);
	check_clip("m2m-from-10.mp4", out + 10, n - 10);
	check_clip("m2m-from-20.mp4", out + 20, n - 20);
	rig_free(&r);
	put_all(out, n);
	free(raw);
}

/* An encoder that holds a frame back: the first call has nothing yet
 * (-EAGAIN, counted), later ones hand out the frame before, with its own
 * sequence number and time. A flagged buffer is dropped and counted. */
static void test_m2m_latency_and_errors(void **state)
{
	const int w = 320, h = 240, n = 12;
	uint8_t *raw = media_footage_raw(tmp, MT_FMT_NV12, w, h, n);
	struct m2m_rig r;

	(void)state;
	rig_init(&r, MT_FMT_NV12, w, h);
	r.fake.latency = 1;
	r.fake.error_at = 6;
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), 0);
	for (int i = 0; i < n; i++) {
		struct mt_frame *in = media_raw_frame(raw, MT_FMT_NV12, w, h, i, ts_of(i));
		struct mt_frame *out = NULL;
		int ret = mt_encoder_encode(&r.enc.dev, in, &out);

		if (i == 0) {
			assert_int_equal(ret, -EAGAIN);
		} else if (i == 6) { /* coded frame 6 is input 5 */
			assert_int_equal(ret, MT_EFORMAT);
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(out->seq, (uint64_t)(i - 1));
			assert_int_equal(out->ts_us, ts_of(i - 1));
		}
		mt_frame_put(out);
		mt_frame_put(in);
	}
	assert_int_equal(r.enc.stats.late, 1);
	assert_int_equal(r.enc.stats.errors, 1);
	assert_int_equal(r.enc.stats.frames, (uint64_t)n - 2);
	rig_free(&r);
	free(raw);
}

static void test_m2m_refusals(void **state)
{
	struct m2m_rig r;
	struct mt_frame *in, *out = NULL;

	(void)state;
	rig_init(&r, MT_FMT_NV12, 320, 240);
	/* no such node */
	r.enc.path = "/dev/video99";
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), -ENOENT);
	r.enc.path = "/dev/video11";
	/* a device with no GOP control cannot keep pre-roll whole */
	r.fake.no_gop_control = true;
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), -ENOTSUP);
	assert_false(r.fake.open); /* closed again */
	r.fake.no_gop_control = false;
	/* not H.264, odd sizes */
	r.cfg.out = MT_FMT_MJPEG;
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), MT_EFORMAT);
	r.cfg.out = MT_FMT_H264;
	r.cfg.width = 321;
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), MT_EFORMAT);
	r.cfg.width = 320;
	/* a frame of the wrong size once open */
	assert_int_equal(mt_encoder_open(&r.enc.dev, &r.cfg), 0);
	in = mt_frame_alloc(16);
	in->format = MT_FMT_NV12, in->width = 320, in->height = 240, in->size = 16;
	assert_int_equal(mt_encoder_encode(&r.enc.dev, in, &out), MT_EFORMAT);
	assert_int_equal(r.enc.stats.rejected, 1);
	mt_frame_put(in);
	/* S_FMT while buffers exist is EBUSY, as videobuf2 says */
	assert_int_equal(r.fake.out.nbuf, MT_M2M_BUFFERS);
	rig_free(&r);
	assert_false(r.fake.open);
}

static int setup(void **state)
{
	(void)state;
	tmp = mt_test_tmpdir("encoders");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mt_test_tmpdir_remove(&tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_turbojpeg_nv12),
		cmocka_unit_test(test_turbojpeg_yuyv),
		cmocka_unit_test(test_openh264_nv12),
		cmocka_unit_test(test_openh264_yuyv),
		cmocka_unit_test(test_m2m_nv12),
		cmocka_unit_test(test_m2m_yuyv),
		cmocka_unit_test(test_m2m_no_repeated_headers),
		cmocka_unit_test(test_m2m_latency_and_errors),
		cmocka_unit_test(test_m2m_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
