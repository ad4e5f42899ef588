/* SHA-256 of evidence (clip files, fragments, manifests, the hash chain), over
 * mbedTLS 2.28 or 3.6. An error is kept until finish, so a caller hashing a
 * stream checks once, at the end. */
#ifndef MT_EVIDENCE_SHA256_H
#define MT_EVIDENCE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

#define MT_SHA256_LEN     32
#define MT_SHA256_HEX_LEN 64 /* characters, without the NUL */

struct mt_sha256 {
	mbedtls_sha256_context ctx;
	int err; /* first failure since the hash started; 0 if none */
};

/* Starts a hash in caller-owned h. Cannot fail: a failure to start is kept
 * and returned by the next update or finish. */
void mt_sha256_init(struct mt_sha256 *h);

/* Adds len bytes at data (NULL is fine when len is 0). 0, or the error that
 * spoiled this hash (a negative errno). */
int mt_sha256_update(struct mt_sha256 *h, const void *data, size_t len);

/* Writes the digest to out and starts a new hash in h, so one context hashes
 * a sequence (one fragment after another). 0, or a negative errno and out
 * holds no digest. */
int mt_sha256_finish(struct mt_sha256 *h, uint8_t out[MT_SHA256_LEN]);

/* Wipes h; init it again before reuse. NULL and a second call are fine. */
void mt_sha256_free(struct mt_sha256 *h);

/* The digest of len bytes at data, in one call. 0 or a negative errno. */
int mt_sha256(const void *data, size_t len, uint8_t out[MT_SHA256_LEN]);

struct mt_storage;

/* The digest of the file at path on st, read through the storage hal (a clip
 * as it is on flash). 0, or the hal's negative errno. */
int mt_sha256_file(struct mt_storage *st, const char *path, uint8_t out[MT_SHA256_LEN]);

/* Lowercase hex of digest into out (MT_SHA256_HEX_LEN + 1 bytes, NUL
 * terminated), as in manifests and `sha256sum`. Returns out. */
char *mt_sha256_hex(const uint8_t digest[MT_SHA256_LEN], char out[MT_SHA256_HEX_LEN + 1]);

#endif
