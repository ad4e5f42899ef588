/* The OTA agent: asks the station for its board's latest.json, downloads
 * the bundle with HTTP Range requests into root/download (resuming after a
 * dropped link or a reboot from a small journal), judges the signed head as
 * soon as it has arrived, hashes the payload as it streams, verifies the
 * whole bundle again before installing it into the slot it is not running
 * from, and arms that slot for a trial boot. After the trial slot's health
 * check, commit() makes it the active slot and raises the anti-rollback
 * floor (root/floor, outside the slots). Every refusal has a verdict and a
 * one-line reason in o->why, logged once. One thread. */
#ifndef MT_OTA_AGENT_H
#define MT_OTA_AGENT_H

#include <stdint.h>

#include "ota/bundle.h"
#include "ota/version.h"

#define MT_OTA_ROOT_MAX 200
#define MT_OTA_FILE_MAX 96
#define MT_OTA_CHUNK    (64 * 1024)

struct mt_storage;
struct mt_slot;
struct mt_clock;

/* Where bundles come from: GET of file name (under the board's OTA folder)
 * bytes [first, first + len) into buf. *got bytes arrived (all of them, or
 * fewer only at the end of the file); *total is the file's size. 0,
 * -ENOENT (no such file), -ERANGE (first is past the end), or a negative
 * error of the link (retry later). */
struct mt_ota_fetch {
	int (*get)(void *ctx, const char *name, uint64_t first, size_t len, uint8_t *buf,
		   size_t *got, uint64_t *total);
	void *ctx;
};

struct mt_ota_config {
	struct mt_storage *st;     /* borrowed, all below live as long as the agent */
	struct mt_slot *slot;      /* the slot hal; slot folders come from its dir() */
	const char *root;          /* the agent's own files: floor, download/ */
	const char *board;         /* "host" */
	const char *version;       /* the version running now */
	char running;              /* the slot running now, 'A' or 'B' */
	struct mt_bundle_key *key; /* the station's update key */
	const struct mt_ota_fetch *fetch;
	struct mt_clock *clock; /* for the bandwidth cap; may be NULL when kbps is 0 */
	uint32_t kbps;          /* download cap, 0 for none */
	size_t chunk;           /* bytes per Range request; 0 for MT_OTA_CHUNK */
	int tries;              /* trial boots; 0 for MT_SLOTS_TRIES_DEFAULT */
};

/* What latest.json offers. */
struct mt_ota_offer {
	char file[MT_OTA_FILE_MAX];
	char version[MT_VERSION_MAX];
	uint64_t size;
};

struct mt_ota_stats {
	uint64_t fetched;      /* bytes received by this agent, all attempts */
	uint64_t resumed_from; /* the offset the last download() started at */
	uint64_t requests;
	uint64_t link_errors;
};

struct mt_ota {
	struct mt_ota_config cfg;
	enum mt_bundle_verdict verdict; /* of the last refusal */
	char why[240];                  /* last refusal or failure, for logs and the station */
	struct mt_ota_stats stats;
	int64_t rate_start_us;
	uint64_t rate_bytes;
};

/* Binds o to cfg (copied; its pointers are borrowed). Cannot fail. */
void mt_ota_init(struct mt_ota *o, const struct mt_ota_config *cfg);

/* Fetches latest.json. 1 and *offer filled when it offers a version newer
 * than the running one (and not below the floor), 0 when not, -ENOENT when
 * nothing is published, MT_EFORMAT for a malformed document, or a link
 * error. The offer is a hint: only the signed head decides. */
int mt_ota_check(struct mt_ota *o, struct mt_ota_offer *offer);

/* Downloads offer's bundle, resuming where a previous call (or a previous
 * boot) stopped. 0 when all of it is on flash and its hash matches; a link
 * error (call again later: nothing is lost); MT_ECORRUPT when it is refused
 * (o->verdict, o->why; the partial download is deleted). */
int mt_ota_download(struct mt_ota *o, const struct mt_ota_offer *offer);

/* Verifies the downloaded bundle again (signature, policy, sizes, hash),
 * writes its payload as "matthan" (mode as the storage makes it) and its
 * version into the slot not running, checks the copy's hash, and arms that
 * slot for a trial boot in one state write. 0, MT_ECORRUPT (refused:
 * o->verdict, o->why) or a storage error; the running slot is never
 * written. */
int mt_ota_install(struct mt_ota *o);

/* The running slot passed its health check: commit it (if on trial) and
 * raise the floor to the running version. Idempotent. */
int mt_ota_commit(struct mt_ota *o);

/* The running trial slot failed its health check: why goes in the note so
 * the rollback that follows the last try reports it. The caller exits for
 * a restart. */
int mt_ota_health_failed(struct mt_ota *o, const char *why);

/* Drops a pending trial (the console's ota rollback). */
int mt_ota_rollback(struct mt_ota *o, const char *why);

/* The floor into out (MT_VERSION_MAX bytes; "" when none). 0 or an error. */
int mt_ota_floor(struct mt_ota *o, char out[MT_VERSION_MAX]);

/* Takes the note of a rollback not yet reported (into out, cap bytes) and
 * clears it in the state. 1 when there was one, 0 when not, or an error. */
int mt_ota_take_note(struct mt_ota *o, char *out, size_t cap);

/* Internal to the agent's files: paths under root. */
int mt_ota_path(const struct mt_ota *o, const char *name, char *out, size_t cap);

#endif
