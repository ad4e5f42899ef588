/* tus client: see tus.h and docs/protocol.md. */
#include "net/tus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "core/errors.h"
#include "core/log.h"

MT_LOG_MODULE("tus");

static int map_status(struct mt_station *st, int status)
{
	st->last_status = status;
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 401:
	case 403:
		return -EACCES;
	case 404:
	case 410:
		return -ESTALE;
	case 413:
		return -E2BIG;
	case 423:
	case 429:
		return -EAGAIN;
	case 507:
		return -ENOSPC;
	default:
		return status >= 500 ? -EAGAIN : -EPROTO;
	}
}

static int map_error(int ret)
{
	if (ret == MT_EFORMAT || ret == -EMSGSIZE)
		return MT_EFORMAT;
	return -EAGAIN; /* the link: timeouts, resets, refused connections */
}

/* A decimal header value in 0..INT64_MAX, or -1. */
static int64_t header_num(const struct mt_http_resp *r, const char *name)
{
	const char *v = mt_http_header(r, name);
	int64_t n = 0;

	if (!v || !*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

static int b64(const char *in, char *out, size_t size)
{
	size_t olen;

	return mbedtls_base64_encode((unsigned char *)out, size, &olen, (const unsigned char *)in,
				     strlen(in)) ?
		       -ENAMETOOLONG :
		       0;
}

static struct mt_http_resp *resp_new(void)
{
	return malloc(sizeof(struct mt_http_resp));
}

int mt_tus_create(struct mt_station *st, const char *filename, const char *kind, uint64_t seq,
		  int64_t length, struct mt_tus_upload *u)
{
	char meta[400], fb[200], kb[32], sb[32], seqs[24], len_h[48];
	uint8_t body[512];
	struct mt_http_resp *r = resp_new();
	struct mt_http_req req = { .method = "POST",
				   .path = "/files/",
				   .resp_body = body,
				   .resp_body_max = sizeof(body),
				   .timeout_ms = 15000 };
	const char *loc;
	int ret;

	if (!r)
		return -ENOMEM;
	snprintf(seqs, sizeof(seqs), "%" PRIu64, seq);
	if (b64(filename, fb, sizeof(fb)) || b64(kind, kb, sizeof(kb)) ||
	    b64(seqs, sb, sizeof(sb))) {
		free(r);
		return -ENAMETOOLONG;
	}
	snprintf(meta, sizeof(meta), "Upload-Metadata: filename %s,kind %s,seq %s", fb, kb, sb);
	if (length < 0)
		snprintf(len_h, sizeof(len_h), "Upload-Defer-Length: 1");
	else
		snprintf(len_h, sizeof(len_h), "Upload-Length: %" PRId64, length);
	req.headers[0] = "Tus-Resumable: 1.0.0";
	req.headers[1] = len_h;
	req.headers[2] = meta;
	ret = mt_station_request(st, &req, r);
	if (ret) {
		free(r);
		return map_error(ret);
	}
	ret = map_status(st, r->status);
	if (!ret && r->status != 201)
		ret = -EPROTO;
	loc = mt_http_header(r, "Location");
	if (!ret) {
		const char *path = loc;

		/* an absolute URL: keep its path, the host is the station's */
		if (path && strncmp(path, "http", 4) == 0) {
			path = strstr(path, "://");
			path = path ? strchr(path + 3, '/') : NULL;
		}
		if (!path || path[0] != '/' || strlen(path) >= sizeof(u->location)) {
			MT_WRN("create: unusable Location \"%.60s\"", loc ? loc : "(none)");
			ret = MT_EFORMAT;
		} else {
			snprintf(u->location, sizeof(u->location), "%s", path);
			u->offset = 0;
			u->length = length;
		}
	}
	free(r);
	return ret;
}

int mt_tus_head(struct mt_station *st, struct mt_tus_upload *u)
{
	struct mt_http_resp *r = resp_new();
	struct mt_http_req req = { .method = "HEAD",
				   .path = u->location,
				   .headers = { "Tus-Resumable: 1.0.0", NULL },
				   .timeout_ms = 15000 };
	int64_t off, len;
	int ret;

	if (!r)
		return -ENOMEM;
	ret = mt_station_request(st, &req, r);
	if (ret) {
		free(r);
		return map_error(ret);
	}
	ret = map_status(st, r->status);
	off = header_num(r, "Upload-Offset");
	len = header_num(r, "Upload-Length");
	if (!ret && (off < 0 || (len >= 0 && off > len))) {
		MT_WRN("HEAD %s: no usable Upload-Offset", u->location);
		ret = MT_EFORMAT;
	}
	if (!ret) {
		u->offset = off;
		if (len >= 0)
			u->length = len;
	}
	free(r);
	return ret;
}

int mt_tus_patch(struct mt_station *st, struct mt_tus_upload *u, mt_http_body_fn fn, void *ctx,
		 size_t len, bool final)
{
	char off_h[48], len_h[48];
	struct mt_http_resp *r = resp_new();
	struct mt_http_req req = { .method = "PATCH",
				   .path = u->location,
				   .headers = { "Tus-Resumable: 1.0.0",
						"Content-Type: application/offset+octet-stream",
						off_h, NULL },
				   .body_fn = fn,
				   .body_ctx = ctx,
				   .body_len = len,
				   .timeout_ms = 30000 };
	int64_t off;
	int ret;

	if (!r)
		return -ENOMEM;
	snprintf(off_h, sizeof(off_h), "Upload-Offset: %" PRId64, u->offset);
	if (final && u->length < 0) {
		snprintf(len_h, sizeof(len_h), "Upload-Length: %" PRId64, u->offset + (int64_t)len);
		req.headers[3] = len_h;
	}
	ret = mt_station_request(st, &req, r);
	if (ret) {
		free(r);
		/* how much arrived is the station's to say: ask */
		return ret == MT_EFORMAT ? ret : (mt_tus_head(st, u), -EAGAIN);
	}
	if (r->status == 409) {
		st->last_status = 409;
		MT_WRN("PATCH %s at %" PRId64 ": the station disagrees (409); asking", u->location,
		       u->offset);
		free(r);
		ret = mt_tus_head(st, u);
		return ret ? ret : -EAGAIN;
	}
	ret = map_status(st, r->status);
	off = header_num(r, "Upload-Offset");
	if (!ret && (off < u->offset || off > u->offset + (int64_t)len)) {
		MT_WRN("PATCH %s: Upload-Offset %" PRId64 " outside %" PRId64 "..%" PRId64,
		       u->location, off, u->offset, u->offset + (int64_t)len);
		ret = MT_EFORMAT;
	}
	if (!ret) {
		if (final && u->length < 0 && off == u->offset + (int64_t)len)
			u->length = off;
		u->offset = off;
	}
	free(r);
	return ret;
}

int mt_tus_delete(struct mt_station *st, struct mt_tus_upload *u)
{
	struct mt_http_resp *r = resp_new();
	struct mt_http_req req = { .method = "DELETE",
				   .path = u->location,
				   .headers = { "Tus-Resumable: 1.0.0", NULL },
				   .timeout_ms = 15000 };
	int ret;

	if (!r)
		return -ENOMEM;
	ret = mt_station_request(st, &req, r);
	ret = ret ? map_error(ret) : map_status(st, r->status);
	free(r);
	return ret == -ESTALE ? 0 : ret;
}

int mt_tus_last_status(const struct mt_station *st)
{
	return st->last_status;
}
