/* mt-station: the station's keys and certificates with mbedTLS: ECDSA P-256
 * keys, the self-signed station CA, the TLS server certificate, device
 * certificates issued from CSRs, and detached signatures (receipts). */
#ifndef MT_STATION_PKI_H
#define MT_STATION_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#define MT_PKI_CA_SUBJECT "CN=matthan station CA,O=matthan"
#define MT_PKI_PEM_MAX    4096 /* one certificate or key as PEM */
#define MT_PKI_SIG_MAX    MBEDTLS_PK_SIGNATURE_MAX_SIZE

/* The DRBG every key and signature draws from, seeded from the kernel. */
struct mt_pki_rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

void mt_pki_rng_init(struct mt_pki_rng *r);
int mt_pki_rng_seed(struct mt_pki_rng *r);
void mt_pki_rng_free(struct mt_pki_rng *r);

/* A new P-256 key into pk (mbedtls_pk_init'ed, empty). 0 or an mbedTLS error. */
int mt_pki_keygen(mbedtls_pk_context *pk, struct mt_pki_rng *rng);

/* The private key as PEM, written durably with mode 0600. 0 or < 0. */
int mt_pki_key_save(mbedtls_pk_context *pk, const char *path);

/* The private key at path (PEM) into pk (mbedtls_pk_init'ed). 0 or < 0. */
int mt_pki_key_load(mbedtls_pk_context *pk, const char *path, struct mt_pki_rng *rng);

/* The public key as PEM (SubjectPublicKeyInfo) into out. 0 or < 0. */
int mt_pki_pub_pem(mbedtls_pk_context *pk, char *out, size_t cap);

enum mt_pki_kind {
	MT_PKI_CA,              /* self-signed; signs every other certificate */
	MT_PKI_SERVER,          /* the station's TLS certificate (serverAuth, SANs) */
	MT_PKI_DEVICE_TLS,      /* a device's TLS client certificate (clientAuth) */
	MT_PKI_DEVICE_EVIDENCE, /* a device's evidence key (signs manifests) */
};

struct mt_pki_cert_req {
	enum mt_pki_kind kind;
	const char *subject;             /* "CN=..." (for MT_PKI_CA: MT_PKI_CA_SUBJECT) */
	mbedtls_pk_context *subject_key; /* only its public part is used */
	mbedtls_pk_context *issuer_key;  /* the CA's private key */
	const char *host; /* MT_PKI_SERVER: one more SAN (DNS name or IP); may be NULL */
};

/* Issues a certificate valid 2000-01-01 to 2099-12-31 (docs/protocol.md:
 * clocks never authenticate) as PEM into pem. 0 or < 0. */
int mt_pki_issue(const struct mt_pki_cert_req *req, struct mt_pki_rng *rng, char *pem, size_t cap);

/* Parses a PEM CSR into csr (mbedtls_x509_csr_init'ed) and checks that it
 * is an ECDSA P-256 key's request signed by that key with SHA-256. 0, or
 * -1 with the reason in err. */
int mt_pki_csr_parse(mbedtls_x509_csr *csr, const char *pem, char *err, size_t errlen);

/* SHA-256 of the DER of the first certificate of pem (PEM or DER, len
 * bytes with the NUL for PEM). 0 or -1. */
int mt_pki_cert_fingerprint(const unsigned char *pem, size_t len, uint8_t out[32]);

/* DER ECDSA-SHA256 signature of data by key into sig (MT_PKI_SIG_MAX
 * bytes). 0 or < 0. */
int mt_pki_sign(mbedtls_pk_context *key, const void *data, size_t len, struct mt_pki_rng *rng,
		uint8_t *sig, size_t *sig_len);

#endif
