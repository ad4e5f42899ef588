/* OTA bundles (docs/ota.md): one file made of a 12-byte prefix ("MTB1",
 * manifest length, signature length, both big-endian u32), the manifest
 * (key=value text lines), its detached DER ECDSA P-256 signature by the
 * station's update key, and the payload. The manifest pins the payload's
 * size and SHA-256, so a verified head plus a matching hash proves every
 * byte. The head is at the front so a download is judged (signature,
 * board, versions) before the payload is fetched. */
#ifndef MT_OTA_BUNDLE_H
#define MT_OTA_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/mbedtls_compat.h"
#include "evidence/sha256.h"
#include "ota/version.h"

#define MT_BUNDLE_MAGIC        "MTB1"
#define MT_BUNDLE_PREFIX_LEN   12
#define MT_BUNDLE_MANIFEST_MAX 1024
#define MT_BUNDLE_SIG_MAX      80
#define MT_BUNDLE_HEAD_MAX     (MT_BUNDLE_PREFIX_LEN + MT_BUNDLE_MANIFEST_MAX + MT_BUNDLE_SIG_MAX)
#define MT_BUNDLE_BOARD_MAX    32

struct mt_bundle_manifest {
	char board[MT_BUNDLE_BOARD_MAX];
	char version[MT_VERSION_MAX];
	char min_version[MT_VERSION_MAX]; /* the box must already run at least this */
	uint64_t size;                    /* payload bytes */
	uint8_t sha256[MT_SHA256_LEN];    /* of the payload */
	int64_t created;                  /* Unix seconds, informative */
};

/* Why a bundle is refused; MT_BUNDLE_OK is 0. */
enum mt_bundle_verdict {
	MT_BUNDLE_OK = 0,
	MT_BUNDLE_MALFORMED,
	MT_BUNDLE_BAD_SIGNATURE,
	MT_BUNDLE_WRONG_BOARD,
	MT_BUNDLE_NOT_NEWER,
	MT_BUNDLE_BELOW_FLOOR,
	MT_BUNDLE_BASE_TOO_OLD,
	MT_BUNDLE_TRUNCATED,
	MT_BUNDLE_OVERSIZED,
	MT_BUNDLE_BAD_HASH,
	MT_BUNDLE_IO,
};

/* A short name for v ("bad signature", "wrong board", ...). */
const char *mt_bundle_verdict_str(enum mt_bundle_verdict v);

/* The update key's public half. init cannot fail; free is safe twice. */
struct mt_bundle_key {
	mbedtls_pk_context pk;
};
void mt_bundle_key_init(struct mt_bundle_key *k);
/* pem: NUL-terminated PEM text of a P-256 public key, len counting the NUL.
 * 0 or MT_ECORRUPT. */
int mt_bundle_key_load(struct mt_bundle_key *k, const uint8_t *pem, size_t len);
void mt_bundle_key_free(struct mt_bundle_key *k);

/* What the box accepts: its board, the version it runs and the floor. A
 * NULL board checks the bundle alone (signature, sizes, hash). */
struct mt_bundle_policy {
	const char *board;
	const char *installed;
	const char *floor; /* NULL or "" for none */
};

/* Writes the prefix for a manifest of mlen and a signature of slen bytes. */
void mt_bundle_prefix_write(uint8_t out[MT_BUNDLE_PREFIX_LEN], uint32_t mlen, uint32_t slen);

/* From at least MT_BUNDLE_PREFIX_LEN bytes at buf: the head's length
 * (prefix + manifest + signature). 0 or MT_EFORMAT. */
int mt_bundle_head_len(const uint8_t *buf, size_t len, size_t *head_len);

/* The manifest text of m into out (cap bytes, NUL-terminated). Its length,
 * or -ENOSPC. */
int mt_bundle_manifest_format(const struct mt_bundle_manifest *m, char *out, size_t cap);

/* Parses manifest text (exactly the lines manifest_format writes, in order).
 * 0 or MT_EFORMAT. */
int mt_bundle_manifest_parse(const char *text, size_t len, struct mt_bundle_manifest *m);

/* Checks a whole head (head_len bytes from mt_bundle_head_len): the
 * signature over the manifest with key, then the manifest against policy.
 * Fills m. why (cap bytes) gets one line for the log. */
enum mt_bundle_verdict mt_bundle_head_check(const uint8_t *head, size_t head_len,
					    struct mt_bundle_key *key,
					    const struct mt_bundle_policy *policy,
					    struct mt_bundle_manifest *m, char *why, size_t cap);

/* The policy part alone (board, floor, newer, base version). */
enum mt_bundle_verdict mt_bundle_judge(const struct mt_bundle_manifest *m,
				       const struct mt_bundle_policy *policy, char *why,
				       size_t cap);

struct mt_storage;

/* Everything, on a bundle file at path: head_check, then the file's size
 * against the declared payload (truncated or oversized), then the payload's
 * SHA-256. *head_len (may be NULL) gets where the payload starts. */
enum mt_bundle_verdict mt_bundle_verify_file(struct mt_storage *st, const char *path,
					     struct mt_bundle_key *key,
					     const struct mt_bundle_policy *policy,
					     struct mt_bundle_manifest *m, size_t *head_len,
					     char *why, size_t cap);

#endif
