/* mt-station: the SQLite database (DIR/station.db): enrollment codes, the
 * device registry, uploads and their durable offsets, clips with their
 * verdicts and receipts. The schema is in db.c and docs/station.md. One
 * connection shared by the server's threads under one lock. */
#ifndef MT_STATION_DB_H
#define MT_STATION_DB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct mt_db {
	sqlite3 *h;
	pthread_mutex_t lock; /* held around every use of h by the server */
};

struct mt_db_device {
	char id[24];
	char name[128];
	char tls_sha256[65];
	int64_t enrolled_ms, first_seen_ms, last_seen_ms, health_ms, revoked_ms; /* 0: never */
};

struct mt_db_upload {
	char id[33];
	char device[24];
	int64_t length; /* -1 while deferred */
	int64_t offset;
	char state[12]; /* open, complete, committed, deleted */
	char filename[128];
	char kind[16];
	int64_t seq;     /* -1 when not given */
	int64_t clip_id; /* 0 until committed */
};

struct mt_db_clip {
	int64_t id;
	char device[24];
	int64_t seq;
	char dir[256];       /* under DIR */
	char uploads[4][33]; /* clip, manifest, signature, checkpoints ("" when absent) */
	char state[12];      /* received, OK, GAP, REPLAY, PARTIAL, FAILED, DUPLICATE */
	char reason[256];
	char manifest_sha256[65];
	char prev_sha256[65];
	int64_t received_ms;
	char receipt[512];
	unsigned char receipt_sig[160];
	size_t receipt_sig_len;
	int64_t duplicate_of;
};

void mt_db_init(struct mt_db *db);

/* Opens (creating if needed) the database at path with durable commits
 * (WAL, synchronous=FULL). 0, or -1 with a message on stderr. */
int mt_db_open(struct mt_db *db, const char *path);

void mt_db_free(struct mt_db *db);

void mt_db_lock(struct mt_db *db);
void mt_db_unlock(struct mt_db *db);

/* Runs one statement with parameters given by types, one letter each:
 * 's' const char * (NULL binds NULL), 'i' int64_t, 'n' int64_t (negative
 * binds NULL), 'b' const void * then int (a blob). Returns the rows changed
 * (>= 0), -ENOSPC when the disk is full, or -EIO. */
int mt_db_exec(struct mt_db *db, const char *sql, const char *types, ...);

/* Reads one text column of the first row of a query into out (cap bytes).
 * 1 found, 0 no row, < 0 error. */
int mt_db_text(struct mt_db *db, char *out, size_t cap, const char *sql, const char *types, ...);

/* The first row matching where (an SQL condition over the table's columns,
 * with parameters as for mt_db_exec). 1 found, 0 none, < 0 error. */
int mt_db_device_find(struct mt_db *db, struct mt_db_device *d, const char *where,
		      const char *types, ...);
int mt_db_upload_find(struct mt_db *db, struct mt_db_upload *u, const char *where,
		      const char *types, ...);
int mt_db_clip_find(struct mt_db *db, struct mt_db_clip *c, const char *where, const char *types,
		    ...);

#endif
