/* The one interface every evidence signature goes through: sign a SHA-256
 * digest with the device's evidence key (ECDSA P-256, DER signature), and
 * export its public key. The key itself never leaves the backend: today the
 * software one (sw_signer.h), later a secure element behind the same ops. */
#ifndef MT_EVIDENCE_SIGNER_H
#define MT_EVIDENCE_SIGNER_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/sha256.h"

/* A DER ECDSA P-256 signature: SEQUENCE of two INTEGERs of up to 33 bytes. */
#define MT_SIGNER_SIG_MAX 72
/* A P-256 SubjectPublicKeyInfo in DER is 91 bytes; room to spare. */
#define MT_SIGNER_PUB_DER_MAX 128
/* The same as PEM ("-----BEGIN PUBLIC KEY-----" ...), NUL included. */
#define MT_SIGNER_PUB_PEM_MAX 256

struct mt_signer;

struct mt_signer_ops {
	/* mandatory: the DER ECDSA-SHA256 signature of digest into sig (cap
	 * bytes, at least MT_SIGNER_SIG_MAX); *sig_len its length */
	int (*sign_digest)(struct mt_signer *s, const uint8_t digest[MT_SHA256_LEN], uint8_t *sig,
			   size_t cap, size_t *sig_len);
	/* mandatory: the public key as DER SubjectPublicKeyInfo (what
	 * `openssl pkey -pubin -outform DER` prints) into buf (cap bytes) */
	int (*public_der)(struct mt_signer *s, uint8_t *buf, size_t cap, size_t *len);
};

struct mt_signer {
	const struct mt_signer_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_signer_sign_digest(struct mt_signer *s, const uint8_t digest[MT_SHA256_LEN],
					uint8_t *sig, size_t cap, size_t *sig_len)
{
	assert(s->ops->sign_digest);
	return s->ops->sign_digest(s, digest, sig, cap, sig_len);
}

static inline int mt_signer_public_der(struct mt_signer *s, uint8_t *buf, size_t cap, size_t *len)
{
	assert(s->ops->public_der);
	return s->ops->public_der(s, buf, cap, len);
}

/* Signs len bytes at data (hashed with SHA-256 first): what
 * `openssl dgst -sha256 -verify` checks. 0 or a negative error. */
int mt_signer_sign(struct mt_signer *s, const void *data, size_t len, uint8_t *sig, size_t cap,
		   size_t *sig_len);

/* The public key as PEM text into buf (cap bytes, NUL-terminated; *len
 * counts the bytes without the NUL). 0, -ENOSPC or a negative error. */
int mt_signer_public_pem(struct mt_signer *s, char *buf, size_t cap, size_t *len);

/* The key id written in manifests and checkpoints: SHA-256 of the DER
 * public key (`openssl pkey -pubin -outform DER | sha256sum`). */
int mt_signer_key_id(struct mt_signer *s, uint8_t id[MT_SHA256_LEN]);

#endif
