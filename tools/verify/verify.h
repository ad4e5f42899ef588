/* mt-verify: one clip's verdict, from its file, its manifest and detached
 * signature, or, when a power cut left no manifest, its checkpoint records.
 * Uses mbedTLS for SHA-256 and ECDSA, and cJSON to read the manifest. */
#ifndef MT_VERIFY_VERIFY_H
#define MT_VERIFY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

enum vr_status {
	VR_OK,
	VR_PARTIAL,
	VR_FAIL
};

struct vr_key {
	mbedtls_pk_context pk;
	uint8_t key_id[32]; /* SHA-256 of the DER public key */
};

struct vr_result {
	enum vr_status status;
	char reason[200];
	unsigned ckpt_ok, ckpt_total;
	int have_seq; /* seq and prev below are known (from signed data) */
	uint64_t seq;
	uint8_t prev[32];
	int have_manifest; /* the signed manifest verified: manifest_sha256 is set */
	uint8_t manifest_sha256[32];
	/* the signed manifest's fragment hashes (for splice detection) */
	uint8_t (*manifest_frags)[32];
	size_t n_manifest_frags;
	/* when status is FAIL for an altered fragment: its number and hash */
	size_t bad_fragment;
	uint8_t bad_fragment_sha256[32];
};

/* Loads a public key (PEM or DER) or, with is_cert, an X.509 certificate's
 * key. 0, or -1 with a message in err. */
int vr_key_load(struct vr_key *k, const char *path, int is_cert, char *err, size_t errlen);
void vr_key_free(struct vr_key *k);

/* Verifies the clip at clip_path ("<base>.mp4", with "<base>.json",
 * "<base>.sig" and "<base>.ckpt" beside it) against key k. */
void vr_verify_clip(const struct vr_key *k, const char *clip_path, struct vr_result *r);

void vr_result_free(struct vr_result *r);

#endif
