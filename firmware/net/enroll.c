/* Enrollment: see enroll.h and docs/protocol.md. */
#include "net/enroll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "core/mbedtls_compat.h"
#include "evidence/drbg.h"
#include "evidence/keystore.h"
#include "net/jsonget.h"
#include "net/station.h"
#include "net/tls.h"

MT_LOG_MODULE("enroll");

#define PEM_MAX  8192
#define BODY_MAX 32768

int mt_enroll_parse_fingerprint(const char *text, uint8_t out[32])
{
	size_t n = 0;

	for (const char *p = text; *p; p++) {
		int hi, lo;

		if (*p == ':' || *p == ' ')
			continue;
		if (n == 32 || !p[1])
			return -EINVAL;
		hi = (*p >= '0' && *p <= '9') ? *p - '0' :
		     (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
		     (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 :
						-1;
		p++;
		lo = (*p >= '0' && *p <= '9') ? *p - '0' :
		     (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
		     (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 :
						-1;
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (uint8_t)(hi * 16 + lo);
	}
	return n == 32 ? 0 : -EINVAL;
}

static void path_of(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Our TLS key: loaded, or made and saved (0600) before anything uses it. */
static int tls_key(const struct mt_enroll *e, mbedtls_pk_context *pk)
{
	char path[300];
	uint8_t *der = NULL, buf[256];
	size_t len;
	int ret;

	path_of(path, sizeof(path), e->keys_dir, "tls.key");
	ret = mt_file_read_all(e->st, path, 4096, &der, &len);
	if (ret == 0) {
		ret = mbedtls_pk_parse_key(pk, der, len, NULL, 0, mt_drbg_random, e->drbg);
		free(der);
		return ret ? MT_ECORRUPT : 0;
	}
	if (ret != -ENOENT)
		return ret;
	ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (!ret)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
					  mt_drbg_random, e->drbg);
	if (ret)
		return -ENOMEM;
	ret = mbedtls_pk_write_key_der(pk, buf, sizeof(buf));
	if (ret < 0)
		return -ENOMEM;
	/* the DER is written at the end of buf */
	ret = mt_file_replace_private(e->st, path, buf + sizeof(buf) - ret, (size_t)ret);
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return ret;
}

static int make_csr(const struct mt_enroll *e, mbedtls_pk_context *key, char *pem, size_t max)
{
	mbedtls_x509write_csr csr;
	int ret;

	mbedtls_x509write_csr_init(&csr);
	mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&csr, key);
	ret = mbedtls_x509write_csr_set_subject_name(&csr, "CN=matthan");
	if (!ret)
		ret = mbedtls_x509write_csr_pem(&csr, (unsigned char *)pem, max, mt_drbg_random,
						e->drbg);
	mbedtls_x509write_csr_free(&csr);
	return ret ? -ENOMEM : 0;
}

/* cert (PEM) is issued by ca and certifies key's public half. */
static int check_cert(const char *cert_pem, mbedtls_x509_crt *ca, mbedtls_pk_context *key,
		      char *why, size_t why_len, const char *what)
{
	mbedtls_x509_crt crt;
	uint8_t a[200], b[200];
	int la, lb, ret;
	uint32_t flags = 0;

	mbedtls_x509_crt_init(&crt);
	ret = mbedtls_x509_crt_parse(&crt, (const unsigned char *)cert_pem, strlen(cert_pem) + 1);
	if (ret) {
		snprintf(why, why_len, "the station's %s certificate does not parse", what);
		ret = MT_EFORMAT;
		goto out;
	}
	ret = mbedtls_x509_crt_verify(&crt, ca, NULL, NULL, &flags, NULL, NULL);
	flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (ret && flags) {
		snprintf(why, why_len, "the %s certificate is not issued by the pinned CA", what);
		ret = -EACCES;
		goto out;
	}
	la = mbedtls_pk_write_pubkey_der(&crt.pk, a, sizeof(a));
	lb = mbedtls_pk_write_pubkey_der(key, b, sizeof(b));
	if (la <= 0 || la != lb || memcmp(a + sizeof(a) - la, b + sizeof(b) - lb, (size_t)la)) {
		snprintf(why, why_len, "the %s certificate is for another key", what);
		ret = -EACCES;
		goto out;
	}
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return ret;
}

/* A JSON string body for s (PEM has newlines, which the canonical writer
 * of evidence/json.h refuses by design). out holds 2 * strlen(s) + 3. */
static char *json_string(char *out, const char *s)
{
	char *o = out;

	*o++ = '"';
	for (; *s; s++) {
		if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*s == '"' || *s == '\\') {
			*o++ = '\\';
			*o++ = *s;
		} else if ((unsigned char)*s >= 0x20) {
			*o++ = *s;
		}
	}
	*o++ = '"';
	*o = '\0';
	return o;
}

static char *body_json(const struct mt_enroll *e, const char *tls_csr, const char *ev_csr)
{
	const char *name = e->name ? e->name : "";
	size_t cap = 2 * (strlen(e->code) + strlen(name) + strlen(tls_csr) + strlen(ev_csr)) + 128;
	char *b = malloc(cap), *p;

	if (!b)
		return NULL;
	p = b + sprintf(b, "{\"code\": ");
	p = json_string(p, e->code);
	p += sprintf(p, ", \"evidence_csr\": ");
	p = json_string(p, ev_csr);
	p += sprintf(p, ", \"name\": ");
	p = json_string(p, name);
	p += sprintf(p, ", \"tls_csr\": ");
	p = json_string(p, tls_csr);
	sprintf(p, "}");
	return b;
}

struct answer {
	char id[MT_ENROLL_ID_MAX];
	char tls_cert[PEM_MAX], ev_cert[PEM_MAX], ca[PEM_MAX], receipt[PEM_MAX];
	char update[PEM_MAX]; /* the station's update key; "" from a station without OTA */
};

static int parse_answer(const char *body, size_t len, struct answer *a)
{
	if (mt_json_get_str(body, len, "device_id", a->id, sizeof(a->id)) ||
	    mt_json_get_str(body, len, "tls_cert", a->tls_cert, sizeof(a->tls_cert)) ||
	    mt_json_get_str(body, len, "evidence_cert", a->ev_cert, sizeof(a->ev_cert)) ||
	    mt_json_get_str(body, len, "ca_cert", a->ca, sizeof(a->ca)) ||
	    mt_json_get_str(body, len, "receipt_key", a->receipt, sizeof(a->receipt)))
		return MT_EFORMAT;
	if (mt_json_get_str(body, len, "update_key", a->update, sizeof(a->update)))
		a->update[0] = '\0';
	for (const char *p = a->id; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return MT_EFORMAT; /* it becomes a file's content and a CN */
	}
	return a->id[0] ? 0 : MT_EFORMAT;
}

/* The CA the station sent is the one pinned, and its answer certifies our
 * two keys; the receipt key parses. */
static int check_answer(const struct mt_enroll *e, const struct answer *a, const uint8_t pin[32],
			mbedtls_pk_context *tls, char *why, size_t why_len)
{
	mbedtls_x509_crt ca;
	mbedtls_pk_context rk;
	uint8_t h[32];
	int ret;

	mbedtls_x509_crt_init(&ca);
	mbedtls_pk_init(&rk);
	ret = mbedtls_x509_crt_parse(&ca, (const unsigned char *)a->ca, strlen(a->ca) + 1);
	if (ret || mbedtls_sha256(ca.raw.p, ca.raw.len, h, 0) || memcmp(h, pin, 32) != 0) {
		snprintf(why, why_len, "the CA in the answer is not the pinned one");
		ret = -EACCES;
		goto out;
	}
	ret = check_cert(a->tls_cert, &ca, tls, why, why_len, "TLS");
	if (!ret)
		ret = check_cert(a->ev_cert, &ca, &e->evidence->sw.pk, why, why_len, "evidence");
	if (!ret && mbedtls_pk_parse_public_key(&rk, (const unsigned char *)a->receipt,
						strlen(a->receipt) + 1)) {
		snprintf(why, why_len, "the receipt key does not parse");
		ret = MT_EFORMAT;
	}
	mbedtls_pk_free(&rk);
	mbedtls_pk_init(&rk);
	if (!ret && a->update[0] &&
	    mbedtls_pk_parse_public_key(&rk, (const unsigned char *)a->update,
					strlen(a->update) + 1)) {
		snprintf(why, why_len, "the update key does not parse");
		ret = MT_EFORMAT;
	}
out:
	mbedtls_pk_free(&rk);
	mbedtls_x509_crt_free(&ca);
	return ret;
}

static int store(const struct mt_enroll *e, const struct answer *a)
{
	static const char *const names[] = { "tls.crt", "ca.pem", "receipt.pem", "device.id" };
	const char *data[] = { a->tls_cert, a->ca, a->receipt, a->id };
	char path[300];
	int ret;

	ret = mt_keystore_set_cert(e->evidence, (const uint8_t *)a->ev_cert, strlen(a->ev_cert));
	if (!ret && a->update[0]) {
		path_of(path, sizeof(path), e->keys_dir, "update.pem");
		ret = mt_file_replace(e->st, path, a->update, strlen(a->update));
	}
	/* device.id last: its presence means the rest is there */
	for (int i = 0; !ret && i < 4; i++) {
		path_of(path, sizeof(path), e->keys_dir, names[i]);
		ret = mt_file_replace(e->st, path, data[i], strlen(data[i]));
	}
	return ret;
}

static int exchange(const struct mt_enroll *e, const struct mt_station_url *url,
		    const uint8_t pin[32], const char *body, uint8_t *resp_body,
		    struct mt_http_resp *r, char *why, size_t why_len)
{
	struct mt_tls_config tc = { .net = e->net,
				    .drbg = e->drbg,
				    .host = url->host,
				    .port = url->port,
				    .pin_sha256 = pin,
				    .timeout_ms = e->timeout_ms ? e->timeout_ms : 15000 };
	struct mt_http_req req = { .method = "POST",
				   .path = "/enroll",
				   .headers = { "Content-Type: application/json", NULL },
				   .body = (const uint8_t *)body,
				   .body_len = strlen(body),
				   .resp_body = resp_body,
				   .resp_body_max = BODY_MAX - 1,
				   .timeout_ms = tc.timeout_ms };
	struct mt_tls_client *tls;
	struct mt_station st;
	int ret = mt_tls_client_new(&tc, &tls);

	if (ret)
		return ret;
	mt_station_init(&st, tls, url->host, url->base);
	ret = mt_station_request(&st, &req, r);
	if (ret) {
		if (ret == MT_EFORMAT)
			snprintf(why, why_len, "the station's answer is not valid HTTP");
		else
			snprintf(why, why_len, "%s", mt_tls_why(tls));
		ret = ret == -EACCES ? -EACCES : ret == MT_EFORMAT ? MT_EFORMAT : -EAGAIN;
	}
	mt_tls_client_free(tls);
	return ret;
}

int mt_enroll_run(const struct mt_enroll *e, char device_id[MT_ENROLL_ID_MAX], char *why,
		  size_t why_len)
{
	struct mt_station_url url;
	uint8_t pin[32];
	mbedtls_pk_context tls;
	char *tls_csr = malloc(PEM_MAX), *ev_csr = malloc(PEM_MAX), *body = NULL;
	uint8_t *resp_body = malloc(BODY_MAX);
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct answer *a = malloc(sizeof(*a));
	int ret;

	snprintf(why, why_len, "out of memory");
	mbedtls_pk_init(&tls);
	ret = -ENOMEM;
	if (!tls_csr || !ev_csr || !resp_body || !r || !a)
		goto out;
	if (mt_station_url_parse(e->url, &url)) {
		snprintf(why, why_len, "the station URL must look like https://host[:port]");
		ret = -EINVAL;
		goto out;
	}
	if (mt_enroll_parse_fingerprint(e->fingerprint, pin)) {
		snprintf(why, why_len, "the fingerprint must be 64 hex digits (':' allowed)");
		ret = -EINVAL;
		goto out;
	}
	ret = tls_key(e, &tls);
	if (ret) {
		snprintf(why, why_len, "cannot make or read the TLS key: %s", mt_strerror(ret));
		goto out;
	}
	ret = make_csr(e, &tls, tls_csr, PEM_MAX);
	if (!ret)
		ret = make_csr(e, &e->evidence->sw.pk, ev_csr, PEM_MAX);
	body = ret ? NULL : body_json(e, tls_csr, ev_csr);
	if (!body) {
		snprintf(why, why_len, "cannot write the certificate requests");
		ret = -ENOMEM;
		goto out;
	}
	ret = exchange(e, &url, pin, body, resp_body, r, why, why_len);
	if (ret)
		goto out;
	resp_body[r->body_len] = '\0';
	if (r->status != 200) {
		char err[120] = "";

		mt_json_get_str((const char *)resp_body, r->body_len, "error", err, sizeof(err));
		ret = r->status == 429 ? -EBUSY : r->status == 403 ? -EACCES : -EPROTO;
		snprintf(why, why_len, "the station answered %d%s%s", r->status, err[0] ? ": " : "",
			 err[0] ? err :
				  (r->status == 403 ? " (unknown, expired or used code)" : ""));
		goto out;
	}
	ret = parse_answer((const char *)resp_body, r->body_len, a);
	if (ret) {
		snprintf(why, why_len, "the station's answer is not what the protocol says");
		goto out;
	}
	ret = check_answer(e, a, pin, &tls, why, why_len);
	if (ret)
		goto out;
	ret = store(e, a);
	if (ret) {
		snprintf(why, why_len, "cannot store the certificates: %s", mt_strerror(ret));
		goto out;
	}
	snprintf(device_id, MT_ENROLL_ID_MAX, "%s", a->id);
	snprintf(why, why_len, "enrolled as %s", a->id);
	MT_INF("enrolled with %s as %s", url.host, a->id);
out:
	mbedtls_pk_free(&tls);
	free(tls_csr);
	free(ev_csr);
	free(body);
	free(resp_body);
	free(r);
	free(a);
	return ret;
}

int mt_enroll_done(struct mt_storage *st, const char *keys_dir)
{
	static const char *const names[] = { "tls.key", "tls.crt", "ca.pem", "receipt.pem",
					     "device.id" };
	char path[300];

	for (int i = 0; i < 5; i++) {
		uint8_t *b;
		size_t len;

		path_of(path, sizeof(path), keys_dir, names[i]);
		if (mt_file_read_all(st, path, 65536, &b, &len))
			return 0;
		free(b);
	}
	return 1;
}
