/* Station link: see station.h. */
#include "net/station.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("station");

int mt_station_url_parse(const char *url, struct mt_station_url *out)
{
	const char *p, *host_end, *path;
	size_t hl;
	unsigned long port = 443;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	p = url + 8;
	if (*p == '[') {
		host_end = strchr(p, ']');
		if (!host_end)
			return -EINVAL;
		p++;
		hl = (size_t)(host_end - p);
		host_end++;
	} else {
		host_end = p + strcspn(p, ":/");
		hl = (size_t)(host_end - p);
	}
	if (hl == 0 || hl >= sizeof(out->host))
		return -EINVAL;
	memcpy(out->host, p, hl);
	path = host_end;
	if (*path == ':') {
		char *end;

		port = strtoul(path + 1, &end, 10);
		if (end == path + 1 || port == 0 || port > 65535 || (*end && *end != '/'))
			return -EINVAL;
		path = end;
	}
	if (*path && *path != '/')
		return -EINVAL;
	if (strlen(path) >= sizeof(out->base))
		return -EINVAL;
	snprintf(out->base, sizeof(out->base), "%s", path);
	hl = strlen(out->base);
	while (hl && out->base[hl - 1] == '/')
		out->base[--hl] = '\0';
	for (const char *c = out->base; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == '?' || *c == '#')
			return -EINVAL;
	}
	out->port = (uint16_t)port;
	return 0;
}

void mt_station_init(struct mt_station *st, struct mt_tls_client *tls, const char *host,
		     const char *base)
{
	memset(st, 0, sizeof(*st));
	st->tls = tls;
	st->host = host;
	snprintf(st->base, sizeof(st->base), "%s", base ? base : "");
}

void mt_station_init_link(struct mt_station *st, const struct mt_station_link *link,
			  const char *host, const char *base)
{
	mt_station_init(st, NULL, host, base);
	st->link = link;
}

static bool link_connected(const struct mt_station *st)
{
	return st->link ? st->link->connected(st->link->ctx) : mt_tls_connected(st->tls);
}

static int link_connect(const struct mt_station *st)
{
	int ret;

	if (st->link)
		return st->link->connect(st->link->ctx);
	ret = mt_tls_connect(st->tls);
	if (ret)
		MT_WRN("%s", mt_tls_why(st->tls));
	return ret;
}

static const struct mt_stream *link_stream(const struct mt_station *st)
{
	return st->link ? st->link->stream(st->link->ctx) : mt_tls_stream(st->tls);
}

static void link_close(const struct mt_station *st)
{
	if (st->link)
		st->link->close(st->link->ctx);
	else
		mt_tls_close(st->tls);
}

static bool idempotent(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "DELETE") ||
	       !strcmp(method, "OPTIONS");
}

int mt_station_request(struct mt_station *st, struct mt_http_req *req, struct mt_http_resp *r)
{
	char path[2 * MT_STATION_PATH_MAX + 64];
	const char *asked = req->path;
	int ret;

	/* a Location the station gave may already carry the base */
	if (st->base[0] && strncmp(asked, st->base, strlen(st->base)) != 0)
		snprintf(path, sizeof(path), "%s%s", st->base, asked);
	else
		snprintf(path, sizeof(path), "%s", asked);
	req->path = path;
	req->host = st->host;
	if (st->clock && link_connected(st) &&
	    mt_clock_mono_us(st->clock) - st->last_us > (int64_t)MT_STATION_IDLE_MS * 1000)
		link_close(st); /* the station may have dropped it: start clean */
	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = !link_connected(st);

		if (fresh) {
			ret = link_connect(st);
			if (ret)
				break;
			if (st->requests)
				st->reconnects++;
		}
		st->requests++;
		ret = mt_http_exchange(link_stream(st), req, r);
		if (ret || r->close)
			link_close(st);
		/* a kept-alive connection the station had closed: once more, for a
		 * request that may be repeated (PATCH and POST are not: tus asks
		 * the station what arrived instead) */
		if (!fresh && (ret == -EPIPE || ret == -ECONNRESET) && idempotent(req->method))
			continue;
		break;
	}
	if (st->clock)
		st->last_us = mt_clock_mono_us(st->clock);
	req->path = asked;
	return ret;
}

void mt_station_set_clock(struct mt_station *st, struct mt_clock *clock)
{
	st->clock = clock;
}

void mt_station_close(struct mt_station *st)
{
	link_close(st);
}
