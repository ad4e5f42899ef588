/* HTTP/1.1 client: one request at a time on a kept-alive connection, over
 * any byte stream (plain TCP through the net hal, or TLS). Built for a
 * hostile or broken peer: the response head has hard limits (line length,
 * header count, total size), bodies are read into a caller's bounded buffer
 * with Content-Length or chunked framing checked for overflow, and every
 * read and write has a timeout. Anything out of bounds is MT_EFORMAT and the
 * connection is not reused. */
#ifndef MT_NET_HTTP_H
#define MT_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_HTTP_HEAD_MAX    8192 /* whole response head */
#define MT_HTTP_LINE_MAX    2048 /* one header line */
#define MT_HTTP_HEADERS_MAX 48
#define MT_HTTP_REQ_HEADERS 12

/* A byte stream: send/recv with the net hal's conventions (bytes, 0 at the
 * peer's close, -EAGAIN on timeout, or a negative errno). */
struct mt_stream {
	ssize_t (*send)(void *ctx, const void *buf, size_t len, int timeout_ms);
	ssize_t (*recv)(void *ctx, void *buf, size_t len, int timeout_ms);
	void *ctx;
};

struct mt_http_header {
	const char *name; /* points into the response's head buffer */
	const char *value;
};

struct mt_http_resp {
	int status;
	int minor; /* HTTP/1.minor */
	struct mt_http_header h[MT_HTTP_HEADERS_MAX];
	int nh;
	int64_t content_length; /* -1 when absent */
	bool chunked;
	bool close;      /* Connection: close, or HTTP/1.0 without keep-alive */
	uint8_t *body;   /* the caller's buffer */
	size_t body_len; /* bytes of body read */
	char head[MT_HTTP_HEAD_MAX + 1];
};

/* Body source for a request: returns bytes written into buf (<= len), 0 at
 * the end, or a negative errno. */
typedef ssize_t (*mt_http_body_fn)(void *ctx, uint8_t *buf, size_t len);

struct mt_http_req {
	const char *method;
	const char *host; /* Host header */
	const char *path;
	const char *headers[MT_HTTP_REQ_HEADERS]; /* "Name: value", NULL-terminated */
	const uint8_t *body;                      /* or body_fn */
	size_t body_len;                          /* bytes of body (Content-Length) */
	mt_http_body_fn body_fn;
	void *body_ctx;
	uint8_t *resp_body; /* where the response body goes */
	size_t resp_body_max;
	int timeout_ms; /* for each read or write step */
};

/* Parses a complete response head (up to and including the empty line) in
 * buf[0..len) into r, copying it into r->head. Returns the head's length,
 * -EAGAIN when buf holds no complete head yet, or MT_EFORMAT. Pure: the
 * fuzz target. */
ssize_t mt_http_parse_head(const char *buf, size_t len, struct mt_http_resp *r);

/* The value of header name (case-insensitive), or NULL. */
const char *mt_http_header(const struct mt_http_resp *r, const char *name);

/* Sends req on s and reads the response into r (r->body = req->resp_body).
 * 0, -EAGAIN on a timeout, a negative errno from the stream, -EPIPE when the
 * peer closed early, MT_EFORMAT for a malformed response or -EMSGSIZE for a
 * body larger than resp_body_max (r->close is then set). */
int mt_http_exchange(const struct mt_stream *s, const struct mt_http_req *req,
		     struct mt_http_resp *r);

#endif
