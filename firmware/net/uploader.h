/* The uploader: sends clips from the spool to the ward station in
 * sequence order, resumably, and keeps the station's signed receipt.
 *
 * Following the spool (mt_uploader_follow, as the recorder does), a clip
 * goes up while it is recorded: created with Upload-Defer-Length: 1 when it
 * opens, a PATCH for each fragment the spool has synced and chained, the
 * length with the last PATCH once it is sealed. A deferred upload that
 * holds more than the sealed file (a recovery cut the clip short) is
 * terminated and begun again. Without a spool, a clip is ready when its manifest and signature are in the spool
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

struct mt_spool;
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
	/* The spool being recorded into, followed live (mt_uploader_follow);
	 * NULL: sealed clips are found by listing spool_dir. */
	struct mt_spool *spool;
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
	uint64_t live_clips; /* clips whose upload began while they were recorded */
	uint64_t live_bytes; /* bytes acknowledged while their clip was recorded */
	uint64_t restarts;   /* uploads terminated and begun again (a recovery cut the clip) */
	uint64_t last_seq;   /* last clip delivered */
	int64_t last_us;     /* when (clock hal), 0 = never */
	int last_error;      /* 0, or the last failure */
	char last_why[120];
};

struct mt_upload_file {
	struct mt_tus_upload up;
	bool done;
	bool ask; /* the offset is journaled or stale: HEAD before the next PATCH */
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
	bool live;                  /* it is still being recorded (following a spool) */
	uint64_t live_bytes;        /* ... and this much of it is committed */
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
/* Follows sp (NULL: stops following; sp must stay open until then): the
 * clip being recorded is uploaded while it grows, fragment by fragment as
 * the spool commits them, with Upload-Defer-Length: 1, and its length is
 * sent with the last PATCH once the clip is sealed. Not concurrently with
 * mt_uploader_step. */
void mt_uploader_follow(struct mt_uploader *u, struct mt_spool *sp);

/* Whether clip seq has a checked receipt in the spool. */
bool mt_uploader_delivered(struct mt_uploader *u, uint64_t seq);

void mt_uploader_close(struct mt_uploader *u);

#endif
