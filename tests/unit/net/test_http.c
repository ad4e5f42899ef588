/* HTTP client against scripted peers: good responses in every framing, read
 * a byte at a time, and every hostile shape we know of — each with the
 * exact error it must give and the connection marked not reusable. And the
 * station link's rule for reusing a kept-alive connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "hal/clock.h"
#include "net/http.h"
#include "net/station.h"
#include "script_stream.h"

static struct script_stream ss;
static struct mt_http_resp resp;
static uint8_t body[256];

static int run(const char *method, const char *reply, size_t step)
{
	struct mt_http_req req = { .method = method,
				   .host = "station.test",
				   .path = "/files/abc",
				   .headers = { "Tus-Resumable: 1.0.0", NULL },
				   .resp_body = body,
				   .resp_body_max = sizeof(body),
				   .timeout_ms = 100 };

	script_stream_init(&ss, reply, strlen(reply), step);
	return mt_http_exchange(&ss.s, &req, &resp);
}

static void content_length(void **state)
{
	(void)state;
	for (size_t step = 0; step <= 1; step++) {
		assert_int_equal(run("GET",
				     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				     "Content-Length: 5\r\nX-Odd:   spaced value  \r\n\r\nhello",
				     step),
				 0);
		assert_int_equal(resp.status, 200);
		assert_int_equal(resp.body_len, 5);
		assert_memory_equal(body, "hello", 5);
		assert_string_equal(mt_http_header(&resp, "content-type"), "text/plain");
		assert_string_equal(mt_http_header(&resp, "X-ODD"), "spaced value");
		assert_null(mt_http_header(&resp, "Location"));
		assert_false(resp.close);
	}
	ss.out[ss.out_len] = 0;
	assert_string_equal((char *)ss.out, "GET /files/abc HTTP/1.1\r\nHost: station.test\r\n"
					    "Tus-Resumable: 1.0.0\r\n\r\n");
}

static void chunked_byte_by_byte(void **state)
{
	(void)state;
	assert_int_equal(run("GET",
			     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			     "4;ext=1\r\nwiki\r\n5\r\npedia\r\nB\r\n in\r\nchunks\r\n0\r\n"
			     "Trailer: x\r\n\r\n",
			     1),
			 0);
	assert_int_equal(resp.body_len, 20);
	assert_memory_equal(body, "wikipedia in\r\nchunks", 20);
}

static void no_body_statuses(void **state)
{
	(void)state;
	assert_int_equal(run("PATCH", "HTTP/1.1 204 No Content\r\nUpload-Offset: 70\r\n\r\n", 0),
			 0);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.body_len, 0);
	assert_string_equal(mt_http_header(&resp, "upload-offset"), "70");
	/* HEAD: the length describes a body that is not sent */
	assert_int_equal(run("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", 0), 0);
	assert_int_equal(resp.body_len, 0);
	assert_false(resp.close);
	/* the request of a POST carries Content-Length: 0 */
	assert_int_equal(run("POST",
			     "HTTP/1.1 201 Created\r\nLocation: /files/1\r\n"
			     "Content-Length: 0\r\n\r\n",
			     0),
			 0);
	assert_non_null(strstr((char *)ss.out, "\r\nContent-Length: 0\r\n"));
}

static void continue_then_final(void **state)
{
	(void)state;
	assert_int_equal(run("POST",
			     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
			     "Content-Length: 2\r\n\r\nok",
			     3),
			 0);
	assert_int_equal(resp.status, 201);
	assert_memory_equal(body, "ok", 2);
}

static void body_to_close(void **state)
{
	(void)state;
	assert_int_equal(run("GET", "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0), 0);
	assert_int_equal(resp.body_len, 13);
	assert_true(resp.close);
	assert_int_equal(run("GET",
			     "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n"
			     "Content-Length: 0\r\n\r\n",
			     0),
			 0);
	assert_true(resp.close);
}

static void hostile(void **state)
{
	static const struct {
		const char *reply;
		int want;
	} cases[] = {
		{ "HTTP/2 200 OK\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 20 OK\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 abc OK\r\n\r\n", MT_EFORMAT },
		{ "ICY 200 OK\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		  MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
		  MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
		  MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
		  MT_EFORMAT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n", -EMSGSIZE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", -EMSGSIZE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", -EPIPE },
		{ "HTTP/1.1 200 OK\r\nContent-", -EPIPE },
		{ "", -EPIPE },
		{ "HTTP/1.1 200 OK\nContent-Length: 0\n\n", -EPIPE }, /* bare LF never ends */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = run("GET", cases[i].reply, 0);

		if (ret != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d", i, cases[i].reply, ret,
				 cases[i].want);
		assert_true(resp.close);
	}
}

static void endless_headers(void **state)
{
	size_t n = 64 * 1024;
	char *big = malloc(n + 1);

	(void)state;
	strcpy(big, "HTTP/1.1 200 OK\r\n");
	for (size_t i = strlen(big); i < n; i += 8)
		memcpy(big + i, "X: 123\r\n", 8);
	big[n] = 0;
	assert_int_equal(run("GET", big, 1000), MT_EFORMAT);
	/* one header line longer than the limit, in an otherwise small head */
	memset(big, 'a', 3000);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	strcpy(big + 3000, "\r\n\r\n");
	assert_int_equal(run("GET", big, 0), MT_EFORMAT);
	free(big);
}

static void nul_in_head(void **state)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	struct mt_http_req req = { .method = "GET", .host = "h", .path = "/", .timeout_ms = 10 };

	(void)state;
	script_stream_init(&ss, reply, sizeof(reply) - 1, 0);
	assert_int_equal(mt_http_exchange(&ss.s, &req, &resp), MT_EFORMAT);
}

static void stalled_peer(void **state)
{
	struct mt_http_req req = { .method = "GET", .host = "h", .path = "/", .timeout_ms = 10 };
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";

	(void)state;
	script_stream_init(&ss, reply, sizeof(reply) - 1, 0);
	ss.hang = 1;
	req.resp_body = body;
	req.resp_body_max = sizeof(body);
	assert_int_equal(mt_http_exchange(&ss.s, &req, &resp), -EAGAIN);
	assert_true(resp.close);
	script_stream_init(&ss, reply, sizeof(reply) - 1, 0);
	ss.send_err = -ECONNRESET;
	assert_int_equal(mt_http_exchange(&ss.s, &req, &resp), -ECONNRESET);
}

struct counter {
	size_t left;
};

static ssize_t count_body(void *ctx, uint8_t *buf, size_t len)
{
	struct counter *c = ctx;
	size_t n = len < c->left ? len : c->left;

	memset(buf, 'z', n);
	c->left -= n;
	return (ssize_t)n;
}

static void streamed_body(void **state)
{
	struct counter c = { 10000 };
	struct mt_http_req req = { .method = "PATCH",
				   .host = "h",
				   .path = "/files/1",
				   .body_fn = count_body,
				   .body_ctx = &c,
				   .body_len = 10000,
				   .timeout_ms = 10 };
	static const char reply[] = "HTTP/1.1 204 No Content\r\nUpload-Offset: 10000\r\n\r\n";
	char *sep;

	(void)state;
	script_stream_init(&ss, reply, sizeof(reply) - 1, 0);
	assert_int_equal(mt_http_exchange(&ss.s, &req, &resp), 0);
	ss.out[ss.out_len] = 0;
	sep = strstr((char *)ss.out, "\r\n\r\n");
	assert_non_null(sep);
	assert_non_null(strstr((char *)ss.out, "Content-Length: 10000\r\n"));
	assert_int_equal(ss.out_len - (size_t)(sep + 4 - (char *)ss.out), 10000);
	/* a source that ends early fails the request instead of hanging it */
	c.left = 100;
	script_stream_init(&ss, reply, sizeof(reply) - 1, 0);
	assert_int_equal(mt_http_exchange(&ss.s, &req, &resp), -EIO);
}

/* The station link over a scripted stream: a new connection replays the
 * same two kept-alive answers. */
static const char two_204[] = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
static int connects, link_up;
static int64_t now_us;

static int fake_connect(void *ctx)
{
	(void)ctx;
	connects++;
	link_up = 1;
	/* one answer per read: bytes past an answer make the client drop the
	 * connection (nothing may come unasked) */
	script_stream_init(&ss, two_204, sizeof(two_204) - 1, (sizeof(two_204) - 1) / 2);
	return 0;
}

static const struct mt_stream *fake_stream(void *ctx)
{
	(void)ctx;
	return &ss.s;
}

static void fake_close(void *ctx)
{
	(void)ctx;
	link_up = 0;
}

static bool fake_connected(void *ctx)
{
	(void)ctx;
	return link_up;
}

static int64_t fake_mono(struct mt_clock *dev)
{
	(void)dev;
	return now_us;
}

/* A kept-alive connection is reused within MT_STATION_IDLE_MS, and closed
 * before the next request after it (the station may have dropped it). */
static void station_idle_rule(void **state)
{
	static const struct mt_clock_ops ops = { .mono_us = fake_mono };
	struct mt_clock clock = { .ops = &ops, .name = "fake" };
	struct mt_station_link link = { fake_connect, fake_stream, fake_close, fake_connected,
					NULL };
	struct mt_http_req req = { .method = "POST", .path = "/files/", .timeout_ms = 100 };
	struct mt_station st;

	(void)state;
	mt_station_init_link(&st, &link, "station.test", "");
	mt_station_set_clock(&st, &clock);
	now_us = 1000000;
	assert_int_equal(mt_station_request(&st, &req, &resp), 0);
	now_us += (MT_STATION_IDLE_MS - 1) * 1000LL;
	assert_int_equal(mt_station_request(&st, &req, &resp), 0);
	assert_int_equal(connects, 1); /* the second went over the same connection */
	now_us += (MT_STATION_IDLE_MS + 1) * 1000LL;
	assert_int_equal(mt_station_request(&st, &req, &resp), 0);
	assert_int_equal(connects, 2); /* idle too long: a fresh one */
	assert_int_equal(st.reconnects, 1);
	/* without a clock, any idle time keeps it */
	mt_station_set_clock(&st, NULL);
	now_us += 3600 * 1000000LL;
	assert_int_equal(mt_station_request(&st, &req, &resp), 0);
	assert_int_equal(connects, 2);
	mt_station_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(content_length),    cmocka_unit_test(chunked_byte_by_byte),
		cmocka_unit_test(no_body_statuses),  cmocka_unit_test(continue_then_final),
		cmocka_unit_test(body_to_close),     cmocka_unit_test(hostile),
		cmocka_unit_test(endless_headers),   cmocka_unit_test(nul_in_head),
		cmocka_unit_test(stalled_peer),      cmocka_unit_test(streamed_body),
		cmocka_unit_test(station_idle_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
