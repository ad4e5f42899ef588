/* The spool: clips waiting for the station, on flash, crash-safe. One
 * folder holds each clip (clip-NNNNNN.mp4, .part while it is recorded),
 * its sealer's sidecars (.ckpt, .json, .sig), the station's receipt (.rcpt)
 * and the journal (journal.h). The spool numbers clips (never repeating or
 * skipping a number, across reboots and evictions), seals each one as it is
 * recorded (seal.h), recovers after a power cut (a clip cut short is
 * truncated to its last whole fragment and closed with a signed manifest
 * whose end_reason is "power_loss"), and keeps within its size by evicting
 * receipted clips, oldest first; unsent ones only if configured to, each
 * loss journaled, counted and written into the next manifest. Everything it
 * writes goes through a counting storage (wcount.h): write amplification is
 * measured. docs/spool.md has the states, the journal and the uploader API.
 *
 * Threads: the recording calls (mt_spool_clip_*) come from one thread (the
 * clip writer); the uploader's calls (next, path, receipt, stats) from any
 * other. One mutex guards the shared state. */
#ifndef MT_EVIDENCE_SPOOL_H
#define MT_EVIDENCE_SPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/bmff.h"
#include "evidence/journal.h"
#include "evidence/manifest.h"
#include "evidence/seal.h"
#include "evidence/wcount.h"

#define MT_SPOOL_PATH_MAX    200
#define MT_SPOOL_JOURNAL_MAX (64 * 1024) /* bigger than this: compacted */

struct mt_clock;
struct mt_signer;
struct mt_storage;

enum mt_spool_state {
	MT_SPOOL_RECORDING, /* being written: "clip-N.mp4.part" */
	MT_SPOOL_SEALED,    /* finished: .mp4, .json, .sig (and .ckpt): to upload */
	MT_SPOOL_RECEIPTED, /* the station's receipt is kept (.rcpt): may be evicted */
};

/* One clip as the uploader sees it. */
struct mt_spool_entry {
	uint64_t seq;
	enum mt_spool_state state;
	uint64_t clip_bytes; /* of the clip file; while recording, the bytes made durable */
	uint64_t bytes;      /* on flash, with its sidecars */
	char reason[MT_JOURNAL_WORD_MAX]; /* why it ended, once sealed */
};

struct mt_spool_config {
	struct mt_storage *st;    /* borrowed, like every pointer here */
	const char *dir;          /* the spool folder */
	struct mt_signer *signer; /* the evidence key */
	struct mt_clock *clock;   /* UTC of clip times; NULL: none */
	const char *device_id, *camera_id, *firmware, *location;
	int64_t checkpoint_us; /* media time between checkpoints; 0: none */
	uint64_t capacity;     /* bytes: clips, sidecars and journal never pass it */
	uint64_t reserve;      /* free room wanted before a clip starts; 0: capacity / 8 */
	/* When full and no clip is receipted: 0 refuses new events (the
	 * default: unsent evidence is never lost), 1 evicts the oldest unsent
	 * clip. Either way the loss is journaled, counted and put in the next
	 * manifest. */
	int evict_unsent;
};

struct mt_spool_stats {
	uint64_t clips;      /* on flash now */
	uint64_t used_bytes; /* clips, sidecars and journal */
	uint64_t capacity;
	uint64_t next_seq;
	uint64_t sealed;    /* clips sealed by this run as they ended */
	uint64_t recovered; /* clips cut short and closed afterwards (power_loss, spool_full...) */
	uint64_t voided;    /* clips begun that held no frame (number reused) */
	uint64_t receipts;  /* receipts recorded by this run */
	/* totals over the spool's life (kept in the journal) */
	uint64_t evicted; /* receipted clips removed for room */
	uint64_t lost;    /* unsent clips removed for room: lost evidence */
	uint64_t refused; /* events not recorded because the spool was full */
	/* write amplification: written.bytes / payload_bytes */
	uint64_t payload_bytes; /* clip bytes recorded by this run */
	struct mt_wcount_stats written;
	/* the journal as found at open */
	uint64_t journal_records, journal_bad, journal_inconsistent;
};

struct spool_clip; /* private */

struct mt_spool {
	struct mt_spool_config cfg;
	char dir[MT_SPOOL_PATH_MAX];
	pthread_mutex_t lock;
	struct mt_wcount wc; /* cfg.st, counted */
	struct mt_journal journal;
	struct spool_clip *clips; /* by sequence number */
	size_t n, cap;
	uint64_t next_seq;
	uint8_t last_manifest[MT_SHA256_LEN]; /* of clip next_seq - 1: the next prev */
	/* losses not yet written into a manifest */
	uint64_t pend_lost[MT_MANIFEST_LOST];
	uint64_t pend_lost_count, pend_refused;
	uint64_t orphan_seq; /* a clip whose closing failed: retried before the next */
	struct mt_spool_stats st;
	int opened; /* init'ed: the mutex is live */
	/* the clip being recorded (recording thread only) */
	struct {
		int active, init_done, full, err;
		uint64_t seq;
		struct mt_seal seal;
		char base[MT_SPOOL_PATH_MAX + 32], file[64]; /* the seal's names */
		struct mt_journal_rec open;
		uint8_t *buf; /* the init segment, then the open fragment's moof */
		size_t len, cap, want;
		struct mt_bmff_track track;
		uint64_t bytes, durable, piece_end;
	} rec;
};

/* An empty spool in caller-owned sp. Cannot fail. */
void mt_spool_init(struct mt_spool *sp);

/* Opens the spool folder cfg->dir (made if missing) and recovers it: reads
 * the journal, finishes evictions it announced, closes clips a power cut
 * left open (truncated to their last whole fragment, sealed as
 * "power_loss", the chain continued), voids clips that held no frame, and
 * takes the numbering from the journal and the files. cfg is copied; its
 * pointers are borrowed. 0 or a negative error. */
int mt_spool_open(struct mt_spool *sp, const struct mt_spool_config *cfg);

/* The storage the clip writer must write the spool's clips through (the
 * counting one), valid while sp is open. */
struct mt_storage *mt_spool_storage(struct mt_spool *sp);

/* ---- recording: one clip at a time, from one thread ---- */

/* A clip is about to start: makes room (reserve bytes), then gives its
 * number in *seq. -ENOSPC when the spool is full and the policy forbids
 * evicting unsent clips: the event is refused, journaled and counted. */
int mt_spool_clip_begin(struct mt_spool *sp, uint64_t *seq);

/* Bytes the clip writer just wrote to the clip file, in file order. */
void mt_spool_clip_data(struct mt_spool *sp, const void *buf, size_t len);

/* What the first piece (the init segment) says about the clip. */
struct mt_spool_piece {
	const char *codec; /* "mjpeg" or "h264" */
	uint32_t width, height;
	int64_t first_mono_us; /* monotonic time of its first frame */
};

/* The bytes given since the last piece form a piece (the init segment,
 * then each fragment) and are synced. The first piece (p used) makes the
 * clip's name durable and journals it; each fragment is chained, maybe
 * checkpointed, and counts as safe from here. -ENOSPC when the spool is
 * full and nothing may be evicted: the clip must end (it is then closed as
 * "spool_full" by the abort). */
int mt_spool_clip_piece(struct mt_spool *sp, const struct mt_spool_piece *p);

/* The end of a clip that is complete under its final name. */
struct mt_spool_clip_end {
	int64_t last_mono_us; /* its last frame */
	const char *reason;   /* "event_end", "clip_max"; NULL: "event_end" */
	struct mt_manifest_motion motion;
};

/* Seals the finished clip: manifest, signature, journal. 0 or an error
 * (the clip is then closed as a recovery would, and retried later). */
int mt_spool_clip_end(struct mt_spool *sp, const struct mt_spool_clip_end *e);

/* The clip writer gave up on the clip (reason: a word, "write_error";
 * "spool_full" is used instead when the spool ended it): what is on flash
 * is closed as a power cut would have left it, or voided if no frame. */
void mt_spool_clip_abort(struct mt_spool *sp, const char *reason);

/* ---- the uploader ---- */

/* The first clip with a sequence number above after, in *e (after 0: the
 * oldest). 0 or -ENOENT. */
int mt_spool_next(struct mt_spool *sp, uint64_t after, struct mt_spool_entry *e);

/* The path of clip seq's file ext ("mp4", "json", "sig", "ckpt", "rcpt",
 * "rcpt.sig", "up")
 * into buf (cap bytes); "mp4" of a clip being recorded is its .part. 0,
 * -ENOENT (no such clip) or -ENAMETOOLONG. Open it with the storage hal. */
int mt_spool_path(struct mt_spool *sp, uint64_t seq, const char *ext, char *buf, size_t cap);

/* Keeps the station's receipt for sealed clip seq: the receipt (len bytes)
 * as clip-N.rcpt and its signature (sig_len bytes) as clip-N.rcpt.sig,
 * each atomically, then journals it: from then on the clip may be
 * evicted. The caller has checked the receipt. (net/uploader.c writes the
 * same two files itself; the spool notices them when it needs room.) 0,
 * -ENOENT, -EBUSY (still recording) or a storage error. */
int mt_spool_receipt(struct mt_spool *sp, uint64_t seq, const void *receipt, size_t len,
		     const void *sig, size_t sig_len);

void mt_spool_get_stats(struct mt_spool *sp, struct mt_spool_stats *out);

/* Closes the journal and frees the clip list (an open clip is left as it
 * is on flash, for recovery). NULL and twice are fine. */
void mt_spool_free(struct mt_spool *sp);

#endif
