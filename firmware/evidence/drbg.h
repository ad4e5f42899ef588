/* The device's random bit generator for keys, nonces and ECDSA: NIST SP 800-90A
 * CTR_DRBG (AES-256) from mbedTLS, seeded and reseeded only from the random
 * hal. Hand mt_drbg_random and the drbg to mbedTLS wherever it asks for
 * f_rng and p_rng. mbedTLS locks the generator, so threads may share one. */
#ifndef MT_EVIDENCE_DRBG_H
#define MT_EVIDENCE_DRBG_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>

#include "hal/random.h"

/* Entropy and nonce taken from the hal at seeding: 256 bits of entropy for
 * AES-256, and a 128-bit nonce, as NIST's CTR_DRBG test vectors use. */
#define MT_DRBG_ENTROPY_BYTES 32
#define MT_DRBG_NONCE_BYTES   16

struct mt_drbg {
	mbedtls_ctr_drbg_context ctr;
	struct mt_random *rng; /* the entropy source; borrowed */
	_Atomic int rng_err;   /* its last failure, which mbedTLS cannot pass on */
	int seeded;
};

/* Makes caller-owned d ready for seed or free. Cannot fail. */
void mt_drbg_init(struct mt_drbg *d);

/* Seeds d from rng (entropy, then nonce), mixed with personalization (a NUL
 * terminated string naming the use, such as the device id; NULL or "" for
 * none; at most 336 bytes). rng must outlive d: reseeds read it too. Seeding
 * a seeded d starts it over. 0, the hal's negative errno, or -EINVAL. */
int mt_drbg_seed(struct mt_drbg *d, struct mt_random *rng, const char *personalization);

/* Fills buf with len bytes; drbg is a seeded struct mt_drbg. This is an
 * mbedTLS f_rng. 0, -EINVAL if not seeded, or the hal's negative errno if a
 * reseed failed. */
int mt_drbg_random(void *drbg, unsigned char *buf, size_t len);

/* Wipes the generator state. NULL and a second call are fine. */
void mt_drbg_free(struct mt_drbg *d);

#endif
