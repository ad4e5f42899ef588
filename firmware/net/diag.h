/* The way to the station, step by step, for the installer (console
 * "station test"): the enrollment on disk, DNS, TCP connect, TLS handshake,
 * the station's certificate against the stored station CA and the host
 * name, then GET /health with the device certificate. Each step is said in
 * one line, "ok: ..." or "FAIL: <the precise reason>"; the first failure
 * ends the test (later steps cannot work without it). */
#ifndef MT_NET_DIAG_H
#define MT_NET_DIAG_H

#include <stddef.h>

struct mt_net;
struct mt_drbg;
struct mt_storage;

/* One step's result: step is "DNS", "TCP", ...; text starts with "ok" or
 * "FAIL" (or "skipped"). */
typedef void (*mt_diag_say_fn)(void *ctx, const char *step, const char *text);

struct mt_diag_config {
	struct mt_net *net;
	struct mt_drbg *drbg; /* seeded; borrowed */
	struct mt_storage *st;
	const char *keys_dir; /* the enrollment (net/enroll.h) */
	const char *url;      /* station.url */
	int timeout_ms;       /* each step; 0 = 4 s */
};

/* Runs the steps, saying each. 0 when all passed, else the failed step's
 * error: -ENOENT not enrolled or no such host, -ECONNREFUSED and the like,
 * -EACCES certificate or refused device, -EPROTO other answers. */
int mt_station_diag(const struct mt_diag_config *cfg, mt_diag_say_fn say, void *ctx);

#endif
