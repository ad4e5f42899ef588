/* The software signer backend: an ECDSA P-256 key held in RAM by mbedTLS,
 * made on the device from our CTR_DRBG. The key store (keystore.h) creates,
 * saves and loads it; everything else sees only its struct mt_signer. */
#ifndef MT_EVIDENCE_SW_SIGNER_H
#define MT_EVIDENCE_SW_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "evidence/drbg.h"
#include "evidence/signer.h"

struct mt_sw_signer {
	struct mt_signer signer; /* hand &s->signer to users of the key */
	mbedtls_pk_context pk;
	struct mt_drbg *drbg; /* borrowed: ECDSA's per-signature randomness */
	int has_key;
};

/* An empty signer in caller-owned s, to be given a key by generate or
 * load; drbg (seeded) must outlive s. Cannot fail. */
void mt_sw_signer_init(struct mt_sw_signer *s, struct mt_drbg *drbg);

/* Makes a new P-256 key pair from s's drbg. 0 or a negative error. */
int mt_sw_signer_generate(struct mt_sw_signer *s);

/* Takes the private key from DER (SEC1 or PKCS#8, as written by
 * mt_sw_signer_private_der). MT_ECORRUPT if it is not a P-256 key. */
int mt_sw_signer_load(struct mt_sw_signer *s, const uint8_t *der, size_t len);

/* The private key as DER, for the key store's file only: it writes it to
 * flash (mode 0600) and nowhere else. The DER is at the start of buf (cap
 * bytes); the caller wipes buf after use. */
int mt_sw_signer_private_der(struct mt_sw_signer *s, uint8_t *buf, size_t cap, size_t *len);

/* Wipes the key. NULL and a second call are fine. */
void mt_sw_signer_free(struct mt_sw_signer *s);

#endif
