/* Queue: bounded, FIFO, counted drops, timeouts, close wakes waiters, and
 * no loss between two threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/queue.h"

#define ITEM(i) ((void *)(uintptr_t)(i))

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_full_push_refused_and_counted(void **state)
{
	void *slots[4];
	struct mt_queue q;
	struct mt_queue_stats st;

	mt_queue_init(&q, slots, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(mt_queue_push(&q, ITEM(i + 1)), 0);
	assert_int_equal(mt_queue_push(&q, ITEM(5)), -EAGAIN);
	assert_int_equal(mt_queue_push(&q, ITEM(6)), -EAGAIN);
	mt_queue_get_stats(&q, &st);
	assert_int_equal(st.pushed, 4);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.depth, 4);
	assert_int_equal(st.high_water, 4);
	assert_int_equal(st.capacity, 4);
	mt_queue_free(&q);
	mt_queue_free(&q);
	mt_queue_free(NULL);
}

static void test_fifo_order_across_wrap(void **state)
{
	void *slots[3];
	struct mt_queue q;
	struct mt_queue_stats st;
	void *item;
	uintptr_t next_in = 1, next_out = 1;

	mt_queue_init(&q, slots, 3);
	/* One item always waiting; push two, pop two, many times: the head
	 * walks round the array. */
	assert_int_equal(mt_queue_push(&q, ITEM(next_in++)), 0);
	for (int round = 0; round < 10; round++) {
		assert_int_equal(mt_queue_push(&q, ITEM(next_in++)), 0);
		assert_int_equal(mt_queue_push(&q, ITEM(next_in++)), 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(mt_queue_pop(&q, 0, &item), 0);
			assert_ptr_equal(item, ITEM(next_out++));
		}
	}
	while (mt_queue_pop(&q, 0, &item) == 0)
		assert_ptr_equal(item, ITEM(next_out++));
	assert_int_equal(next_out, next_in);
	mt_queue_get_stats(&q, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.high_water, 3);
	assert_int_equal(st.popped, st.pushed);
	mt_queue_free(&q);
}

static void test_pop_and_push_wait_time_out(void **state)
{
	void *slots[1];
	struct mt_queue q;
	struct mt_queue_stats st;
	void *item = ITEM(99);
	int64_t t0;

	mt_queue_init(&q, slots, 1);
	assert_int_equal(mt_queue_pop(&q, 0, &item), -EAGAIN);
	t0 = real_ms();
	assert_int_equal(mt_queue_pop(&q, 60, &item), -EAGAIN);
	assert_true(real_ms() - t0 >= 60);
	assert_ptr_equal(item, ITEM(99)); /* untouched on timeout */

	assert_int_equal(mt_queue_push(&q, ITEM(1)), 0);
	t0 = real_ms();
	assert_int_equal(mt_queue_push_wait(&q, ITEM(2), 40), -EAGAIN);
	assert_true(real_ms() - t0 >= 40);
	mt_queue_get_stats(&q, &st);
	assert_int_equal(st.dropped, 1);
	mt_queue_free(&q);
}

struct waiter {
	struct mt_queue *q;
	int ret;
	void *item;
};

static void *pop_forever(void *arg)
{
	struct waiter *w = arg;

	w->ret = mt_queue_pop(w->q, -1, &w->item);
	return NULL;
}

static void *push_forever(void *arg)
{
	struct waiter *w = arg;

	w->ret = mt_queue_push_wait(w->q, ITEM(7), -1);
	return NULL;
}

static void test_close_wakes_blocked_popper(void **state)
{
	void *slots[2];
	struct mt_queue q;
	struct waiter w = { .q = &q, .ret = 1 };
	pthread_t tid;
	void *item;

	mt_queue_init(&q, slots, 2);
	assert_int_equal(pthread_create(&tid, NULL, pop_forever, &w), 0);
	sleep_ms(50); /* let it block; close must wake it either way */
	mt_queue_close(&q);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(w.ret, MT_EEND);

	/* After close: pushes refused, and a pop at once gives the end. */
	assert_int_equal(mt_queue_push(&q, ITEM(1)), -EPIPE);
	assert_int_equal(mt_queue_pop(&q, 1000, &item), MT_EEND);
	mt_queue_close(&q);
	mt_queue_free(&q);
}

static void test_close_hands_out_queued_items_first(void **state)
{
	void *slots[2];
	struct mt_queue q;
	void *item;

	mt_queue_init(&q, slots, 2);
	assert_int_equal(mt_queue_push(&q, ITEM(1)), 0);
	assert_int_equal(mt_queue_push(&q, ITEM(2)), 0);
	mt_queue_close(&q);
	assert_int_equal(mt_queue_pop(&q, -1, &item), 0);
	assert_ptr_equal(item, ITEM(1));
	assert_int_equal(mt_queue_pop(&q, -1, &item), 0);
	assert_ptr_equal(item, ITEM(2));
	assert_int_equal(mt_queue_pop(&q, -1, &item), MT_EEND);
	mt_queue_free(&q);
}

static void test_close_wakes_blocked_pusher(void **state)
{
	void *slots[1];
	struct mt_queue q;
	struct waiter w = { .q = &q, .ret = 1 };
	pthread_t tid;

	mt_queue_init(&q, slots, 1);
	assert_int_equal(mt_queue_push(&q, ITEM(1)), 0);
	assert_int_equal(pthread_create(&tid, NULL, push_forever, &w), 0);
	sleep_ms(50); /* let it block; close must wake it either way */
	mt_queue_close(&q);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(w.ret, -EPIPE);
	mt_queue_free(&q);
}

#define ITEMS 100000

static void *produce(void *arg)
{
	struct mt_queue *q = arg;

	for (uintptr_t i = 1; i <= ITEMS; i++)
		if (mt_queue_push_wait(q, ITEM(i), -1) != 0)
			return ITEM(i);
	mt_queue_close(q);
	return NULL;
}

static void test_producer_consumer_no_loss(void **state)
{
	void *slots[8];
	struct mt_queue q;
	struct mt_queue_stats st;
	uintptr_t expect = 1;
	pthread_t tid;
	void *item, *failed;
	int ret;

	mt_queue_init(&q, slots, 8);
	assert_int_equal(pthread_create(&tid, NULL, produce, &q), 0);
	while ((ret = mt_queue_pop(&q, -1, &item)) == 0) {
		assert_ptr_equal(item, ITEM(expect)); /* in order, none missing */
		expect++;
	}
	assert_int_equal(ret, MT_EEND);
	assert_int_equal(pthread_join(tid, &failed), 0);
	assert_null(failed);
	assert_int_equal(expect, ITEMS + 1);
	mt_queue_get_stats(&q, &st);
	assert_int_equal(st.pushed, ITEMS);
	assert_int_equal(st.popped, ITEMS);
	assert_int_equal(st.dropped, 0);
	assert_true(st.high_water >= 1 && st.high_water <= 8);
	mt_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_push_refused_and_counted),
		cmocka_unit_test(test_fifo_order_across_wrap),
		cmocka_unit_test(test_pop_and_push_wait_time_out),
		cmocka_unit_test(test_close_wakes_blocked_popper),
		cmocka_unit_test(test_close_hands_out_queued_items_first),
		cmocka_unit_test(test_close_wakes_blocked_pusher),
		cmocka_unit_test(test_producer_consumer_no_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
