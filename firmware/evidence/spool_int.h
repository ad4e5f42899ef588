/* The spool's private parts, shared by spool.c (open, journal replay,
 * eviction, the uploader's calls), spool_close.c (bringing a clip left
 * open to a sealed state, or voiding it) and spool_live.c (recording). */
#ifndef MT_EVIDENCE_SPOOL_INT_H
#define MT_EVIDENCE_SPOOL_INT_H

#include "evidence/spool.h"

/* Files of a clip seen at open. */
#define SF_MP4     (1u << 0)
#define SF_PART    (1u << 1)
#define SF_JSON    (1u << 2)
#define SF_SIG     (1u << 3)
#define SF_CKPT    (1u << 4)
#define SF_RCPT    (1u << 5)
#define SF_TMP     (1u << 6) /* a .json.tmp, .sig.tmp, .rcpt.tmp, ... left by a cut */
#define SF_RSIG    (1u << 7) /* the receipt's signature (.rcpt.sig) */
#define SF_UP      (1u << 8) /* the uploader's offsets (.up) */
#define SF_RECEIPT (SF_RCPT | SF_RSIG)

struct spool_clip {
	uint64_t seq;
	enum mt_spool_state state;
	uint64_t clip_bytes, bytes;
	char reason[MT_JOURNAL_WORD_MAX];
	uint8_t manifest[MT_SHA256_LEN];
	struct mt_journal_rec open; /* type MT_JOURNAL_OPEN once journaled */
	int has_open, j_sealed, j_receipt, j_void, gone;
	unsigned files;
};

struct spool_clip *spool_find(struct mt_spool *sp, uint64_t seq);
/* The entry for seq, made (in order) if missing; NULL: out of memory. */
struct spool_clip *spool_add(struct mt_spool *sp, uint64_t seq);
void spool_drop(struct mt_spool *sp, uint64_t seq);

/* "<dir>/clip-NNNNNN.<ext>" */
int spool_name(const struct mt_spool *sp, uint64_t seq, const char *ext, char *buf, size_t cap);

/* Appends a record to the journal (synced). */
int spool_journal(struct mt_spool *sp, const struct mt_journal_rec *rec);

/* Frees room until need more bytes fit: receipted clips first, then (if
 * allowed) unsent ones. 0 or -ENOSPC. */
int spool_make_room(struct mt_spool *sp, uint64_t need);
uint64_t spool_used(const struct mt_spool *sp);

/* Sizes of c's files on flash into c->bytes (and its clip's into clip_bytes). */
void spool_measure(struct mt_spool *sp, struct spool_clip *c);

/* The manifest info for clip c: its open record (start, codec, size), the
 * end at end_mono_us (or media end_us after the start, if end_mono_us is
 * INT64_MIN), the pending losses (info points into sp). */
void spool_info(const struct mt_spool *sp, const struct spool_clip *c, int64_t end_mono_us,
		int64_t media_end_us, const char *reason, struct mt_manifest_info *info);

/* The seal configuration for clip seq (base and clip_file in the buffers). */
int spool_seal_config(struct mt_spool *sp, uint64_t seq, struct mt_seal_config *cfg,
		      struct mt_evidence_id *id, char *base, char *file, size_t cap);

/* c's manifest is on flash with hash sha: journal it, mark it sealed, move
 * the chain on and clear the pending losses (they are in that manifest). */
int spool_sealed(struct mt_spool *sp, struct spool_clip *c, const char *reason,
		 const uint8_t sha[MT_SHA256_LEN]);

/* Brings clip c, whatever state a power cut or an error left it in, to a
 * sealed clip (reason: the manifest's end_reason when it has to be made)
 * or voids it. 0 or an error (then it is retried later). */
int spool_close_clip(struct mt_spool *sp, struct spool_clip *c, const char *reason);

/* Removes clip seq's temporary files (left by a cut mt_file_replace). */
void spool_remove_tmp(struct mt_spool *sp, uint64_t seq);

/* Which of clip seq's files exist now (SF_*). */
unsigned spool_probe(struct mt_spool *sp, uint64_t seq);

/* Removes every file of clip seq (and syncs the folder). */
int spool_remove_files(struct mt_spool *sp, uint64_t seq);

#endif
