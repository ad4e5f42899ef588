/* Replay camera on real footage: a folder of cdnet-highway JPEGs (with a
 * corrupt one, one that cannot be opened and files that are not images) and
 * an MJPEG AVI made from them by ffmpeg. Frames come in name or file order,
 * byte for byte, paced on the manual clock at the AVI's own rate or the
 * configured one; corrupt frames are counted and skipped without a sequence
 * gap; a truncated AVI gives the frames before the cut; looping wraps with
 * sequence and time going on; what is not footage does not open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "fake/manual_clock.h"
#include "fake/replay_avi.h"
#include "fake/replay_camera.h"
#include "replay_helpers.h"
#include "support.h"

#define NJPEG 20 /* good frames in the folder */
#define NAVI  30

static char *tmp;        /* the temp folder, made by group_setup() */
static char tmpdir[128]; /* $TMPDIR of the camera's conversions, in tmp */
static char input[256];  /* cdnet-highway/input */
static char folder[128];
static char avi[128];

static struct mt_manual_clock clk;
static struct mt_replay_camera cam;
static struct mt_capture_config cfg;

static void source_path(int n, char *out, size_t size)
{
	snprintf(out, size, "%s/in%06d.jpg", input, n);
}

/* The folder: in000001.jpg .. in000019.jpg and in000020.JPEG (links to the
 * footage), in000005x.jpg (a JPEG cut short: sorts between 5 and 6),
 * in000007x.jpg (a dangling link: cannot be read) and in000003.txt (a real
 * JPEG, but not named as one). */
static int make_folder(void)
{
	char src[384], dst[384];
	uint8_t *data;
	size_t len;

	snprintf(folder, sizeof(folder), "%s/jpegs", tmp);
	if (mkdir(folder, 0755))
		return -1;
	for (int n = 1; n <= NJPEG; n++) {
		source_path(n, src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/in%06d.%s", folder, n, n == NJPEG ? "JPEG" : "jpg");
		if (symlink(src, dst))
			return -1;
	}
	source_path(5, src, sizeof(src));
	data = rt_read_all(src, &len);
	if (!data || len < 4000)
		return -1;
	snprintf(dst, sizeof(dst), "%s/in000005x.jpg", folder);
	if (rt_write_all(dst, data, 4000))
		return -1;
	snprintf(dst, sizeof(dst), "%s/in000007x.jpg", folder); /* cannot be opened */
	if (symlink("/nonexistent/in000007x.jpg", dst))
		return -1;
	snprintf(dst, sizeof(dst), "%s/in000003.txt", folder);
	if (rt_write_all(dst, data, len))
		return -1;
	free(data);
	return 0;
}

static int group_setup(void **state)
{
	const char *footage = getenv("MT_FOOTAGE");
	char cmd[1024];

	if (!footage) {
		fprintf(stderr, "MT_FOOTAGE is not set (ctest sets it)\n");
		return -1;
	}
	snprintf(input, sizeof(input), "%s/cdnet-highway/input", footage);
	tmp = mt_test_tmpdir("replay");
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmpdir", tmp);
	if (mkdir(tmpdir, 0755) || setenv("TMPDIR", tmpdir, 1))
		return -1;
	if (make_folder())
		return -1;
	snprintf(avi, sizeof(avi), "%s/highway.avi", tmp);
	snprintf(cmd, sizeof(cmd),
		 "ffmpeg -nostdin -loglevel error -framerate 25 -i '%s/in%%06d.jpg' -frames:v %d "
		 "-c:v copy "
		 "-f avi '%s'",
		 input, NAVI, avi);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s: failed (ffmpeg is in tools/deps.sh)\n", cmd);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	mt_test_tmpdir_remove(&tmp);
	return 0;
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
	mt_capture_close(&cam.dev); /* safe twice */
	return 0;
}

/* Footage frame n as the camera must hand it out. */
static void assert_is_source(const struct mt_frame *f, int n)
{
	char path[384];
	size_t len = 0;
	uint8_t *want;

	source_path(n, path, sizeof(path));
	want = rt_read_all(path, &len);
	assert_non_null(want);
	assert_int_equal(f->size, len);
	assert_memory_equal(f->data, want, len);
	assert_int_equal(f->format, MT_FMT_MJPEG);
	assert_int_equal(f->width, 320);
	assert_int_equal(f->height, 240);
	assert_true(f->flags & MT_FRAME_KEY);
	assert_false(f->flags & MT_FRAME_ERROR);
	free(want);
}

/* Name-order slot of good frame n in the folder (the broken ones are 5, 8). */
static uint64_t folder_seq(int n)
{
	return n <= 5 ? (uint64_t)n - 1 : n <= 7 ? (uint64_t)n : (uint64_t)n + 1;
}

static void test_folder_in_name_order(void **state)
{
	struct mt_capture_format fmt;
	struct mt_capture_stats st;
	struct mt_frame *f;

	cfg.device = folder;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_MJPEG);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
	assert_int_equal(fmt.fps, 10);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int n = 1; n <= NJPEG; n++) {
		f = NULL;
		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_is_source(f, n);
		assert_int_equal(f->seq, n - 1); /* the corrupt one takes no number */
		/* As fast as read: the footage's time line, the corrupt one's
		 * slot left empty. */
		assert_int_equal(f->ts_us, (int64_t)folder_seq(n) * 100000);
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
	assert_int_equal(mt_capture_get_stats(&cam.dev, &st), 0);
	assert_int_equal(st.frames, NJPEG);
	assert_int_equal(st.corrupt, 2);
	assert_int_equal(st.loops, 0);
	assert_int_equal(mt_capture_stop(&cam.dev), 0);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), -EINVAL); /* stopped */

	/* A restart plays it again from the first frame; sequence and time go
	 * on from where they were, though the manual clock did not move. */
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
	assert_is_source(f, 1);
	assert_int_equal(f->seq, NJPEG);
	assert_int_equal(f->ts_us, (int64_t)folder_seq(NJPEG) * 100000 + 1);
	mt_frame_put(f);
}

/* Looping as fast as read: pass after pass of the same bytes, the broken
 * frames counted each time, sequence and footage time going on. */
static void test_loop(void **state)
{
	const int64_t pass_us = (NJPEG + 2) * 100000; /* 22 slots of 100 ms */
	struct mt_capture_stats st;
	struct mt_frame *f;

	cfg.device = folder;
	cfg.loop = 1;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int k = 0; k <= 3 * NJPEG; k++) {
		int n = k % NJPEG + 1;

		assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
		assert_is_source(f, n);
		assert_int_equal(f->seq, k);
		assert_int_equal(f->ts_us, (k / NJPEG) * pass_us + (int64_t)folder_seq(n) * 100000);
		mt_frame_put(f);
		assert_int_equal(mt_capture_get_stats(&cam.dev, &st), 0);
		assert_int_equal(st.loops, (uint64_t)(k / NJPEG));
	}
	assert_int_equal(st.frames, 3 * NJPEG + 1);
	assert_int_equal(st.corrupt, 3 * 2);
}

/* Looping on the clock: the wrap costs no more than one frame's time. */
static void test_loop_realtime(void **state)
{
	int64_t t0 = 5000000, prev = 0;
	struct mt_capture_stats st;
	struct mt_frame *f;

	cfg.device = avi; /* 25 fps, 30 frames */
	cfg.loop = 1;
	cfg.realtime = 1;
	mt_manual_clock_set(&clk, t0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int k = 0; k < 2 * NAVI + 5; k++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 1000, &f), 0);
		assert_is_source(f, k % NAVI + 1);
		assert_int_equal(f->seq, k);
		assert_int_equal(f->ts_us, t0 + (int64_t)k * 40000);
		if (k)
			assert_int_equal(f->ts_us - prev, 40000);
		prev = f->ts_us;
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_get_stats(&cam.dev, &st), 0);
	assert_int_equal(st.loops, 2);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.ts_fixups, 0);
}

static void test_realtime_pacing(void **state)
{
	int64_t t0 = 7000000, prev = 0;
	struct mt_frame *f;

	cfg.device = folder;
	cfg.realtime = 1;
	mt_manual_clock_set(&clk, t0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int n = 1; n <= NJPEG; n++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 1000, &f), 0);
		/* Each frame is due 1/fps after the one before it in the
		 * folder; a broken one leaves its slot empty. */
		assert_int_equal(f->ts_us, t0 + (int64_t)folder_seq(n) * 100000);
		if (n > 1)
			assert_int_equal(f->ts_us - prev, n == 6 || n == 8 ? 200000 : 100000);
		assert_int_equal(mt_clock_mono_us(&clk.dev), f->ts_us);
		prev = f->ts_us;
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 1000, &f), MT_EEND);
}

static void test_realtime_timeout(void **state)
{
	struct mt_frame *f;

	cfg.device = folder;
	cfg.realtime = 1;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 30, &f), 0);
	assert_int_equal(f->ts_us, 0);
	mt_frame_put(f);
	/* The next is due at 100 ms: three 30 ms waits run out first. */
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 30, &f), -EAGAIN);
		assert_int_equal(mt_clock_mono_us(&clk.dev), i * 30000);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 30, &f), 0);
	assert_int_equal(f->ts_us, 100000);
	assert_is_source(f, 2);
	mt_frame_put(f);
}

static void test_avi_frames(void **state)
{
	struct mt_capture_format fmt;
	struct mt_capture_stats st;
	struct mt_frame *f;

	struct mt_capture_mode m[2];

	cfg.device = avi;
	cfg.realtime = 1; /* cfg.fps is 10; the file's own 25 fps wins */
	assert_int_equal(mt_capture_enum_modes(&cam.dev, m, 2), -ENODEV); /* not open */
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_MJPEG);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
	assert_int_equal(fmt.fps, 25);
	/* footage offers one mode: its own */
	assert_int_equal(mt_capture_enum_modes(&cam.dev, m, 2), 1);
	assert_int_equal(m[0].format, MT_FMT_MJPEG);
	assert_string_equal(m[0].fourcc, "mjpeg");
	assert_int_equal(m[0].width, 320);
	assert_int_equal(m[0].height, 240);
	assert_int_equal(m[0].fps[0], 25);
	assert_int_equal(m[0].fps[1], 0);
	assert_int_equal(mt_capture_enum_modes(&cam.dev, m, 0), 1);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	for (int n = 1; n <= NAVI; n++) {
		assert_int_equal(mt_capture_dequeue(&cam.dev, 1000, &f), 0);
		assert_is_source(f, n); /* ffmpeg -c:v copy keeps the bytes */
		assert_int_equal(f->seq, n - 1);
		assert_int_equal(f->ts_us, (int64_t)(n - 1) * 40000);
		mt_frame_put(f);
	}
	assert_int_equal(mt_capture_dequeue(&cam.dev, 1000, &f), MT_EEND);
	assert_int_equal(mt_capture_get_stats(&cam.dev, &st), 0);
	assert_int_equal(st.frames, NAVI);
	assert_int_equal(st.corrupt, 0);
}

static void test_avi_index(void **state)
{
	struct mt_replay_avi_info info;
	struct mt_replay_index idx;
	int fd = open(avi, O_RDONLY);

	assert_true(fd >= 0);
	mt_replay_index_init(&idx);
	assert_int_equal(mt_replay_avi_index(fd, &info, &idx), 0);
	assert_string_equal(info.codec, "MJPG");
	assert_true(mt_replay_avi_is_mjpeg(&info));
	assert_int_equal(info.width, 320);
	assert_int_equal(info.height, 240);
	assert_int_equal(idx.rate_num / idx.rate_den, 25);
	assert_int_equal(idx.rate_num % idx.rate_den, 0);
	assert_int_equal(idx.n, NAVI);
	for (size_t i = 0; i < idx.n; i++) {
		assert_null(idx.items[i].path);
		if (i)
			assert_true(idx.items[i].offset >=
				    idx.items[i - 1].offset + idx.items[i - 1].size + 8);
	}
	mt_replay_index_free(&idx);
	mt_replay_index_free(&idx); /* safe twice */
	mt_replay_index_free(NULL);
	close(fd);
}

/* Play path to its end: frames handed out and corrupt ones counted. */
static int play(const char *path, int *frames, uint64_t *corrupt)
{
	struct mt_capture_stats st;
	struct mt_frame *f;
	int ret, n = 0;

	mt_replay_camera_init(&cam);
	cfg.device = path;
	ret = mt_capture_open(&cam.dev, &cfg);
	if (ret)
		return ret;
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	while ((ret = mt_capture_dequeue(&cam.dev, 0, &f)) == 0) {
		n++;
		assert_is_source(f, n);
		mt_frame_put(f);
	}
	assert_int_equal(ret, MT_EEND);
	mt_capture_get_stats(&cam.dev, &st);
	mt_capture_close(&cam.dev);
	*frames = n;
	*corrupt = st.corrupt;
	return 0;
}

static void test_truncated_avi(void **state)
{
	struct mt_replay_avi_info info;
	struct mt_replay_index idx;
	const struct mt_replay_item *items;
	size_t len = 0;
	uint8_t *data = rt_read_all(avi, &len);
	int fd = open(avi, O_RDONLY);
	char cut_path[160];

	assert_non_null(data);
	assert_true(fd >= 0);
	mt_replay_index_init(&idx);
	assert_int_equal(mt_replay_avi_index(fd, &info, &idx), 0);
	close(fd);
	assert_int_equal(idx.n, NAVI);
	items = idx.items;
	snprintf(cut_path, sizeof(cut_path), "%s/cut.avi", tmp);

	struct {
		uint64_t at;
		int frames;
		int corrupt;
	} cuts[] = {
		{ items[1].offset + 100, 1, 1 }, /* in frame 2's data */
		{ items[7].offset + items[7].size / 2, 7, 1 },
		{ items[15].offset + items[15].size - 1, 15, 1 }, /* frame 16 less its EOI's D9 */
		{ items[10].offset + items[10].size, 11, 0 },     /* right after frame 11 */
		{ items[12].offset - 4, 12, 0 },                  /* in frame 13's chunk header */
		{ items[20].offset, 20, 0 },                      /* frame 21's header only */
		{ items[29].offset + items[29].size + 1, 30, 0 }, /* movi whole, no idx1 */
		{ len - 1, 30, 0 },
	};

	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		int frames = -1;
		uint64_t corrupt = 99;

		assert_int_equal(rt_write_all(cut_path, data, cuts[k].at), 0);
		assert_int_equal(play(cut_path, &frames, &corrupt), 0);
		if (frames != cuts[k].frames || corrupt != (uint64_t)cuts[k].corrupt)
			fail_msg("cut at %llu: %d frames, %llu corrupt; expected %d, %d",
				 (unsigned long long)cuts[k].at, frames,
				 (unsigned long long)corrupt, cuts[k].frames, cuts[k].corrupt);
	}

	/* Cut inside the first frame: nothing whole to play. */
	assert_int_equal(rt_write_all(cut_path, data, items[0].offset + 5000), 0);
	mt_replay_camera_init(&cam);
	cfg.device = cut_path;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);
	mt_replay_index_free(&idx);
	free(data);
}

static void test_not_footage(void **state)
{
	static const uint8_t wave[] = "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0";
	static const uint8_t no_movi[] = "RIFF\x10\0\0\0AVI LIST\x04\0\0\0hdrl";
	static const struct {
		const char *name;
		const void *data;
		size_t len;
	} files[] = {
		{ "empty.avi", "", 0 },
		{ "text.avi", "not a video at all\n", 19 },
		{ "wave.avi", wave, sizeof(wave) - 1 },
		{ "nomovi.avi", no_movi, sizeof(no_movi) - 1 },
		{ "short.avi", "RIFF", 4 },
	};
	char path[256], src[384];
	struct mt_frame *f;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, files[i].name);
		assert_int_equal(rt_write_all(path, files[i].data, files[i].len), 0);
		mt_replay_camera_init(&cam);
		cfg.device = path;
		if (mt_capture_open(&cam.dev, &cfg) != MT_EFORMAT)
			fail_msg("%s opened", files[i].name);
	}

	/* Each failed (ffmpeg was tried on all but nomovi.avi, a RIFF AVI
	 * without a video stream) and left no temp folder behind. */
	assert_int_equal(rt_count_entries(tmpdir, "mt-replay-"), 0);

	/* A single JPEG is an MJPEG stream of one frame. */
	source_path(1, src, sizeof(src));
	cfg.device = src;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_start(&cam.dev), 0);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), 0);
	assert_is_source(f, 1);
	mt_frame_put(f);
	assert_int_equal(mt_capture_dequeue(&cam.dev, 0, &f), MT_EEND);
	mt_capture_close(&cam.dev);

	/* A folder with no JPEG, or only a broken one. */
	snprintf(path, sizeof(path), "%s/empty", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	cfg.device = path;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);
	snprintf(src, sizeof(src), "%s/broken.jpg", path);
	assert_int_equal(rt_write_all(src, "\xff\xd8\xff\xe0\x00\x10JFIF", 10), 0);
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), MT_EFORMAT);

	snprintf(path, sizeof(path), "%s/missing", tmp);
	cfg.device = path;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), -ENOENT);

	cfg.device = folder;
	cfg.clock = NULL;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), -EINVAL);
}

static void test_footage_decides_format(void **state)
{
	struct mt_capture_format fmt;

	cfg.device = avi;
	cfg.width = 1280;
	cfg.height = 720;
	cfg.format = MT_FMT_YUYV;
	assert_int_equal(mt_capture_open(&cam.dev, &cfg), 0);
	assert_int_equal(mt_capture_get_format(&cam.dev, &fmt), 0);
	assert_int_equal(fmt.format, MT_FMT_MJPEG);
	assert_int_equal(fmt.width, 320);
	assert_int_equal(fmt.height, 240);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_folder_in_name_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_pacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_realtime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avi_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avi_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_avi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_footage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_footage_decides_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
