/* mt-station: enrollment; see enroll.h. The code is kept only as its
 * SHA-256, is used up in the same transaction that records the device (so
 * two racing enrollments cannot both use it), and the device id is chosen
 * by the station, whatever subject the CSRs carry. */
#include "enroll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/mbedtls_compat.h"
#include "parse.h"
#include "util.h"

static void code_hash(const char *canonical, char hex[65])
{
	uint8_t sha[32];

	mbedtls_sha256((const unsigned char *)canonical, strlen(canonical), sha, 0);
	mt_util_hex(sha, sizeof(sha), hex);
}

int mt_enroll_new_code(struct mt_db *db, const char *name, int64_t valid_ms,
		       char code[MT_ENROLL_CODE_TEXT])
{
	const size_t na = strlen(mt_parse_code_alphabet);
	uint8_t rnd[MT_CODE_LEN];
	char canon[MT_CODE_LEN + 1], hex[65];
	int64_t now = mt_util_now_ms();
	int ret;

	for (size_t i = 0; i < MT_CODE_LEN; i++) {
		/* rejection sampling: no bias towards the first letters */
		do {
			ret = mt_util_random(&rnd[i], 1);
			if (ret)
				return ret;
		} while (rnd[i] >= 256 - 256 % na);
		canon[i] = mt_parse_code_alphabet[rnd[i] % na];
	}
	canon[MT_CODE_LEN] = 0;
	snprintf(code, MT_ENROLL_CODE_TEXT, "%.4s-%.4s-%.4s", canon, canon + 4, canon + 8);
	code_hash(canon, hex);
	ret = mt_db_exec(db,
			 "INSERT INTO codes(code_sha256, device_name, created_ms, expires_ms)"
			 " VALUES(?, ?, ?, ?)",
			 "ssii", hex, name, now, now + valid_ms);
	return ret < 0 ? ret : 0;
}

enum MHD_Result mt_enroll_begin(struct mt_req *r)
{
	struct mt_station *st = r->st;
	struct mt_rate *slot = NULL, *oldest = &st->rates[0];
	int64_t now = mt_util_now_ms();
	unsigned recent = 0, limit = st->enroll_limit;

	if (limit > 16)
		limit = 16; /* the ring remembers 16 attempts */
	mt_db_lock(&st->db);
	for (int i = 0; i < MT_RATE_MAX; i++) {
		struct mt_rate *s = &st->rates[i];

		if (strcmp(s->ip, r->ip) == 0) {
			slot = s;
			break;
		}
		if (s->t[(s->next + 15) % 16] < oldest->t[(oldest->next + 15) % 16])
			oldest = s;
	}
	if (!slot) { /* forget the address seen least recently */
		slot = oldest;
		memset(slot, 0, sizeof(*slot));
		snprintf(slot->ip, sizeof(slot->ip), "%s", r->ip);
	}
	for (int i = 0; i < 16; i++)
		recent += slot->t[i] && now - slot->t[i] < MT_RATE_SPAN;
	if (recent < limit) {
		slot->t[slot->next] = now;
		slot->next = (slot->next + 1) % 16;
	}
	mt_db_unlock(&st->db);
	if (recent >= limit)
		return mt_srv_reject(r, MHD_HTTP_TOO_MANY_REQUESTS,
				     "too many enrollment attempts from %s (%u a minute)", r->ip,
				     limit);
	return MHD_YES;
}

static const char *json_str(const cJSON *doc, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 if the two keys are the same key. */
static int same_key(mbedtls_pk_context *a, mbedtls_pk_context *b)
{
	unsigned char da[200], db[200];
	int na = mbedtls_pk_write_pubkey_der(a, da, sizeof(da));
	int nb = mbedtls_pk_write_pubkey_der(b, db, sizeof(db));

	return na > 0 && na == nb &&
	       memcmp(da + sizeof(da) - na, db + sizeof(db) - nb, (size_t)na) == 0;
}

/* Both certificates, or a reply. Runs with the lock held (the DRBG). */
static enum MHD_Result issue(struct mt_req *r, const cJSON *doc, const char *id, char *tls_pem,
			     char *ev_pem)
{
	struct mt_station *st = r->st;
	mbedtls_x509_csr tls, ev;
	char err[128], subject[64];
	enum MHD_Result ret = MHD_YES;
	struct mt_pki_cert_req req = { .subject = subject, .issuer_key = &st->ca_key };

	mbedtls_x509_csr_init(&tls);
	mbedtls_x509_csr_init(&ev);
	snprintf(subject, sizeof(subject), "CN=%s", id);
	if (mt_pki_csr_parse(&tls, json_str(doc, "tls_csr"), err, sizeof(err))) {
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "tls_csr: %s", err);
		goto out_free;
	}
	if (mt_pki_csr_parse(&ev, json_str(doc, "evidence_csr"), err, sizeof(err))) {
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "evidence_csr: %s", err);
		goto out_free;
	}
	if (same_key(&tls.pk, &ev.pk)) {
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
				    "the evidence key must not be the TLS key");
		goto out_free;
	}
	req.kind = MT_PKI_DEVICE_TLS;
	req.subject_key = &tls.pk;
	if (mt_pki_issue(&req, &st->rng, tls_pem, MT_PKI_PEM_MAX) == 0) {
		req.kind = MT_PKI_DEVICE_EVIDENCE;
		req.subject_key = &ev.pk;
		if (mt_pki_issue(&req, &st->rng, ev_pem, MT_PKI_PEM_MAX) == 0)
			goto out_free;
	}
	ret = mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot issue the certificates");
out_free:
	mbedtls_x509_csr_free(&ev);
	mbedtls_x509_csr_free(&tls);
	return ret;
}

/* The code's row: 0 usable (its device name into name), or a reply. */
static enum MHD_Result check_code(struct mt_req *r, const char *hex, char *name, size_t cap)
{
	char used_by[32], when[32];
	int64_t now = mt_util_now_ms();
	int ret;

	ret = mt_db_text(&r->st->db, used_by, sizeof(used_by),
			 "SELECT COALESCE(device_id, '') FROM codes WHERE code_sha256 = ?"
			 " AND used_ms IS NOT NULL",
			 "s", hex);
	if (ret == 1)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN,
				     "reused enrollment code (already used by %s)", used_by);
	ret = mt_db_text(&r->st->db, when, sizeof(when),
			 "SELECT expires_ms FROM codes WHERE code_sha256 = ?", "s", hex);
	if (ret != 1)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "unknown enrollment code");
	if (strtoll(when, NULL, 10) <= now)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "expired enrollment code");
	name[0] = 0;
	mt_db_text(&r->st->db, name, cap,
		   "SELECT COALESCE(device_name, '') FROM codes"
		   " WHERE code_sha256 = ?",
		   "s", hex);
	return MHD_YES;
}

/* Writes DIR/devices/<id>/{tls,evidence}.crt. 0 or -errno. */
static int save_certs(struct mt_station *st, const char *id, const char *tls, const char *ev)
{
	char path[MT_PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/devices/%s", st->data, id);
	ret = mt_util_mkdirs(path, 0755);
	if (ret == 0) {
		snprintf(path, sizeof(path), "%s/devices/%s/tls.crt", st->data, id);
		ret = mt_util_write_file(path, tls, strlen(tls), 0644);
	}
	if (ret == 0) {
		snprintf(path, sizeof(path), "%s/devices/%s/evidence.crt", st->data, id);
		ret = mt_util_write_file(path, ev, strlen(ev), 0644);
	}
	return ret;
}

/* Uses up the code and records the device, in one transaction. */
static int record(struct mt_req *r, const char *code_hex, const char *id, const char *name,
		  const char *tls, const char *ev)
{
	struct mt_db *db = &r->st->db;
	int64_t now = mt_util_now_ms();
	uint8_t sha[32];
	char tls_hex[65];
	int ret;

	if (mt_pki_cert_fingerprint((const unsigned char *)tls, strlen(tls) + 1, sha))
		return -EINVAL;
	mt_util_hex(sha, sizeof(sha), tls_hex);
	ret = mt_db_exec(db, "BEGIN IMMEDIATE", NULL);
	if (ret >= 0)
		ret = mt_db_exec(db,
				 "UPDATE codes SET used_ms = ?, device_id = ? WHERE code_sha256 = ?"
				 " AND used_ms IS NULL AND expires_ms > ?",
				 "issi", now, id, code_hex, now);
	if (ret == 1)
		ret = mt_db_exec(
			db,
			"INSERT INTO devices(id, name, tls_cert, tls_sha256, evidence_cert,"
			" enrolled_ms, enrolled_from) VALUES(?, ?, ?, ?, ?, ?, ?)",
			"sssssis", id, name, tls, tls_hex, ev, now, r->ip);
	else if (ret == 0)
		ret = -EALREADY;
	if (ret >= 0)
		ret = mt_db_exec(db, "COMMIT", NULL);
	if (ret < 0)
		mt_db_exec(db, "ROLLBACK", NULL);
	return ret < 0 ? ret : 0;
}

static enum MHD_Result reply_certs(struct mt_req *r, const char *id, const char *tls,
				   const char *ev)
{
	cJSON *o = cJSON_CreateObject();
	enum MHD_Result ret;
	char *body;

	cJSON_AddStringToObject(o, "device_id", id);
	cJSON_AddStringToObject(o, "tls_cert", tls);
	cJSON_AddStringToObject(o, "evidence_cert", ev);
	cJSON_AddStringToObject(o, "ca_cert", r->st->ca_pem);
	cJSON_AddStringToObject(o, "receipt_key", r->st->receipt_pub);
	if (r->st->update_pub)
		cJSON_AddStringToObject(o, "update_key", r->st->update_pub);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	ret = mt_srv_reply(r, MHD_HTTP_OK, body, "Cache-Control", "no-store", MT_HDR_END);
	cJSON_free(body);
	return ret;
}

enum MHD_Result mt_enroll_end(struct mt_req *r)
{
	struct mt_station *st = r->st;
	cJSON *doc = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
	char canon[MT_CODE_LEN + 1], hex[65], name[128], id[24];
	char tls[MT_PKI_PEM_MAX], ev[MT_PKI_PEM_MAX];
	const char *code = doc ? json_str(doc, "code") : NULL;
	enum MHD_Result ret;
	uint8_t rnd[8];
	int err;

	if (!doc || !cJSON_IsObject(doc)) {
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "body is not a JSON object");
		goto out_doc;
	}
	if (!code || mt_parse_code(code, canon)) {
		ret = mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "unknown enrollment code (malformed)");
		goto out_doc;
	}
	code_hash(canon, hex);
	if (mt_util_random(rnd, sizeof(rnd))) {
		ret = mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no randomness");
		goto out_doc;
	}
	memcpy(id, "mt-", 3);
	mt_util_hex(rnd, sizeof(rnd), id + 3);
	mt_db_lock(&st->db);
	ret = check_code(r, hex, name, sizeof(name));
	if (r->done)
		goto out_unlock;
	if (!name[0] && json_str(doc, "name"))
		snprintf(name, sizeof(name), "%s", json_str(doc, "name"));
	ret = issue(r, doc, id, tls, ev);
	if (r->done)
		goto out_unlock;
	err = save_certs(st, id, tls, ev);
	if (err == 0)
		err = record(r, hex, id, name, tls, ev);
	if (err == -EALREADY)
		ret = mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "reused enrollment code (just used)");
	else if (err)
		ret = mt_srv_reject(r, err == -ENOSPC ? 507 : MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot record the device: %s", strerror(-err));
out_unlock:
	mt_db_unlock(&st->db);
	if (!r->done) {
		mt_util_log("enrolled %s \"%s\" from %s", id, name, r->ip);
		ret = reply_certs(r, id, tls, ev);
	}
out_doc:
	cJSON_Delete(doc);
	return ret;
}
