/* The link to the ward station: one kept-alive HTTPS connection (mutual
 * TLS after enrollment) and requests over it. A request on a connection the
 * station has dropped is retried once on a fresh connection when nothing of
 * its answer had arrived and the method may be repeated; any other failure
 * closes the connection so the next request starts clean. With a clock, a
 * connection left unused for MT_STATION_IDLE_MS is closed before the next
 * request rather than reused: the station drops idle connections (after
 * 60 s), and a POST or PATCH sent into one it has dropped cannot be
 * repeated blindly. */
#ifndef MT_NET_STATION_H
#define MT_NET_STATION_H

#include <stdbool.h>
#include <stdint.h>

#include "net/http.h"
#include "net/tls.h"

#define MT_STATION_HOST_MAX 128
#define MT_STATION_PATH_MAX 128
#define MT_STATION_IDLE_MS  15000 /* reuse a connection only within this */

struct mt_station_url {
	char host[MT_STATION_HOST_MAX];
	uint16_t port;
	char base[MT_STATION_PATH_MAX]; /* path prefix without a trailing '/', maybe "" */
};

/* Parses "https://host[:port][/base]" (IPv6 as [::1]). 0 or -EINVAL. */
int mt_station_url_parse(const char *url, struct mt_station_url *out);

/* Another way to the station than the TLS client: tests and the fuzzer
 * put a scripted stream here (mt_station_init_link). Same contract as the
 * mt_tls_* calls it stands for. */
struct mt_station_link {
	int (*connect)(void *ctx); /* 0 or a negative errno */
	const struct mt_stream *(*stream)(void *ctx);
	void (*close)(void *ctx);
	bool (*connected)(void *ctx);
	void *ctx;
};

struct mt_station {
	struct mt_tls_client *tls;          /* borrowed; its host and port are the station's */
	const struct mt_station_link *link; /* borrowed; used instead of tls when set */
	const char *host;                   /* for the Host header */
	char base[MT_STATION_PATH_MAX];
	uint64_t requests, reconnects;
	int last_status;        /* of the last response, for logs */
	struct mt_clock *clock; /* optional (mt_station_set_clock) */
	int64_t last_us;        /* the end of the last request, by clock */
};

void mt_station_init(struct mt_station *st, struct mt_tls_client *tls, const char *host,
		     const char *base);

/* The same over link instead of a TLS client. */
void mt_station_init_link(struct mt_station *st, const struct mt_station_link *link,
			  const char *host, const char *base);

/* Sends req (its host is set here; its path is joined to the base unless it
 * is absolute with the base already) and reads the response into r. Connects
 * first when needed. Results as mt_http_exchange(), plus the connect errors. */
int mt_station_request(struct mt_station *st, struct mt_http_req *req, struct mt_http_resp *r);

void mt_station_close(struct mt_station *st);

/* Lets the link tell an idle connection (see above); borrowed. */
void mt_station_set_clock(struct mt_station *st, struct mt_clock *clock);

#endif
