/* mt-station: the HTTPS server (libmicrohttpd over GnuTLS): the station's
 * state shared by every request, the per-request state, routing, replies
 * and the one-line rejection log. The endpoints are in auth.c (who is
 * asking), enroll.c, tus.c, commit.c and ota.c. */
#ifndef MT_STATION_SERVER_H
#define MT_STATION_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "db.h"
#include "pki.h"

#define MT_BUSY_MAX  256 /* uploads with a PATCH in progress at once */
#define MT_RATE_MAX  64  /* addresses remembered by the enrollment rate limit */
#define MT_RATE_SPAN 60000
#define MT_PATH_MAX  4096 /* a path under DIR */

struct mt_rate {
	char ip[64];
	int64_t t[16]; /* times of the last attempts, a ring */
	unsigned next;
};

/* Everything a request may use. Fields marked (lock) are used only with
 * db.lock held; the rest are set before the server starts and then read. */
struct mt_station {
	char data[1024]; /* DIR (an absolute path) */
	struct mt_db db;
	struct mt_pki_rng rng; /* (lock) */
	mbedtls_pk_context ca_key, receipt_key;
	char *ca_pem; /* owned */
	char receipt_pub[512];
	char *update_pub;                  /* owned; DIR/update.pub.pem, given at enrollment */
	char name[128];                    /* the station's name (its --host at init) */
	uint64_t max_size;                 /* Tus-Max-Size */
	unsigned enroll_limit;             /* enrollment attempts per address per minute */
	struct mt_rate rates[MT_RATE_MAX]; /* (lock) */
	char busy[MT_BUSY_MAX][33];        /* (lock) upload ids being written */
};

enum mt_route {
	MT_ROUTE_NONE,
	MT_ROUTE_ENROLL,
	MT_ROUTE_TUS,
	MT_ROUTE_COMMIT,
	MT_ROUTE_HEALTH,
	MT_ROUTE_DEVICE_HEALTH,
	MT_ROUTE_OTA,
};

/* One request, from its headers to its completion (libmicrohttpd's
 * con_cls). */
struct mt_req {
	struct mt_station *st;
	struct MHD_Connection *conn;
	const char *method; /* libmicrohttpd's, valid for the request */
	const char *url;
	enum mt_route route;
	char ip[64];
	char device[24]; /* the authenticated device, "" before or for /enroll */
	int done;        /* a response has been queued */
	int begun;       /* begin() has run (at once, or in the last call) */
	/* bodies of the JSON endpoints */
	char *body;
	size_t len, max;
	int too_big;
	/* a PATCH: the upload, its file and what was written so far */
	char upload[33];
	int fd;
	int64_t start, written, length; /* length: -1 while deferred */
	int write_errno;
	int holds_busy;
};

/* The end of mt_srv_reply's header list (a typed NULL: a plain NULL through
 * "..." may be an int). */
#define MT_HDR_END ((const char *)NULL)

/* Queues a reply: status, a JSON body or NULL (empty), and extra headers as
 * name, value pairs ending with MT_HDR_END. Returns libmicrohttpd's verdict. */
enum MHD_Result mt_srv_reply(struct mt_req *r, unsigned status, const char *json, ...);

/* Logs one line naming the request, the address, the device, the status
 * and why, and replies {"error": why}. */
enum MHD_Result mt_srv_reject(struct mt_req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value of a request header, or NULL. */
const char *mt_srv_header(struct mt_req *r, const char *name);

/* Marks id (an upload, or a clip being committed) busy: 0, or -1 if it
 * already is (or the table is full). Call with db.lock held. */
int mt_srv_busy_take(struct mt_station *st, const char *id);
void mt_srv_busy_drop(struct mt_station *st, const char *id);

/* Runs the server on addr until SIGTERM or SIGINT. 0 on a clean stop. */
int mt_srv_run(struct mt_station *st, const char *listen);

#endif
