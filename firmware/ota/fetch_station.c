/* Range GETs over the station link; see fetch_station.h. */
#include "ota/fetch_station.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"

static int get(void *ctx, const char *name, uint64_t first, size_t len, uint8_t *buf, size_t *got,
	       uint64_t *total)
{
	struct mt_ota_fetch_station *f = ctx;
	char path[MT_STATION_PATH_MAX + 160], range[80];
	struct mt_http_resp *r;
	uint64_t a, b, t;
	const char *cr;
	int ret;

	*got = 0;
	*total = 0;
	if (!len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/ota/%s/%s", f->board, name);
	snprintf(range, sizeof(range), "Range: bytes=%" PRIu64 "-%" PRIu64, first, first + len - 1);
	struct mt_http_req req = { .method = "GET",
				   .path = path,
				   .headers = { range, NULL },
				   .resp_body = buf,
				   .resp_body_max = len,
				   .timeout_ms = f->timeout_ms };

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = mt_station_request(f->station, &req, r);
	if (ret)
		goto out_free;
	cr = mt_http_header(r, "Content-Range");
	if (r->status == 404) {
		ret = -ENOENT;
	} else if (r->status == 416) {
		ret = -ERANGE;
	} else if (r->status == 206 && cr &&
		   sscanf(cr, "bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64, &a, &b, &t) == 3 &&
		   a == first && b >= a && b - a + 1 == r->body_len && b < t) {
		*got = r->body_len;
		*total = t;
	} else if (r->status == 200 && first == 0) {
		/* a server without Range support: fine while the file fits */
		*got = r->body_len;
		*total = r->body_len;
	} else {
		ret = -EPROTO;
	}
out_free:
	free(r);
	return ret;
}

void mt_ota_fetch_station_init(struct mt_ota_fetch_station *f, struct mt_station *station,
			       const char *board, int timeout_ms)
{
	f->fetch = (struct mt_ota_fetch){ .get = get, .ctx = f };
	f->station = station;
	f->board = board;
	f->timeout_ms = timeout_ms ? timeout_ms : 15000;
}

int mt_ota_report(struct mt_station *station, const char *json, int timeout_ms)
{
	uint8_t body[512];
	struct mt_http_resp *r;
	struct mt_http_req req = { .method = "POST",
				   .path = "/devices/health",
				   .headers = { "Content-Type: application/json", NULL },
				   .body = (const uint8_t *)json,
				   .body_len = strlen(json),
				   .resp_body = body,
				   .resp_body_max = sizeof(body),
				   .timeout_ms = timeout_ms ? timeout_ms : 15000 };
	int ret;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = mt_station_request(station, &req, r);
	if (!ret && (r->status < 200 || r->status > 299))
		ret = -EPROTO;
	free(r);
	return ret;
}
