/* The uploader: sends sealed clips from the spool to the ward station in
 * sequence order, resumably, and keeps the station's signed receipt.
 *
 * A clip is ready when its manifest and signature are in the spool
 * (clip-N.json, clip-N.sig next to clip-N.mp4; clip-N.ckpt when it has
 * checkpoints). Its four files go up by tus; the locations and offsets are
 * journaled in clip-N.up (replaced atomically after every acknowledged
 * piece), so after a reboot or a dropped link the upload continues where
 * the station says it stands, never re-sending acknowledged bytes. Then
 * POST /clips/commit; the receipt must be signed by the station's receipt
 * key and name this device, this sequence number and this manifest's hash.
 * Only then is it kept (clip-N.rcpt: the receipt text, clip-N.rcpt.sig: the
 * DER signature) and the clip counts as delivered — the spool may evict
 * it. Failures back off exponentially with jitter; nothing is deleted. */
#ifndef MT_NET_UPLOADER_H
#define MT_NET_UPLOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "net/station.h"
#include "net/tus.h"

struct mt_storage;
struct mt_net;
struct mt_drbg;
struct mt_clock;

#define MT_UPLOADER_PATH_MAX 256
#define MT_UPLOADER_CHUNK    (16 * 1024 * 1024) /* bytes per PATCH: each costs the station a sync */

struct mt_uploader_config {
	struct mt_storage *st;
	struct mt_net *net;
	struct mt_drbg *drbg;
	struct mt_clock *clock;
	const char *spool_dir;
	const char *keys_dir;
	const char *url;        /* https://station[:port][/base] */
	uint32_t kbps;          /* upload cap in kbit/s; 0 = none */
	int timeout_ms;         /* per network step; 0 = 15 s */
	int64_t backoff_max_us; /* longest wait between failed attempts; 0 = 5 min */
};

struct mt_uploader_stats {
	uint64_t delivered; /* clips with a checked receipt */
	uint64_t bytes;     /* payload bytes the station acknowledged */
	uint64_t failures;  /* attempts that failed (then backed off) */
	uint64_t bad_receipts;
	uint64_t last_seq; /* last clip delivered */
	int64_t last_us;   /* when (clock hal), 0 = never */
	int last_error;    /* 0, or the last failure */
	char last_why[120];
};

struct mt_upload_file {
	struct mt_tus_upload up;
	bool done;
};

struct mt_uploader {
	struct mt_uploader_config cfg;
	struct mt_station_url url;
	struct mt_tls_client *tls;
	struct mt_station station;
	mbedtls_pk_context receipt_key;
	char device_id[64];
	uint8_t *ca, *cert, *key; /* PEM/DER buffers the TLS client parsed */
	size_t ca_len, cert_len, key_len;
	/* the clip in progress */
	uint64_t seq;
	bool active;
	struct mt_upload_file f[4]; /* clip, manifest, signature, checkpoints */
	int64_t next_try_us;
	int64_t backoff_us;
	int64_t rate_start_us;
	uint64_t rate_bytes;
	struct mt_uploader_stats stats;
};

/* Reads the enrollment (keys_dir) and prepares the link. -ENOENT when the
 * box is not enrolled (the uploader then does nothing), -EINVAL for a bad
 * URL, MT_ECORRUPT for unreadable keys. */
int mt_uploader_open(struct mt_uploader *u, const struct mt_uploader_config *cfg);

/* One unit of work: the next piece of the oldest ready clip, or its commit.
 * 1 when something moved, 0 when there is nothing to do, -EAGAIN while
 * backing off after a failure (stats.last_why says why). */
int mt_uploader_step(struct mt_uploader *u);

/* Ends a back-off: the next step tries at once (the installer asked). */
void mt_uploader_retry_now(struct mt_uploader *u);

/* Whether clip seq has a checked receipt in the spool. */
bool mt_uploader_delivered(struct mt_uploader *u, uint64_t seq);

void mt_uploader_close(struct mt_uploader *u);

#endif
