/* Station diagnosis: see diag.h. */
#include "net/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/mbedtls_compat.h"
#include "hal/net.h"
#include "net/jsonget.h"
#include "net/station.h"
#include "net/tls.h"

#define KEY_MAX 65536

struct diag {
	const struct mt_diag_config *cfg;
	mt_diag_say_fn say;
	void *ctx;
	struct mt_station_url url;
	char id[64];
	uint8_t *ca, *cert, *key;
	size_t ca_len, cert_len, key_len;
	uint8_t ca_sha[32];
	int timeout_ms;
};

static void sayf(struct diag *d, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sayf(struct diag *d, const char *step, const char *fmt, ...)
{
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	d->say(d->ctx, step, text);
}

/* The first bytes of a SHA-256 in hex, enough to tell two apart. */
static void short_hex(const uint8_t h[32], char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int load(struct diag *d, const char *name, uint8_t **buf, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", d->cfg->keys_dir, name);
	return mt_file_read_all(d->cfg->st, path, KEY_MAX, buf, len);
}

static int step_enrollment(struct diag *d)
{
	static const char *const names[] = { "device.id", "ca.pem", "tls.crt", "tls.key" };
	uint8_t *id = NULL;
	uint8_t **bufs[] = { &id, &d->ca, &d->cert, &d->key };
	size_t id_len = 0, *lens[] = { &id_len, &d->ca_len, &d->cert_len, &d->key_len };
	mbedtls_x509_crt ca;
	char hex[17];
	int ret;

	for (size_t i = 0; i < 4; i++) {
		ret = load(d, names[i], bufs[i], lens[i]);
		if (ret) {
			sayf(d, "enrollment",
			     "FAIL: not enrolled: %s/%s: %s (run: enroll URL CODE "
			     "FINGERPRINT)",
			     d->cfg->keys_dir, names[i], mt_strerror(ret));
			free(id);
			return ret == -ENOENT ? -ENOENT : ret;
		}
	}
	snprintf(d->id, sizeof(d->id), "%.*s", (int)strcspn((char *)id, "\r\n"), (char *)id);
	free(id);
	/* the PEM parsers want the terminating NUL counted */
	d->ca_len++;
	d->cert_len++;
	mbedtls_x509_crt_init(&ca);
	ret = mbedtls_x509_crt_parse(&ca, d->ca, d->ca_len);
	if (!ret)
		ret = mbedtls_sha256(ca.raw.p, ca.raw.len, d->ca_sha, 0);
	mbedtls_x509_crt_free(&ca);
	if (ret) {
		sayf(d, "enrollment", "FAIL: %s/ca.pem is not a certificate (enroll again)",
		     d->cfg->keys_dir);
		return MT_ECORRUPT;
	}
	short_hex(d->ca_sha, hex);
	sayf(d, "enrollment", "ok: device %s, station CA %s...", d->id, hex);
	return 0;
}

static int step_dns(struct diag *d)
{
	char addr[64];
	int ret = mt_net_resolve(d->cfg->net, d->url.host, addr, sizeof(addr));

	switch (ret) {
	case 0:
		sayf(d, "DNS", "ok: %s is %s", d->url.host, addr);
		return 0;
	case -ENOSYS:
		sayf(d, "DNS",
		     "skipped: the network driver resolves names only when it "
		     "connects");
		return 0;
	case -ENOENT:
		sayf(d, "DNS", "FAIL: no such host name: %s (check station.url)", d->url.host);
		return ret;
	case -EAGAIN:
		sayf(d, "DNS", "FAIL: no name server answers for %s (check the network's DNS)",
		     d->url.host);
		return ret;
	default:
		sayf(d, "DNS", "FAIL: cannot resolve %s: %s", d->url.host, mt_strerror(ret));
		return ret;
	}
}

static int step_tcp(struct diag *d)
{
	int conn = -1;
	int ret = mt_net_connect(d->cfg->net, d->url.host, d->url.port, d->timeout_ms, &conn);

	switch (ret) {
	case 0:
		mt_net_close(d->cfg->net, conn);
		sayf(d, "TCP", "ok: connected to %s port %u", d->url.host, d->url.port);
		return 0;
	case -ECONNREFUSED:
		sayf(d, "TCP",
		     "FAIL: connection refused: nothing listens on %s port %u (is the "
		     "station running?)",
		     d->url.host, d->url.port);
		return ret;
	case -ETIMEDOUT:
	case -EAGAIN:
		sayf(d, "TCP",
		     "FAIL: no answer from %s port %u within %d s (station down, or a "
		     "firewall)",
		     d->url.host, d->url.port, d->timeout_ms / 1000);
		return -ETIMEDOUT;
	case -EHOSTUNREACH:
	case -ENETUNREACH:
		sayf(d, "TCP", "FAIL: no route to %s (check the cable, address and gateway)",
		     d->url.host);
		return ret;
	default:
		sayf(d, "TCP", "FAIL: %s", mt_strerror(ret));
		return ret;
	}
}

/* The station's certificate against the CA stored at enrollment: which
 * certificate of the chain is the CA tells a re-made station (or another
 * server) from a certificate merely not for this host name. */
static int step_certificate(struct diag *d, struct mt_tls_client *tls)
{
	uint32_t flags = mt_tls_verify_flags(tls);
	uint8_t h[32], last[32];
	char ours[17];
	bool ca_sent = false;
	int n = 0;

	if (!flags) {
		sayf(d, "certificate", "ok: signed by the station CA, for %s", d->url.host);
		return 0;
	}
	while (mt_tls_peer_sha256(tls, n, h) == 0) {
		if (!memcmp(h, d->ca_sha, sizeof(h)))
			ca_sent = true;
		memcpy(last, h, sizeof(last));
		n++;
	}
	short_hex(d->ca_sha, ours);
	if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) && !ca_sent && n > 0) {
		char theirs[17];

		short_hex(last, theirs);
		sayf(d, "certificate",
		     "FAIL: certificate not trusted (CA fingerprint mismatch: the station shows "
		     "%s..., this box trusts %s...; a new station or another server: enroll again)",
		     theirs, ours);
	} else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		sayf(d, "certificate",
		     "FAIL: certificate not trusted (not signed by the station CA %s..., flags "
		     "0x%x)",
		     ours, (unsigned)flags);
	} else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		sayf(d, "certificate",
		     "FAIL: the station's certificate is not for %s (station.url must name the "
		     "host the station was made for)",
		     d->url.host);
	} else {
		sayf(d, "certificate", "FAIL: certificate not valid (flags 0x%x)", (unsigned)flags);
	}
	return -EACCES;
}

static int step_health(struct diag *d, struct mt_tls_client *tls)
{
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_station st;
	uint8_t body[1024];
	char id[64] = "", err[160] = "";
	struct mt_http_req req = { .method = "GET",
				   .path = "/health",
				   .resp_body = body,
				   .resp_body_max = sizeof(body) - 1,
				   .timeout_ms = d->timeout_ms };
	int ret;

	if (!r)
		return -ENOMEM;
	mt_station_init(&st, tls, d->url.host, d->url.base);
	ret = mt_station_request(&st, &req, r);
	if (ret) {
		sayf(d, "HTTP", "FAIL: no answer to GET /health: %s", mt_strerror(ret));
		goto out;
	}
	body[r->body_len] = '\0';
	if (r->status == 200) {
		mt_json_get_str((const char *)body, r->body_len, "device_id", id, sizeof(id));
		if (strcmp(id, d->id) != 0) {
			sayf(d, "HTTP", "FAIL: the station answered for device '%s', not %s", id,
			     d->id);
			ret = -EPROTO;
		} else {
			sayf(d, "HTTP", "ok: 200, the station knows this box as %s", id);
		}
		goto out;
	}
	mt_json_get_str((const char *)body, r->body_len, "error", err, sizeof(err));
	if (r->status == 403 && strstr(err, "revoked"))
		sayf(d, "HTTP", "FAIL: HTTP 403: device revoked (%s; enroll again with a new code)",
		     err);
	else
		sayf(d, "HTTP", "FAIL: HTTP %d: %s", r->status, err[0] ? err : "no reason given");
	ret = r->status == 403 ? -EACCES : -EPROTO;
out:
	mt_station_close(&st);
	free(r);
	return ret;
}

static int step_tls(struct diag *d, struct mt_tls_client **out)
{
	struct mt_tls_config tc = { .net = d->cfg->net,
				    .drbg = d->cfg->drbg,
				    .host = d->url.host,
				    .port = d->url.port,
				    .ca_pem = d->ca,
				    .ca_len = d->ca_len,
				    .cert_pem = d->cert,
				    .cert_len = d->cert_len,
				    .key_pem = d->key,
				    .key_len = d->key_len,
				    .verify_after = true,
				    .timeout_ms = d->timeout_ms };
	int ret = mt_tls_client_new(&tc, out);

	if (ret) {
		sayf(d, "TLS", "FAIL: the keys in %s cannot be used (%s; enroll again)",
		     d->cfg->keys_dir, mt_strerror(ret));
		return ret == -ENOMEM ? ret : MT_ECORRUPT;
	}
	ret = mt_tls_connect(*out);
	if (ret) {
		sayf(d, "TLS", "FAIL: handshake: %s", mt_tls_why(*out));
		return ret;
	}
	sayf(d, "TLS", "ok: handshake, %s, records: %s", mt_tls_version(*out),
	     mt_tls_records(*out));
	return 0;
}

int mt_station_diag(const struct mt_diag_config *cfg, mt_diag_say_fn say, void *ctx)
{
	struct diag d = { .cfg = cfg,
			  .say = say,
			  .ctx = ctx,
			  .timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 4000 };
	struct mt_tls_client *tls = NULL;
	int ret;

	if (!cfg->url || !cfg->url[0]) {
		sayf(&d, "station",
		     "FAIL: station.url is empty (run: enroll URL CODE "
		     "FINGERPRINT)");
		return -ENOENT;
	}
	if (mt_station_url_parse(cfg->url, &d.url)) {
		sayf(&d, "station", "FAIL: station.url '%s' is not https://host[:port]", cfg->url);
		return -EINVAL;
	}
	sayf(&d, "station", "%s", cfg->url);
	ret = step_enrollment(&d);
	if (!ret)
		ret = step_dns(&d);
	if (!ret)
		ret = step_tcp(&d);
	if (!ret)
		ret = step_tls(&d, &tls);
	if (!ret)
		ret = step_certificate(&d, tls);
	if (!ret)
		ret = step_health(&d, tls);
	mt_tls_client_free(tls);
	free(d.ca);
	free(d.cert);
	if (d.key)
		memset(d.key, 0, d.key_len);
	free(d.key);
	return ret;
}
