/* Record sealer: the TLS records we send, sealed with Nettle's AEADs.
 *
 * mbedTLS does the handshake, the certificates and everything we receive.
 * Once a connection is up, net/tls.c hands the sealer the client's write key,
 * IV and next sequence number, and the application data we send is framed
 * and sealed here instead of in mbedTLS's record layer. Why: mbedTLS 2.28/3.6
 * run AES-GCM one 16-byte block at a time (about 235 MiB/s on the x86-64 test
 * machine) and ChaCha20 in portable C; Nettle has multi-block AES-GCM with
 * AES-NI/PCLMUL or the Armv8 crypto extension and NEON ChaCha20 (1.9 GiB/s
 * here). Upload goodput was bound by that cipher; docs/performance.md,
 * Delivery, has the numbers.
 *
 * The sealer is pure: it turns plaintext into one record in a caller-visible
 * buffer and advances its sequence number; net/tls.c writes the record and
 * keeps mbedTLS's own counter in step, so mbedTLS can still send (headers,
 * alerts, close_notify) between sealed records.
 *
 * Record formats (application_data only):
 *   TLS 1.2 AES-GCM (RFC 5288): nonce = salt(4) || explicit(8), explicit =
 *     the sequence number, sent after the header; AAD = seq || 23 || 3,3 || len.
 *   TLS 1.2 ChaCha20-Poly1305 (RFC 7905): nonce = iv(12) ^ seq; same AAD.
 *   TLS 1.3 (RFC 8446 5.2): plaintext || 23 sealed, nonce = iv(12) ^ seq,
 *     AAD = the record header. */
#ifndef MT_NET_TLS_SEAL_H
#define MT_NET_TLS_SEAL_H

#include <stddef.h>
#include <stdint.h>

enum mt_seal_aead {
	MT_SEAL_AES128_GCM,
	MT_SEAL_AES256_GCM,
	MT_SEAL_CHACHA20_POLY1305,
};

struct mt_seal_keys {
	int tls13; /* 0: TLS 1.2, 1: TLS 1.3 */
	enum mt_seal_aead aead;
	uint8_t key[32]; /* 16 or 32 bytes, by aead */
	uint8_t iv[12];  /* TLS 1.2 GCM: the 4-byte salt, the rest unused */
	uint64_t seq;    /* of the next record we send */
};

struct mt_tls_seal;

/* Bytes a record adds to its plaintext, at most (header, explicit nonce or
 * TLS 1.3 content type, tag). */
#define MT_SEAL_OVERHEAD (5 + 8 + 16)

/* A sealer for keys (copied), sealing at most max_plain bytes per record
 * (1..16384). -EINVAL for a bad length, -ENOMEM. */
int mt_tls_seal_new(const struct mt_seal_keys *keys, size_t max_plain, struct mt_tls_seal **out);
/* Wipes the keys. NULL is fine. */
void mt_tls_seal_free(struct mt_tls_seal *s);

/* Seals the first min(len, max_plain) bytes of in as one application_data
 * record. *rec points at the record (valid until the next call), *rec_len is
 * its length; returns the plaintext bytes taken. */
size_t mt_tls_seal(struct mt_tls_seal *s, const void *in, size_t len, const uint8_t **rec,
		   size_t *rec_len);

/* The sequence number of the next record. */
uint64_t mt_tls_seal_seq(const struct mt_tls_seal *s);

/* "AES-128-GCM" and so on, for status lines and logs. */
const char *mt_tls_seal_name(const struct mt_tls_seal *s);

#endif
