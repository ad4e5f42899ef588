/* The spool's journal: an append-only text file of what happened to each
 * clip (opened, sealed, voided, receipted, evicted, lost) and to events
 * the spool had no room for. One record per line, "<type> key=value ...
 * #<check>\n", where check is the first 8 hex digits of the SHA-256 of the
 * line before " #". Each record is synced before the action it announces
 * (a removal) or after the fact it states (a seal), so after a power cut
 * the journal and the files agree or recovery can make them agree. A line
 * torn by a power cut fails its check and is skipped (and counted). */
#ifndef MT_EVIDENCE_JOURNAL_H
#define MT_EVIDENCE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/manifest.h"

#define MT_JOURNAL_FILE     "journal"
#define MT_JOURNAL_LINE_MAX 512
#define MT_JOURNAL_WORD_MAX 24

enum mt_journal_type {
	MT_JOURNAL_BASE,    /* after compaction: next seq, last manifest hash, totals */
	MT_JOURNAL_OPEN,    /* clip seq's init segment is on flash: codec, size, start */
	MT_JOURNAL_SEALED,  /* clip seq has its manifest and signature on flash */
	MT_JOURNAL_VOID,    /* clip seq held no frame: nothing kept, the number is free */
	MT_JOURNAL_RECEIPT, /* the station's receipt for clip seq is on flash */
	MT_JOURNAL_EVICT,   /* clip seq (receipted) is being removed to make room */
	MT_JOURNAL_LOST,    /* clip seq, never receipted, is being removed: a loss */
	MT_JOURNAL_REFUSED, /* an event was not recorded: the spool was full */
	MT_JOURNAL_NTYPES,
};

struct mt_journal_rec {
	enum mt_journal_type type;
	uint64_t seq; /* the clip (BASE: the next sequence number) */
	/* OPEN */
	char codec[MT_JOURNAL_WORD_MAX];
	uint32_t width, height;
	struct mt_manifest_time start;
	/* SEALED: bytes of the clip file, why it ended, its manifest's hash */
	uint64_t bytes;
	char reason[MT_JOURNAL_WORD_MAX];
	uint8_t manifest_sha256[MT_SHA256_LEN]; /* BASE: the last one */
	/* REFUSED: when (monotonic); BASE: totals so far */
	int64_t mono_us;
	uint64_t lost_total, refused_total, evicted_total;
};

/* rec as one line (with its check and "\n") into buf (cap bytes, at least
 * MT_JOURNAL_LINE_MAX). The line's length, or -ENAMETOOLONG / -EINVAL for
 * a word (codec, reason) that is empty, too long or not [a-z0-9_]. */
int mt_journal_format(const struct mt_journal_rec *rec, char *buf, size_t cap);

/* One line (len bytes, without its "\n") into rec. 0, or MT_ECORRUPT for a
 * line that fails its check or does not parse. */
int mt_journal_parse(const char *line, size_t len, struct mt_journal_rec *rec);

/* Called for each good record, in order; non-zero stops the walk and is
 * returned. */
typedef int (*mt_journal_cb)(void *arg, const struct mt_journal_rec *rec);

struct mt_storage;

struct mt_journal_scan {
	uint64_t records; /* good ones */
	uint64_t bad;     /* lines that failed their check (torn or corrupt) */
	int torn_tail;    /* the file does not end with "\n" */
	uint64_t bytes;   /* size of the file */
};

/* Reads the journal at path, calling cb for each good record. A missing
 * file is an empty journal. 0, cb's value, or a storage error. */
int mt_journal_read(struct mt_storage *st, const char *path, mt_journal_cb cb, void *arg,
		    struct mt_journal_scan *scan);

/* The journal open for appending. */
struct mt_journal {
	struct mt_storage *st; /* borrowed */
	char path[256];
	int fd;          /* -1: closed */
	int need_nl;     /* a torn last line: the next append starts a new line */
	uint64_t bytes;  /* size of the file */
	uint64_t writes; /* bytes written through this handle (write amplification) */
};

void mt_journal_init(struct mt_journal *j);

/* Opens path on st for appending (created if missing; its folder is synced
 * then). scan is what mt_journal_read() saw of it (NULL: nothing). */
int mt_journal_open(struct mt_journal *j, struct mt_storage *st, const char *path,
		    const struct mt_journal_scan *scan);

/* Appends rec and syncs: when this returns 0 the record survives a power
 * cut. */
int mt_journal_append(struct mt_journal *j, const struct mt_journal_rec *rec);

/* Replaces the whole journal with the n records of recs (atomically: a
 * power cut leaves the old journal or the new one) and reopens it. */
int mt_journal_rewrite(struct mt_journal *j, const struct mt_journal_rec *recs, size_t n);

void mt_journal_free(struct mt_journal *j);

/* The record type's word in the file ("open", "sealed", ...). */
const char *mt_journal_type_name(enum mt_journal_type t);

#endif
