/* Recorder and clip writer: real JPEG frames at 10 fps with a keyframe every
 * 5th go through the pre-roll ring into fMP4 clip files, on the in-memory
 * storage (with fault injection) and on real files in a temp folder. A clip
 * starts at the last keyframe at or before trigger - pre-roll, ends with the
 * last frame at or before STOP, splits without a frame lost or doubled (an
 * H.264 split waits for a keyframe), holds exactly the frames' bytes as its
 * samples at their capture times, is durable when it is reported, and
 * numbering continues after the spool's highest clip or .part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/h264.h"
#include "fake/mem_storage.h"
#include "linux/posix_storage.h"
#include "mp4_read.h"
#include "record/event.h"
#include "record/recorder.h"
#include "support.h"

#define T0      10000000 /* time of frame 0 */
#define FRAME   100000   /* 10 fps */
#define TS(i)   ((int64_t)T0 + (int64_t)(i)*FRAME)
#define PREROLL 1000000
#define NFRAMES 100
#define SPOOL   "spool"

struct fx {
	struct mt_mem_storage mem;
	struct mt_posix_storage px;
	struct mt_storage *st;
	int posix;
	char *tmp; /* one of tmps[], which owns it */
	char dir[128];
	struct mt_frame *slots[256];
	struct mt_ring ring;
	struct mt_clip_writer w;
	struct mt_recorder rec;
	struct mt_clip_info clips[8];
	int nclips;
};

static void on_clip(void *arg, const struct mt_clip_info *clip)
{
	struct fx *fx = arg;

	assert_true(fx->nclips < 8);
	fx->clips[fx->nclips++] = *clip;
}

/* Footage frame i+1, read once: frame i's bytes. */
static struct mt_frame *footage[NFRAMES];

/* Every temp folder made, removed at the end even after a failed test. */
#define MAX_TMPS 16
static char *tmps[MAX_TMPS];
static int ntmps;

/* Storage, ring and a spool folder; the writer and recorder are made by
 * fx_start() so a test can put files in the spool first. */
static void fx_init(struct fx *fx, int posix, uint32_t nslots)
{
	memset(fx, 0, sizeof(*fx));
	fx->posix = posix;
	if (posix) {
		assert_true(ntmps < MAX_TMPS);
		fx->tmp = mt_test_tmpdir("recorder");
		tmps[ntmps++] = fx->tmp;
		snprintf(fx->dir, sizeof(fx->dir), "%s/" SPOOL, fx->tmp);
		mt_posix_storage_init(&fx->px);
		fx->st = &fx->px.dev;
	} else {
		strcpy(fx->dir, SPOOL);
		mt_mem_storage_init(&fx->mem);
		fx->st = &fx->mem.dev;
	}
	assert_int_equal(mt_storage_mkdir(fx->st, fx->dir), 0);
	mt_ring_init(&fx->ring, fx->slots, nslots, SIZE_MAX, INT64_MAX);
}

static void fx_start(struct fx *fx)
{
	mt_clip_writer_init(&fx->w, fx->st, fx->dir);
	assert_int_equal(mt_clip_writer_open(&fx->w), 0);
	mt_recorder_init(&fx->rec, PREROLL, &fx->ring, &fx->w, on_clip, fx);
}

static int remove_tmps(void **state)
{
	for (int i = 0; i < ntmps; i++)
		mt_test_tmpdir_remove(&tmps[i]);
	for (int i = 0; i < NFRAMES; i++)
		mt_frame_put(footage[i]);
	return 0;
}

static void fx_free(struct fx *fx)
{
	mt_recorder_free(&fx->rec);
	mt_recorder_free(&fx->rec); /* safe twice */
	mt_clip_writer_free(&fx->w);
	mt_ring_free(&fx->ring);
	if (fx->posix) {
		mt_test_remove_tree(fx->tmp);
	} else {
		assert_int_equal(mt_mem_storage_open_fds(&fx->mem), 0);
		mt_mem_storage_free(&fx->mem);
	}
}

static const struct mt_frame *payload(uint32_t i)
{
	if (!footage[i])
		footage[i] = mt_test_footage_frame((int)i + 1);
	return footage[i];
}

static void push_frame(struct fx *fx, const uint8_t *data, size_t len, enum mt_pixfmt fmt,
		       uint32_t i, uint32_t flags)
{
	struct mt_frame *f = mt_frame_alloc(len ? len : 1);

	assert_non_null(f);
	if (len) /* data may be NULL for an empty frame */
		memcpy(f->data, data, len);
	f->size = len;
	f->format = fmt;
	f->ts_us = TS(i);
	f->seq = i;
	f->flags = flags;
	mt_ring_push(&fx->ring, f);
	mt_frame_put(f);
}

static void push(struct fx *fx, uint32_t i)
{
	const struct mt_frame *p = payload(i);

	push_frame(fx, p->data, p->size, MT_FMT_MJPEG, i, i % 5 == 0 ? MT_FRAME_KEY : 0);
}

static void push_all(struct fx *fx, uint32_t first, uint32_t end)
{
	for (uint32_t i = first; i < end; i++)
		push(fx, i);
}

static void post(struct fx *fx, enum mt_event_action a, int64_t at)
{
	assert_int_equal(mt_recorder_post(&fx->rec, a, at), 0);
}

/* Close the ring and let the writer finish everything. */
static void drain(struct fx *fx)
{
	mt_ring_close(&fx->ring);
	for (int i = 0; i < 100000; i++)
		if (mt_recorder_poll(&fx->rec, 0) == MT_EEND)
			return;
	fail_msg("the recorder never ended");
}

/* The clip file is an fMP4 whose samples are exactly frames first..last,
 * byte for byte, at their capture times; its description says so; it is
 * durable and no .part is left. */
static void check_clip(struct fx *fx, const struct mt_clip_info *c, uint32_t seq, uint32_t first,
		       uint32_t last, int64_t trigger)
{
	static struct mp4_file mp4;
	char path[MT_CLIP_PATH_MAX];
	const char *why;
	uint8_t *got = NULL;
	size_t got_len = 0;

	snprintf(path, sizeof(path), "%s/clip-%06u.mp4", fx->dir, seq);
	assert_string_equal(c->path, path);
	assert_int_equal(c->seq, seq);
	assert_int_equal(c->format, MT_FMT_MJPEG);
	assert_int_equal(c->frames, last - first + 1);
	assert_int_equal(c->dropped, 0);
	assert_int_equal(c->first_us, TS(first));
	assert_int_equal(c->last_us, TS(last));
	assert_int_equal(c->trigger_us, trigger);

	assert_int_equal(mt_file_read_all(fx->st, path, 16 << 20, &got, &got_len), 0);
	assert_int_equal(got_len, c->bytes);
	if (mp4_read(got, got_len, &mp4, &why))
		fail_msg("%s: %s", path, why);
	assert_string_equal(mp4.entry, "jpeg");
	assert_int_equal(mp4.n, last - first + 1);
	assert_int_equal(c->fragments, mp4.s[mp4.n - 1].fragment);
	for (uint32_t i = first; i <= last; i++) {
		const struct mp4_sample *s = &mp4.s[i - first];

		assert_int_equal(s->size, payload(i)->size);
		assert_memory_equal(got + s->offset, payload(i)->data, s->size);
		assert_int_equal(s->dts, (TS(i) - TS(first)) * 9 / 100);
	}
	if (!fx->posix) {
		const uint8_t *durable;
		size_t len;
		char part[MT_CLIP_PATH_MAX + 8];

		/* Synced and its name made durable: it survives a power cut. */
		assert_int_equal(mt_mem_storage_durable(&fx->mem, path, &durable, &len), 0);
		assert_int_equal(len, got_len);
		assert_memory_equal(durable, got, got_len);
		snprintf(part, sizeof(part), "%s.part", path);
		assert_false(mt_mem_storage_durable_exists(&fx->mem, part));
	} else {
		strcat(path, ".part");
		assert_int_equal(access(path, F_OK), -1);
	}
	free(got);
}

/* START and STOP times → the frames of the clip. */
static const struct {
	int64_t trigger, stop;
	uint32_t first, last;
} start_stop_cases[] = {
	{ TS(33), TS(50) + 50000, 20, 50 }, /* 2.3 s: back to the keyframe at 2.0 s */
	{ TS(30), TS(50), 20, 50 },         /* exactly on a keyframe; exactly on a frame */
	{ TS(30) - 1, TS(51) - 1, 15, 50 }, /* 1 us before the keyframe: the one before */
	{ TS(34) + 99999, TS(60), 20, 60 },
	{ TS(3), TS(10), 0, 10 },       /* pre-roll before the first frame */
	{ TS(80), TS(99) + 1, 70, 99 }, /* STOP after the last frame: the ring's end */
};

static void run_start_stop(int posix)
{
	for (size_t k = 0; k < sizeof(start_stop_cases) / sizeof(start_stop_cases[0]); k++) {
		struct fx fx;

		fx_init(&fx, posix, 256);
		fx_start(&fx);
		push_all(&fx, 0, NFRAMES);
		post(&fx, MT_EVENT_START, start_stop_cases[k].trigger);
		post(&fx, MT_EVENT_STOP, start_stop_cases[k].stop);
		drain(&fx);
		assert_int_equal(fx.nclips, 1);
		assert_int_equal(fx.rec.stats.clips, 1);
		assert_int_equal(fx.rec.stats.errors, 0);
		assert_int_equal(fx.rec.stats.lost, 0);
		assert_int_equal(fx.rec.stats.frames,
				 start_stop_cases[k].last - start_stop_cases[k].first + 1);
		assert_int_equal(fx.rec.stats.preroll_short,
				 start_stop_cases[k].trigger - PREROLL < TS(0));
		check_clip(&fx, &fx.clips[0], 1, start_stop_cases[k].first,
			   start_stop_cases[k].last, start_stop_cases[k].trigger);
		fx_free(&fx);
	}
}

static void test_start_stop_mem(void **state)
{
	run_start_stop(0);
}

static void test_start_stop_posix(void **state)
{
	run_start_stop(1);
}

static void test_stop_needs_no_later_frame(void **state)
{
	struct fx fx;

	/* The frame after STOP has not come yet, then the ring closes: the
	 * clip is finished with what it has. */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, 41);
	post(&fx, MT_EVENT_START, TS(30));
	post(&fx, MT_EVENT_STOP, TS(40));
	for (int i = 0; i < 100; i++)
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	assert_int_equal(fx.nclips, 0);
	drain(&fx);
	assert_int_equal(fx.nclips, 1);
	check_clip(&fx, &fx.clips[0], 1, 20, 40, TS(30));
	fx_free(&fx);
}

/* Motion frames 30..70 through the event state machine (3 frames, 1 s
 * post-roll, 2 s clips) while frames arrive; the writer polls polls_per_frame
 * times per frame, so with 1 it trails the camera by the pre-roll. */
static void run_live(int polls_per_frame)
{
	const struct mt_event_config cfg = { 3, 1000000, 2000000, 0 };
	struct mt_event ev;
	struct fx fx;

	fx_init(&fx, 0, 256);
	fx_start(&fx);
	mt_event_init(&ev, &cfg);
	for (uint32_t i = 0; i < NFRAMES; i++) {
		enum mt_event_action a;
		int64_t at;

		push(&fx, i);
		a = mt_event_step(&ev, TS(i), i >= 30 && i <= 70, &at);
		if (a != MT_EVENT_NONE)
			post(&fx, a, at);
		for (int p = 0; p < polls_per_frame; p++)
			assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	}
	drain(&fx);
	/* START at 3.0 s (from 2.0 s), SPLIT at 5.0 s and 7.0 s, STOP at 8.0 s. */
	assert_int_equal(fx.nclips, 3);
	check_clip(&fx, &fx.clips[0], 1, 20, 49, TS(30));
	check_clip(&fx, &fx.clips[1], 2, 50, 69, TS(50));
	check_clip(&fx, &fx.clips[2], 3, 70, 80, TS(70));
	assert_int_equal(fx.rec.stats.frames, 61);
	assert_int_equal(fx.rec.stats.lost, 0);
	assert_int_equal(fx.rec.stats.errors, 0);
	fx_free(&fx);
}

static void test_split_writer_keeps_up(void **state)
{
	run_live(4);
}

static void test_split_writer_trails(void **state)
{
	run_live(1);
}

static void test_split_at_exact_frame(void **state)
{
	struct fx fx;

	/* Frame 31 is not a keyframe: the split is at the frame, not a key. */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, NFRAMES);
	post(&fx, MT_EVENT_START, TS(13));
	post(&fx, MT_EVENT_SPLIT, TS(31));
	post(&fx, MT_EVENT_SPLIT, TS(44));
	post(&fx, MT_EVENT_STOP, TS(60));
	drain(&fx);
	assert_int_equal(fx.nclips, 3);
	check_clip(&fx, &fx.clips[0], 1, 0, 30, TS(13));
	check_clip(&fx, &fx.clips[1], 2, 31, 43, TS(31));
	check_clip(&fx, &fx.clips[2], 3, 44, 60, TS(44));
	fx_free(&fx);
}

static void test_start_waits_for_open_clip(void **state)
{
	struct fx fx;

	/* Two events posted at once: the second clip's pre-roll reaches back
	 * into the first, but it is begun only once the first is finished. */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, NFRAMES);
	post(&fx, MT_EVENT_START, TS(33));
	post(&fx, MT_EVENT_STOP, TS(50));
	post(&fx, MT_EVENT_START, TS(57));
	post(&fx, MT_EVENT_STOP, TS(70));
	drain(&fx);
	assert_int_equal(fx.nclips, 2);
	check_clip(&fx, &fx.clips[0], 1, 20, 50, TS(33));
	check_clip(&fx, &fx.clips[1], 2, 45, 70, TS(57));
	assert_int_equal(fx.rec.stats.clips, 2);
	fx_free(&fx);
}

/* Merging: the second START's pre-roll (1 s) begins within the gap after
 * the first clip's end, or not. */
static const struct {
	int64_t gap_us;
	int64_t start2, stop2;
	int nclips;
	uint32_t first2, last1;
} merge_cases[] = {
	{ 0, TS(57), TS(70), 1, 0, 70 },        /* pre-rolls overlap: one clip, no frame twice */
	{ 1000000, TS(68), TS(80), 1, 0, 80 },  /* 58 <= 50 + 10: one clip, 51..57 included */
	{ 1000000, TS(70), TS(80), 1, 0, 80 },  /* exactly at the limit */
	{ 0, TS(68), TS(80), 2, 55, 50 },       /* no gap allowed: two clips */
	{ 1000000, TS(71), TS(90), 2, 60, 50 }, /* 61 > 60: two clips */
	{ -1, TS(57), TS(70), 2, 45, 50 },      /* merging off: overlapping clips */
};

static void test_events_within_gap_merge(void **state)
{
	for (size_t k = 0; k < sizeof(merge_cases) / sizeof(merge_cases[0]); k++) {
		struct fx fx;

		fx_init(&fx, 0, 256);
		fx_start(&fx);
		mt_recorder_set_merge_gap(&fx.rec, merge_cases[k].gap_us);
		push_all(&fx, 0, NFRAMES);
		post(&fx, MT_EVENT_START, TS(33));
		post(&fx, MT_EVENT_STOP, TS(50));
		post(&fx, MT_EVENT_START, merge_cases[k].start2);
		post(&fx, MT_EVENT_STOP, merge_cases[k].stop2);
		drain(&fx);
		assert_int_equal(fx.nclips, merge_cases[k].nclips);
		assert_int_equal(fx.rec.stats.merged, merge_cases[k].nclips == 1);
		assert_int_equal(fx.rec.stats.lost, 0);
		if (merge_cases[k].nclips == 1) {
			uint32_t last = (uint32_t)((merge_cases[k].stop2 - T0) / FRAME);

			check_clip(&fx, &fx.clips[0], 1, 20, last, TS(33));
		} else {
			uint32_t last = (uint32_t)((merge_cases[k].stop2 - T0) / FRAME);

			check_clip(&fx, &fx.clips[0], 1, 20, merge_cases[k].last1, TS(33));
			check_clip(&fx, &fx.clips[1], 2, merge_cases[k].first2, last,
				   merge_cases[k].start2);
		}
		fx_free(&fx);
	}
}

static void test_merge_waits_for_analysis(void **state)
{
	struct fx fx;

	/* Past its STOP the clip stays open, writing nothing, until analysis
	 * is past STOP + gap + pre-roll (5.0 + 1 + 1 s); the capture is not
	 * told to wait for it meanwhile. */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	mt_recorder_set_merge_gap(&fx.rec, 1000000);
	push_all(&fx, 0, NFRAMES);
	post(&fx, MT_EVENT_START, TS(33));
	post(&fx, MT_EVENT_STOP, TS(50));
	mt_recorder_analysed(&fx.rec, TS(69));
	for (int i = 0; i < 200; i++)
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	assert_int_equal(fx.nclips, 0);
	assert_int_equal(fx.rec.stats.frames, 31);
	assert_int_equal(mt_recorder_backlog(&fx.rec, NFRAMES), 0);
	mt_recorder_analysed(&fx.rec, TS(70));
	assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	assert_int_equal(fx.nclips, 1);
	check_clip(&fx, &fx.clips[0], 1, 20, 50, TS(33));
	assert_int_equal(fx.rec.stats.merged, 0);
	drain(&fx);
	fx_free(&fx);
}

static void test_merge_gives_up_when_the_ring_moves_on(void **state)
{
	struct fx fx;

	/* A ring of 40 frames cannot keep the frames after the clip's end
	 * while it waits: the clip ends, and nothing is counted as lost. */
	fx_init(&fx, 0, 40);
	fx_start(&fx);
	mt_recorder_set_merge_gap(&fx.rec, 5000000);
	push_all(&fx, 0, 60);
	post(&fx, MT_EVENT_START, TS(33));
	post(&fx, MT_EVENT_STOP, TS(50));
	mt_recorder_analysed(&fx.rec, TS(59));
	for (int i = 0; i < 100; i++)
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	assert_int_equal(fx.nclips, 0);
	push_all(&fx, 60, NFRAMES);
	mt_recorder_analysed(&fx.rec, TS(99));
	for (int i = 0; i < 10; i++)
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	assert_int_equal(fx.nclips, 1);
	check_clip(&fx, &fx.clips[0], 1, 20, 50, TS(33));
	assert_int_equal(fx.rec.stats.lost, 0);
	drain(&fx);
	fx_free(&fx);
}

/* The event state machine and the recorder agree on a merge, live: motion
 * 3.0-4.0 s and 5.2-7.0 s (1 s post-roll, 4 s clips, 1 s pre-roll and gap)
 * is one incident: one clip from 2.0 s, split at 7.0 s as counted from the
 * first trigger, then the post-roll. */
static void test_merge_live(void **state)
{
	const struct mt_event_config cfg = { 3, 1000000, 4000000, 2000000 };
	struct mt_event ev;
	struct fx fx;

	fx_init(&fx, 0, 256);
	fx_start(&fx);
	mt_recorder_set_merge_gap(&fx.rec, 1000000);
	mt_event_init(&ev, &cfg);
	for (uint32_t i = 0; i < NFRAMES; i++) {
		enum mt_event_action a;
		int64_t at;

		push(&fx, i);
		a = mt_event_step(&ev, TS(i), (i >= 30 && i <= 40) || (i >= 52 && i <= 70), &at);
		if (a != MT_EVENT_NONE)
			post(&fx, a, at);
		mt_recorder_analysed(&fx.rec, TS(i));
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
		assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0);
	}
	mt_recorder_analysed(&fx.rec, INT64_MAX);
	drain(&fx);
	assert_int_equal(ev.events, 2);
	assert_int_equal(fx.nclips, 2);
	check_clip(&fx, &fx.clips[0], 1, 20, 69, TS(30));
	check_clip(&fx, &fx.clips[1], 2, 70, 80, TS(70));
	assert_int_equal(fx.rec.stats.merged, 1);
	assert_int_equal(fx.rec.stats.lost, 0);
	fx_free(&fx);
}

static void put_file(struct fx *fx, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	assert_int_equal(mt_storage_open(fx->st, path, MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_storage_write(fx->st, fd, "x", 1), 1);
	assert_int_equal(mt_storage_close(fx->st, fd), 0);
}

static void run_numbering(int posix)
{
	struct fx fx;

	fx_init(&fx, posix, 256);
	put_file(&fx, "clip-000003.mp4");
	put_file(&fx, "clip-000007.mp4.part"); /* left by a power cut: its number is used */
	put_file(&fx, "notes.txt");
	put_file(&fx, "clip-.mp4");
	fx_start(&fx);
	push_all(&fx, 0, NFRAMES);
	post(&fx, MT_EVENT_START, TS(20));
	post(&fx, MT_EVENT_STOP, TS(30));
	post(&fx, MT_EVENT_START, TS(60));
	post(&fx, MT_EVENT_STOP, TS(65));
	drain(&fx);
	assert_int_equal(fx.nclips, 2);
	check_clip(&fx, &fx.clips[0], 8, 10, 30, TS(20));
	check_clip(&fx, &fx.clips[1], 9, 50, 65, TS(60));

	/* A restart finds them and goes on from 10. */
	mt_clip_writer_free(&fx.w);
	mt_clip_writer_init(&fx.w, fx.st, fx.dir);
	assert_int_equal(mt_clip_writer_open(&fx.w), 0);
	assert_int_equal(fx.w.next_seq, 10);
	fx_free(&fx);
}

static void test_numbering_continues_mem(void **state)
{
	run_numbering(0);
}

static void test_numbering_continues_posix(void **state)
{
	run_numbering(1);
}

static void test_spool_folder_made(void **state)
{
	struct fx fx;

	fx_init(&fx, 0, 16);
	mt_clip_writer_init(&fx.w, fx.st, SPOOL "/deeper");
	assert_int_equal(mt_clip_writer_open(&fx.w), 0);
	assert_int_equal(fx.w.next_seq, 1);
	assert_int_equal(mt_clip_writer_open(&fx.w), 0); /* exists already: fine */
	mt_clip_writer_free(&fx.w);
	mt_recorder_init(&fx.rec, PREROLL, &fx.ring, &fx.w, NULL, NULL);
	fx_free(&fx);
}

/* The first event's clip hits ENOSPC at its n-th storage call; the second
 * event's clip must still be whole. */
static void test_write_error_counted_and_recorder_goes_on(void **state)
{
	uint64_t calls;
	struct fx fx;

	/* Count the calls of the first clip in a clean run. */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, NFRAMES);
	calls = mt_mem_storage_calls(&fx.mem);
	post(&fx, MT_EVENT_START, TS(30));
	post(&fx, MT_EVENT_STOP, TS(40));
	drain(&fx);
	calls = mt_mem_storage_calls(&fx.mem) - calls;
	/* open; init segment and sync; 3 fragments of a header, its JPEGs and a
	 * sync; close, rename, sync_dir */
	assert_int_equal(calls, 1 + 2 + 3 * 2 + 21 + 3);
	fx_free(&fx);

	for (uint64_t n = 1; n <= calls; n++) {
		char first[64];

		fx_init(&fx, 0, 256);
		fx_start(&fx);
		push_all(&fx, 0, NFRAMES);
		mt_mem_storage_fail_at(&fx.mem, n, -ENOSPC);
		post(&fx, MT_EVENT_START, TS(30));
		post(&fx, MT_EVENT_STOP, TS(40));
		post(&fx, MT_EVENT_START, TS(70));
		post(&fx, MT_EVENT_STOP, TS(80));
		drain(&fx);
		if (fx.rec.stats.errors != 1 || fx.nclips != 1)
			fail_msg("ENOSPC at call %llu: %llu errors, %d clips",
				 (unsigned long long)n, (unsigned long long)fx.rec.stats.errors,
				 fx.nclips);
		/* A clip that could not be opened used no number. */
		check_clip(&fx, &fx.clips[0], n == 1 ? 1 : 2, 60, 80, TS(70));
		snprintf(first, sizeof(first), SPOOL "/clip-%06u.mp4", 1u);
		/* The first clip keeps its final name only if the fault was in
		 * the last call, the folder sync after the rename (the second
		 * clip's folder sync then made the name durable). */
		if (n > 1)
			assert_int_equal(mt_mem_storage_durable_exists(&fx.mem, first), n == calls);
		fx_free(&fx);
	}
}

static void test_no_keyframe_no_clip(void **state)
{
	struct fx fx;

	fx_init(&fx, 0, 4);
	fx_start(&fx);
	push_all(&fx, 1, 5); /* frames 1..4: none is a keyframe */
	post(&fx, MT_EVENT_START, TS(4));
	post(&fx, MT_EVENT_STOP, TS(4));
	drain(&fx);
	assert_int_equal(fx.nclips, 0);
	assert_int_equal(fx.rec.stats.errors, 1);
	fx_free(&fx);
}

static void test_frames_evicted_before_written_are_lost(void **state)
{
	struct fx fx;

	/* A ring of 8 slots and a writer that stops polling for 20 frames. */
	fx_init(&fx, 0, 8);
	fx_start(&fx);
	push_all(&fx, 0, 8);
	post(&fx, MT_EVENT_START, TS(7));
	assert_int_equal(mt_recorder_poll(&fx.rec, 0), 0); /* begins, writes frame 0 */
	push_all(&fx, 8, 28);                              /* 20..27 held */
	post(&fx, MT_EVENT_STOP, TS(25));
	drain(&fx);
	assert_int_equal(fx.nclips, 1);
	assert_int_equal(fx.rec.stats.lost, 19); /* 1..19 */
	assert_int_equal(fx.rec.stats.frames, 7);
	assert_int_equal(fx.clips[0].frames, 7);
	assert_int_equal(fx.clips[0].first_us, TS(0));
	assert_int_equal(fx.clips[0].last_us, TS(25));
	fx_free(&fx);
}

/* The writer on its own thread, waiting in poll; frames and decisions come
 * from this one as the camera and analysis would send them. */
static void *writer_thread(void *arg)
{
	struct fx *fx = arg;

	while (mt_recorder_poll(&fx->rec, 20) != MT_EEND)
		;
	return NULL;
}

static void test_writer_thread(void **state)
{
	struct timespec pause = { 0, 1000000 };
	struct fx fx;
	pthread_t t;

	fx_init(&fx, 1, 256);
	fx_start(&fx);
	assert_int_equal(pthread_create(&t, NULL, writer_thread, &fx), 0);
	for (uint32_t i = 0; i < NFRAMES; i++) {
		push(&fx, i);
		if (i == 33)
			post(&fx, MT_EVENT_START, TS(33));
		if (i == 55) /* decided before the frames after it exist */
			post(&fx, MT_EVENT_STOP, TS(60));
		nanosleep(&pause, NULL);
	}
	mt_ring_close(&fx.ring);
	pthread_join(t, NULL);
	assert_int_equal(fx.nclips, 1);
	check_clip(&fx, &fx.clips[0], 1, 20, 60, TS(33));
	fx_free(&fx);
}

static void *post_later(void *arg)
{
	struct timespec pause = { 0, 100 * 1000000 };
	struct fx *fx = arg;

	nanosleep(&pause, NULL);
	post(fx, MT_EVENT_START, TS(30));
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_idle_poll_waits_for_a_post(void **state)
{
	struct fx fx;
	pthread_t t;
	int64_t took;

	/* An idle writer sleeps in poll until a decision comes, however long
	 * its timeout (over 2.1 s overflowed a 32-bit long on armhf). */
	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, NFRAMES);
	assert_int_equal(pthread_create(&t, NULL, post_later, &fx), 0);
	took = now_ms();
	assert_int_equal(mt_recorder_poll(&fx.rec, 3000), 0);
	took = now_ms() - took;
	pthread_join(t, NULL);
	if (took < 90 || took > 2500)
		fail_msg("poll(3000) returned after %lld ms; the post came at 100 ms",
			 (long long)took);
	assert_true(fx.rec.recording);
	drain(&fx);
	fx_free(&fx);
}

/* A frame the muxer refuses (zero bytes, a JPEG of another size) is counted
 * and the clip goes on without it. */
static void test_bad_frame_refused_clip_goes_on(void **state)
{
	static struct mp4_file mp4;
	const struct mt_frame *small;
	const char *why;
	uint8_t *got;
	size_t len;
	struct fx fx;

	fx_init(&fx, 0, 256);
	fx_start(&fx);
	push_all(&fx, 0, 30);
	push_frame(&fx, NULL, 0, MT_FMT_MJPEG, 30, 0);
	/* frame 31: the JPEG of frame 31 cut short of its EOI */
	small = payload(31);
	push_frame(&fx, small->data, small->size / 2, MT_FMT_MJPEG, 31, 0);
	push_all(&fx, 32, 50);
	post(&fx, MT_EVENT_START, TS(25));
	post(&fx, MT_EVENT_STOP, TS(40));
	drain(&fx);
	assert_int_equal(fx.nclips, 1);
	assert_int_equal(fx.rec.stats.refused, 2);
	assert_int_equal(fx.rec.stats.frames, 26 - 2);
	assert_int_equal(fx.rec.stats.errors, 0);
	assert_int_equal(fx.clips[0].dropped, 2);
	assert_int_equal(fx.clips[0].frames, 26 - 2);
	assert_int_equal(mt_file_read_all(fx.st, fx.clips[0].path, 16 << 20, &got, &len), 0);
	assert_int_equal(mp4_read(got, len, &mp4, &why), 0);
	assert_int_equal(mp4.n, 24);
	free(got);
	fx_free(&fx);
}

/* H.264 (12 frames, IDR every 5th): a SPLIT at frame 7 waits for the IDR at
 * 10, so both clips start decodable and hold every frame once; ffprobe
 * decodes each fully. */
static void test_h264_split_waits_for_keyframe(void **state)
{
	const char *vec = getenv("MT_VECTORS");
	char path[512], cmd[700], out[32];
	const uint8_t *au;
	size_t len, pos = 0, au_len;
	uint8_t *stream;
	uint32_t i = 0;
	struct fx fx;

	assert_non_null(vec);
	snprintf(path, sizeof(path), "%s/h264/gop5-64x64.h264", vec);
	stream = mp4_slurp(path, &len);
	assert_non_null(stream);
	fx_init(&fx, 1, 256);
	fx_start(&fx);
	while (mt_h264_next_au(stream, len, &pos, &au, &au_len)) {
		push_frame(&fx, au, au_len, MT_FMT_H264, i,
			   mt_h264_is_idr(au, au_len) ? MT_FRAME_KEY : 0);
		i++;
	}
	assert_int_equal(i, 12);
	post(&fx, MT_EVENT_START, TS(6));
	post(&fx, MT_EVENT_SPLIT, TS(7));
	post(&fx, MT_EVENT_STOP, TS(11));
	drain(&fx);
	assert_int_equal(fx.nclips, 2);
	assert_int_equal(fx.rec.stats.refused, 0);
	assert_int_equal(fx.clips[0].frames, 10);
	assert_int_equal(fx.clips[0].first_us, TS(0));
	assert_int_equal(fx.clips[0].last_us, TS(9));
	assert_int_equal(fx.clips[1].frames, 2);
	assert_int_equal(fx.clips[1].first_us, TS(10));
	assert_int_equal(fx.clips[1].format, MT_FMT_H264);
	for (int k = 0; k < 2; k++) {
		FILE *p;

		snprintf(cmd, sizeof(cmd),
			 "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
			 "stream=nb_read_frames -of default=nw=1:nk=1 %s",
			 fx.clips[k].path);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(out, sizeof(out), p));
		assert_int_equal(pclose(p), 0);
		assert_int_equal(atoi(out), (int)fx.clips[k].frames);
	}
	free(stream);
	fx_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_stop_mem),
		cmocka_unit_test(test_events_within_gap_merge),
		cmocka_unit_test(test_merge_waits_for_analysis),
		cmocka_unit_test(test_merge_gives_up_when_the_ring_moves_on),
		cmocka_unit_test(test_merge_live),
		cmocka_unit_test(test_start_stop_posix),
		cmocka_unit_test(test_stop_needs_no_later_frame),
		cmocka_unit_test(test_split_writer_keeps_up),
		cmocka_unit_test(test_split_writer_trails),
		cmocka_unit_test(test_split_at_exact_frame),
		cmocka_unit_test(test_start_waits_for_open_clip),
		cmocka_unit_test(test_numbering_continues_mem),
		cmocka_unit_test(test_numbering_continues_posix),
		cmocka_unit_test(test_spool_folder_made),
		cmocka_unit_test(test_write_error_counted_and_recorder_goes_on),
		cmocka_unit_test(test_no_keyframe_no_clip),
		cmocka_unit_test(test_frames_evicted_before_written_are_lost),
		cmocka_unit_test(test_writer_thread),
		cmocka_unit_test(test_idle_poll_waits_for_a_post),
		cmocka_unit_test(test_bad_frame_refused_clip_goes_on),
		cmocka_unit_test(test_h264_split_waits_for_keyframe),
	};
	return cmocka_run_group_tests(tests, NULL, remove_tmps);
}
