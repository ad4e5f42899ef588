/* Loopback net: connect/accept, bytes both ways, peer close reads 0, short
 * sends on a full pipe, refusals, and timeouts on a manual clock (advanced by
 * the wait itself, or by another thread). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake/loopback_net.h"
#include "fake/manual_clock.h"
#include "linux/linux_clock.h"

#define PORT 8443

static struct mt_manual_clock clk;

static int setup(void **state)
{
	mt_manual_clock_init(&clk);
	return 0;
}

static void test_round_trip_and_peer_close(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &clk.dev, .advance_clock = true };
	struct mt_loopback_net lb;
	char buf[32], host[64];
	int c, s;

	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_net_link_up(&lb.dev), 1);
	assert_int_equal(mt_net_connect(&lb.dev, "station.local", PORT, 1000, &c), -ECONNREFUSED);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), -EAGAIN);
	assert_int_equal(mt_net_connect(&lb.dev, "station.local", PORT, 1000, &c), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
	assert_int_equal(s, c); /* one number, two ends */
	assert_int_equal(mt_loopback_net_conn_host(&lb, s, host, sizeof(host)), 0);
	assert_string_equal(host, "station.local");

	assert_int_equal(mt_net_send(&lb.dev, c, "HEAD / HTTP/1.1\r\n", 17, 1000), 17);
	assert_int_equal(mt_loopback_net_server_recv(&lb, s, buf, 5, 1000), 5);
	assert_memory_equal(buf, "HEAD ", 5);
	assert_int_equal(mt_loopback_net_server_recv(&lb, s, buf, sizeof(buf), 1000), 12);
	assert_memory_equal(buf, "/ HTTP/1.1\r\n", 12);

	assert_int_equal(mt_loopback_net_server_send(&lb, s, "HTTP/1.1 204\r\n", 14, 1000), 14);
	assert_int_equal(mt_loopback_net_server_close(&lb, s), 0);
	assert_int_equal(mt_loopback_net_server_close(&lb, s), -EBADF);
	/* What was sent before the close is still read, then 0. */
	assert_int_equal(mt_net_recv(&lb.dev, c, buf, sizeof(buf), 1000), 14);
	assert_memory_equal(buf, "HTTP/1.1 204\r\n", 14);
	assert_int_equal(mt_net_recv(&lb.dev, c, buf, sizeof(buf), 1000), 0);
	assert_int_equal(mt_net_send(&lb.dev, c, "x", 1, 1000), -EPIPE);
	assert_int_equal(mt_net_close(&lb.dev, c), 0);
	assert_int_equal(mt_net_close(&lb.dev, c), -EBADF);
	assert_int_equal(mt_net_recv(&lb.dev, c, buf, 1, 0), -EBADF);
	mt_loopback_net_free(&lb);
	mt_loopback_net_free(&lb);
	mt_loopback_net_free(NULL);
}

static void test_timeouts_advance_manual_clock(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &clk.dev,
						.pipe_bytes = 16,
						.advance_clock = true };
	struct mt_loopback_net lb;
	char buf[40] = { 0 };
	int c, s;

	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);

	assert_int_equal(mt_net_recv(&lb.dev, c, buf, sizeof(buf), 1500), -EAGAIN);
	assert_int_equal(mt_clock_mono_us(&clk.dev), 1500000);
	assert_int_equal(mt_net_recv(&lb.dev, c, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(mt_clock_mono_us(&clk.dev), 1500000);

	/* A 16-byte pipe: a 40-byte send is short, then full. */
	assert_int_equal(mt_net_send(&lb.dev, c, buf, sizeof(buf), 1000), 16);
	assert_int_equal(mt_net_send(&lb.dev, c, buf, sizeof(buf), 250), -EAGAIN);
	assert_int_equal(mt_clock_mono_us(&clk.dev), 1750000);
	assert_int_equal(mt_loopback_net_server_recv(&lb, s, buf, 10, 0), 10);
	assert_int_equal(mt_net_send(&lb.dev, c, buf, sizeof(buf), 0), 10);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 100, &s), -EAGAIN);
	mt_loopback_net_free(&lb);
}

static void test_refusals(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &clk.dev, .advance_clock = true };
	struct mt_loopback_net lb;
	int c[MT_LOOPBACK_MAX_CONNS + 1], s;

	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "", PORT, 0, &c[0]), -EINVAL);
	mt_loopback_net_set_link(&lb, false);
	assert_int_equal(mt_net_link_up(&lb.dev), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c[0]), -ENETUNREACH);
	mt_loopback_net_set_link(&lb, true);
	mt_loopback_net_fail_connect(&lb, -EHOSTUNREACH);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c[0]), -EHOSTUNREACH);
	mt_loopback_net_fail_connect(&lb, 0);

	for (int i = 0; i < MT_LOOPBACK_MAX_CONNS; i++)
		assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c[i]), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c[MT_LOOPBACK_MAX_CONNS]), -EMFILE);
	/* Accepted in connect order, even after a slot is reused. */
	assert_int_equal(mt_net_close(&lb.dev, c[0]), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
	assert_int_equal(s, c[0]); /* closed by the client, still to be accepted */
	assert_int_equal(mt_loopback_net_server_close(&lb, s), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "late", PORT, 0, &c[0]), 0);
	for (int i = 1; i < MT_LOOPBACK_MAX_CONNS; i++) {
		assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
		assert_int_equal(s, c[i]);
	}
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
	assert_int_equal(s, c[0]);
	mt_loopback_net_free(&lb); /* frees the connections still open */
}

#define BULK 100000

struct server {
	struct mt_loopback_net *lb;
	uint64_t sum;
	size_t bytes;
	int ret;
};

/* Accepts one connection and reads it to the end, summing the bytes. */
static void *serve(void *arg)
{
	struct server *sv = arg;
	uint8_t buf[1000];
	ssize_t n;
	int s;

	sv->ret = mt_loopback_net_accept(sv->lb, PORT, -1, &s);
	if (sv->ret)
		return NULL;
	while ((n = mt_loopback_net_server_recv(sv->lb, s, buf, sizeof(buf), -1)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sv->sum += buf[i];
		sv->bytes += (size_t)n;
	}
	sv->ret = (int)n;
	mt_loopback_net_server_close(sv->lb, s);
	return NULL;
}

static void test_threads_through_small_pipe(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &clk.dev, .pipe_bytes = 4096 };
	struct mt_loopback_net lb;
	struct server sv = { .lb = &lb, .ret = 1 };
	static uint8_t data[BULK];
	uint64_t sum = 0;
	size_t sent = 0;
	pthread_t tid;
	int c;

	for (size_t i = 0; i < BULK; i++) {
		data[i] = (uint8_t)(i * 7 + i / 251);
		sum += data[i];
	}
	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(pthread_create(&tid, NULL, serve, &sv), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c), 0);
	while (sent < BULK) {
		ssize_t n = mt_net_send(&lb.dev, c, data + sent, BULK - sent, -1);

		assert_true(n > 0);
		sent += (size_t)n;
	}
	assert_int_equal(mt_net_close(&lb.dev, c), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(sv.ret, 0);
	assert_int_equal(sv.bytes, BULK);
	assert_int_equal(sv.sum, sum);
	mt_loopback_net_free(&lb);
}

struct reader {
	struct mt_loopback_net *lb;
	int conn;
	ssize_t ret;
	atomic_bool done;
};

static void *recv_with_timeout(void *arg)
{
	struct reader *r = arg;
	char buf[8];

	r->ret = mt_net_recv(&r->lb->dev, r->conn, buf, sizeof(buf), 1000);
	atomic_store(&r->done, true);
	return NULL;
}

/* Without advance_clock, a wait ends when another thread moves the clock. */
static void test_timeout_ended_by_clock_moved_elsewhere(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &clk.dev };
	struct mt_loopback_net lb;
	struct reader r = { .lb = &lb, .ret = 1 };
	struct timespec ms = { 0, 20 * 1000000L };
	pthread_t tid;
	int s;

	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &r.conn), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
	assert_int_equal(pthread_create(&tid, NULL, recv_with_timeout, &r), 0);
	nanosleep(&ms, NULL);
	mt_manual_clock_advance(&clk, 999000); /* not yet */
	nanosleep(&ms, NULL);
	assert_false(atomic_load(&r.done));
	mt_manual_clock_advance(&clk, 1000); /* now */
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(r.ret, -EAGAIN);
	mt_loopback_net_free(&lb);
}

/* On the Linux clock a timeout is real time. */
static void test_timeout_on_real_clock(void **state)
{
	const struct mt_loopback_config cfg = { .clock = &mt_linux_clock };
	struct mt_loopback_net lb;
	int64_t t0;
	char buf[4];
	int c, s;

	mt_loopback_net_init(&lb, &cfg);
	assert_int_equal(mt_loopback_net_listen(&lb, PORT), 0);
	assert_int_equal(mt_net_connect(&lb.dev, "a", PORT, 0, &c), 0);
	assert_int_equal(mt_loopback_net_accept(&lb, PORT, 0, &s), 0);
	t0 = mt_clock_mono_us(&mt_linux_clock);
	assert_int_equal(mt_net_recv(&lb.dev, c, buf, sizeof(buf), 60), -EAGAIN);
	assert_true(mt_clock_mono_us(&mt_linux_clock) - t0 >= 60000);
	mt_loopback_net_free(&lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip_and_peer_close, setup),
		cmocka_unit_test_setup(test_timeouts_advance_manual_clock, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_threads_through_small_pipe, setup),
		cmocka_unit_test_setup(test_timeout_ended_by_clock_moved_elsewhere, setup),
		cmocka_unit_test(test_timeout_on_real_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
