/* Analysis thumbnails: a real 320x240 camera JPEG becomes 80x60 whose luma
 * matches a full decode averaged over 4x4 boxes; at 1/8 scale the scan
 * walker gives TurboJPEG's pixels exactly; the scale follows the
 * picture size; a JPEG cut short or with corrupt data is refused, not half
 * decoded; YUYV and NV12 frames are subsampled from their luma only; a luma
 * plane is box-averaged at the scale a JPEG would get. */
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
#include "motion/region.h"
#include "motion/thumb.h"
#include "support.h"

static struct mt_thumbnailer tn;
static struct mt_thumb th;

static int setup(void **state)
{
	mt_thumbnailer_init(&tn);
	return 0;
}

static int teardown(void **state)
{
	mt_thumbnailer_free(&tn);
	mt_thumbnailer_free(&tn); /* safe twice */
	return 0;
}

/* The reference: a full-size, accurate decode, each 4x4 box averaged. */
static void reference_thumb(const struct mt_frame *f, uint8_t *ref)
{
	tjhandle tj = tjInitDecompress();
	uint8_t *full = malloc(320 * 240);

	assert_non_null(full);
	assert_int_equal(tjDecompress2(tj, f->data, (unsigned long)f->size, full, 320, 0, 240,
				       TJPF_GRAY, TJFLAG_ACCURATEDCT),
			 0);
	for (int by = 0; by < 60; by++)
		for (int bx = 0; bx < 80; bx++) {
			int sum = 0;

			for (int y = 0; y < 4; y++)
				for (int x = 0; x < 4; x++)
					sum += full[(by * 4 + y) * 320 + bx * 4 + x];
			ref[by * 80 + bx] = (uint8_t)((sum + 8) / 16);
		}
	free(full);
	tjDestroy(tj);
}

static void test_real_jpeg_is_quarter_scale(void **state)
{
	static const int frames[] = { 1, 250, 900, 1700 };
	uint8_t ref[80 * 60];

	for (size_t k = 0; k < sizeof(frames) / sizeof(frames[0]); k++) {
		struct mt_frame *f = mt_test_footage_frame(frames[k]);
		long sum = 0, sum_ref = 0, abs_diff = 0;
		int worst = 0;

		memset(&th, 0xaa, sizeof(th));
		assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
		assert_int_equal(th.width, 80);
		assert_int_equal(th.height, 60);
		reference_thumb(f, ref);
		for (int i = 0; i < 80 * 60; i++) {
			int d = abs((int)th.y[i] - ref[i]);

			sum += th.y[i];
			sum_ref += ref[i];
			abs_diff += d;
			worst = d > worst ? d : worst;
		}
		/* The 1/4 decode keeps the lowest 2x2 frequencies of each block:
		 * the mean matches within half a level, a box within a few. */
		if (labs(sum - sum_ref) > 2400 || abs_diff > 4 * 4800 || worst > 24)
			fail_msg("frame %d: mean %ld vs %ld (x4800), mean |d| %ld/4800, worst %d",
				 frames[k], sum, sum_ref, abs_diff, worst);
		mt_frame_put(f);
	}
}

/* A gray JPEG of w x h made with TurboJPEG: a diagonal ramp. */
static struct mt_frame *made_jpeg(int w, int h)
{
	tjhandle tj = tjInitCompress();
	uint8_t *pix = malloc((size_t)w * h), *jpeg = NULL;
	unsigned long len = 0;
	struct mt_frame *f;

	assert_non_null(pix);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			pix[(size_t)y * w + x] = (uint8_t)((x + y) * 255 / (w + h));
	assert_int_equal(tjCompress2(tj, pix, w, 0, h, TJPF_GRAY, &jpeg, &len, TJSAMP_GRAY, 80,
				     TJFLAG_FASTDCT),
			 0);
	f = mt_frame_alloc(len);
	assert_non_null(f);
	memcpy(f->data, jpeg, len);
	f->size = len;
	f->format = MT_FMT_MJPEG;
	tjFree(jpeg);
	free(pix);
	tjDestroy(tj);
	return f;
}

/* At 1/8 scale the scan walker makes the thumbnail: the same pixels as
 * TurboJPEG's 1/8 decode, for real footage at 1280x720 (4:2:0, 4:2:2,
 * gray) and for a TurboJPEG-made ramp; 1/4 scale stays with TurboJPEG. */
/* Footage frame 900 as a 1280x720 camera JPEG in pixfmt, made by ffmpeg
 * and, when jpegtran is not NULL, passed through jpegtran with it (e.g.
 * "-restart 1": a restart interval per MCU row). */
static struct mt_frame *camera_jpeg(const char *dir, const char *pixfmt, const char *jpegtran)
{
	char cmd[1024], path[600];
	struct mt_frame *f;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/f.jpg", dir);
	snprintf(cmd, sizeof(cmd),
		 "ffmpeg -nostdin -v error -y -i %s/cdnet-highway/input/in000900.jpg "
		 "-vf scale=1280:720 -pix_fmt %s -q:v 5 -f image2pipe - %s%s > %s",
		 getenv("MT_FOOTAGE"), pixfmt, jpegtran ? "| jpegtran " : "",
		 jpegtran ? jpegtran : "", path);
	assert_int_equal(system(cmd), 0);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	f = mt_frame_alloc((size_t)n);
	assert_int_equal(fread(f->data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	f->size = (size_t)n;
	f->format = MT_FMT_MJPEG;
	return f;
}

static void test_eighth_scale_by_walker(void **state)
{
	static const char *const pixfmts[] = { "yuvj420p", "yuvj422p", "gray" };
	char *dir = mt_test_tmpdir("thumb");
	tjhandle tj = tjInitDecompress();
	static uint8_t ref[160 * 90];
	struct mt_frame *f;
	uint64_t walked = tn.walked, decoded = tn.decoded;

	for (unsigned k = 0; k < 3; k++) {
		f = camera_jpeg(dir, pixfmts[k], NULL);
		assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
		assert_int_equal(th.width, 160);
		assert_int_equal(th.height, 90);
		assert_int_equal(tjDecompress2(tj, f->data, (unsigned long)f->size, ref, 160, 0, 90,
					       TJPF_GRAY, TJFLAG_FASTDCT),
				 0);
		assert_memory_equal(th.y, ref, sizeof(ref));
		mt_frame_put(f);
	}
	f = made_jpeg(1280, 720);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tjDecompress2(tj, f->data, (unsigned long)f->size, ref, 160, 0, 90,
				       TJPF_GRAY, TJFLAG_FASTDCT),
			 0);
	assert_memory_equal(th.y, ref, sizeof(ref));
	mt_frame_put(f);
	assert_int_equal(tn.walked - walked, 4);
	assert_int_equal(tn.decoded - decoded, 0);
	f = mt_test_footage_frame(3); /* 320x240: 1/4 scale */
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tn.decoded - decoded, 1);
	mt_frame_put(f);
	tjDestroy(tj);
	assert_int_equal(mt_test_tmpdir_remove(&dir), 0);
}

/* Masked cells need no decoding: with a restart interval per MCU row and
 * an ignore mask over the top 40 % (rows 0..17 of 45 wholly inside), those
 * intervals are skipped and their pixels keep what the buffer held; every
 * other pixel is TurboJPEG's. A mask that covers no whole MCU row, or a
 * frame without restart intervals, skips nothing. */
static void test_masked_intervals_skipped(void **state)
{
	char *dir = mt_test_tmpdir("thumb-rst");
	tjhandle tj = tjInitDecompress();
	static uint8_t ref[160 * 90];
	struct mt_region top, sliver;
	struct mt_frame *f;
	char err[80];

	mt_region_init(&top);
	mt_region_init(&sliver);
	assert_int_equal(mt_region_parse_mask(&top, "0,0 1,0 1,0.4 0,0.4", err, sizeof(err)), 0);
	assert_int_equal(mt_region_parse_mask(&sliver, "0,0 0.99,0 0.99,1 0,1", err, sizeof(err)),
			 0);
	f = camera_jpeg(dir, "yuvj420p", "-restart 1");
	assert_int_equal(tjDecompress2(tj, f->data, (unsigned long)f->size, ref, 160, 0, 90,
				       TJPF_GRAY, TJFLAG_FASTDCT),
			 0);

	mt_thumbnailer_skip(&tn, &top, NULL);
	memset(th.y, 0x55, sizeof(th.y));
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tn.intervals_skipped, 18); /* 0.4 * 720 = 288 = 18 rows of 16 */
	for (int i = 0; i < 18 * 2 * 160; i++)
		assert_int_equal(th.y[i], 0x55);
	assert_memory_equal(th.y + 36 * 160, ref + 36 * 160, (90 - 36) * 160);

	/* the same mask as privacy (second slot): the same skips */
	mt_thumbnailer_skip(&tn, NULL, &top);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tn.intervals_skipped, 36);

	/* a mask short of the right edge covers no whole row: nothing skipped */
	mt_thumbnailer_skip(&tn, &sliver, NULL);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tn.intervals_skipped, 36);
	assert_memory_equal(th.y, ref, sizeof(ref));
	mt_frame_put(f);

	/* no restart intervals: the whole scan is walked */
	f = camera_jpeg(dir, "yuvj420p", NULL);
	mt_thumbnailer_skip(&tn, &top, NULL);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	assert_int_equal(tn.intervals_skipped, 36);
	assert_int_equal(tjDecompress2(tj, f->data, (unsigned long)f->size, ref, 160, 0, 90,
				       TJPF_GRAY, TJFLAG_FASTDCT),
			 0);
	assert_memory_equal(th.y, ref, sizeof(ref));
	mt_frame_put(f);
	mt_thumbnailer_skip(&tn, NULL, NULL);
	tjDestroy(tj);
	assert_int_equal(mt_test_tmpdir_remove(&dir), 0);
}

static void test_scale_follows_size(void **state)
{
	static const struct {
		int w, h;
		int ret;
		int tw, th;
	} cases[] = {
		{ 320, 240, 0, 80, 60 },          /* 1/4: 1/8 would be under 80 wide */
		{ 640, 480, 0, 80, 60 },          /* 1/8 */
		{ 1280, 720, 0, 160, 90 },        /* 1/8: the cost stays small */
		{ 2560, 1920, 0, 320, 240 },      /* the largest 1/8 fits */
		{ 160, 120, 0, 80, 60 },          /* 1/2 */
		{ 96, 64, 0, 96, 64 },            /* 1/1 */
		{ 64, 48, 0, 64, 48 },            /* 1/1 */
		{ 2576, 1936, MT_EFORMAT, 0, 0 }, /* over MT_THUMB_MAX_PIXELS at 1/8 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mt_frame *f = made_jpeg(cases[i].w, cases[i].h);

		assert_int_equal(mt_thumb_make(&tn, f, &th), cases[i].ret);
		if (!cases[i].ret) {
			assert_int_equal(th.width, cases[i].tw);
			assert_int_equal(th.height, cases[i].th);
			/* The ramp survives: dark top left, bright bottom right. */
			assert_true(th.y[0] < 40);
			assert_true(th.y[th.width * th.height - 1] > 215);
		}
		mt_frame_put(f);
	}
}

static void test_unreadable_frames(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(1);
	size_t len = f->size;

	f->format = MT_FMT_H264;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	f->format = MT_FMT_NONE;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	f->format = MT_FMT_MJPEG;
	memset(f->data, 0x5a, 64); /* header gone */
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_ECORRUPT);
	f->size = 0;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_ECORRUPT);
	f->size = len;
	mt_frame_put(f);
	/* The thumbnailer still works after the failures. */
	f = mt_test_footage_frame(2);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	mt_frame_put(f);
}

/* Luma that no subsampling mistake can fake: differs along x and y. */
static uint8_t luma_at(int x, int y)
{
	return (uint8_t)(x * 3 + y * 7 + (x * y) % 11);
}

static struct mt_frame *raw_frame(enum mt_pixfmt fmt, int w, int h)
{
	size_t size = fmt == MT_FMT_YUYV ? (size_t)w * h * 2 : (size_t)w * h * 3 / 2;
	struct mt_frame *f = mt_frame_alloc(size);

	assert_non_null(f);
	f->format = fmt;
	f->width = (uint16_t)w;
	f->height = (uint16_t)h;
	f->size = size;
	if (fmt == MT_FMT_YUYV) {
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				uint8_t *p = f->data + ((size_t)y * w + x) * 2;

				p[0] = luma_at(x, y);
				p[1] = (uint8_t)(x & 1 ? 0xee : 0x11); /* V : U */
			}
	} else {
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				f->data[(size_t)y * w + x] = luma_at(x, y);
		memset(f->data + (size_t)w * h, 0xee, (size_t)w * h / 2); /* UV plane */
	}
	return f;
}

static void test_raw_subsampled(void **state)
{
	static const struct {
		enum mt_pixfmt fmt;
		int w, h;
		int tw, th, step;
	} cases[] = {
		{ MT_FMT_YUYV, 320, 240, 80, 60, 4 },  { MT_FMT_NV12, 320, 240, 80, 60, 4 },
		{ MT_FMT_YUYV, 640, 480, 80, 60, 8 },  { MT_FMT_NV12, 1280, 720, 80, 45, 16 },
		{ MT_FMT_YUYV, 96, 64, 96, 64, 1 },    { MT_FMT_NV12, 64, 48, 64, 48, 1 },
		{ MT_FMT_YUYV, 200, 100, 100, 50, 2 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mt_frame *f = raw_frame(cases[i].fmt, cases[i].w, cases[i].h);
		int step = cases[i].step;

		memset(&th, 0, sizeof(th));
		assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
		assert_int_equal(th.width, cases[i].tw);
		assert_int_equal(th.height, cases[i].th);
		for (int y = 0; y < th.height; y++)
			for (int x = 0; x < th.width; x++)
				if (th.y[y * th.width + x] != luma_at(x * step, y * step))
					fail_msg(
						"%s %dx%d: thumb (%d,%d) = %d, not luma (%d,%d) = %d",
						mt_pixfmt_name(cases[i].fmt), cases[i].w,
						cases[i].h, x, y, th.y[y * th.width + x], x * step,
						y * step, luma_at(x * step, y * step));
		mt_frame_put(f);
	}
}

static void test_raw_too_short_or_empty(void **state)
{
	struct mt_frame *f = raw_frame(MT_FMT_YUYV, 320, 240);

	f->size = 320 * 240 * 2 - 1; /* one byte short of the picture */
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	f->size = 320 * 240 * 2;
	f->width = 0;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	f->width = 320;
	f->height = 0;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	mt_frame_put(f);

	f = raw_frame(MT_FMT_NV12, 320, 240);
	f->size = 320 * 240 - 1; /* the Y plane is all it needs */
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_EFORMAT);
	f->size = 320 * 240;
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	mt_frame_put(f);
}

/* A JPEG cut short, or with its entropy data damaged, is refused as
 * corrupt instead of decoded with a made-up gray part; the thumbnailer
 * reads the next good frame. */
static void test_corrupt_jpeg_refused(void **state)
{
	struct mt_frame *f = mt_test_footage_frame(100);
	size_t len = f->size;
	uint8_t *copy = malloc(len);
	size_t sos = 0;

	assert_non_null(copy);
	memcpy(copy, f->data, len);
	for (size_t cut = len / 4; cut < len - 2; cut += len / 4) {
		f->size = cut;
		assert_int_equal(mt_thumb_make(&tn, f, &th), MT_ECORRUPT);
	}
	/* Cut short but with an EOI put back: the probe passes, the decoder
	 * runs out of data and warns. */
	f->size = len / 2;
	f->data[f->size - 2] = 0xff;
	f->data[f->size - 1] = 0xd9;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_ECORRUPT);
	/* A marker in the middle of the entropy data. */
	memcpy(f->data, copy, len);
	f->size = len;
	for (size_t i = 2; i + 1 < len; i++)
		if (f->data[i] == 0xff && f->data[i + 1] == 0xda)
			sos = i;
	assert_true(sos > 0);
	f->data[sos + (len - sos) / 2] = 0xff;
	f->data[sos + (len - sos) / 2 + 1] = 0xd3;
	assert_int_equal(mt_thumb_make(&tn, f, &th), MT_ECORRUPT);
	memcpy(f->data, copy, len);
	assert_int_equal(mt_thumb_make(&tn, f, &th), 0);
	free(copy);
	mt_frame_put(f);
}

/* A luma plane: box means at the JPEG scale, partial boxes at the edges. */
static void test_luma_plane_box_means(void **state)
{
	static uint8_t plane[330 * 100];
	static const struct {
		unsigned w, h, tw, th, step;
	} cases[] = {
		{ 160, 120, 80, 60, 2 },
		{ 330, 100, 83, 25, 4 },
		{ 64, 48, 64, 48, 1 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		unsigned w = cases[k].w, h = cases[k].h, st = cases[k].step;

		for (unsigned i = 0; i < w * h; i++)
			plane[i] = luma_at((int)(i % w), (int)(i / w));
		assert_int_equal(mt_thumb_from_luma(plane, w, h, w, &th), 0);
		assert_int_equal(th.width, cases[k].tw);
		assert_int_equal(th.height, cases[k].th);
		for (unsigned ty = 0; ty < th.height; ty++)
			for (unsigned tx = 0; tx < th.width; tx++) {
				unsigned sum = 0, n = 0;

				for (unsigned y = ty * st; y < (ty + 1) * st && y < h; y++)
					for (unsigned x = tx * st; x < (tx + 1) * st && x < w;
					     x++) {
						sum += plane[y * w + x];
						n++;
					}
				assert_int_equal(th.y[ty * th.width + tx], (sum + n / 2) / n);
			}
	}
	assert_int_equal(mt_thumb_from_luma(plane, 0, 10, 10, &th), MT_EFORMAT);
	assert_int_equal(mt_thumb_from_luma(plane, 10, 10, 9, &th), MT_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_jpeg_is_quarter_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eighth_scale_by_walker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_intervals_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_jpeg_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_luma_plane_box_means, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scale_follows_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_subsampled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_too_short_or_empty, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
