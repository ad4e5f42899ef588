/* HTTP/1.1 client: see http.h. RFC 9112 framing, with limits. */
#include "net/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/errors.h"

/* ---- head parsing (pure) ---- */

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Whether the comma-separated list v holds token t (case-insensitive). */
static bool has_token(const char *v, const char *t)
{
	size_t n = strlen(t);

	while (*v) {
		while (*v == ' ' || *v == ',')
			v++;
		if (strncasecmp(v, t, n) == 0 && (v[n] == '\0' || v[n] == ',' || v[n] == ' '))
			return true;
		while (*v && *v != ',')
			v++;
	}
	return false;
}

static const char *find_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n')
			return buf + i + 4;
	}
	return NULL;
}

/* A decimal that fits in int64 and has no sign or junk: 0, or MT_EFORMAT. */
static int parse_length(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return MT_EFORMAT;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return MT_EFORMAT;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int parse_status_line(char *line, struct mt_http_resp *r)
{
	/* HTTP/1.x SP 3DIGIT SP reason */
	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
	    line[8] != ' ')
		return MT_EFORMAT;
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return MT_EFORMAT;
	}
	if (line[12] != ' ' && line[12] != '\0')
		return MT_EFORMAT;
	r->minor = line[7] - '0';
	r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (r->status < 100)
		return MT_EFORMAT;
	return 0;
}

static int take_header(char *line, struct mt_http_resp *r, bool *have_length)
{
	char *colon = strchr(line, ':'), *v, *end;

	if (!colon || colon == line)
		return MT_EFORMAT;
	for (char *p = line; p < colon; p++) {
		if (!is_tchar(*p))
			return MT_EFORMAT; /* includes whitespace before the colon */
	}
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return MT_EFORMAT;
	}
	if (r->nh == MT_HTTP_HEADERS_MAX)
		return MT_EFORMAT;
	r->h[r->nh++] = (struct mt_http_header){ line, v };
	if (strcasecmp(line, "Content-Length") == 0) {
		int64_t n;

		/* two different lengths are a smuggling attempt, not a choice */
		if (parse_length(v, &n) < 0 || (*have_length && n != r->content_length))
			return MT_EFORMAT;
		r->content_length = n;
		*have_length = true;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		if (strcasecmp(v, "chunked") != 0)
			return MT_EFORMAT; /* no other coding is asked for or accepted */
		r->chunked = true;
	} else if (strcasecmp(line, "Connection") == 0) {
		if (has_token(v, "close"))
			r->close = true;
		else if (has_token(v, "keep-alive") && r->minor == 0)
			r->close = false;
	}
	return 0;
}

ssize_t mt_http_parse_head(const char *buf, size_t len, struct mt_http_resp *r)
{
	const char *end = find_end(buf, len < MT_HTTP_HEAD_MAX ? len : MT_HTTP_HEAD_MAX);
	size_t n;
	char *line, *next;
	bool have_length = false;
	int ret;

	if (!end)
		return len >= MT_HTTP_HEAD_MAX ? MT_EFORMAT : -EAGAIN;
	n = (size_t)(end - buf);
	memset(r->h, 0, sizeof(r->h));
	r->nh = 0;
	r->status = 0;
	r->content_length = -1;
	r->chunked = false;
	memcpy(r->head, buf, n);
	r->head[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (r->head[i] == '\0')
			return MT_EFORMAT;
	}
	line = r->head;
	next = strstr(line, "\r\n");
	*next = '\0';
	ret = parse_status_line(line, r);
	if (ret)
		return ret;
	r->close = r->minor == 0;
	for (line = next + 2; *line; line = next + 2) {
		next = strstr(line, "\r\n");
		*next = '\0';
		if (!*line)
			break;
		if ((size_t)(next - line) > MT_HTTP_LINE_MAX || *line == ' ' || *line == '\t')
			return MT_EFORMAT; /* too long, or obsolete line folding */
		ret = take_header(line, r, &have_length);
		if (ret)
			return ret;
	}
	if (r->chunked && have_length)
		return MT_EFORMAT;
	return (ssize_t)n;
}

const char *mt_http_header(const struct mt_http_resp *r, const char *name)
{
	for (int i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	}
	return NULL;
}

/* ---- the exchange ---- */

struct reader {
	const struct mt_stream *s;
	int timeout_ms;
	char buf[MT_HTTP_HEAD_MAX];
	size_t len, pos;
};

static int fill(struct reader *rd)
{
	ssize_t n;

	if (rd->pos == rd->len)
		rd->pos = rd->len = 0;
	if (rd->len == sizeof(rd->buf))
		return MT_EFORMAT;
	n = rd->s->recv(rd->s->ctx, rd->buf + rd->len, sizeof(rd->buf) - rd->len, rd->timeout_ms);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return (int)n;
	rd->len += (size_t)n;
	return 0;
}

static int read_bytes(struct reader *rd, uint8_t *out, size_t n)
{
	while (n) {
		size_t k;
		int ret;

		if (rd->pos == rd->len && (ret = fill(rd)) < 0)
			return ret;
		k = rd->len - rd->pos < n ? rd->len - rd->pos : n;
		if (out) {
			memcpy(out, rd->buf + rd->pos, k);
			out += k;
		}
		rd->pos += k;
		n -= k;
	}
	return 0;
}

/* One CRLF-terminated line of at most max bytes, without the CRLF. */
static int read_line(struct reader *rd, char *out, size_t max)
{
	size_t n = 0;

	for (;;) {
		int ret;
		char c;

		if (rd->pos == rd->len && (ret = fill(rd)) < 0)
			return ret;
		c = rd->buf[rd->pos++];
		if (c == '\n') {
			if (n == 0 || out[n - 1] != '\r')
				return MT_EFORMAT;
			out[n - 1] = '\0';
			return 0;
		}
		if (n + 1 >= max)
			return MT_EFORMAT;
		out[n++] = c;
	}
}

static int read_chunked(struct reader *rd, struct mt_http_resp *r, size_t max)
{
	char line[64];

	for (;;) {
		uint64_t size = 0;
		size_t digits = 0;
		int ret = read_line(rd, line, sizeof(line));

		if (ret)
			return ret;
		for (const char *p = line; *p && *p != ';' && *p != ' '; p++, digits++) {
			int d = (*p >= '0' && *p <= '9') ? *p - '0' :
				(*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
				(*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 :
							   -1;

			if (d < 0 || digits >= 15)
				return MT_EFORMAT; /* not hex, or a size no body could have */
			size = size * 16 + (uint64_t)d;
		}
		if (!digits)
			return MT_EFORMAT;
		if (size == 0)
			break;
		if (size > max - r->body_len)
			return -EMSGSIZE;
		ret = read_bytes(rd, r->body + r->body_len, size);
		if (ret)
			return ret;
		r->body_len += size;
		ret = read_line(rd, line, sizeof(line));
		if (ret)
			return ret;
		if (line[0])
			return MT_EFORMAT; /* data longer than its size said */
	}
	/* trailers, then the empty line */
	for (int i = 0; i < MT_HTTP_HEADERS_MAX; i++) {
		char t[MT_HTTP_LINE_MAX];
		int ret = read_line(rd, t, sizeof(t));

		if (ret)
			return ret;
		if (!t[0])
			return 0;
	}
	return MT_EFORMAT;
}

static int read_body(struct reader *rd, const struct mt_http_req *req, struct mt_http_resp *r)
{
	size_t max = req->resp_body_max;

	r->body = req->resp_body;
	r->body_len = 0;
	if (strcmp(req->method, "HEAD") == 0 || r->status < 200 || r->status == 204 ||
	    r->status == 304)
		return 0;
	if (r->chunked)
		return read_chunked(rd, r, max);
	if (r->content_length >= 0) {
		if ((uint64_t)r->content_length > max)
			return -EMSGSIZE;
		r->body_len = (size_t)r->content_length;
		return read_bytes(rd, r->body, r->body_len);
	}
	/* no framing: the body runs to the close */
	r->close = true;
	for (;;) {
		size_t k;

		if (rd->pos == rd->len) {
			int ret = fill(rd);

			if (ret == -EPIPE)
				return 0;
			if (ret)
				return ret;
		}
		k = rd->len - rd->pos;
		if (k > max - r->body_len)
			return -EMSGSIZE;
		memcpy(r->body + r->body_len, rd->buf + rd->pos, k);
		r->body_len += k;
		rd->pos += k;
	}
}

static int send_all(const struct mt_stream *s, const void *buf, size_t len, int timeout_ms)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = s->send(s->ctx, p, len, timeout_ms);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_request(const struct mt_stream *s, const struct mt_http_req *req)
{
	char head[1536];
	size_t n;
	int k;

	k = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s\r\n", req->method, req->path,
		     req->host);
	if (k < 0 || (size_t)k >= sizeof(head))
		return -ENAMETOOLONG;
	n = (size_t)k;
	for (int i = 0; i < MT_HTTP_REQ_HEADERS && req->headers[i]; i++) {
		k = snprintf(head + n, sizeof(head) - n, "%s\r\n", req->headers[i]);
		if (k < 0 || (size_t)k >= sizeof(head) - n)
			return -ENAMETOOLONG;
		n += (size_t)k;
	}
	if (req->body || req->body_fn || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PATCH") == 0) {
		k = snprintf(head + n, sizeof(head) - n, "Content-Length: %zu\r\n", req->body_len);
		if (k < 0 || (size_t)k >= sizeof(head) - n)
			return -ENAMETOOLONG;
		n += (size_t)k;
	}
	if (n + 2 >= sizeof(head))
		return -ENAMETOOLONG;
	memcpy(head + n, "\r\n", 2);
	n += 2;
	return send_all(s, head, n, req->timeout_ms);
}

static int send_body(const struct mt_stream *s, const struct mt_http_req *req)
{
	/* one whole TLS record per write: 4 KiB writes made 4x the records and
	 * cost the station 1.6x the CPU per upload (docs/performance.md) */
	uint8_t chunk[16384];
	size_t left = req->body_len;

	if (req->body)
		return send_all(s, req->body, req->body_len, req->timeout_ms);
	while (req->body_fn && left) {
		ssize_t n = req->body_fn(req->body_ctx, chunk,
					 left < sizeof(chunk) ? left : sizeof(chunk));
		int ret;

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO; /* the source ended before Content-Length */
		ret = send_all(s, chunk, (size_t)n, req->timeout_ms);
		if (ret)
			return ret;
		left -= (size_t)n;
	}
	return 0;
}

int mt_http_exchange(const struct mt_stream *s, const struct mt_http_req *req,
		     struct mt_http_resp *r)
{
	struct reader *rd = malloc(sizeof(*rd));
	int ret;

	if (!rd)
		return -ENOMEM;
	rd->s = s;
	rd->timeout_ms = req->timeout_ms;
	rd->len = rd->pos = 0;
	r->close = true; /* until a whole response says otherwise */
	ret = send_request(s, req);
	if (!ret)
		ret = send_body(s, req);
	while (!ret) {
		ssize_t hl = mt_http_parse_head(rd->buf, rd->len, r);

		if (hl >= 0) {
			rd->pos = (size_t)hl;
			if (r->status >= 100 && r->status < 200 && r->status != 101) {
				/* 100 Continue and friends: drop it, read on */
				memmove(rd->buf, rd->buf + hl, rd->len - (size_t)hl);
				rd->len -= (size_t)hl;
				rd->pos = 0;
				continue;
			}
			break;
		}
		if (hl != -EAGAIN) {
			ret = (int)hl;
			break;
		}
		ret = fill(rd);
	}
	if (!ret) {
		bool close = r->close;

		ret = read_body(rd, req, r);
		r->close = close || r->close || ret != 0 || rd->pos != rd->len;
	}
	if (ret)
		r->close = true;
	free(rd);
	return ret;
}
