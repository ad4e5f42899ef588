/* The real V4L2 capture driver against the fake V4L2 device, fed with real
 * footage (cdnet-highway frames, scaled to each size the camera is asked
 * for). Each test checks what the driver reports — format, counters,
 * reconnects, renegotiated sizes — not only that it kept running. The
 * second group checks the fake itself keeps the kernel API's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "core/h264.h"
#include "core/jpeg.h"
#include "fake/fake_v4l2.h"
#include "fake/manual_clock.h"
#include "linux/v4l2_capture.h"
#include "support.h"

#define DEV       "/dev/video7"
#define NSRC      8 /* distinct footage frames, cycled */
#define MAX_SIZES 6

/* ---- footage at any size ---- */

struct scaled {
	uint16_t w, h;
	uint8_t *jpeg[NSRC];
	unsigned long jpeg_len[NSRC];
	uint8_t *gray[NSRC]; /* w * h luma, for YUYV */
};

static struct {
	uint8_t *gray[NSRC]; /* the footage, 320x240 luma */
	uint16_t w, h;
	struct scaled sizes[MAX_SIZES];
	int nsizes;
} src;

static void load_footage(void)
{
	tjhandle tj = tjInitDecompress();

	assert_non_null(tj);
	for (int i = 0; i < NSRC; i++) {
		struct mt_frame *f = mt_test_footage_frame(1 + i * 40);
		int w, h, sub, cs;

		assert_non_null(f);
		assert_int_equal(tjDecompressHeader3(tj, f->data, f->size, &w, &h, &sub, &cs), 0);
		src.w = (uint16_t)w;
		src.h = (uint16_t)h;
		src.gray[i] = malloc((size_t)w * h);
		assert_int_equal(
			tjDecompress2(tj, f->data, f->size, src.gray[i], w, 0, h, TJPF_GRAY, 0), 0);
		mt_frame_put(f);
	}
	tjDestroy(tj);
}

static struct scaled *scaled_at(uint16_t w, uint16_t h)
{
	struct scaled *s;
	tjhandle tj;

	for (int i = 0; i < src.nsizes; i++) {
		if (src.sizes[i].w == w && src.sizes[i].h == h)
			return &src.sizes[i];
	}
	assert_true(src.nsizes < MAX_SIZES);
	s = &src.sizes[src.nsizes++];
	s->w = w;
	s->h = h;
	tj = tjInitCompress();
	for (int i = 0; i < NSRC; i++) {
		s->gray[i] = malloc((size_t)w * h);
		for (uint32_t y = 0; y < h; y++) {
			for (uint32_t x = 0; x < w; x++)
				s->gray[i][y * w + x] =
					src.gray[i][(y * src.h / h) * src.w + x * src.w / w];
		}
		s->jpeg[i] = NULL;
		assert_int_equal(tjCompress2(tj, s->gray[i], w, 0, h, TJPF_GRAY, &s->jpeg[i],
					     &s->jpeg_len[i], TJSAMP_GRAY, 85, 0),
				 0);
	}
	tjDestroy(tj);
	return s;
}

static int group_setup(void **state)
{
	(void)state;
	load_footage();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NSRC; i++)
		free(src.gray[i]);
	for (int k = 0; k < src.nsizes; k++) {
		for (int i = 0; i < NSRC; i++) {
			tjFree(src.sizes[k].jpeg[i]);
			free(src.sizes[k].gray[i]);
		}
	}
	return 0;
}

/* An H.264 access unit: SPS+PPS+IDR every 30 frames, P slices between.
 * The driver does not decode, so footage bytes stand in for slice data. */
static long h264_au(const struct scaled *s, uint64_t n, uint8_t *dst, size_t cap)
{
	static const uint8_t sps_pps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x28, 0xda,
					   0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80 };
	const uint8_t *body = s->jpeg[n % NSRC] + 2;
	size_t len = s->jpeg_len[n % NSRC] / 4, at = 0;
	bool idr = n % 30 == 0;

	if (len + sizeof(sps_pps) + 5 > cap)
		return -1;
	if (idr) {
		memcpy(dst, sps_pps, sizeof(sps_pps));
		at = sizeof(sps_pps);
	}
	memcpy(dst + at, (const uint8_t[]){ 0, 0, 0, 1, idr ? 0x65 : 0x41 }, 5);
	at += 5;
	for (size_t i = 0; i < len; i++) /* no start codes inside the slice */
		dst[at + i] = body[i] ? body[i] : 0x80;
	return (long)(at + len);
}

static long fill(void *ctx, uint32_t fourcc, uint16_t w, uint16_t h, uint64_t n, uint8_t *dst,
		 size_t cap)
{
	struct scaled *s = scaled_at(w, h);
	const uint8_t *g = s->gray[n % NSRC];

	(void)ctx;
	switch (fourcc) {
	case V4L2_PIX_FMT_MJPEG:
		if (s->jpeg_len[n % NSRC] > cap)
			return -1;
		memcpy(dst, s->jpeg[n % NSRC], s->jpeg_len[n % NSRC]);
		return (long)s->jpeg_len[n % NSRC];
	case V4L2_PIX_FMT_YUYV:
		if ((size_t)w * h * 2 > cap)
			return -1;
		for (size_t i = 0; i < (size_t)w * h; i++) {
			dst[2 * i] = g[i];
			dst[2 * i + 1] = 128;
		}
		return (long)w * h * 2;
	case V4L2_PIX_FMT_NV12:
		if ((size_t)w * h * 3 / 2 > cap)
			return -1;
		memcpy(dst, g, (size_t)w * h);
		memset(dst + (size_t)w * h, 128, (size_t)w * h / 2);
		return (long)w * h * 3 / 2;
	case V4L2_PIX_FMT_H264:
		return h264_au(s, n, dst, cap);
	default:
		return -1;
	}
}

/* ---- fixture ---- */

struct fix {
	struct mt_manual_clock clock;
	struct mt_fake_v4l2 fake;
	struct mt_v4l2_capture cam;
	struct mt_capture_config cfg;
};

static int setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));

	mt_manual_clock_init(&x->clock);
	mt_manual_clock_set(&x->clock, 1000000);
	mt_fake_v4l2_init(&x->fake, DEV, &x->clock, fill, NULL);
	mt_fake_v4l2_attach(&x->fake);
	mt_fake_v4l2_plug(&x->fake);
	mt_v4l2_capture_init(&x->cam);
	x->cam.sys = &mt_fake_v4l2_syscalls;
	x->cfg = (struct mt_capture_config){ .device = DEV,
					     .format = MT_FMT_MJPEG,
					     .width = 1280,
					     .height = 720,
					     .fps = 15,
					     .clock = &x->clock.dev };
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;

	mt_capture_close(&x->cam.dev);
	assert_false(x->fake.open);
	mt_fake_v4l2_free(&x->fake);
	free(x);
	return 0;
}

static void start(struct fix *x)
{
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), 0);
	assert_int_equal(mt_capture_start(&x->cam.dev), 0);
}

static struct mt_capture_format format_of(struct fix *x)
{
	struct mt_capture_format f;

	assert_int_equal(mt_capture_get_format(&x->cam.dev, &f), 0);
	return f;
}

static struct mt_capture_stats stats_of(struct fix *x)
{
	struct mt_capture_stats s;

	assert_int_equal(mt_capture_get_stats(&x->cam.dev, &s), 0);
	return s;
}

/* Take n frames, each checked; returns the last timestamp. */
static int64_t take(struct fix *x, int n, int64_t *prev_ts, uint64_t *prev_seq)
{
	struct mt_capture_format f = format_of(x);

	for (int i = 0; i < n; i++) {
		struct mt_frame *fr = NULL;
		uint16_t w, h;

		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 3000, &fr), 0);
		assert_non_null(fr);
		assert_int_equal(fr->format, f.format);
		assert_int_equal(fr->width, f.width);
		assert_int_equal(fr->height, f.height);
		if (fr->format == MT_FMT_MJPEG) {
			assert_int_equal(mt_jpeg_probe(fr->data, fr->size, &w, &h), 0);
			assert_int_equal(w, f.width);
			assert_int_equal(h, f.height);
			assert_true(fr->flags & MT_FRAME_KEY);
		}
		if (prev_ts && *prev_ts)
			assert_true(fr->ts_us > *prev_ts);
		if (prev_ts)
			*prev_ts = fr->ts_us;
		if (prev_seq) {
			assert_int_equal(fr->seq, *prev_seq);
			(*prev_seq)++;
		}
		mt_frame_put(fr);
	}
	return prev_ts ? *prev_ts : 0;
}

/* ---- formats ---- */

static void mjpeg_exact(void **state)
{
	struct fix *x = *state;
	struct mt_capture_format f;
	struct mt_capture_stats s;
	int64_t ts = 0;
	uint64_t seq = 0;

	start(x);
	f = format_of(x);
	assert_int_equal(f.format, MT_FMT_MJPEG);
	assert_int_equal(f.width, 1280);
	assert_int_equal(f.height, 720);
	assert_int_equal(f.fps, 15);
	take(x, 45, &ts, &seq);
	s = stats_of(x);
	assert_int_equal(s.frames, 45);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.corrupt, 0);
	assert_int_equal(x->fake.dropped_no_buffer, 0);
	assert_string_equal(x->cam.card, "Fake Webcam C920");
}

static void yuyv_frames(void **state)
{
	struct fix *x = *state;
	struct mt_frame *fr;

	x->cfg.format = MT_FMT_YUYV;
	x->cfg.width = 640;
	x->cfg.height = 480;
	x->cfg.fps = 10;
	start(x);
	assert_int_equal(format_of(x).format, MT_FMT_YUYV);
	assert_int_equal(format_of(x).fps, 10);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), 0);
		assert_int_equal(fr->size, 640 * 480 * 2);
		assert_int_equal(fr->data[1], 128); /* U of the first pair */
		mt_frame_put(fr);
	}
}

static void h264_keyframes(void **state)
{
	struct fix *x = *state;

	x->cfg.format = MT_FMT_H264;
	x->cfg.width = 1920;
	x->cfg.height = 1080;
	x->cfg.fps = 30;
	start(x);
	assert_int_equal(format_of(x).format, MT_FMT_H264);
	for (int i = 0; i < 65; i++) {
		struct mt_frame *fr;

		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), 0);
		assert_int_equal(!!(fr->flags & MT_FRAME_KEY), i % 30 == 0);
		assert_int_equal(mt_h264_is_idr(fr->data, fr->size), i % 30 == 0);
		mt_frame_put(fr);
	}
}

/* A camera without the format asked for: the documented order decides. */
static void fallback_order(void **state)
{
	static const struct mt_fake_v4l2_format only_yuyv[] = {
		{ .fourcc = V4L2_PIX_FMT_YUYV,
		  .sizes = { { 640, 480 } },
		  .nsizes = 1,
		  .fps = { 30 },
		  .nfps = 1 },
	};
	struct fix *x = *state;
	enum mt_pixfmt order[4];

	assert_int_equal(mt_v4l2_fallback_order(MT_FMT_NV12, order), 4);
	assert_int_equal(order[0], MT_FMT_NV12);
	assert_int_equal(order[1], MT_FMT_MJPEG);
	assert_int_equal(order[2], MT_FMT_H264);
	assert_int_equal(order[3], MT_FMT_YUYV);

	/* NV12 asked; the webcam has MJPEG first in our order */
	x->cfg.format = MT_FMT_NV12;
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), 0);
	assert_int_equal(format_of(x).format, MT_FMT_MJPEG);
	mt_capture_close(&x->cam.dev);

	/* MJPEG asked of a camera with YUYV only */
	mt_fake_v4l2_set_formats(&x->fake, only_yuyv, 1);
	x->cfg.format = MT_FMT_MJPEG;
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), 0);
	assert_int_equal(format_of(x).format, MT_FMT_YUYV);
	assert_int_equal(format_of(x).width, 640);
}

static void none_of_ours(void **state)
{
	static const struct mt_fake_v4l2_format odd[] = {
		{ .fourcc = V4L2_PIX_FMT_GREY,
		  .sizes = { { 640, 480 } },
		  .nsizes = 1,
		  .fps = { 30 },
		  .nfps = 1 },
		{ .fourcc = V4L2_PIX_FMT_RGB24,
		  .sizes = { { 640, 480 } },
		  .nsizes = 1,
		  .fps = { 30 },
		  .nfps = 1 },
	};
	struct fix *x = *state;

	mt_fake_v4l2_set_formats(&x->fake, odd, 2);
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), -ENOTSUP);
	assert_false(x->fake.open); /* nothing left open */
	assert_int_equal(mt_capture_get_format(&x->cam.dev, &(struct mt_capture_format){ 0 }),
			 -ENODEV);
}

/* ENUM_FMT, ENUM_FRAMESIZES and ENUM_FRAMEINTERVALS, every mode in order,
 * a format matthan cannot use named by its fourcc; a short list keeps the
 * count. */
static void modes_listed(void **state)
{
	static const struct mt_fake_v4l2_format offered[] = {
		{ .fourcc = V4L2_PIX_FMT_MJPEG,
		  .sizes = { { 1280, 720 }, { 640, 480 } },
		  .nsizes = 2,
		  .fps = { 30, 15, 5 },
		  .nfps = 3 },
		{ .fourcc = V4L2_PIX_FMT_YUYV,
		  .sizes = { { 640, 480 } },
		  .nsizes = 1,
		  .fps = { 10 },
		  .nfps = 1 },
		{ .fourcc = V4L2_PIX_FMT_GREY,
		  .sizes = { { 320, 240 } },
		  .nsizes = 1,
		  .fps = { 60 },
		  .nfps = 1 },
	};
	struct fix *x = *state;
	struct mt_capture_mode m[8];

	mt_fake_v4l2_set_formats(&x->fake, offered, 3);
	assert_int_equal(mt_capture_enum_modes(&x->cam.dev, m, 8), -ENODEV); /* not open */
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), 0);
	memset(m, 0xa5, sizeof(m));
	assert_int_equal(mt_capture_enum_modes(&x->cam.dev, m, 8), 4);
	assert_int_equal(m[0].format, MT_FMT_MJPEG);
	assert_string_equal(m[0].fourcc, "MJPG");
	assert_int_equal(m[0].width, 1280);
	assert_int_equal(m[0].height, 720);
	assert_int_equal(m[0].max_width, 0);
	assert_int_equal(m[0].fps[0], 30);
	assert_int_equal(m[0].fps[1], 15);
	assert_int_equal(m[0].fps[2], 5);
	assert_int_equal(m[0].fps[3], 0);
	assert_int_equal(m[1].width, 640);
	assert_int_equal(m[1].fps[0], 30);
	assert_int_equal(m[2].format, MT_FMT_YUYV);
	assert_string_equal(m[2].fourcc, "YUYV");
	assert_int_equal(m[2].fps[0], 10);
	assert_int_equal(m[2].fps[1], 0);
	assert_int_equal(m[3].format, MT_FMT_NONE);
	assert_string_equal(m[3].fourcc, "GREY");
	assert_int_equal(m[3].fps[0], 60);
	/* room for two: the count is still all of them, nothing written past */
	memset(m, 0, sizeof(m));
	assert_int_equal(mt_capture_enum_modes(&x->cam.dev, m, 2), 4);
	assert_int_equal(m[1].width, 640);
	assert_int_equal(m[2].width, 0);
	/* while streaming too (the console asks a running camera) */
	assert_int_equal(mt_capture_start(&x->cam.dev), 0);
	assert_int_equal(mt_capture_enum_modes(&x->cam.dev, m, 8), 4);
	/* a stepwise camera: one mode for the range, its rates as a range */
	{
		static const struct mt_fake_v4l2_format ranged[] = {
			{ .fourcc = V4L2_PIX_FMT_MJPEG,
			  .sizes = { { 160, 120 }, { 1920, 1080 } },
			  .nsizes = 2,
			  .fps = { 30, 5 },
			  .nfps = 2,
			  .stepwise = true },
		};

		mt_capture_close(&x->cam.dev);
		mt_fake_v4l2_set_formats(&x->fake, ranged, 1);
		assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), 0);
		memset(m, 0, sizeof(m));
		assert_int_equal(mt_capture_enum_modes(&x->cam.dev, m, 8), 1);
		assert_int_equal(m[0].width, 160);
		assert_int_equal(m[0].height, 120);
		assert_int_equal(m[0].max_width, 1920);
		assert_int_equal(m[0].max_height, 1080);
		assert_int_equal(m[0].fps[0], 0);
		assert_int_equal(m[0].fps_min, 5);
		assert_int_equal(m[0].fps_max, 30);
	}
	/* a driver without the op: -ENOSYS from the hal's wrapper */
	{
		struct mt_capture_ops ops = *x->cam.dev.ops;
		struct mt_capture bare = { .ops = &ops, .priv = &x->cam };

		ops.enum_modes = NULL;
		assert_int_equal(mt_capture_enum_modes(&bare, m, 8), -ENOSYS);
	}
}

static void nearest_size_and_rate(void **state)
{
	struct fix *x = *state;
	struct mt_capture_format f;

	x->cfg.width = 1000;
	x->cfg.height = 600;
	x->cfg.fps = 24;
	start(x);
	f = format_of(x);
	assert_int_equal(f.width, 1280); /* nearer than 640x480 */
	assert_int_equal(f.height, 720);
	assert_int_equal(f.fps, 30); /* 30 is 6 away from 24, 15 is 9 */
	take(x, 5, NULL, NULL);
}

static void refuses_non_capture(void **state)
{
	struct fix *x = *state;

	x->fake.caps = V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING;
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), -ENOTSUP);
	x->fake.caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE; /* no streaming */
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), -ENOTSUP);
	assert_false(x->fake.open);
}

static void missing_device(void **state)
{
	struct fix *x = *state;

	x->cfg.device = "/dev/video42";
	assert_int_equal(mt_capture_open(&x->cam.dev, &x->cfg), -ENOENT);
}

static void stable_name(void **state)
{
	struct fix *x = *state;
	const char *byid = "/dev/v4l/by-id/usb-Fake_Webcam_C920-video-index0";

	snprintf(x->fake.path, sizeof(x->fake.path), "%s", byid);
	x->cfg.device = byid;
	start(x);
	take(x, 3, NULL, NULL);
}

/* ---- controls ---- */

static void controls_from_config(void **state)
{
	struct fix *x = *state;

	x->cfg.controls[0] = (struct mt_capture_control){ "brightness", 200 };
	x->cfg.controls[1] = (struct mt_capture_control){ "power_line_frequency", 1 };
	x->cfg.controls[2] = (struct mt_capture_control){ "exposure_mode", 0 };
	x->cfg.controls[3] = (struct mt_capture_control){ "zoom_absolute", 3 };
	x->cfg.ncontrols = 4;
	start(x);
	assert_int_equal(x->fake.ctrl_brightness, 200);
	assert_int_equal(x->fake.ctrl_power_line, 1); /* 50 Hz */
	/* this camera's automatic exposure is aperture priority (UVC) */
	assert_int_equal(x->fake.ctrl_exposure, V4L2_EXPOSURE_APERTURE_PRIORITY);

	assert_int_equal(mt_capture_set_control(&x->cam.dev, "exposure_mode", 1), 0);
	assert_int_equal(x->fake.ctrl_exposure, V4L2_EXPOSURE_MANUAL);
	assert_int_equal(mt_capture_set_control(&x->cam.dev, "Contrast", 40), -ENOENT);
	assert_int_equal(mt_capture_set_control(&x->cam.dev, "contrast", 40), 0);
	assert_int_equal(x->fake.ctrl_contrast, 40);
	assert_int_equal(mt_capture_set_control(&x->cam.dev, "brightness", 300), -ERANGE);
	assert_int_equal(x->fake.ctrl_brightness, 200);
	take(x, 2, NULL, NULL); /* an unknown control did not stop the camera */
}

static void control_names(void **state)
{
	char k[32];

	(void)state;
	mt_v4l2_control_key("Power Line Frequency", k, sizeof(k));
	assert_string_equal(k, "power_line_frequency");
	mt_v4l2_control_key("Exposure, Auto Priority", k, sizeof(k));
	assert_string_equal(k, "exposure_auto_priority");
	mt_v4l2_control_key("White Balance Temperature, Auto", k, 12);
	assert_string_equal(k, "white_balan");
}

/* ---- faults ---- */

static void damaged_frames_dropped(void **state)
{
	struct fix *x = *state;
	struct mt_capture_stats s;

	x->fake.faults.error_flag_at = 5;
	x->fake.faults.zero_bytes_at = 8;
	x->fake.faults.oversize_at = 11;
	x->fake.faults.no_eoi_at = 14;
	x->fake.faults.bad_marker_at = 17;
	start(x);
	take(x, 25, &(int64_t){ 0 }, &(uint64_t){ 0 }); /* each checked by take() */
	s = stats_of(x);
	assert_int_equal(s.corrupt, 5);
	assert_int_equal(s.frames, 25);
	assert_int_equal(s.dropped, 0); /* damaged is not lost upstream */
	assert_int_equal(x->fake.made, 30);
}

static void sequence_gaps_counted(void **state)
{
	struct fix *x = *state;

	x->fake.faults.seq_gap_at = 10;
	x->fake.faults.seq_gap = 7;
	start(x);
	take(x, 20, NULL, NULL);
	assert_int_equal(stats_of(x).dropped, 7);
}

static void unplug_and_back(void **state)
{
	struct fix *x = *state;
	struct mt_capture_format before;
	struct mt_capture_stats s;
	struct mt_frame *fr;
	int64_t ts = 0;
	uint64_t seq = 0;

	x->cfg.format = MT_FMT_H264;
	x->cfg.width = 1920;
	x->cfg.height = 1080;
	x->fake.faults.unplug_at = 20;
	start(x);
	before = format_of(x);
	take(x, 20, &ts, &seq);
	/* gone: the driver keeps trying, with backoff, and says so */
	for (int i = 0; i < 5; i++)
		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 2000, &fr), -EAGAIN);
	s = stats_of(x);
	assert_int_equal(s.unplugs, 1);
	assert_int_equal(s.reconnects, 0);
	/* back, with the camera reset to its power-on format */
	x->fake.faults.unplug_at = 0;
	mt_fake_v4l2_set_formats(&x->fake, x->fake.formats, x->fake.nformats);
	assert_int_equal(x->fake.fourcc, V4L2_PIX_FMT_MJPEG);
	mt_fake_v4l2_plug(&x->fake);
	take(x, 10, &ts, &seq); /* our sequence continues */
	s = stats_of(x);
	assert_int_equal(s.reconnects, 1);
	assert_int_equal(x->fake.opens, 2);
	assert_int_equal(format_of(x).format, before.format);
	assert_int_equal(x->fake.fourcc, V4L2_PIX_FMT_H264); /* restored */
	assert_int_equal(x->fake.width, 1920);
}

static void backoff_grows(void **state)
{
	struct fix *x = *state;
	struct mt_frame *fr;
	int64_t t0;

	x->fake.faults.unplug_at = 3;
	start(x);
	take(x, 3, NULL, NULL);
	assert_int_equal(mt_capture_dequeue(&x->cam.dev, 100, &fr), -EAGAIN);
	t0 = mt_clock_mono_us(&x->clock.dev);
	/* 30 s unplugged: tries at 0.1, 0.2, 0.4 ... then every 5 s, not 300 */
	while (mt_clock_mono_us(&x->clock.dev) - t0 < 30000000)
		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), -EAGAIN);
	assert_in_range(x->cam.backoff_ms, MT_V4L2_BACKOFF_MAX_MS, MT_V4L2_BACKOFF_MAX_MS);
	mt_fake_v4l2_plug(&x->fake);
	x->fake.faults.unplug_at = 0;
	take(x, 2, NULL, NULL);
	assert_int_equal(x->cam.backoff_ms, MT_V4L2_BACKOFF_MAX_MS); /* reset on next unplug */
}

static void stall_restarts_stream(void **state)
{
	struct fix *x = *state;
	struct mt_capture_stats s;
	int64_t ts = 0;
	uint64_t seq = 0;

	x->cfg.fps = 30;
	x->fake.faults.stall_at = 30;
	x->fake.faults.stall_frames = 120; /* 4 s silent */
	struct mt_frame *fr;
	int waits = 0;

	start(x);
	take(x, 30, &ts, &seq);
	/* silence: the caller sees timeouts while the driver restarts */
	while (mt_capture_dequeue(&x->cam.dev, 1000, &fr) == -EAGAIN)
		waits++;
	mt_frame_put(fr);
	seq++;
	take(x, 20, &ts, &seq);
	s = stats_of(x);
	assert_in_range(waits, 3, 5);
	assert_in_range(s.stalls, 1, 2);
	assert_int_equal(s.restarts, s.stalls);
	assert_int_equal(x->fake.streamons, 1 + s.stalls);
	assert_int_equal(s.frames, 51);
}

static void source_change_event(void **state)
{
	struct fix *x = *state;

	x->fake.faults.resize_at = 10;
	x->fake.faults.resize_w = 800;
	x->fake.faults.resize_h = 600;
	x->fake.faults.resize_event = true;
	struct mt_frame *fr;

	start(x);
	take(x, 10, NULL, NULL);
	assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), 0);
	assert_int_equal(fr->width, 800);
	mt_frame_put(fr);
	take(x, 10, NULL, NULL); /* take() checks frames against the new format */
	assert_int_equal(format_of(x).width, 800);
	assert_int_equal(format_of(x).height, 600);
	assert_int_equal(stats_of(x).renegotiations, 1);
}

static void source_change_silent(void **state)
{
	struct fix *x = *state;

	x->fake.faults.resize_at = 10;
	x->fake.faults.resize_w = 640;
	x->fake.faults.resize_h = 360;
	struct mt_frame *fr;

	start(x);
	take(x, 10, NULL, NULL);
	assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), 0);
	assert_int_equal(fr->width, 640);
	mt_frame_put(fr);
	take(x, 10, NULL, NULL);
	assert_int_equal(format_of(x).width, 640);
	assert_int_equal(format_of(x).height, 360);
	assert_int_equal(stats_of(x).renegotiations, 1);
	assert_int_equal(stats_of(x).corrupt, 0);
}

static void eintr_retried(void **state)
{
	struct fix *x = *state;

	x->fake.faults.eintr_every = 3;
	start(x);
	take(x, 20, &(int64_t){ 0 }, &(uint64_t){ 0 });
	assert_true(x->fake.eintr_injected > 10);
	assert_int_equal(stats_of(x).corrupt, 0);
}

/* 1080p MJPEG at 30 fps: no frame lost, one copy each, steady timestamps.
 * (The minute-long run is bench/capture.) */
static void lossless_1080p30(void **state)
{
	struct fix *x = *state;
	struct mt_capture_stats s;
	int64_t first = 0, last = 0;
	uint64_t bytes = 0;

	x->cfg.width = 1920;
	x->cfg.height = 1080;
	x->cfg.fps = 30;
	start(x);
	for (int i = 0; i < 300; i++) {
		struct mt_frame *fr;

		assert_int_equal(mt_capture_dequeue(&x->cam.dev, 1000, &fr), 0);
		assert_int_equal(fr->seq, i);
		if (i == 0)
			first = fr->ts_us;
		else
			assert_int_equal(fr->ts_us - last, 33333);
		last = fr->ts_us;
		bytes += fr->size;
		mt_frame_put(fr);
	}
	s = stats_of(x);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.ts_fixups, 0);
	assert_int_equal(x->fake.dropped_no_buffer, 0);
	assert_int_equal(x->cam.copied_bytes, bytes); /* one copy per payload byte */
	assert_int_equal(last - first, 299 * 33333);
}

/* ---- the fake keeps the kernel's rules ---- */

static int xio(unsigned long req, void *arg)
{
	return mt_fake_v4l2_syscalls.ioctl(MT_FAKE_V4L2_FD, req, arg) < 0 ? -errno : 0;
}

static void fake_api_rules(void **state)
{
	struct fix *x = *state;
	const struct mt_v4l2_sys *s = &mt_fake_v4l2_syscalls;
	struct v4l2_requestbuffers rb = { .count = 3,
					  .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					  .memory = V4L2_MEMORY_MMAP };
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
	struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct pollfd p = { .fd = MT_FAKE_V4L2_FD, .events = POLLIN };
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	void *maps[3];

	assert_int_equal(s->open(DEV, O_RDWR), MT_FAKE_V4L2_FD);
	assert_int_equal(s->open(DEV, O_RDWR) < 0 ? errno : 0, EBUSY);
	assert_int_equal(xio(VIDIOC_ENUM_FMT, &d), -EINVAL); /* wrong type */
	d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	d.index = 99;
	assert_int_equal(xio(VIDIOC_ENUM_FMT, &d), -EINVAL);    /* past the end */
	assert_int_equal(xio(VIDIOC_STREAMON, &type), -EINVAL); /* no buffers */
	rb.memory = V4L2_MEMORY_USERPTR;
	assert_int_equal(xio(VIDIOC_REQBUFS, &rb), -EINVAL);
	rb.memory = V4L2_MEMORY_MMAP;
	assert_int_equal(xio(VIDIOC_REQBUFS, &rb), 0);
	assert_int_equal(xio(VIDIOC_S_FMT, &f), -EBUSY); /* buffers allocated */
	for (uint32_t i = 0; i < 3; i++) {
		b.index = i;
		assert_int_equal(xio(VIDIOC_QUERYBUF, &b), 0);
		maps[i] = s->mmap(NULL, b.length, PROT_READ, MAP_SHARED, MT_FAKE_V4L2_FD,
				  (off_t)b.m.offset);
		assert_true(maps[i] != MAP_FAILED);
	}
	b.index = 3;
	assert_int_equal(xio(VIDIOC_QUERYBUF, &b), -EINVAL);
	assert_int_equal(xio(VIDIOC_DQBUF, &b), -EINVAL); /* not streaming */
	assert_int_equal(s->poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLERR); /* poll before STREAMON */
	b.index = 0;
	assert_int_equal(xio(VIDIOC_QBUF, &b), 0);
	assert_int_equal(xio(VIDIOC_QBUF, &b), -EINVAL); /* already queued */
	assert_int_equal(xio(VIDIOC_STREAMON, &type), 0);
	assert_int_equal(xio(VIDIOC_REQBUFS, &rb), -EBUSY); /* while streaming */
	assert_int_equal(xio(VIDIOC_DQBUF, &b), -EAGAIN);   /* nothing ready yet */
	assert_int_equal(s->poll(&p, 1, 1000), 1);
	assert_int_equal(xio(VIDIOC_DQBUF, &b), 0);
	assert_int_equal(b.index, 0);
	assert_true(b.flags & V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC);
	assert_int_equal(xio(VIDIOC_STREAMOFF, &type), 0);
	rb.count = 0;
	assert_int_equal(xio(VIDIOC_REQBUFS, &rb), -EBUSY); /* still mapped */
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(s->munmap(maps[i], x->fake.buf[i].length), 0);
	assert_int_equal(xio(VIDIOC_REQBUFS, &rb), 0);
	mt_fake_v4l2_unplug(&x->fake);
	assert_int_equal(xio(VIDIOC_QUERYCAP, &(struct v4l2_capability){ 0 }), -ENODEV);
	assert_int_equal(s->close(MT_FAKE_V4L2_FD), 0);
	assert_int_equal(s->open(DEV, O_RDWR) < 0 ? errno : 0, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mjpeg_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(yuyv_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(h264_keyframes, setup, teardown),
		cmocka_unit_test_setup_teardown(fallback_order, setup, teardown),
		cmocka_unit_test_setup_teardown(none_of_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(modes_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(nearest_size_and_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_non_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_device, setup, teardown),
		cmocka_unit_test_setup_teardown(stable_name, setup, teardown),
		cmocka_unit_test_setup_teardown(controls_from_config, setup, teardown),
		cmocka_unit_test(control_names),
		cmocka_unit_test_setup_teardown(damaged_frames_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(sequence_gaps_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(unplug_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(backoff_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(stall_restarts_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(source_change_event, setup, teardown),
		cmocka_unit_test_setup_teardown(source_change_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(eintr_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(lossless_1080p30, setup, teardown),
		cmocka_unit_test_setup_teardown(fake_api_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
