/* The device's evidence key store on the storage hal. At start it loads the
 * evidence key from "<dir>/evidence.key" (DER, mode 0600), or makes one on
 * the device and saves it there; the private key never leaves it. The public
 * key can be exported, and the certificate the station issues for it at
 * enrollment is kept in "<dir>/evidence.crt". This is not the TLS client key
 * (net/ owns that one; "<dir>/tls.key" is the name kept free for it). */
#ifndef MT_EVIDENCE_KEYSTORE_H
#define MT_EVIDENCE_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/drbg.h"
#include "evidence/sw_signer.h"

#define MT_KEYSTORE_KEY_FILE  "evidence.key"
#define MT_KEYSTORE_CERT_FILE "evidence.crt"
#define MT_KEYSTORE_PATH_MAX  256
#define MT_KEYSTORE_CERT_MAX  (16 * 1024)

struct mt_storage;

struct mt_keystore {
	struct mt_storage *st; /* borrowed */
	char dir[MT_KEYSTORE_PATH_MAX];
	struct mt_sw_signer sw;
	int created; /* the key was made by this open (first boot) */
};

/* An empty store in caller-owned ks. Cannot fail. */
void mt_keystore_init(struct mt_keystore *ks);

/* Loads the evidence key from dir on st, or, if there is none, makes a new
 * one with drbg and saves it atomically (0600) before returning, so a key
 * that signed anything is always on flash. st and drbg (seeded) must
 * outlive ks. A key file that is there but unreadable or not a P-256 key is
 * MT_ECORRUPT, and is left alone (never silently replaced: clips signed by
 * it would no longer match the certificate). 0 or a negative error. */
int mt_keystore_open(struct mt_keystore *ks, struct mt_storage *st, const char *dir,
		     struct mt_drbg *drbg);

/* The signer of the evidence key, valid while ks is open. */
struct mt_signer *mt_keystore_signer(struct mt_keystore *ks);

/* Stores the certificate the station issued (PEM or DER, len bytes)
 * atomically, after checking that it parses as X.509 and certifies this
 * store's public key: MT_ECORRUPT if it does not parse, -EKEYREJECTED if it
 * is for another key. */
int mt_keystore_set_cert(struct mt_keystore *ks, const uint8_t *cert, size_t len);

/* The stored certificate as it was given, in a new buffer (free() it).
 * -ENOENT before enrollment. */
int mt_keystore_get_cert(struct mt_keystore *ks, uint8_t **cert, size_t *len);

/* Wipes the key from RAM. NULL and a second call are fine. */
void mt_keystore_free(struct mt_keystore *ks);

#endif
