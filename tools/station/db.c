/* mt-station: the SQLite database; see db.h. */
#include "db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS codes("
	" code_sha256 TEXT PRIMARY KEY, device_name TEXT, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL, used_ms INTEGER, device_id TEXT);"
	"CREATE TABLE IF NOT EXISTS devices("
	" id TEXT PRIMARY KEY, name TEXT, tls_cert TEXT NOT NULL,"
	" tls_sha256 TEXT NOT NULL UNIQUE, evidence_cert TEXT NOT NULL,"
	" enrolled_ms INTEGER NOT NULL, enrolled_from TEXT, first_seen_ms INTEGER,"
	" last_seen_ms INTEGER, health TEXT, health_ms INTEGER, revoked_ms INTEGER);"
	"CREATE TABLE IF NOT EXISTS uploads("
	" id TEXT PRIMARY KEY, device_id TEXT NOT NULL, length INTEGER,"
	" upload_offset INTEGER NOT NULL, state TEXT NOT NULL"
	"  CHECK(state IN ('open','complete','committed','deleted')),"
	" filename TEXT, kind TEXT, seq INTEGER, created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL, clip_id INTEGER);"
	"CREATE TABLE IF NOT EXISTS clips("
	" id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, seq INTEGER NOT NULL,"
	" dir TEXT NOT NULL, clip_upload TEXT NOT NULL UNIQUE, manifest_upload TEXT,"
	" signature_upload TEXT, checkpoints_upload TEXT, state TEXT NOT NULL, reason TEXT,"
	" manifest_sha256 TEXT, prev_sha256 TEXT, received_ms INTEGER NOT NULL,"
	" verified_ms INTEGER, receipt TEXT, receipt_sig BLOB, duplicate_of INTEGER);"
	"CREATE INDEX IF NOT EXISTS clips_seq ON clips(device_id, seq);"
	"CREATE INDEX IF NOT EXISTS clips_manifest ON clips(device_id, manifest_sha256);";

void mt_db_init(struct mt_db *db)
{
	db->h = NULL;
	pthread_mutex_init(&db->lock, NULL);
}

int mt_db_open(struct mt_db *db, const char *path)
{
	char *msg = NULL;

	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "mt-station: %s: %s\n", path, sqlite3_errmsg(db->h));
		return -1;
	}
	sqlite3_busy_timeout(db->h, 10000); /* mt-station revoke while serve runs */
	if (sqlite3_exec(db->h,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;",
			 NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "mt-station: %s: %s\n", path, msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void mt_db_free(struct mt_db *db)
{
	if (db->h)
		sqlite3_close(db->h);
	db->h = NULL;
}

void mt_db_lock(struct mt_db *db)
{
	pthread_mutex_lock(&db->lock);
}

void mt_db_unlock(struct mt_db *db)
{
	pthread_mutex_unlock(&db->lock);
}

static int sql_error(int rc)
{
	return rc == SQLITE_FULL ? -ENOSPC : -EIO;
}

static int prepare(struct mt_db *db, sqlite3_stmt **st, const char *sql, const char *types,
		   va_list ap)
{
	int i = 1, rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		fprintf(stderr, "mt-station: sql: %s: %s\n", sqlite3_errmsg(db->h), sql);
		return -EIO;
	}
	for (const char *t = types ? types : ""; *t; t++, i++) {
		if (*t == 's') {
			const char *s = va_arg(ap, const char *);

			rc = s ? sqlite3_bind_text(*st, i, s, -1, SQLITE_TRANSIENT) :
				 sqlite3_bind_null(*st, i);
		} else if (*t == 'i' || *t == 'n') {
			int64_t v = va_arg(ap, int64_t);

			rc = *t == 'n' && v < 0 ? sqlite3_bind_null(*st, i) :
						  sqlite3_bind_int64(*st, i, v);
		} else {
			const void *b = va_arg(ap, const void *);
			int len = va_arg(ap, int);

			rc = sqlite3_bind_blob(*st, i, b, len, SQLITE_TRANSIENT);
		}
		if (rc != SQLITE_OK) {
			sqlite3_finalize(*st);
			return -EIO;
		}
	}
	return 0;
}

int mt_db_exec(struct mt_db *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret, rc;

	va_start(ap, types);
	ret = prepare(db, &st, sql, types, ap);
	va_end(ap);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		ret = sqlite3_changes(db->h);
	} else {
		fprintf(stderr, "mt-station: sql: %s\n", sqlite3_errmsg(db->h));
		ret = sql_error(rc);
	}
	sqlite3_finalize(st);
	return ret;
}

static void col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(out, cap, "%s", s ? (const char *)s : "");
}

static int64_t col_int(sqlite3_stmt *st, int i, int64_t if_null)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? if_null : sqlite3_column_int64(st, i);
}

/* Runs "<select> WHERE <where> ORDER BY id LIMIT 1"; 1 with *st on the
 * row (finalize it), 0 no row, < 0 error. */
static int find_row(struct mt_db *db, sqlite3_stmt **st, const char *select, const char *where,
		    const char *types, va_list ap)
{
	char sql[1024];
	int ret, rc;

	snprintf(sql, sizeof(sql), "%s WHERE %s ORDER BY rowid LIMIT 1", select, where);
	ret = prepare(db, st, sql, types, ap);
	if (ret)
		return ret;
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_finalize(*st);
	return rc == SQLITE_DONE ? 0 : sql_error(rc);
}

int mt_db_text(struct mt_db *db, char *out, size_t cap, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret, rc;

	va_start(ap, types);
	ret = prepare(db, &st, sql, types, ap);
	va_end(ap);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, out, cap);
		ret = 1;
	} else {
		ret = rc == SQLITE_DONE ? 0 : sql_error(rc);
	}
	sqlite3_finalize(st);
	return ret;
}

int mt_db_device_find(struct mt_db *db, struct mt_db_device *d, const char *where,
		      const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret;

	va_start(ap, types);
	ret = find_row(db, &st,
		       "SELECT id, name, tls_sha256, enrolled_ms, first_seen_ms, last_seen_ms,"
		       " health_ms, revoked_ms FROM devices",
		       where, types, ap);
	va_end(ap);
	if (ret != 1)
		return ret;
	col_text(st, 0, d->id, sizeof(d->id));
	col_text(st, 1, d->name, sizeof(d->name));
	col_text(st, 2, d->tls_sha256, sizeof(d->tls_sha256));
	d->enrolled_ms = col_int(st, 3, 0);
	d->first_seen_ms = col_int(st, 4, 0);
	d->last_seen_ms = col_int(st, 5, 0);
	d->health_ms = col_int(st, 6, 0);
	d->revoked_ms = col_int(st, 7, 0);
	sqlite3_finalize(st);
	return 1;
}

int mt_db_upload_find(struct mt_db *db, struct mt_db_upload *u, const char *where,
		      const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret;

	va_start(ap, types);
	ret = find_row(db, &st,
		       "SELECT id, device_id, length, upload_offset, state, filename, kind, seq,"
		       " clip_id FROM uploads",
		       where, types, ap);
	va_end(ap);
	if (ret != 1)
		return ret;
	col_text(st, 0, u->id, sizeof(u->id));
	col_text(st, 1, u->device, sizeof(u->device));
	u->length = col_int(st, 2, -1);
	u->offset = col_int(st, 3, 0);
	col_text(st, 4, u->state, sizeof(u->state));
	col_text(st, 5, u->filename, sizeof(u->filename));
	col_text(st, 6, u->kind, sizeof(u->kind));
	u->seq = col_int(st, 7, -1);
	u->clip_id = col_int(st, 8, 0);
	sqlite3_finalize(st);
	return 1;
}

int mt_db_clip_find(struct mt_db *db, struct mt_db_clip *c, const char *where, const char *types,
		    ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int ret, n;

	va_start(ap, types);
	ret = find_row(db, &st,
		       "SELECT id, device_id, seq, dir, clip_upload, manifest_upload,"
		       " signature_upload, checkpoints_upload, state, reason, manifest_sha256,"
		       " prev_sha256, received_ms, receipt, receipt_sig, duplicate_of FROM clips",
		       where, types, ap);
	va_end(ap);
	if (ret != 1)
		return ret;
	c->id = col_int(st, 0, 0);
	col_text(st, 1, c->device, sizeof(c->device));
	c->seq = col_int(st, 2, 0);
	col_text(st, 3, c->dir, sizeof(c->dir));
	for (int i = 0; i < 4; i++)
		col_text(st, 4 + i, c->uploads[i], sizeof(c->uploads[i]));
	col_text(st, 8, c->state, sizeof(c->state));
	col_text(st, 9, c->reason, sizeof(c->reason));
	col_text(st, 10, c->manifest_sha256, sizeof(c->manifest_sha256));
	col_text(st, 11, c->prev_sha256, sizeof(c->prev_sha256));
	c->received_ms = col_int(st, 12, 0);
	col_text(st, 13, c->receipt, sizeof(c->receipt));
	n = sqlite3_column_bytes(st, 14);
	c->receipt_sig_len = n > 0 && (size_t)n <= sizeof(c->receipt_sig) ? (size_t)n : 0;
	if (c->receipt_sig_len)
		memcpy(c->receipt_sig, sqlite3_column_blob(st, 14), c->receipt_sig_len);
	c->duplicate_of = col_int(st, 15, 0);
	sqlite3_finalize(st);
	return 1;
}
