/* mt-station: who is asking; see auth.h. libmicrohttpd asks every client
 * for a certificate (GNUTLS_CERT_REQUEST, because the station CA is given
 * as MHD_OPTION_HTTPS_MEM_TRUST) but does not require one, so /enroll works
 * without; every other endpoint comes here. The chain is verified by
 * GnuTLS against the station CA; the device is then the one whose issued
 * certificate has exactly this SHA-256, so a certificate the station did
 * not record (or a revoked device's) is refused even if the CA signed it. */
#include "auth.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "core/mbedtls_compat.h"
#include "util.h"

/* The subject CN of a DER certificate, for the log. */
static void cert_cn(const gnutls_datum_t *der, char *out, size_t cap)
{
	gnutls_x509_crt_t crt;
	size_t n = cap;

	out[0] = 0;
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &n) < 0)
		out[0] = 0;
	gnutls_x509_crt_deinit(crt);
}

enum MHD_Result mt_auth_device(struct mt_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
	const gnutls_datum_t *peers;
	struct mt_db_device dev;
	unsigned int status = 0, n = 0;
	uint8_t sha[32];
	char hex[65], cn[64];
	int64_t now = mt_util_now_ms();
	int found;

	peers = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	if (!peers || n == 0)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN,
				     "no client certificate (mutual TLS required)");
	cert_cn(&peers[0], cn, sizeof(cn));
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN,
				     "client certificate%s%s not issued by this station's CA",
				     cn[0] ? " of " : "", cn);
	mbedtls_sha256(peers[0].data, peers[0].size, sha, 0);
	mt_util_hex(sha, sizeof(sha), hex);
	mt_db_lock(&r->st->db);
	found = mt_db_device_find(&r->st->db, &dev, "tls_sha256 = ?", "s", hex);
	if (found == 1 && !dev.revoked_ms)
		mt_db_exec(&r->st->db,
			   "UPDATE devices SET last_seen_ms = ?, first_seen_ms = "
			   "COALESCE(first_seen_ms, ?) WHERE id = ? AND "
			   "(last_seen_ms IS NULL OR last_seen_ms < ?)",
			   "iisi", now, now, dev.id, now - 5000);
	mt_db_unlock(&r->st->db);
	if (found < 0)
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "registry unreadable");
	if (found == 0)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN,
				     "unknown device %s (its certificate is not in the registry)",
				     cn[0] ? cn : "without a name");
	if (dev.revoked_ms) {
		snprintf(r->device, sizeof(r->device), "%s", dev.id);
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "revoked device %s", dev.id);
	}
	snprintf(r->device, sizeof(r->device), "%s", dev.id);
	return MHD_YES;
}
