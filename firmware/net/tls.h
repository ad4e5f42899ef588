/* TLS client over the net hal (mbedTLS 2.28 or 3.6): TLS 1.2, and 1.3 where
 * the library has it; the peer verified against the station CA only, its
 * host name checked; our certificate and key presented for mutual TLS;
 * sessions resumed across connections; a timeout on every step.
 *
 * Certificate validity dates are not enforced: a box whose clock is wrong
 * (no RTC battery, never synced) must still reach its station, and the
 * station issues certificates for 2000..2099 and revokes by its registry.
 *
 * Before enrollment there is no CA yet: pin mode accepts a station whose
 * chain contains a CA certificate with the given SHA-256 (what the installer
 * typed), checks the leaf against that CA and its host name, and hands the
 * CA's DER back so it can be stored. */
#ifndef MT_NET_TLS_H
#define MT_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/http.h"

struct mt_net;
struct mt_drbg;
struct mt_clock;

struct mt_tls_config {
	struct mt_net *net;
	struct mt_drbg *drbg; /* seeded; borrowed */
	const char *host;     /* connect to, and check in the certificate */
	uint16_t port;
	const uint8_t *ca_pem;             /* NUL-terminated PEM; NULL in pin mode */
	size_t ca_len;                     /* including the NUL */
	const uint8_t *cert_pem, *key_pem; /* ours, or NULL for server-only TLS */
	size_t cert_len, key_len;
	const uint8_t *pin_sha256; /* 32 bytes: pin mode */
	/* diagnosis (console "station test"): the handshake completes whatever
	 * the peer's certificate; mt_tls_verify_flags() tells what was wrong
	 * with it. Never for data. */
	bool verify_after;
	int timeout_ms;            /* each handshake step, read and write */
	unsigned int max_frag_len; /* 0, or 512/1024/2048/4096: ask for shorter
				    * records (RFC 6066); does not shrink
				    * mbedTLS's buffers (docs/performance.md) */
	/* Who seals the records we send (net/tls_seal.h): AUTO, the build's
	 * choice per suite (Kconfig MT_TLS_NETTLE_RECORDS, _NETTLE_CHACHA);
	 * MBEDTLS or NETTLE (any suite it has) for benchmarks and tests. */
	enum mt_tls_records_by {
		MT_TLS_RECORDS_AUTO = 0,
		MT_TLS_RECORDS_MBEDTLS,
		MT_TLS_RECORDS_NETTLE,
	} records;
};

struct mt_tls_client; /* opaque: config, certificates, saved session */

/* Makes a client for cfg (copied; the PEM buffers are parsed now). *out is
 * NULL on failure: -EINVAL (bad PEM, key not matching the certificate) or
 * -ENOMEM. */
int mt_tls_client_new(const struct mt_tls_config *cfg, struct mt_tls_client **out);
void mt_tls_client_free(struct mt_tls_client *c);

/* Connects, handshakes (resuming the last session when the station agrees),
 * verifies. 0, -EAGAIN/-ETIMEDOUT, -ECONNREFUSED and the like from the net
 * hal, or -EACCES when the peer is not who it must be (why() says how). */
int mt_tls_connect(struct mt_tls_client *c);

/* The stream of the open connection (valid until mt_tls_close). */
const struct mt_stream *mt_tls_stream(struct mt_tls_client *c);

/* Sends close_notify (best effort) and closes. Safe when not connected. */
void mt_tls_close(struct mt_tls_client *c);

bool mt_tls_connected(const struct mt_tls_client *c);

/* The last failure in words ("certificate not signed by the station CA"). */
const char *mt_tls_why(const struct mt_tls_client *c);

/* Pin mode, after a successful connect: the CA certificate that matched, as
 * DER. NULL otherwise. */
const uint8_t *mt_tls_pinned_ca(const struct mt_tls_client *c, size_t *len);

/* After a connect in verify_after mode: the certificate check's result,
 * as mbedTLS's MBEDTLS_X509_BADCERT_* flags (dates ignored); 0 = valid for
 * the host under the station CA. */
uint32_t mt_tls_verify_flags(const struct mt_tls_client *c);

/* While connected: the SHA-256 of certificate i (0 = the leaf) of the chain
 * the peer sent. 0, or -ENOENT past its end. */
int mt_tls_peer_sha256(const struct mt_tls_client *c, int i, uint8_t out[32]);

/* Whether the last handshake resumed a session, and its protocol. */
bool mt_tls_resumed(const struct mt_tls_client *c);
const char *mt_tls_version(const struct mt_tls_client *c);
/* The negotiated suite while connected ("none" otherwise), and who sealed
 * the records we sent on the current or last connection ("Nettle
 * AES-128-GCM", "mbedTLS", or "none" before the first). */
const char *mt_tls_suite(const struct mt_tls_client *c);
const char *mt_tls_records(const struct mt_tls_client *c);

#endif
