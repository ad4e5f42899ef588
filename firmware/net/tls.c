/* TLS client: see tls.h. */
#include "net/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/net_sockets.h> /* the MBEDTLS_ERR_NET_* codes a bio returns */
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) || defined(MBEDTLS_USE_PSA_CRYPTO)
#include <psa/crypto.h>
#endif

#include "autoconf.h"
#include "core/log.h"
#include "core/mbedtls_compat.h"
#include "evidence/drbg.h"
#include "hal/net.h"
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
#include "net/tls_seal.h"
#endif

MT_LOG_MODULE("tls");

/* The bulk cipher goes first by what this build's mbedTLS does fast: AES-GCM
 * where it has AES instructions for the CPU (AES-NI on x86-64, the crypto
 * extension on AArch64), ChaCha20-Poly1305 elsewhere (Armv7 cores such as
 * the Cortex-A7 have no AES instructions). The station (GnuTLS) and OpenSSL
 * servers follow the client's order. Measured: docs/performance.md, Delivery. */
#if (defined(MBEDTLS_AESNI_C) && defined(__x86_64__)) || \
	(defined(MBEDTLS_AESCE_C) && defined(__aarch64__))
#define FAST_AES 1
#else
#define FAST_AES 0
#endif
#define SUITES_MAX 192

static const int preferred[] = {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
	FAST_AES ? MBEDTLS_TLS1_3_AES_128_GCM_SHA256 : MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
#endif
	FAST_AES ? MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 :
		   MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};

struct mt_tls_client {
	struct mt_tls_config cfg;
	char host[256];
	uint8_t pin[32];
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, own;
	mbedtls_pk_context key;
	int suites[SUITES_MAX]; /* mbedTLS's list, preferred first; 0-terminated */
	mbedtls_ssl_context ssl;
	mbedtls_ssl_session session;
	bool have_session, resumed, connected, ssl_ready, verified;
	uint32_t verify_flags; /* verify_after mode */
	int conn;
	struct mt_stream stream;
	uint8_t *pinned_der;
	size_t pinned_len;
	char why[160];
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
	/* the handshake's key export, turned into the sealer's keys once the
	 * suite is known (seal_start); wiped after */
	struct {
		int kind; /* 0 none, 12: TLS 1.2 key block or master secret, 13: traffic secret */
		uint8_t secret[96];
		size_t secret_len;
		/* 3.x: server random || client random (the TLS 1.2 PRF's order) */
		uint8_t randoms[64]; // cppcheck-suppress unusedStructMember
		mbedtls_tls_prf_types prf;
		size_t keylen, ivlen; /* 2.28: the key block's layout */
	} kx;
	struct mt_tls_seal *seal; /* while connected, when Nettle seals our records */
	char records[48];         /* who seals them, for status lines */
#endif
};

static void set_why(struct mt_tls_client *c, const char *what, int err)
{
	char e[96] = "";

	if (err)
		mbedtls_strerror(err, e, sizeof(e));
	snprintf(c->why, sizeof(c->why), "%s%s%s", what, err ? ": " : "", e);
}

/* ---- bio over the net hal ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct mt_tls_client *c = ctx;
	ssize_t n = mt_net_send(c->cfg.net, c->conn, buf, len, c->cfg.timeout_ms);

	if (n == -EAGAIN)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	if (n < 0)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct mt_tls_client *c = ctx;
	ssize_t n = mt_net_recv(c->cfg.net, c->conn, buf, len, c->cfg.timeout_ms);

	if (n == -EAGAIN)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	if (n < 0)
		return MBEDTLS_ERR_NET_RECV_FAILED;
	if (n == 0)
		return MBEDTLS_ERR_NET_CONN_RESET;
	return (int)n;
}

static int map_err(int e)
{
	switch (e) {
	case MBEDTLS_ERR_SSL_TIMEOUT:
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return -EAGAIN;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_NET_CONN_RESET:
		return -EPIPE;
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		return -ECONNRESET;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		return -EACCES;
	default:
		return -EPROTO;
	}
}

/* The library's default list (all it has) with preferred[] moved first. */
static void order_suites(struct mt_tls_client *c)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	size_t n = 0;

	for (size_t i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++) {
		for (const int *p = all; *p; p++) {
			if (*p == preferred[i]) {
				c->suites[n++] = *p;
				break;
			}
		}
	}
	for (const int *p = all; *p && n + 1 < SUITES_MAX; p++) {
		bool dup = false;

		for (size_t i = 0; i < n && !dup; i++)
			dup = c->suites[i] == *p;
		if (!dup)
			c->suites[n++] = *p;
	}
	c->suites[n] = 0;
	mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);
}

static int conf_max_frag(struct mt_tls_client *c, unsigned int len)
{
	unsigned char code;

	switch (len) {
	case 512:
		code = MBEDTLS_SSL_MAX_FRAG_LEN_512;
		break;
	case 1024:
		code = MBEDTLS_SSL_MAX_FRAG_LEN_1024;
		break;
	case 2048:
		code = MBEDTLS_SSL_MAX_FRAG_LEN_2048;
		break;
	case 4096:
		code = MBEDTLS_SSL_MAX_FRAG_LEN_4096;
		break;
	default:
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	return mbedtls_ssl_conf_max_frag_len(&c->conf, code);
}

/* ---- stream ---- */

#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
/* Sends len bytes as records sealed by Nettle, then sets mbedTLS's outgoing
 * sequence number to ours, so anything mbedTLS sends later (close_notify, an
 * alert) follows in order. */
static ssize_t seal_send(struct mt_tls_client *c, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		const uint8_t *rec;
		size_t rec_len, off = 0;
		size_t n = mt_tls_seal(c->seal, buf + done, len - done, &rec, &rec_len);
		uint64_t seq = mt_tls_seal_seq(c->seal);
		unsigned char *ctr = c->ssl.MBEDTLS_PRIVATE(cur_out_ctr);

		for (int i = 7; i >= 0; i--, seq >>= 8)
			ctr[i] = (unsigned char)seq;
		while (off < rec_len) {
			ssize_t w = mt_net_send(c->cfg.net, c->conn, rec + off, rec_len - off,
						c->cfg.timeout_ms);

			if (w <= 0) {
				snprintf(c->why, sizeof(c->why), "write: %s",
					 w == -EAGAIN ? "timed out" : "connection lost");
				/* a record cut short: nothing more may follow it */
				c->connected = false;
				return w == -EAGAIN ? -EAGAIN : -ECONNRESET;
			}
			off += (size_t)w;
		}
		done += n;
	}
	return (ssize_t)done;
}
#endif

static ssize_t tls_send(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct mt_tls_client *c = ctx;
	int n;

	(void)timeout_ms; /* the bio applies cfg.timeout_ms to each step */
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
	if (c->seal)
		return c->connected ? seal_send(c, buf, len) : -ECONNRESET;
#endif
	do {
		n = mbedtls_ssl_write(&c->ssl, buf, len);
	} while (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ);
	if (n < 0) {
		set_why(c, "write", n);
		return map_err(n);
	}
	return n;
}

static ssize_t tls_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct mt_tls_client *c = ctx;
	int n;

	(void)timeout_ms;
	for (;;) {
		n = mbedtls_ssl_read(&c->ssl, buf, len);
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
		if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue; /* a TLS 1.3 ticket: not data */
#endif
		break;
	}
	if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == 0)
		return 0;
	if (n < 0) {
		set_why(c, "read", n);
		return map_err(n);
	}
	return n;
}

/* ---- verification ---- */

/* Dates are not checked (see tls.h); everything else stands. */
static int ignore_dates(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)ctx;
	(void)crt;
	(void)depth;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	return 0;
}

/* Pin mode, after the handshake: a CA in the chain with the pinned hash must
 * have signed the leaf, and the leaf must name the host. */
/* The handshake's certificate check: a resumed session has none, which is
 * how we tell one from a full handshake (mbedTLS has no getter for it). */
static int on_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct mt_tls_client *c = ctx;

	c->verified = true;
	return ignore_dates(NULL, crt, depth, flags);
}

static int check_pin(struct mt_tls_client *c)
{
	const mbedtls_x509_crt *leaf = mbedtls_ssl_get_peer_cert(&c->ssl);
	mbedtls_x509_crt ca;
	uint32_t flags = 0;
	int ret;

	if (!leaf) {
		set_why(c, "the station sent no certificate", 0);
		return -EACCES;
	}
	for (const mbedtls_x509_crt *p = leaf; p; p = p->next) {
		uint8_t h[32];

		if (mbedtls_sha256(p->raw.p, p->raw.len, h, 0) != 0 ||
		    memcmp(h, c->pin, sizeof(h)) != 0)
			continue;
		mbedtls_x509_crt_init(&ca);
		ret = mbedtls_x509_crt_parse_der(&ca, p->raw.p, p->raw.len);
		if (ret == 0)
			ret = mbedtls_x509_crt_verify((mbedtls_x509_crt *)leaf, &ca, NULL, c->host,
						      &flags, ignore_dates, NULL);
		mbedtls_x509_crt_free(&ca);
		if (ret != 0) {
			snprintf(c->why, sizeof(c->why),
				 "station certificate not valid under the pinned CA (flags 0x%x)",
				 (unsigned)flags);
			return -EACCES;
		}
		c->pinned_der = malloc(p->raw.len);
		if (!c->pinned_der)
			return -ENOMEM;
		memcpy(c->pinned_der, p->raw.p, p->raw.len);
		c->pinned_len = p->raw.len;
		return 0;
	}
	set_why(c, "no certificate in the station's chain has the fingerprint given", 0);
	return -EACCES;
}

#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
/* ---- Nettle-sealed records (net/tls_seal.h) ---- */

/* The handshake's keys, as the library exports them: 2.28 hands over the
 * TLS 1.2 key block; 3.6 the TLS 1.2 master secret or the TLS 1.3 client
 * application traffic secret, from which seal_start derives the keys. */
#if MT_MBEDTLS_3
static void on_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret,
		    size_t len, const unsigned char client_random[32],
		    const unsigned char server_random[32], mbedtls_tls_prf_types prf)
{
	struct mt_tls_client *c = ctx;
	int kind = type == MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET ? 12 : 0;

#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
	if (type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET)
		kind = 13;
#endif
	if (!kind || len > sizeof(c->kx.secret))
		return;
	c->kx.kind = kind;
	memcpy(c->kx.secret, secret, len);
	c->kx.secret_len = len;
	memcpy(c->kx.randoms, server_random, 32);
	memcpy(c->kx.randoms + 32, client_random, 32);
	c->kx.prf = prf;
}
#elif defined(MBEDTLS_SSL_EXPORT_KEYS)
static int on_keys(void *ctx, const unsigned char *ms, const unsigned char *kb, size_t maclen,
		   size_t keylen, size_t ivlen, const unsigned char client_random[32],
		   const unsigned char server_random[32], mbedtls_tls_prf_types prf)
{
	struct mt_tls_client *c = ctx;
	size_t need = 2 * (maclen + keylen + ivlen);

	(void)ms;
	(void)client_random;
	(void)server_random;
	(void)prf;
	if (maclen || need > sizeof(c->kx.secret))
		return 0; /* not an AEAD suite: mbedTLS keeps the records */
	c->kx.kind = 12;
	memcpy(c->kx.secret, kb, need);
	c->kx.secret_len = need;
	c->kx.keylen = keylen;
	c->kx.ivlen = ivlen;
	return 0;
}
#endif

#if MT_MBEDTLS_3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
/* RFC 8446 7.1 HKDF-Expand-Label(secret, label, "", len), len <= hash size */
static int expand_label(mbedtls_md_type_t md, const uint8_t *secret, size_t slen, const char *label,
			uint8_t *out, size_t len)
{
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
	uint8_t in[2 + 1 + 6 + 16 + 1 + 1], t[64];
	size_t ll = strlen(label), n = 0;
	int ret;

	if (!info || ll > 16 || len > mbedtls_md_get_size(info))
		return -EINVAL;
	in[n++] = (uint8_t)(len >> 8);
	in[n++] = (uint8_t)len;
	in[n++] = (uint8_t)(6 + ll);
	memcpy(in + n, "tls13 ", 6);
	n += 6;
	memcpy(in + n, label, ll);
	n += ll;
	in[n++] = 0; /* empty context */
	in[n++] = 1; /* HKDF-Expand's first block counter */
	ret = mbedtls_md_hmac(info, secret, slen, in, n, t);
	if (!ret)
		memcpy(out, t, len);
	mbedtls_platform_zeroize(t, sizeof(t));
	return ret ? -EINVAL : 0;
}
#endif

/* The suites the sealer takes: AEAD, no MAC key. */
static int suite_aead(int id, struct mt_seal_keys *k, size_t *keylen, size_t *ivlen,
		      mbedtls_md_type_t *md)
{
	*md = MBEDTLS_MD_SHA256;
	*ivlen = 4;
	k->tls13 = 0;
	switch (id) {
	case MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
	case MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		k->aead = MT_SEAL_AES128_GCM;
		break;
	case MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
	case MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		k->aead = MT_SEAL_AES256_GCM;
		break;
	case MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
	case MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		k->aead = MT_SEAL_CHACHA20_POLY1305;
		*ivlen = 12;
		break;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
	case MBEDTLS_TLS1_3_AES_128_GCM_SHA256:
		k->aead = MT_SEAL_AES128_GCM;
		k->tls13 = 1;
		break;
	case MBEDTLS_TLS1_3_AES_256_GCM_SHA384:
		k->aead = MT_SEAL_AES256_GCM;
		k->tls13 = 1;
		*md = MBEDTLS_MD_SHA384;
		break;
	case MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256:
		k->aead = MT_SEAL_CHACHA20_POLY1305;
		k->tls13 = 1;
		break;
#endif
	default:
		return -ENOTSUP;
	}
	*keylen = k->aead == MT_SEAL_AES128_GCM ? 16 : 32;
	if (k->tls13)
		*ivlen = 12;
	return 0;
}

/* After the handshake: the client write key and IV of the negotiated suite,
 * and the sequence number mbedTLS would use next. */
static int seal_keys(struct mt_tls_client *c, struct mt_seal_keys *k)
{
#if MT_MBEDTLS_3
	int id = mbedtls_ssl_get_ciphersuite_id_from_ssl(&c->ssl);
#else
	int id = mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&c->ssl));
#endif
	const unsigned char *ctr = c->ssl.MBEDTLS_PRIVATE(cur_out_ctr);
	size_t keylen, ivlen;
	mbedtls_md_type_t md;

	memset(k, 0, sizeof(*k));
	if (suite_aead(id, k, &keylen, &ivlen, &md))
		return -ENOTSUP;
	if (c->kx.kind != (k->tls13 ? 13 : 12))
		return -ENOKEY;
	for (int i = 0; i < 8; i++)
		k->seq = k->seq << 8 | ctr[i];
#if MT_MBEDTLS_3
	if (k->tls13) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
		if (expand_label(md, c->kx.secret, c->kx.secret_len, "key", k->key, keylen) ||
		    expand_label(md, c->kx.secret, c->kx.secret_len, "iv", k->iv, ivlen))
			return -EINVAL;
#endif
		return 0;
	}
	{
		/* TLS 1.2 key block (RFC 5246 6.3), AEAD: no MAC keys; ours first */
		uint8_t kb[2 * (32 + 12)];
		int ret = mbedtls_ssl_tls_prf(c->kx.prf, c->kx.secret, c->kx.secret_len,
					      "key expansion", c->kx.randoms, 64, kb,
					      2 * (keylen + ivlen));

		if (!ret) {
			memcpy(k->key, kb, keylen);
			memcpy(k->iv, kb + 2 * keylen, ivlen);
		}
		mbedtls_platform_zeroize(kb, sizeof(kb));
		return ret ? -EINVAL : 0;
	}
#else
	(void)md;
	if (c->kx.keylen != keylen || c->kx.ivlen != ivlen ||
	    c->kx.secret_len < 2 * (keylen + ivlen))
		return -EINVAL;
	memcpy(k->key, c->kx.secret, keylen);
	memcpy(k->iv, c->kx.secret + 2 * keylen, ivlen);
	return 0;
#endif
}

/* Whether Nettle seals this AEAD's records by default: AES-GCM always
 * (bench_seal_speed: 7x mbedTLS on x86-64); ChaCha20-Poly1305 only where
 * the board's configuration says Nettle is faster there (on x86-64 it is
 * not: 278 against mbedTLS's 427 MiB/s). */
static bool auto_takes(enum mt_seal_aead aead)
{
#ifdef CONFIG_MT_TLS_NETTLE_CHACHA
	return true;
#else
	return aead != MT_SEAL_CHACHA20_POLY1305;
#endif
}

/* Hands our records to Nettle when the suite and cfg.records allow; mbedTLS
 * keeps them otherwise. */
static void seal_start(struct mt_tls_client *c)
{
	struct mt_seal_keys k = { 0 };
	int max = mbedtls_ssl_get_max_out_record_payload(&c->ssl);
	int ret = -ENOTSUP;

	snprintf(c->records, sizeof(c->records), "mbedTLS");
	if (c->cfg.records != MT_TLS_RECORDS_MBEDTLS && max > 0)
		ret = seal_keys(c, &k);
	if (!ret && c->cfg.records == MT_TLS_RECORDS_AUTO && !auto_takes(k.aead))
		ret = -ECANCELED;
	if (!ret)
		ret = mt_tls_seal_new(&k, (size_t)max > 16384 ? 16384 : (size_t)max, &c->seal);
	if (!ret)
		snprintf(c->records, sizeof(c->records), "Nettle %s", mt_tls_seal_name(c->seal));
	else if (c->cfg.records != MT_TLS_RECORDS_MBEDTLS)
		MT_DBG("records stay with mbedTLS (%s, %d)", mbedtls_ssl_get_ciphersuite(&c->ssl),
		       ret);
	mbedtls_platform_zeroize(&k, sizeof(k));
	mbedtls_platform_zeroize(&c->kx, sizeof(c->kx));
}
#endif

/* ---- client ---- */

int mt_tls_client_new(const struct mt_tls_config *cfg, struct mt_tls_client **out)
{
	struct mt_tls_client *c = calloc(1, sizeof(*c));
	int ret;

	*out = NULL;
	if (!c)
		return -ENOMEM;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) || defined(MBEDTLS_USE_PSA_CRYPTO)
	if (psa_crypto_init() != PSA_SUCCESS) {
		free(c);
		return -ENOMEM;
	}
#endif
	c->cfg = *cfg;
	snprintf(c->host, sizeof(c->host), "%s", cfg->host);
	c->cfg.host = c->host;
	c->conn = -1;
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->own);
	mbedtls_pk_init(&c->key);
	mbedtls_ssl_session_init(&c->session);
	c->stream = (struct mt_stream){ .send = tls_send, .recv = tls_recv, .ctx = c };

	ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret)
		goto fail;
#if MT_MBEDTLS_3
	mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_rng(&c->conf, mt_drbg_random, cfg->drbg);
	order_suites(c);
	if (cfg->max_frag_len) {
		ret = conf_max_frag(c, cfg->max_frag_len);
		if (ret) {
			set_why(c, "max_frag_len", ret);
			goto fail;
		}
	}
	if (cfg->pin_sha256) {
		memcpy(c->pin, cfg->pin_sha256, sizeof(c->pin));
		/* no CA yet: the chain is checked against the pin after the handshake */
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	} else {
		ret = mbedtls_x509_crt_parse(&c->ca, cfg->ca_pem, cfg->ca_len);
		if (ret) {
			set_why(c, "station CA", ret);
			goto fail;
		}
		mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
		mbedtls_ssl_conf_authmode(&c->conf, cfg->verify_after ?
							    MBEDTLS_SSL_VERIFY_OPTIONAL :
							    MBEDTLS_SSL_VERIFY_REQUIRED);
	}
	mbedtls_ssl_conf_verify(&c->conf, on_verify, c);
#if defined(CONFIG_MT_TLS_NETTLE_RECORDS) && !MT_MBEDTLS_3 && defined(MBEDTLS_SSL_EXPORT_KEYS)
	mbedtls_ssl_conf_export_keys_ext_cb(&c->conf, on_keys, c);
#endif
	if (cfg->cert_pem) {
		ret = mbedtls_x509_crt_parse(&c->own, cfg->cert_pem, cfg->cert_len);
		if (!ret)
			ret = mbedtls_pk_parse_key(&c->key, cfg->key_pem, cfg->key_len, NULL, 0,
						   mt_drbg_random, cfg->drbg);
		if (!ret)
			ret = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
		if (ret) {
			set_why(c, "our certificate or key", ret);
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	MT_ERR("%s", c->why);
	mt_tls_client_free(c);
	return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
}

void mt_tls_client_free(struct mt_tls_client *c)
{
	if (!c)
		return;
	mt_tls_close(c);
	mbedtls_ssl_session_free(&c->session);
	mbedtls_pk_free(&c->key);
	mbedtls_x509_crt_free(&c->own);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_ssl_config_free(&c->conf);
	free(c->pinned_der);
	free(c);
}

int mt_tls_connect(struct mt_tls_client *c)
{
	int ret;

	mt_tls_close(c);
	c->why[0] = '\0';
	c->resumed = false;
	ret = mt_net_connect(c->cfg.net, c->cfg.host, c->cfg.port, c->cfg.timeout_ms, &c->conn);
	if (ret) {
		snprintf(c->why, sizeof(c->why), "TCP connect to %s:%u failed (%d)", c->cfg.host,
			 c->cfg.port, ret);
		c->conn = -1;
		return ret;
	}
	mbedtls_ssl_init(&c->ssl);
	c->ssl_ready = true;
	ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
	if (!ret)
		ret = mbedtls_ssl_set_hostname(&c->ssl, c->cfg.host);
	if (ret) {
		set_why(c, "setup", ret);
		mt_tls_close(c);
		return -ENOMEM;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
#if defined(CONFIG_MT_TLS_NETTLE_RECORDS) && MT_MBEDTLS_3
	mbedtls_ssl_set_export_keys_cb(&c->ssl, on_keys, c);
#endif
	if (c->have_session)
		mbedtls_ssl_set_session(&c->ssl, &c->session);
	c->verified = false;
	do {
		ret = mbedtls_ssl_handshake(&c->ssl);
	} while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret) {
		uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);

		if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED &&
		    (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
			snprintf(c->why, sizeof(c->why), "the station's certificate is not for %s",
				 c->cfg.host);
		else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
			snprintf(c->why, sizeof(c->why),
				 "the station's certificate is not signed by the station CA "
				 "(flags 0x%x)",
				 (unsigned)flags);
		else
			set_why(c, "handshake", ret);
		mt_tls_close(c);
		return ret == MBEDTLS_ERR_SSL_TIMEOUT ? -ETIMEDOUT :
		       map_err(ret) == -EPROTO        ? -EACCES :
							map_err(ret);
	}
	c->verify_flags = mbedtls_ssl_get_verify_result(&c->ssl);
	if (c->cfg.pin_sha256) {
		free(c->pinned_der);
		c->pinned_der = NULL;
		ret = check_pin(c);
		if (ret) {
			mt_tls_close(c);
			return ret;
		}
	}
#if defined(MBEDTLS_SSL_SESSION_TICKETS) || !MT_MBEDTLS_3
	{
		mbedtls_ssl_session s;

		mbedtls_ssl_session_init(&s);
		if (mbedtls_ssl_get_session(&c->ssl, &s) == 0) {
			mbedtls_ssl_session_free(&c->session);
			c->session = s;
			c->have_session = true;
		} else {
			mbedtls_ssl_session_free(&s);
		}
	}
#endif
	c->resumed = c->have_session && !c->verified;
	c->connected = true;
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
	seal_start(c);
#endif
	return 0;
}

const struct mt_stream *mt_tls_stream(struct mt_tls_client *c)
{
	return &c->stream;
}

void mt_tls_close(struct mt_tls_client *c)
{
	if (c->connected)
		mbedtls_ssl_close_notify(&c->ssl);
	c->connected = false;
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
	mt_tls_seal_free(c->seal);
	c->seal = NULL;
	mbedtls_platform_zeroize(&c->kx, sizeof(c->kx));
#endif
	if (c->ssl_ready)
		mbedtls_ssl_free(&c->ssl);
	c->ssl_ready = false;
	if (c->conn >= 0)
		mt_net_close(c->cfg.net, c->conn);
	c->conn = -1;
}

bool mt_tls_connected(const struct mt_tls_client *c)
{
	return c->connected;
}

const char *mt_tls_why(const struct mt_tls_client *c)
{
	return c->why[0] ? c->why : "no error";
}

const uint8_t *mt_tls_pinned_ca(const struct mt_tls_client *c, size_t *len)
{
	*len = c->pinned_len;
	return c->pinned_der;
}

uint32_t mt_tls_verify_flags(const struct mt_tls_client *c)
{
	return c->verify_flags;
}

int mt_tls_peer_sha256(const struct mt_tls_client *c, int i, uint8_t out[32])
{
	const mbedtls_x509_crt *p = c->connected ? mbedtls_ssl_get_peer_cert(&c->ssl) : NULL;

	for (; p && i > 0; i--)
		p = p->next;
	if (!p || mbedtls_sha256(p->raw.p, p->raw.len, out, 0) != 0)
		return -ENOENT;
	return 0;
}

bool mt_tls_resumed(const struct mt_tls_client *c)
{
	return c->resumed;
}

const char *mt_tls_version(const struct mt_tls_client *c)
{
	return c->connected ? mbedtls_ssl_get_version(&c->ssl) : "none";
}

const char *mt_tls_suite(const struct mt_tls_client *c)
{
	return c->connected ? mbedtls_ssl_get_ciphersuite(&c->ssl) : "none";
}

const char *mt_tls_records(const struct mt_tls_client *c)
{
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
	return c->records[0] ? c->records : "none";
#else
	return "mbedTLS";
#endif
}
