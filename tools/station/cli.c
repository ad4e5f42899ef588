/* mt-station: the commands; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "enroll.h"
#include "pki.h"
#include "server.h"
#include "util.h"

static int open_db(const char *data, struct mt_db *db)
{
	char path[MT_PATH_MAX];

	snprintf(path, sizeof(path), "%s/station.db", data);
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "mt-station: %s is not a station folder (run mt-station init)\n",
			data);
		return -1;
	}
	return mt_db_open(db, path);
}

/* A new key saved at DIR/keys/<name>.key (and its public key at
 * DIR/<name>.pub.pem when pub). */
static int new_key(const char *data, const char *name, int pub, mbedtls_pk_context *pk,
		   struct mt_pki_rng *rng)
{
	char path[MT_PATH_MAX], pem[MT_PKI_PEM_MAX];

	snprintf(path, sizeof(path), "%s/keys/%s.key", data, name);
	if (mt_pki_keygen(pk, rng) || mt_pki_key_save(pk, path))
		return -1;
	if (!pub)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.pub.pem", data, name);
	if (mt_pki_pub_pem(pk, pem, sizeof(pem)) ||
	    mt_util_write_file(path, pem, strlen(pem), 0644))
		return -1;
	return 0;
}

static int write_pem(const char *data, const char *name, const char *pem)
{
	char path[MT_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", data, name);
	return mt_util_write_file(path, pem, strlen(pem), 0644);
}

/* The CA, the server's TLS key and certificate, the receipt and update
 * keys. 0 or -1. */
static int make_keys(const char *data, const char *host, struct mt_pki_rng *rng, char *ca_pem)
{
	mbedtls_pk_context ca, server, receipt, update;
	char subject[300], pem[MT_PKI_PEM_MAX];
	struct mt_pki_cert_req req = { .kind = MT_PKI_CA,
				       .subject = MT_PKI_CA_SUBJECT,
				       .subject_key = &ca,
				       .issuer_key = &ca };
	int ret = -1;

	mbedtls_pk_init(&ca);
	mbedtls_pk_init(&server);
	mbedtls_pk_init(&receipt);
	mbedtls_pk_init(&update);
	if (new_key(data, "ca", 0, &ca, rng) || mt_pki_issue(&req, rng, ca_pem, MT_PKI_PEM_MAX) ||
	    write_pem(data, "ca.crt", ca_pem))
		goto out_free;
	snprintf(subject, sizeof(subject), "CN=%s,O=matthan", host ? host : "localhost");
	req = (struct mt_pki_cert_req){ .kind = MT_PKI_SERVER,
					.subject = subject,
					.subject_key = &server,
					.issuer_key = &ca,
					.host = host };
	if (new_key(data, "server", 0, &server, rng) || mt_pki_issue(&req, rng, pem, sizeof(pem)) ||
	    write_pem(data, "server.crt", pem))
		goto out_free;
	if (new_key(data, "receipt", 1, &receipt, rng) || new_key(data, "update", 1, &update, rng))
		goto out_free;
	ret = 0;
out_free:
	mbedtls_pk_free(&update);
	mbedtls_pk_free(&receipt);
	mbedtls_pk_free(&server);
	mbedtls_pk_free(&ca);
	return ret;
}

int mt_cli_init(const struct mt_cli_opts *o)
{
	static const char *const dirs[] = { "", "/keys", "/uploads", "/clips", "/devices", "/ota" };
	char path[MT_PATH_MAX], ca_pem[MT_PKI_PEM_MAX], hex[65];
	struct mt_pki_rng rng;
	struct mt_db db;
	uint8_t fp[32];
	int ret = 1;

	snprintf(path, sizeof(path), "%s/ca.crt", o->data);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "mt-station: %s already has a station CA; not replacing it\n",
			o->data);
		return 1;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", o->data, dirs[i]);
		if (mt_util_mkdirs(path, i == 1 ? 0700 : 0755)) {
			fprintf(stderr, "mt-station: cannot make %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	mt_pki_rng_init(&rng);
	mt_db_init(&db);
	if (mt_pki_rng_seed(&rng) || make_keys(o->data, o->host, &rng, ca_pem)) {
		fprintf(stderr, "mt-station: cannot make the station's keys in %s\n", o->data);
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/station.db", o->data);
	if (mt_db_open(&db, path) ||
	    mt_db_exec(&db, "INSERT OR REPLACE INTO meta(key, value) VALUES('name', ?)", "s",
		       o->host ? o->host : "matthan station") < 0)
		goto out_free;
	if (mt_pki_cert_fingerprint((const unsigned char *)ca_pem, strlen(ca_pem) + 1, fp))
		goto out_free;
	mt_util_hex(fp, sizeof(fp), hex);
	printf("station initialised in %s\n"
	       "CA certificate: %s/ca.crt\n"
	       "CA fingerprint (SHA-256, typed on the device at enrollment): %s\n",
	       o->data, o->data, hex);
	ret = 0;
out_free:
	mt_db_free(&db);
	mt_pki_rng_free(&rng);
	return ret;
}

int mt_cli_enroll_code(const struct mt_cli_opts *o)
{
	char code[MT_ENROLL_CODE_TEXT];
	struct mt_db db;
	int ret;

	mt_db_init(&db);
	if (open_db(o->data, &db)) {
		mt_db_free(&db);
		return 1;
	}
	ret = mt_enroll_new_code(&db, o->device_name, o->valid_ms, code);
	mt_db_free(&db);
	if (ret) {
		fprintf(stderr, "mt-station: cannot store the code\n");
		return 1;
	}
	printf("%s\n", code);
	return 0;
}

/* The station's keys and settings for serve. 0 or -1. */
static int load_station(struct mt_station *st, const struct mt_cli_opts *o)
{
	char path[MT_PATH_MAX];
	size_t len;

	if (!realpath(o->data, st->data)) {
		fprintf(stderr, "mt-station: %s: %s\n", o->data, strerror(errno));
		return -1;
	}
	if (open_db(st->data, &st->db) || mt_pki_rng_seed(&st->rng))
		return -1;
	snprintf(path, sizeof(path), "%s/keys/ca.key", st->data);
	if (mt_pki_key_load(&st->ca_key, path, &st->rng))
		goto out_bad;
	snprintf(path, sizeof(path), "%s/keys/receipt.key", st->data);
	if (mt_pki_key_load(&st->receipt_key, path, &st->rng) ||
	    mt_pki_pub_pem(&st->receipt_key, st->receipt_pub, sizeof(st->receipt_pub)))
		goto out_bad;
	snprintf(path, sizeof(path), "%s/ca.crt", st->data);
	if (mt_util_read_file(path, 64 * 1024, &st->ca_pem, &len))
		goto out_bad;
	/* the update key's public half goes to every box at enrollment */
	snprintf(path, sizeof(path), "%s/update.pub.pem", st->data);
	if (mt_util_read_file(path, 64 * 1024, &st->update_pub, &len))
		goto out_bad;
	if (mt_db_text(&st->db, st->name, sizeof(st->name),
		       "SELECT value FROM meta WHERE key = 'name'", NULL) != 1)
		snprintf(st->name, sizeof(st->name), "matthan station");
	st->max_size = o->max_size;
	st->enroll_limit = o->enroll_limit;
	return 0;
out_bad:
	fprintf(stderr, "mt-station: cannot load %s\n", path);
	return -1;
}

int mt_cli_serve(const struct mt_cli_opts *o)
{
	struct mt_station *st = calloc(1, sizeof(*st));
	int ret = 1;

	if (!st)
		return 1;
	mt_db_init(&st->db);
	mt_pki_rng_init(&st->rng);
	mbedtls_pk_init(&st->ca_key);
	mbedtls_pk_init(&st->receipt_key);
	if (load_station(st, o) == 0 && mt_srv_run(st, o->listen) == 0)
		ret = 0;
	free(st->ca_pem);
	free(st->update_pub);
	mbedtls_pk_free(&st->receipt_key);
	mbedtls_pk_free(&st->ca_key);
	mt_pki_rng_free(&st->rng);
	mt_db_free(&st->db);
	free(st);
	return ret;
}

static void utc(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&t, &tm))
		snprintf(out, cap, "-");
	else
		strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Prints {"name": list} and takes the list. */
static void print_list(const char *name, cJSON **list)
{
	cJSON *doc = cJSON_CreateObject();
	char *s;

	cJSON_AddItemToObject(doc, name, *list);
	*list = NULL;
	s = cJSON_Print(doc);
	printf("%s\n", s ? s : "{}");
	cJSON_free(s);
	cJSON_Delete(doc);
}

/* One listing: a row of q into list (JSON) or onto stdout (text). */
typedef void (*list_row_fn)(sqlite3_stmt *q, cJSON *list);

/* Runs sql on the station's database and hands each row to row: printed
 * under header as text, or gathered as {"name": [...]} with --json. */
static int list_rows(const struct mt_cli_opts *o, const char *name, const char *sql,
		     const char *header, list_row_fn row)
{
	struct mt_db db;
	sqlite3_stmt *q;
	cJSON *list = cJSON_CreateArray();
	int ret = 1;

	mt_db_init(&db);
	if (open_db(o->data, &db) || sqlite3_prepare_v2(db.h, sql, -1, &q, NULL) != SQLITE_OK)
		goto out_free;
	if (!o->json)
		printf("%s\n", header);
	while (sqlite3_step(q) == SQLITE_ROW)
		row(q, o->json ? list : NULL);
	sqlite3_finalize(q);
	if (o->json)
		print_list(name, &list);
	ret = 0;
out_free:
	cJSON_Delete(list);
	mt_db_free(&db);
	return ret;
}

static void clip_row(sqlite3_stmt *q, cJSON *list)
{
	const char *dev = (const char *)sqlite3_column_text(q, 1);
	const char *state = (const char *)sqlite3_column_text(q, 3);
	const char *reason = (const char *)sqlite3_column_text(q, 4);
	const char *dir = (const char *)sqlite3_column_text(q, 6);
	int64_t ms = sqlite3_column_int64(q, 5);
	char when[32];

	if (list) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddNumberToObject(c, "id", (double)sqlite3_column_int64(q, 0));
		cJSON_AddStringToObject(c, "device_id", dev);
		cJSON_AddNumberToObject(c, "seq", (double)sqlite3_column_int64(q, 2));
		cJSON_AddStringToObject(c, "state", state);
		cJSON_AddStringToObject(c, "reason", reason);
		cJSON_AddNumberToObject(c, "received_ms", (double)ms);
		cJSON_AddStringToObject(c, "dir", dir);
		cJSON_AddStringToObject(c, "manifest_sha256",
					(const char *)sqlite3_column_text(q, 7));
		if (sqlite3_column_int64(q, 8))
			cJSON_AddNumberToObject(c, "duplicate_of",
						(double)sqlite3_column_int64(q, 8));
		cJSON_AddItemToArray(list, c);
		return;
	}
	utc(ms, when, sizeof(when));
	printf("%-6lld %-19s %-7lld %-9s %-20s %s%s%s\n", (long long)sqlite3_column_int64(q, 0),
	       dev, (long long)sqlite3_column_int64(q, 2), state, when, dir,
	       reason[0] && strcmp(state, "OK") ? " : " : "", strcmp(state, "OK") ? reason : "");
}

int mt_cli_clips(const struct mt_cli_opts *o)
{
	char header[160];

	snprintf(header, sizeof(header), "%-6s %-19s %-7s %-9s %-20s %s", "CLIP", "DEVICE", "SEQ",
		 "STATE", "RECEIVED (UTC)", "FILES / REASON");
	return list_rows(o, "clips",
			 "SELECT id, device_id, seq, state, COALESCE(reason, ''), received_ms,"
			 " dir, COALESCE(manifest_sha256, ''), COALESCE(duplicate_of, 0)"
			 " FROM clips ORDER BY device_id, seq, id",
			 header, clip_row);
}

static void upload_row(sqlite3_stmt *q, cJSON *list)
{
	const char *id = (const char *)sqlite3_column_text(q, 0);
	const char *dev = (const char *)sqlite3_column_text(q, 1);
	const char *file = (const char *)sqlite3_column_text(q, 2);
	const char *state = (const char *)sqlite3_column_text(q, 5);
	int64_t off = sqlite3_column_int64(q, 3), len = sqlite3_column_int64(q, 4);
	char when[32], lens[24];

	if (list) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "id", id);
		cJSON_AddStringToObject(c, "device_id", dev);
		cJSON_AddStringToObject(c, "filename", file);
		cJSON_AddNumberToObject(c, "offset", (double)off);
		/* -1: deferred (Upload-Defer-Length), not known yet */
		cJSON_AddNumberToObject(c, "length", (double)len);
		cJSON_AddStringToObject(c, "state", state);
		cJSON_AddNumberToObject(c, "created_ms", (double)sqlite3_column_int64(q, 6));
		cJSON_AddNumberToObject(c, "updated_ms", (double)sqlite3_column_int64(q, 7));
		cJSON_AddItemToArray(list, c);
		return;
	}
	utc(sqlite3_column_int64(q, 7), when, sizeof(when));
	if (len < 0)
		snprintf(lens, sizeof(lens), "deferred");
	else
		snprintf(lens, sizeof(lens), "%lld", (long long)len);
	printf("%-32s %-19s %-17s %12lld %12s %-8s %s\n", id, dev, file, (long long)off, lens,
	       state, when);
}

int mt_cli_uploads(const struct mt_cli_opts *o)
{
	char header[160];

	snprintf(header, sizeof(header), "%-32s %-19s %-17s %12s %12s %-8s %s", "UPLOAD", "DEVICE",
		 "FILE", "OFFSET", "LENGTH", "STATE", "UPDATED (UTC)");
	return list_rows(o, "uploads",
			 "SELECT id, device_id, COALESCE(filename, ''), upload_offset,"
			 " COALESCE(length, -1), state, created_ms, updated_ms FROM uploads"
			 " WHERE state IN ('open', 'complete') ORDER BY device_id, created_ms, id",
			 header, upload_row);
}

static void device_row(sqlite3_stmt *q, cJSON *list)
{
	const char *id = (const char *)sqlite3_column_text(q, 0);
	const char *name = (const char *)sqlite3_column_text(q, 1);
	int revoked = sqlite3_column_int64(q, 5) != 0;
	char a[32], b[32];

	if (list) {
		cJSON *d = cJSON_CreateObject();
		const char *h = (const char *)sqlite3_column_text(q, 6);

		cJSON_AddStringToObject(d, "device_id", id);
		cJSON_AddStringToObject(d, "name", name);
		cJSON_AddNumberToObject(d, "enrolled_ms", (double)sqlite3_column_int64(q, 2));
		cJSON_AddNumberToObject(d, "first_seen_ms", (double)sqlite3_column_int64(q, 3));
		cJSON_AddNumberToObject(d, "last_seen_ms", (double)sqlite3_column_int64(q, 4));
		cJSON_AddNumberToObject(d, "revoked_ms", (double)sqlite3_column_int64(q, 5));
		cJSON_AddItemToObject(d, "health", h[0] ? cJSON_Parse(h) : cJSON_CreateNull());
		cJSON_AddNumberToObject(d, "health_ms", (double)sqlite3_column_int64(q, 7));
		cJSON_AddNumberToObject(d, "clips", (double)sqlite3_column_int64(q, 8));
		cJSON_AddItemToArray(list, d);
		return;
	}
	utc(sqlite3_column_int64(q, 2), a, sizeof(a));
	utc(sqlite3_column_int64(q, 4), b, sizeof(b));
	printf("%-19s %-8s %-20s %-20s %-6lld %s\n", id, revoked ? "revoked" : "active", a, b,
	       (long long)sqlite3_column_int64(q, 8), name);
}

int mt_cli_devices(const struct mt_cli_opts *o)
{
	char header[160];

	snprintf(header, sizeof(header), "%-19s %-8s %-20s %-20s %-6s %s", "DEVICE", "STATE",
		 "ENROLLED (UTC)", "LAST SEEN (UTC)", "CLIPS", "NAME");
	return list_rows(o, "devices",
			 "SELECT id, COALESCE(name, ''), enrolled_ms, COALESCE(first_seen_ms, 0),"
			 " COALESCE(last_seen_ms, 0), COALESCE(revoked_ms, 0),"
			 " COALESCE(health, ''), COALESCE(health_ms, 0),"
			 " (SELECT COUNT(*) FROM clips WHERE clips.device_id = devices.id)"
			 " FROM devices ORDER BY id",
			 header, device_row);
}

int mt_cli_revoke(const struct mt_cli_opts *o)
{
	struct mt_db db;
	struct mt_db_device d;
	int ret = 1, n;

	mt_db_init(&db);
	if (open_db(o->data, &db))
		goto out_free;
	n = mt_db_device_find(&db, &d, "id = ?", "s", o->device);
	if (n != 1) {
		fprintf(stderr, "mt-station: no device %s\n", o->device);
		goto out_free;
	}
	if (d.revoked_ms) {
		printf("%s was revoked already\n", o->device);
		ret = 0;
		goto out_free;
	}
	if (mt_db_exec(&db, "UPDATE devices SET revoked_ms = ? WHERE id = ?", "is",
		       mt_util_now_ms(), o->device) != 1) {
		fprintf(stderr, "mt-station: cannot revoke %s\n", o->device);
		goto out_free;
	}
	printf("%s revoked: the station refuses it from its next request on\n", o->device);
	ret = 0;
out_free:
	mt_db_free(&db);
	return ret;
}
