/* Replay camera on every kind of footage it reads, made from the real
 * footage with ffmpeg at test time: an .mjpeg stream (frames byte for byte,
 * truncated and spliced files), Y4M 4:2:0 and 4:2:2 (NV12 and YUYV pixels
 * checked against the planar file, bad headers refused), a PNG folder and a
 * mixed folder (converted by ffmpeg, a broken PNG counted), the MPEG-4 AVI
 * and an H.264 stream (access units, IDR keys). Frame counts are checked
 * against ffprobe, timestamps for order, and the temp folder for removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/jpeg.h"
#include "fake/manual_clock.h"
#include "fake/replay_camera.h"
#include "fake/replay_mjpeg.h"
#include "fake/replay_y4m.h"
#include "replay_helpers.h"
#include "support.h"

#define NMJPEG 40
#define NY4M   20
#define NH264  30

static char *tmp;
static char tmpdir[160]; /* $TMPDIR of the camera's conversions */
static char input[512];  /* cdnet-highway/input */
static char mjpeg[160], y4m[160], y4m422[160], h264[160];

static struct mt_manual_clock clk;
static struct mt_replay_camera cam;
static struct mt_capture_config cfg;

static void source_path(int n, char *out, size_t size)
{
	snprintf(out, size, "%s/in%06d.jpg", input, n);
}

static int group_setup(void **state)
{
	snprintf(input, sizeof(input), "%s", rt_footage("cdnet-highway/input"));
	tmp = mt_test_tmpdir("replayfmt");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmpdir", tmp);
	if (mkdir(tmpdir, 0755) || setenv("TMPDIR", tmpdir, 1))
		return -1;
	snprintf(mjpeg, sizeof(mjpeg), "%s/highway.mjpeg", tmp);
	snprintf(y4m, sizeof(y4m), "%s/highway.y4m", tmp);
	snprintf(y4m422, sizeof(y4m422), "%s/highway422.y4m", tmp);
	snprintf(h264, sizeof(h264), "%s/highway.h264", tmp);
	rt_run("ffmpeg -nostdin -loglevel error -i '%s/in%%06d.jpg' -frames:v %d -c:v copy "
	       "-f mjpeg '%s'",
	       input, NMJPEG, mjpeg);
	rt_run("ffmpeg -nostdin -loglevel error -framerate 15 -i '%s/in%%06d.jpg' -frames:v %d "
	       "-pix_fmt yuv420p -f yuv4mpegpipe '%s'",
	       input, NY4M, y4m);
	rt_run("ffmpeg -nostdin -loglevel error -framerate 15 -i '%s/in%%06d.jpg' -frames:v %d "
	       "-pix_fmt yuv422p -f yuv4mpegpipe '%s'",
	       input, NY4M, y4m422);
	rt_run("ffmpeg -nostdin -loglevel error -framerate 10 -i '%s/in%%06d.jpg' -frames:v %d "
	       "-c:v libx264 -g 10 -keyint_min 10 -sc_threshold 0 -bf 0 -pix_fmt yuv420p "
	       "-f h264 '%s'",
	       input, NH264, h264);
	return 0;
}

static int group_teardown(void **state)
{
	return mt_test_tmpdir_remove(&tmp);
}

static int setup(void **state)
{
	mt_manual_clock_init(&clk);
	mt_replay_camera_init(&cam);
	memset(&cfg, 0, sizeof(cfg));
	cfg.format = MT_FMT_MJPEG;
	cfg.width = 320;
	cfg.height = 240;
	cfg.fps = 10;
	cfg.clock = &clk.dev;
	return 0;
}

static int teardown(void **state)
{
	mt_capture_close(&cam.dev);
	mt_capture_close(&cam.dev);
	/* Whatever was converted went with the close. */
	return rt_count_entries(tmpdir, "mt-replay-") == 0 ? 0 : -1;
}

static void assert_is_source(const struct mt_frame *f, int n)
{
	char path[600];
	size_t len = 0;
	uint8_t *want;

	source_path(n, path, sizeof(path));
	want = rt_read_all(path, &len);
	assert_non_null(want);
	assert_int_equal(f->size, len);
	assert_memory_equal(f->data, want, len);
	assert_int_equal(f->format, MT_FMT_MJPEG);
	assert_true(f->flags & MT_FRAME_KEY);
	free(want);
}

static void test_mjpeg_stream(void **state)
{
	struct mt_capture_format fmt;
	struct mt_frame *f;
	char q[300];

	snprintf(q, sizeof(q), "'%s'", mjpeg);
	assert_int_equal(rt_ffprobe_frames(q), NMJPEG);
	cfg.device = mjpeg;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_MJPEG);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
	assert_int_equal(fmt.fps, 10); /* no rate in the file: cfg.fps */
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int n = 1; n <= NMJPEG; n++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_is_source(f, n);
		assert_int_equal(f->seq, n - 1);
		assert_int_equal(f->ts_us, (int64_t)(n - 1) * 100000);
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
}

/* A JPEG with an EXIF-like APP1 segment that holds a whole JPEG (SOI..EOI)
 * and stuffed bytes, and restart markers, stuffing and fill bytes at the end
 * of its scan; then junk, then the plain JPEG: two frames, the segment's
 * SOI/EOI and the scan's markers not taken for boundaries. */
static void test_mjpeg_markers(void **state)
{
	static const uint8_t app1[] = { 0xFF, 0xE1, 0x00, 0x0C, 'E',  'x',  'i',
					'f',  0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0x00 };
	static const uint8_t junk[] = { 'x', 0xFF, 0x00, 0xFF, 0xD9, 'y' };
	static const uint8_t scan[] = { 0xFF, 0xD0, 0x12, 0xFF, 0x00, 0xFF, 0xFF, 0xD7, 0x34 };
	struct mt_replay_index idx;
	char path[600];
	size_t len = 0, n1;
	uint8_t *jpg, *buf;
	uint16_t w, h;

	source_path(1, path, sizeof(path));
	jpg = rt_read_all(path, &len);
	assert_non_null(jpg);
	buf = malloc(2 * len + sizeof(app1) + sizeof(scan) + sizeof(junk));
	assert_non_null(buf);
	memcpy(buf, jpg, 2);
	memcpy(buf + 2, app1, sizeof(app1));
	memcpy(buf + 2 + sizeof(app1), jpg + 2, len - 4);                      /* up to its EOI */
	memcpy(buf + len - 2 + sizeof(app1), scan, sizeof(scan));              /* then RSTs... */
	memcpy(buf + len - 2 + sizeof(app1) + sizeof(scan), jpg + len - 2, 2); /* EOI */
	n1 = len + sizeof(app1) + sizeof(scan);
	assert_int_equal(mt_jpeg_probe(buf, n1, &w, &h), 0); /* still a JPEG */
	memcpy(buf + n1, junk, sizeof(junk));
	memcpy(buf + n1 + sizeof(junk), jpg, len);

	mt_replay_index_init(&idx);
	assert_int_equal(mt_replay_mjpeg_split(buf, n1 + sizeof(junk) + len, &idx), 0);
	assert_int_equal(idx.n, 2);
	assert_int_equal(idx.items[0].offset, 0);
	assert_int_equal(idx.items[0].size, n1);
	assert_int_equal(idx.items[1].offset, n1 + sizeof(junk));
	assert_int_equal(idx.items[1].size, len);
	mt_replay_index_free(&idx);

	/* Cut short inside its scan, then a whole one: the cut one is kept up
	 * to the next SOI (to be counted), the next is whole. */
	memcpy(buf + 3000, jpg, len);
	assert_int_equal(mt_replay_mjpeg_split(buf, 3000 + len, &idx), 0);
	assert_int_equal(idx.n, 2);
	assert_int_equal(idx.items[0].size, 3000);
	assert_int_equal(idx.items[1].offset, 3000);
	assert_int_equal(idx.items[1].size, len);
	mt_replay_index_free(&idx);

	/* Nothing that starts like a JPEG: no frame. */
	assert_int_equal(mt_replay_mjpeg_split(junk, sizeof(junk), &idx), 0);
	assert_int_equal(idx.n, 0);
	assert_int_equal(mt_replay_mjpeg_split(buf, 1, &idx), 0);
	assert_int_equal(idx.n, 0);
	free(buf);
	free(jpg);
}

/* The stream cut or spliced: whole frames play byte for byte, a broken one
 * is counted, never handed out. */
static void test_mjpeg_truncated(void **state)
{
	struct mt_replay_index idx;
	struct rt_played p;
	size_t len = 0;
	uint8_t *data = rt_read_all(mjpeg, &len);
	char cut[200];

	assert_non_null(data);
	mt_replay_index_init(&idx);
	assert_int_equal(mt_replay_mjpeg_split(data, len, &idx), 0);
	assert_int_equal(idx.n, NMJPEG);
	snprintf(cut, sizeof(cut), "%s/cut.mjpg", tmp);
	cfg.device = cut;

	const struct mt_replay_item *it = idx.items;
	struct {
		uint64_t at;
		long frames;
		uint64_t corrupt;
	} cuts[] = {
		{ it[4].offset + 2000, 4, 1 },              /* in frame 5's scan */
		{ it[9].offset + 5, 9, 1 },                 /* in frame 10's APP0 */
		{ it[19].offset + it[19].size - 1, 19, 1 }, /* frame 20 less its D9 */
		{ it[29].offset + it[29].size, 30, 0 },     /* right after frame 30 */
		{ it[29].offset + it[29].size + 1, 30, 0 }, /* and one byte of 31 */
	};
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		assert_int_equal(rt_write_all(cut, data, cuts[k].at), 0);
		mt_replay_camera_init(&cam);
		assert_int_equal(rt_play(&cam, &cfg, 1000, &p), 0);
		if (p.frames != cuts[k].frames || p.st.corrupt != cuts[k].corrupt)
			fail_msg("cut at %llu: %ld frames, %llu corrupt",
				 (unsigned long long)cuts[k].at, p.frames,
				 (unsigned long long)p.st.corrupt);
		assert_int_equal(p.end, MT_EEND);
		assert_true(p.monotonic && p.seq_in_order);
		mt_capture_close(&cam.dev);
	}

	/* Frame 8 cut in its scan and frame 9 right after it: 39 good. */
	{
		size_t head = it[7].offset + it[7].size / 2, from = it[8].offset;
		uint8_t *spliced = malloc(len);
		struct mt_frame *f;
		int n = 0, ret;

		assert_non_null(spliced);
		memcpy(spliced, data, head);
		memcpy(spliced + head, data + from, len - from);
		assert_int_equal(rt_write_all(cut, spliced, head + len - from), 0);
		free(spliced);
		mt_replay_camera_init(&cam);
		assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
		assert_int_equal(mt_capture_start(&cam.dev), 0);
		while ((ret = mt_capture_dequeue(&cam.dev, 0, &f)) == 0) {
			n++;
			assert_is_source(f, n < 8 ? n : n + 1);
			mt_frame_put(f);
		}
		assert_int_equal(ret, MT_EEND);
		assert_int_equal(n, NMJPEG - 1);
		assert_int_equal(cam.stats.corrupt, 1);
	}
	mt_replay_index_free(&idx);
	free(data);
}

/* Frame k's planes, straight from the file ("FRAME\n" before each). */
static const uint8_t *planar_frame(const uint8_t *file, const struct mt_replay_y4m *y, int k)
{
	return file + y->header_len + (size_t)k * (6 + y->frame_size) + 6;
}

static void test_y4m_nv12(void **state)
{
	struct mt_capture_format fmt;
	struct mt_replay_y4m y;
	const char *why = NULL;
	struct mt_frame *f;
	size_t len = 0, luma = 320 * 240;
	uint8_t *file = rt_read_all(y4m, &len);
	char q[300];

	assert_non_null(file);
	assert_int_equal(mt_replay_y4m_parse((const char *)file, len, &y, &why), 0);
	assert_int_equal(y.format, MT_FMT_NV12);
	assert_int_equal(y.frame_size, luma * 3 / 2);
	assert_int_equal(len, y.header_len + NY4M * (6 + y.frame_size));
	snprintf(q, sizeof(q), "'%s'", y4m);
	assert_int_equal(rt_ffprobe_frames(q), NY4M);

	cfg.device = y4m;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_NV12);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
	assert_int_equal(fmt.fps, 15); /* the file's F15:1, not cfg.fps */
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int k = 0; k < NY4M; k++) {
		const uint8_t *in = planar_frame(file, &y, k);

		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_int_equal(f->format, MT_FMT_NV12);
		assert_int_equal(f->size, luma * 3 / 2);
		assert_true(f->flags & MT_FRAME_KEY);
		assert_int_equal(f->seq, k);
		assert_int_equal(f->ts_us, (k * 1000000 + 7) / 15); /* rounded */
		assert_memory_equal(f->data, in, luma);
		for (size_t i = 0; i < luma / 4; i++) {
			if (f->data[luma + 2 * i] != in[luma + i] ||
			    f->data[luma + 2 * i + 1] != in[luma + luma / 4 + i])
				fail_msg("frame %d: UV pair %zu is not U[i] V[i]", k, i);
		}
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
	free(file);
}

static void test_y4m_yuyv(void **state)
{
	struct mt_replay_y4m y;
	const char *why = NULL;
	struct rt_played p;
	struct mt_frame *f;
	size_t len = 0;
	uint8_t *file = rt_read_all(y4m422, &len);
	const uint8_t *in, *u, *v;

	assert_non_null(file);
	assert_int_equal(mt_replay_y4m_parse((const char *)file, len, &y, &why), 0);
	cfg.device = y4m422;
	assert_int_equal(rt_play(&cam, &cfg, 1000, &p), 0);
	assert_int_equal(p.frames, NY4M);
	assert_int_equal(cam.fmt.format, MT_FMT_YUYV);
	assert_true(p.monotonic && p.seq_in_order);
	assert_int_equal(p.keys, NY4M);

	/* Frame 3 again, pixel by pixel: Y0 U Y1 V per pair. */
	mt_capture_close(&cam.dev);
	mt_replay_camera_init(&cam);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int k = 0; k <= 3; k++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		if (k < 3)
			mt_frame_put(f);
	}
	assert_int_equal(f->size, 320 * 240 * 2);
	in = planar_frame(file, &y, 3);
	u = in + 320 * 240;
	v = u + 160 * 240;
	for (int row = 0; row < 240; row++) {
		for (int x = 0; x < 160; x++) {
			const uint8_t *o = f->data + (size_t)row * 640 + 4 * x;

			if (o[0] != in[row * 320 + 2 * x] || o[1] != u[row * 160 + x] ||
			    o[2] != in[row * 320 + 2 * x + 1] || o[3] != v[row * 160 + x])
				fail_msg("pixel pair %d,%d differs", x, row);
		}
	}
	mt_frame_put(f);
	free(file);
}

static void test_y4m_bad(void **state)
{
	static const char *const headers[] = {
		"YUV4MPEG2 H240 F25:1\n",
		"YUV4MPEG2 W321 H240 F25:1 C420jpeg\n",
		"YUV4MPEG2 W320 H240 F25:1 C444\n",
		"YUV4MPEG2 W320 H240 F25:1 Cmono\n",
		"YUV4MPEG2 W320 H240 F25:1 C420p10\n",
		"YUV4MPEG2 Wabc H240 F25:1\n",
		"YUV4MPEG2 W320 H240 Fx:1\n",
		"YUV4MPEG2 W99999999999 H240\n",
		"YUV4MPEG2 W320 H240 F25:1 C420jpeg", /* no newline */
		"YUV4MPEG2 W320 H240 F25:1\n",        /* no frame */
		"YUV4MPEG3 W320 H240 F25:1\n",
	};
	struct mt_replay_y4m y;
	const char *why = NULL;
	struct rt_played p;
	size_t len = 0, fsz;
	uint8_t *file = rt_read_all(y4m, &len);
	char path[200];

	assert_non_null(file);
	snprintf(path, sizeof(path), "%s/bad.y4m", tmp);
	cfg.device = path;
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		assert_int_equal(rt_write_all(path, headers[i], strlen(headers[i])), 0);
		mt_replay_camera_init(&cam);
		if (mt_capture_open(&cam.dev, &cfg) != MT_EFORMAT)
			fail_msg("opened: %s", headers[i]);
	}
	assert_int_equal(mt_replay_y4m_parse((const char *)file, len, &y, &why), 0);
	fsz = 6 + y.frame_size;

	/* Frame 4's "FRAME" line broken: 3 frames, one counted, the end. */
	memcpy(file + y.header_len + 3 * fsz, "FRAMX", 5);
	assert_int_equal(rt_write_all(path, file, len), 0);
	mt_replay_camera_init(&cam);
	assert_int_equal(rt_play(&cam, &cfg, 1000, &p), 0);
	assert_int_equal(p.frames, 3);
	assert_int_equal(p.st.corrupt, 1);
	assert_int_equal(p.end, MT_EEND);
	mt_capture_close(&cam.dev);

	/* Cut in frame 5's planes: 4 frames, one counted. */
	memcpy(file + y.header_len + 3 * fsz, "FRAME", 5);
	assert_int_equal(rt_write_all(path, file, y.header_len + 4 * fsz + 1000), 0);
	mt_replay_camera_init(&cam);
	assert_int_equal(rt_play(&cam, &cfg, 1000, &p), 0);
	assert_int_equal(p.frames, 4);
	assert_int_equal(p.st.corrupt, 1);
	mt_capture_close(&cam.dev);

	/* No rate (F0:0), frame tags present: plays at cfg.fps. */
	{
		static const char hdr[] =
			"YUV4MPEG2 W320 H240 F0:0 Ip C420jpeg XCOLORRANGE=LIMITED\n";
		FILE *fp = fopen(path, "wb");

		assert_non_null(fp);
		fwrite(hdr, 1, sizeof(hdr) - 1, fp);
		for (int k = 0; k < 2; k++) {
			fputs("FRAME Ixyz\n", fp);
			fwrite(planar_frame(file, &y, k), 1, y.frame_size, fp);
		}
		assert_int_equal(fclose(fp), 0);
	}
	mt_replay_camera_init(&cam);
	assert_int_equal(rt_play(&cam, &cfg, 1000, &p), 0);
	assert_int_equal(p.frames, 2);
	assert_int_equal(p.st.corrupt, 0);
	assert_int_equal(cam.fmt.fps, 10);
	assert_int_equal(p.last_ts - p.first_ts, 100000);
	free(file);
}

static void test_png_folder(void **state)
{
	const char *dir = rt_footage("wavingtrees");
	char q[1200];
	struct rt_played p;
	long want;

	/* Every PNG there: the 287 frames and the hand-segmented mask, which
	 * sorts last and is played too (a folder is what it holds). */
	snprintf(q, sizeof(q), "-f image2 -pattern_type glob '%s/*.png'", dir);
	want = rt_ffprobe_frames(q);
	assert_int_equal(want, 287 + 1);
	cfg.device = dir;
	assert_int_equal(rt_play(&cam, &cfg, 100000, &p), 0);
	assert_int_equal(rt_count_entries(tmpdir, "mt-replay-"), 1); /* open: JPEGs there */
	assert_int_equal(p.frames, want);
	assert_int_equal(p.end, MT_EEND);
	assert_int_equal(p.st.corrupt, 0);
	assert_int_equal(p.keys, want);
	assert_true(p.monotonic && p.seq_in_order);
	assert_int_equal(cam.fmt.format, MT_FMT_MJPEG);
	assert_int_equal(cam.fmt.width, 160);
	assert_int_equal(cam.fmt.height, 120);
	assert_int_equal(p.last_ts - p.first_ts, (want - 1) * 100000);
	mt_capture_close(&cam.dev);
	assert_int_equal(rt_count_entries(tmpdir, "mt-replay-"), 0);
}

/* JPEG and PNG in one folder, a PNG that is broken among them. */
static void test_mixed_folder(void **state)
{
	char dir[200], src[700], dst[300];
	size_t len = 0;
	uint8_t *png;
	struct mt_frame *f;

	snprintf(dir, sizeof(dir), "%s/mixed", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	source_path(1, src, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/a1.jpg", dir);
	assert_int_equal(symlink(src, dst), 0);
	snprintf(dst, sizeof(dst), "%s/a2.png", dir);
	assert_int_equal(symlink(rt_footage("wavingtrees/b00000.png"), dst), 0);
	png = rt_read_all(rt_footage("wavingtrees/b00001.png"), &len);
	assert_non_null(png);
	snprintf(dst, sizeof(dst), "%s/a3.PNG", dir);
	assert_int_equal(rt_write_all(dst, png, 300), 0); /* cut short */
	free(png);
	snprintf(dst, sizeof(dst), "%s/a4.png", dir);
	assert_int_equal(symlink(rt_footage("wavingtrees/b00002.png"), dst), 0);
	source_path(2, src, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/a5.jpeg", dir);
	assert_int_equal(symlink(src, dst), 0);

	cfg.device = dir;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
	assert_is_source(f, 1);
	mt_frame_put(f);
	for (int k = 0; k < 2; k++) { /* a2, a4: converted, 160x120 */
		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_int_equal(f->format, MT_FMT_MJPEG);
		assert_int_equal(f->width, 160);
		assert_int_equal(f->height, 120);
		assert_int_equal(f->seq, 1 + k);
		assert_int_equal(f->ts_us, k == 0 ? 100000 : 300000); /* a3's slot empty */
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
	assert_is_source(f, 2);
	mt_frame_put(f);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
	assert_int_equal(cam.stats.corrupt, 1);
}

/* The MPEG-4 part 2 AVI: converted up front, every frame ffprobe decodes,
 * at the file's 25 fps; looping it goes on past the end. */
static void test_mpeg4_avi(void **state)
{
	const char *avi = rt_footage("highway-cctv/video02.avi");
	char q[1200];
	struct rt_played p;
	long want;

	snprintf(q, sizeof(q), "'%s'", avi);
	want = rt_ffprobe_frames(q);
	assert_true(want > 700);
	cfg.device = avi;
	assert_int_equal(rt_play(&cam, &cfg, 100000, &p), 0);
	assert_int_equal(rt_count_entries(tmpdir, "mt-replay-"), 1);
	assert_true(cam.converted);
	assert_int_equal(p.frames, want);
	assert_int_equal(p.end, MT_EEND);
	assert_int_equal(p.st.corrupt, 0);
	assert_true(p.monotonic && p.seq_in_order);
	assert_int_equal(cam.fmt.format, MT_FMT_MJPEG);
	assert_int_equal(cam.fmt.width, 320);
	assert_int_equal(cam.fmt.height, 240);
	assert_int_equal(cam.fmt.fps, 25);
	assert_int_equal(p.last_ts - p.first_ts, (want - 1) * 40000);
	mt_capture_close(&cam.dev);
	assert_int_equal(rt_count_entries(tmpdir, "mt-replay-"), 0);

	cfg.loop = 1;
	mt_replay_camera_init(&cam);
	assert_int_equal(rt_play(&cam, &cfg, want + 10, &p), 0);
	assert_int_equal(p.frames, want + 10);
	assert_int_equal(p.st.loops, 1);
	assert_true(p.monotonic && p.seq_in_order);
	assert_int_equal(p.last_ts - p.first_ts, (want + 9) * 40000);
}

static void test_h264_stream(void **state)
{
	struct mt_capture_format fmt;
	struct mt_frame *f;
	char q[300];

	snprintf(q, sizeof(q), "'%s'", h264);
	assert_int_equal(rt_ffprobe_frames(q), NH264);
	cfg.device = h264;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_H264);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
	assert_int_equal(fmt.fps, 10);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int k = 0; k < NH264; k++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_int_equal(f->format, MT_FMT_H264);
		assert_int_equal(f->width, 320);
		assert_int_equal(f->height, 240);
		assert_int_equal(f->seq, k);
		assert_int_equal(f->ts_us, k * 100000);
		if (!!(f->flags & MT_FRAME_KEY) != (k % 10 == 0))
			fail_msg("frame %d: key flag %u, GOP is 10", k, f->flags & MT_FRAME_KEY);
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
}

static void test_not_convertible(void **state)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/notes.txt", tmp);
	assert_int_equal(rt_write_all(path, "no video here\n", 14), 0);
	cfg.device = path;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);
	snprintf(path, sizeof(path), "%s/empty.mp4", tmp);
	assert_int_equal(rt_write_all(path, "", 0), 0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);
	snprintf(path, sizeof(path), "%s/empty.mjpeg", tmp);
	assert_int_equal(rt_write_all(path, "", 0), 0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);
	snprintf(path, sizeof(path), "%s/dangling.avi", tmp);
	assert_int_equal(symlink("/nonexistent/x.avi", path), 0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), -ENOENT);
	/* The footage has no rate and none is configured. */
	cfg.device = mjpeg;
	cfg.fps = 0;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mjpeg_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mjpeg_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mjpeg_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_y4m_nv12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_y4m_yuyv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_y4m_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_png_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mpeg4_avi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_h264_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_convertible, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
