/* Complete pre-roll, end to end: real footage through the encode stage
 * (MJPEG passed through; NV12 encoded by OpenH264 with a 2 s GOP at 10 fps)
 * into a ring bounded as the pipeline bounds it (pre-roll + 2 s of age, a
 * GOP more of slots), an event at t posted a second late (as analysis
 * would), and the recorder writing the clip to real files. The clip's first
 * frame is a keyframe at or before t - 5 s (and less than a GOP before),
 * ffprobe counts every frame written, ffmpeg decodes it with -xerror, and
 * the IDR asked for at the trigger is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/ring.h"
#include "linux/posix_storage.h"
#include "linux/sw_h264.h"
#include "media.h"
#include "record/encode.h"
#include "record/recorder.h"
#include "support.h"

#define FPS     10
#define N       200 /* 20 s */
#define PREROLL 5000000
#define GOP_S   2
#define TRIGGER 12350000 /* t: between two frames, mid-GOP */

static char *tmp;

struct run {
	struct mt_clip_info clip;
	int nclips;
};

static void on_clip(void *arg, const struct mt_clip_info *clip)
{
	struct run *r = arg;

	r->clip = *clip;
	r->nclips++;
}

static int64_t ts_of(int i)
{
	return 1000000 + (int64_t)i * (1000000 / FPS);
}

/* Feeds N frames of fmt through the stage into the ring; the event is
 * posted once the frame a second after it is in, and stops 3 s after t. */
static void record(struct mt_encode *enc, enum mt_pixfmt fmt, const uint8_t *raw, const char *spool,
		   struct run *r)
{
	static struct mt_frame *slots[(5 + 4 + GOP_S) * FPS];
	struct mt_posix_storage px;
	struct mt_clip_writer w;
	struct mt_recorder rec;
	struct mt_ring ring;
	int64_t t = ts_of(0) + TRIGGER;
	int asked = 0, posted = 0;

	mt_posix_storage_init(&px);
	mt_ring_init(&ring, slots, sizeof(slots) / sizeof(slots[0]), SIZE_MAX, PREROLL + 2000000);
	mt_clip_writer_init(&w, &px.dev, spool);
	assert_int_equal(mt_clip_writer_open(&w), 0);
	mt_recorder_init(&rec, PREROLL, &ring, &w, on_clip, r);
	for (int i = 0; i < N; i++) {
		struct mt_frame *in = fmt == MT_FMT_MJPEG ?
					      mt_test_footage_frame(i + 1) :
					      media_raw_frame(raw, fmt, 320, 240, i, 0);
		struct mt_frame *out = NULL;

		in->ts_us = ts_of(i), in->seq = (uint64_t)i;
		if (ts_of(i) >= t && !asked++)
			mt_encode_request_keyframe(enc); /* the trigger frame is an IDR */
		assert_int_equal(mt_encode_frame(enc, in, &out), 0);
		if (fmt == MT_FMT_MJPEG)
			assert_ptr_equal(out, in); /* passed through: no copy, no re-encode */
		mt_ring_push(&ring, out);
		mt_frame_put(out);
		mt_frame_put(in);
		if (ts_of(i) >= t + 1000000 && !posted++) { /* analysis is a second late */
			assert_int_equal(mt_recorder_post(&rec, MT_EVENT_START, t), 0);
			assert_int_equal(mt_recorder_post(&rec, MT_EVENT_STOP, t + 3000000), 0);
		}
		/* The writer thread outpaces the camera: a few frames per frame. */
		for (int k = 0; k < 4; k++)
			assert_int_equal(mt_recorder_poll(&rec, 0), 0);
	}
	mt_ring_close(&ring);
	while (mt_recorder_poll(&rec, 0) != MT_EEND)
		;
	assert_int_equal(rec.stats.lost, 0);
	assert_int_equal(rec.stats.preroll_short, 0);
	mt_recorder_free(&rec);
	mt_clip_writer_free(&w);
	mt_ring_free(&ring);
}

/* The decoded clip: all frames, clean, first one a keyframe; the key frame
 * flags of the frames as ffprobe sees them into keys. */
static int probe_keys(const char *path, int *keys, int max)
{
	static char out[1 << 16];
	char *line, *save = NULL;
	int n = 0;

	assert_int_equal(media_run(out, sizeof(out),
				   "ffprobe -v error -select_streams v:0 -show_entries "
				   "frame=key_frame -of csv=p=0 %s",
				   path),
			 0);
	for (line = strtok_r(out, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
		keys[n++] = atoi(line);
	return n;
}

static void check(const struct run *r, int64_t gop_us, int want_idr_at_t)
{
	int64_t t = ts_of(0) + TRIGGER;
	int keys[N];
	int n;

	assert_int_equal(r->nclips, 1);
	assert_true(r->clip.first_us <= t - PREROLL);
	assert_true(r->clip.first_us > t - PREROLL - gop_us);
	assert_true(r->clip.last_us >= t + 3000000 - 100000);
	assert_int_equal(media_probe_frames(r->clip.path), (int)r->clip.frames);
	assert_true(media_decodes_cleanly(r->clip.path));
	n = probe_keys(r->clip.path, keys, N);
	assert_int_equal(n, (int)r->clip.frames);
	assert_int_equal(keys[0], 1);
	if (want_idr_at_t) {
		/* the first frame at or after t, counted from the clip's start */
		int k = (int)((t - r->clip.first_us + 99999) / 100000);

		assert_int_equal(keys[k], 1);
	}
}

static void test_preroll_mjpeg(void **state)
{
	struct mt_encode_config cfg = { .in = MT_FMT_MJPEG,
					.width = 320,
					.height = 240,
					.fps = FPS };
	struct mt_encode enc;
	struct run r = { 0 };
	char spool[512];

	(void)state;
	snprintf(spool, sizeof(spool), "%s/mjpeg", tmp);
	mt_encode_init(&enc);
	assert_int_equal(mt_encode_open(&enc, &cfg, NULL, 0), 0);
	record(&enc, MT_FMT_MJPEG, NULL, spool, &r);
	assert_int_equal(enc.stats.passed, N);
	check(&r, 100000, 0); /* every JPEG is a keyframe: within a frame */
	mt_encode_free(&enc);
}

static void test_preroll_h264_gop_2s(void **state)
{
	uint8_t *raw = media_footage_raw(tmp, MT_FMT_NV12, 320, 240, N);
	struct mt_sw_h264 sw;
	struct mt_encode_config cfg = { .in = MT_FMT_NV12,
					.out = MT_FMT_H264,
					.width = 320,
					.height = 240,
					.fps = FPS,
					.bitrate = 500000,
					.gop = GOP_S * FPS,
					.profile_idc = 66,
					.encoder = &sw.dev };
	struct mt_encode enc;
	struct run r = { 0 };
	char spool[512];

	(void)state;
	mt_sw_h264_init(&sw);
	snprintf(spool, sizeof(spool), "%s/h264", tmp);
	mt_encode_init(&enc);
	assert_int_equal(mt_encode_open(&enc, &cfg, NULL, 0), 0);
	record(&enc, MT_FMT_NV12, raw, spool, &r);
	assert_int_equal(enc.stats.encoded, N);
	assert_int_equal(enc.stats.key_requests, 1);
	check(&r, GOP_S * 1000000, 1);
	mt_encode_free(&enc);
	mt_encode_free(&enc);
	free(raw);
}

/* The stage refuses what it cannot record honestly. */
static void test_stage_refusals(void **state)
{
	struct mt_encode_config cfg = { .in = MT_FMT_H264, .privacy = "0,0 1,0 1,1" };
	struct mt_encode enc;
	char why[160];

	(void)state;
	mt_encode_init(&enc);
	assert_int_equal(mt_encode_open(&enc, &cfg, why, sizeof(why)), MT_ECONFIG);
	assert_non_null(strstr(why, "H.264"));
	cfg.in = MT_FMT_NV12, cfg.privacy = NULL; /* raw, no encoder */
	assert_int_equal(mt_encode_open(&enc, &cfg, why, sizeof(why)), MT_ECONFIG);
	cfg.in = MT_FMT_MJPEG, cfg.privacy = "0,0 1"; /* mask that does not parse */
	assert_int_equal(mt_encode_open(&enc, &cfg, why, sizeof(why)), MT_ECONFIG);
	cfg.privacy = "";
	assert_int_equal(mt_encode_open(&enc, &cfg, why, sizeof(why)), 0);
	assert_int_equal(mt_encode_request_keyframe(&enc), -ENOSYS);
	mt_encode_free(&enc);
}

static int setup(void **state)
{
	(void)state;
	tmp = mt_test_tmpdir("preroll");
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
		cmocka_unit_test(test_preroll_mjpeg),
		cmocka_unit_test(test_preroll_h264_gop_2s),
		cmocka_unit_test(test_stage_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
