/* Enrollment: the box introduces itself to its ward station once. It makes
 * its TLS key (kept in <keys>/tls.key, DER, mode 0600, never sent), writes
 * CSRs for it and for the evidence key, connects with server-only TLS
 * pinned to the CA fingerprint the installer typed, sends the CSRs with the
 * one-time code, checks what comes back (the CA is the pinned one, each
 * certificate is issued by it for our own key) and stores it:
 *   <keys>/tls.crt     our TLS client certificate (PEM)
 *   <keys>/ca.pem      the station CA, the only one trusted from now on
 *   <keys>/receipt.pem the station's receipt key (PEM public key)
 *   <keys>/device.id   the id the station gave us
 *   <keys>/evidence.crt through the evidence key store
 * From then on the box talks mutual TLS only (docs/protocol.md). */
#ifndef MT_NET_ENROLL_H
#define MT_NET_ENROLL_H

#include <stddef.h>
#include <stdint.h>

struct mt_net;
struct mt_drbg;
struct mt_storage;
struct mt_keystore;

#define MT_ENROLL_ID_MAX 64

struct mt_enroll {
	struct mt_net *net;
	struct mt_drbg *drbg; /* seeded */
	struct mt_storage *st;
	const char *keys_dir;
	struct mt_keystore *evidence; /* open */
	const char *url;              /* https://station[:port] */
	const char *code;             /* one-time enrollment code */
	const char *fingerprint;      /* the station CA's SHA-256, hex (':' allowed) */
	const char *name;             /* a label for the station's registry; may be "" */
	int timeout_ms;
};

/* Parses a SHA-256 fingerprint written as 64 hex digits, with or without
 * ':' or ' ' between bytes. 0 or -EINVAL. */
int mt_enroll_parse_fingerprint(const char *text, uint8_t out[32]);

/* Enrolls. 0 with device_id set; otherwise a negative error and why (one
 * line for the installer): -EINVAL (bad URL or fingerprint), -EACCES (the
 * station is not the pinned one, or refused the code), -EAGAIN (network,
 * try again), -EBUSY (rate limited), MT_EFORMAT (a malformed answer),
 * or a storage error. Nothing already stored is replaced unless the whole
 * answer checked out. */
int mt_enroll_run(const struct mt_enroll *e, char device_id[MT_ENROLL_ID_MAX], char *why,
		  size_t why_len);

/* Whether keys_dir holds a complete enrollment (certificate, CA, receipt
 * key, id). */
int mt_enroll_done(struct mt_storage *st, const char *keys_dir);

#endif
