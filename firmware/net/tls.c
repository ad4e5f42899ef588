/* TLS client: see tls.h. */
#include "net/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h> /* the MBEDTLS_ERR_NET_* codes a bio returns */
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) || defined(MBEDTLS_USE_PSA_CRYPTO)
#include <psa/crypto.h>
#endif

#include "core/log.h"
#include "core/mbedtls_compat.h"
#include "evidence/drbg.h"
#include "hal/net.h"

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

static ssize_t tls_send(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct mt_tls_client *c = ctx;
	int n;

	(void)timeout_ms; /* the bio applies cfg.timeout_ms to each step */
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
