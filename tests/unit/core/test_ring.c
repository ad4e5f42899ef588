/* Pre-roll ring: the three bounds (bytes, age, slots) and their eviction
 * order, references held by readers across eviction, keyframe search, reads
 * that wait, time out, miss or end, and a pusher and a reader on two threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/errors.h"
#include "core/ring.h"

#define NSLOTS 16

static struct mt_frame *slots[NSLOTS];

/* A frame of size bytes stamped ts_us, whose payload starts with its id. */
static struct mt_frame *make(uint32_t id, int64_t ts_us, size_t size, int key)
{
	struct mt_frame *f = mt_frame_alloc(size < sizeof(id) ? sizeof(id) : size);

	assert_non_null(f);
	memcpy(f->data, &id, sizeof(id));
	f->size = size;
	f->ts_us = ts_us;
	f->seq = id;
	f->flags = key ? MT_FRAME_KEY : 0;
	return f;
}

/* Push a frame and drop the caller's reference: the ring keeps its own. */
static uint64_t push(struct mt_ring *r, uint32_t id, int64_t ts_us, size_t size, int key)
{
	struct mt_frame *f = make(id, ts_us, size, key);
	uint64_t pos = mt_ring_push(r, f);

	mt_frame_put(f);
	return pos;
}

static uint32_t id_at(struct mt_ring *r, uint64_t pos)
{
	struct mt_frame *f = NULL;
	uint32_t id;

	assert_int_equal(mt_ring_read(r, pos, 0, &f), 0);
	memcpy(&id, f->data, sizeof(id));
	mt_frame_put(f);
	return id;
}

static void assert_usage(struct mt_ring *r, uint32_t frames, size_t bytes, uint64_t evicted)
{
	uint32_t n;
	size_t b;
	uint64_t e;

	mt_ring_usage(r, &n, &b, &e);
	assert_int_equal(n, frames);
	assert_int_equal(b, bytes);
	assert_int_equal(e, evicted);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_bounded_by_bytes(void **state)
{
	struct mt_ring r;

	mt_ring_init(&r, slots, NSLOTS, 350, INT64_MAX);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(push(&r, i, i * 1000, 100, 1), i);
	/* 500 bytes pushed, 350 allowed: the two oldest went. */
	assert_usage(&r, 3, 300, 2);
	assert_int_equal(id_at(&r, 2), 2);
	assert_int_equal(id_at(&r, 4), 4);
	/* A bigger frame pushes out as many as it needs, oldest first. */
	push(&r, 5, 5000, 250, 1);
	assert_usage(&r, 2, 350, 4);
	assert_int_equal(id_at(&r, 4), 4);
	assert_int_equal(id_at(&r, 5), 5);
	mt_ring_free(&r);
}

static void test_newest_kept_over_byte_bound(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = NULL;

	mt_ring_init(&r, slots, NSLOTS, 100, INT64_MAX);
	push(&r, 0, 0, 50, 1);
	push(&r, 1, 1, 500, 1); /* alone over the bound: still held */
	assert_usage(&r, 1, 500, 1);
	assert_int_equal(mt_ring_read(&r, 1, 0, &f), 0);
	assert_int_equal(f->size, 500);
	mt_frame_put(f);
	mt_ring_free(&r);
}

static void test_bounded_by_age(void **state)
{
	struct mt_ring r;

	/* 10 fps, 250 ms of pre-roll, every frame a keyframe (JPEG). */
	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, 250000);
	for (uint32_t i = 0; i <= 5; i++)
		push(&r, i, i * 100000, 10, 1);
	/* Newest at 500 ms: a clip reaching back to 250 ms starts at the last
	 * frame at or before it, 200 ms, so that one stays; 0 and 100 go. */
	assert_usage(&r, 4, 40, 2);
	assert_int_equal(id_at(&r, 2), 2);
	/* At 550 ms the bound is 300 ms: the frame at 300 ms is enough. */
	push(&r, 6, 550000, 10, 1);
	assert_usage(&r, 4, 40, 3);
	assert_int_equal(id_at(&r, 3), 3);
	/* Just past it, 300 ms is still the last frame at or before the bound. */
	push(&r, 7, 550001, 10, 1);
	assert_usage(&r, 5, 50, 3);
	push(&r, 8, 700000, 10, 1);
	assert_usage(&r, 5, 50, 4);
	assert_int_equal(mt_ring_read(&r, 3, 0, &(struct mt_frame *){ NULL }), -ENOENT);
	assert_int_equal(id_at(&r, 4), 4);
	mt_ring_free(&r);
}

/* H.264 with a 2 s GOP at 10 fps and 5 s of pre-roll: after every push the
 * ring starts at a keyframe at or before (newest - 5 s), and holds no more
 * than one GOP beyond that. */
static void test_age_keeps_whole_gops(void **state)
{
	static struct mt_frame *big[128];
	struct mt_ring r;
	uint64_t pos;

	mt_ring_init(&r, big, 128, SIZE_MAX, 5000000);
	for (uint32_t i = 0; i < 400; i++) {
		int64_t now = (int64_t)i * 100000;
		struct mt_frame *f = NULL;

		push(&r, i, now, 10, i % 20 == 0);
		if (now < 5000000)
			continue;
		assert_int_equal(mt_ring_find(&r, now - 5000000, &pos), 0);
		assert_int_equal(mt_ring_read(&r, pos, 0, &f), 0);
		assert_true(f->flags & MT_FRAME_KEY);
		assert_true(f->ts_us <= now - 5000000);
		assert_true(f->ts_us > now - 5000000 - 2000000);
		/* and it is the oldest frame held: nothing older is kept */
		if (pos > 0)
			assert_int_equal(mt_ring_read(&r, pos - 1, 0, &(struct mt_frame *){ NULL }),
					 -ENOENT);
		mt_frame_put(f);
	}
	mt_ring_free(&r);
}

static void test_bounded_by_slots(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = NULL;

	mt_ring_init(&r, slots, 4, SIZE_MAX, INT64_MAX);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(push(&r, 100 + i, i, 1, 0), i);
	assert_usage(&r, 4, 4, 6);
	for (uint64_t p = 0; p < 6; p++)
		assert_int_equal(mt_ring_read(&r, p, 0, &f), -ENOENT);
	/* The four newest, in push order, at their positions. */
	for (uint64_t p = 6; p < 10; p++)
		assert_int_equal(id_at(&r, p), 100 + p);
	mt_ring_free(&r);
}

static void test_reader_keeps_evicted_frame_alive(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = make(42, 0, 64, 1), *held = NULL;

	mt_ring_init(&r, slots, 2, SIZE_MAX, INT64_MAX);
	mt_ring_push(&r, f);
	assert_int_equal(atomic_load(&f->refs), 2); /* the caller's and the ring's */
	mt_frame_put(f);
	assert_int_equal(atomic_load(&f->refs), 1);

	assert_int_equal(mt_ring_read(&r, 0, 0, &held), 0);
	assert_ptr_equal(held, f);
	assert_int_equal(atomic_load(&held->refs), 2);

	push(&r, 1, 1, 1, 1);
	push(&r, 2, 2, 1, 1); /* slot bound: position 0 goes */
	assert_int_equal(mt_ring_read(&r, 0, 0, &(struct mt_frame *){ NULL }), -ENOENT);
	/* The ring let go; the reader's reference alone keeps it. ASan would
	 * flag the read below as a use after free otherwise. */
	assert_int_equal(atomic_load(&held->refs), 1);
	assert_int_equal(held->size, 64);
	assert_int_equal(held->data[0], 42);
	mt_frame_put(held);
	mt_ring_free(&r);
}

static void test_free_drops_references_and_is_safe_twice(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = make(1, 0, 8, 1);

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	mt_ring_push(&r, f);
	push(&r, 2, 1, 8, 0);
	mt_ring_free(&r);
	assert_int_equal(atomic_load(&f->refs), 1);
	mt_ring_free(&r);
	mt_frame_put(f);
}

/* 10 fps, a keyframe every 5th frame (every 500 ms). */
static void fill_gop5(struct mt_ring *r, uint32_t first, uint32_t count)
{
	for (uint32_t i = first; i < first + count; i++)
		push(r, i, (int64_t)i * 100000, 10, i % 5 == 0);
}

static void test_find_last_keyframe_at_or_before(void **state)
{
	static const struct {
		int64_t ts_us;
		uint64_t pos;
	} cases[] = {
		{ 0, 0 },          { 99999, 0 },    { 499999, 0 },
		{ 500000, 5 },     { 730000, 5 },   { 999999, 5 },
		{ 1000000, 10 },   { 1950000, 15 }, { 10000000, 15 }, /* after the newest */
		{ INT64_MAX, 15 }, { -1, 0 }, /* before everything: the oldest keyframe */
	};
	struct mt_ring r;
	uint64_t pos;

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	fill_gop5(&r, 0, 16); /* 0.0 .. 1.5 s */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pos = UINT64_MAX;
		assert_int_equal(mt_ring_find(&r, cases[i].ts_us, &pos), 0);
		assert_int_equal(pos, cases[i].pos);
	}
	mt_ring_free(&r);
}

static void test_find_oldest_keyframe_when_all_newer(void **state)
{
	struct mt_ring r;
	uint64_t pos = 0;

	/* Slots hold frames 13..28: the oldest three are not keyframes. */
	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	fill_gop5(&r, 0, 29);
	assert_int_equal(mt_ring_find(&r, 0, &pos), 0);
	assert_int_equal(pos, 15);
	assert_int_equal(mt_ring_find(&r, 1400000, &pos), 0); /* frame 14: not key */
	assert_int_equal(pos, 15);
	assert_int_equal(mt_ring_find(&r, 2000000, &pos), 0);
	assert_int_equal(pos, 20);
	mt_ring_free(&r);
}

static void test_find_without_keyframe(void **state)
{
	struct mt_ring r;
	uint64_t pos = 77;

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	assert_int_equal(mt_ring_find(&r, 0, &pos), -ENOENT); /* empty */
	for (uint32_t i = 0; i < 5; i++)
		push(&r, i, i * 100000, 10, 0);
	assert_int_equal(mt_ring_find(&r, 1000000, &pos), -ENOENT);
	assert_int_equal(mt_ring_find(&r, 0, &pos), -ENOENT);
	assert_int_equal(pos, 77);
	/* Once the only keyframe is evicted there is none again. */
	push(&r, 5, 500000, 10, 1);
	assert_int_equal(mt_ring_find(&r, 0, &pos), 0);
	assert_int_equal(pos, 5);
	for (uint32_t i = 6; i < 6 + NSLOTS; i++)
		push(&r, i, i * 100000, 10, 0);
	assert_int_equal(mt_ring_find(&r, 0, &pos), -ENOENT);
	mt_ring_free(&r);
}

static void test_read_times_out(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = NULL;
	int64_t t0;

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	assert_int_equal(mt_ring_read(&r, 0, 0, &f), -EAGAIN);
	t0 = now_ms();
	assert_int_equal(mt_ring_read(&r, 0, 60, &f), -EAGAIN);
	assert_true(now_ms() - t0 >= 55);
	assert_null(f);
	push(&r, 9, 0, 1, 1);
	assert_int_equal(mt_ring_read(&r, 1, 20, &f), -EAGAIN); /* one past the end */
	assert_int_equal(mt_ring_read(&r, 0, 20, &f), 0);
	mt_frame_put(f);
	mt_ring_free(&r);
}

static void test_read_after_close(void **state)
{
	struct mt_ring r;
	struct mt_frame *f = NULL;
	int64_t t0;

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	push(&r, 0, 0, 1, 1);
	assert_false(mt_ring_is_closed(&r));
	mt_ring_close(&r);
	assert_true(mt_ring_is_closed(&r));
	/* What was pushed is still readable; past the end is the end, at once. */
	assert_int_equal(mt_ring_read(&r, 0, 0, &f), 0);
	mt_frame_put(f);
	t0 = now_ms();
	assert_int_equal(mt_ring_read(&r, 1, 5000, &f), MT_EEND);
	assert_int_equal(mt_ring_read(&r, 100, 5000, &f), MT_EEND);
	assert_true(now_ms() - t0 < 1000);
	mt_ring_free(&r);
}

struct waiter {
	struct mt_ring *r;
	uint64_t pos;
	int ret;
	struct mt_frame *f;
};

static void *wait_read(void *arg)
{
	struct waiter *w = arg;

	w->ret = mt_ring_read(w->r, w->pos, 5000, &w->f);
	return NULL;
}

static void test_waiting_read_wakes_on_push_and_close(void **state)
{
	struct mt_ring r;
	struct waiter w = { .r = &r, .pos = 0, .ret = 1 };
	struct timespec pause = { 0, 30 * 1000000 };
	pthread_t t;
	int64_t t0;

	mt_ring_init(&r, slots, NSLOTS, SIZE_MAX, INT64_MAX);
	t0 = now_ms();
	assert_int_equal(pthread_create(&t, NULL, wait_read, &w), 0);
	nanosleep(&pause, NULL);
	push(&r, 7, 0, 1, 1);
	pthread_join(t, NULL);
	assert_int_equal(w.ret, 0);
	assert_int_equal(w.f->data[0], 7);
	mt_frame_put(w.f);

	w.pos = 1;
	w.ret = 1;
	assert_int_equal(pthread_create(&t, NULL, wait_read, &w), 0);
	nanosleep(&pause, NULL);
	mt_ring_close(&r);
	pthread_join(t, NULL);
	assert_int_equal(w.ret, MT_EEND);
	assert_true(now_ms() - t0 < 2500); /* woken, not timed out */
	mt_ring_free(&r);
}

#define THREAD_FRAMES 3000

struct follower {
	struct mt_ring *r;
	atomic_uint_fast64_t done; /* frames the reader has finished with */
	uint64_t got;
	uint64_t lost;
	uint64_t out_of_order;
	int end;
};

static void *follow(void *arg)
{
	struct follower *fl = arg;
	uint64_t pos = 0;

	for (;;) {
		struct mt_frame *f = NULL;
		uint32_t id;
		int ret = mt_ring_read(fl->r, pos, 2000, &f);

		if (ret == MT_EEND) {
			fl->end = 1;
			break;
		}
		if (ret == -ENOENT) {
			fl->lost++;
			pos++;
			continue;
		}
		if (ret)
			break; /* -EAGAIN: the pusher stalled; the test fails below */
		memcpy(&id, f->data, sizeof(id));
		if (id != pos || f->seq != pos || f->size != 16 + pos % 64)
			fl->out_of_order++;
		mt_frame_put(f);
		fl->got++;
		pos++;
		atomic_store(&fl->done, pos);
	}
	return NULL;
}

static void test_two_threads_no_lost_frames(void **state)
{
	static struct mt_frame *big[64];
	struct mt_ring r;
	struct follower fl = { .r = &r };
	uint32_t frames;
	size_t bytes;
	uint64_t evicted;
	pthread_t t;

	atomic_init(&fl.done, 0);
	mt_ring_init(&r, big, 64, 64 * 80, INT64_MAX);
	assert_int_equal(pthread_create(&t, NULL, follow, &fl), 0);
	for (uint32_t i = 0; i < THREAD_FRAMES; i++) {
		/* Keeping up means never more than half a ring behind; the
		 * pusher waits for that instead of trusting the scheduler. */
		while (i - atomic_load(&fl.done) >= 32)
			sched_yield();
		push(&r, i, i, 16 + i % 64, i % 8 == 0);
	}
	mt_ring_close(&r);
	pthread_join(t, NULL);
	assert_int_equal(fl.got, THREAD_FRAMES);
	assert_int_equal(fl.lost, 0);
	assert_int_equal(fl.out_of_order, 0);
	assert_true(fl.end);
	mt_ring_usage(&r, &frames, &bytes, &evicted);
	assert_int_equal(frames + evicted, THREAD_FRAMES);
	assert_true(evicted > 0); /* the bounds were exercised while reading */
	mt_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded_by_bytes),
		cmocka_unit_test(test_newest_kept_over_byte_bound),
		cmocka_unit_test(test_bounded_by_age),
		cmocka_unit_test(test_age_keeps_whole_gops),
		cmocka_unit_test(test_bounded_by_slots),
		cmocka_unit_test(test_reader_keeps_evicted_frame_alive),
		cmocka_unit_test(test_free_drops_references_and_is_safe_twice),
		cmocka_unit_test(test_find_last_keyframe_at_or_before),
		cmocka_unit_test(test_find_oldest_keyframe_when_all_newer),
		cmocka_unit_test(test_find_without_keyframe),
		cmocka_unit_test(test_read_times_out),
		cmocka_unit_test(test_read_after_close),
		cmocka_unit_test(test_waiting_read_wakes_on_push_and_close),
		cmocka_unit_test(test_two_threads_no_lost_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
