/* Sealing a clip as it is recorded: the clip writer hands over the init
 * segment and each fragment's bytes as it writes them; the sealer keeps the
 * hash chain, appends a signed checkpoint record to "<base>.ckpt" every
 * checkpoint_us of media, and at the end writes the manifest "<base>.json"
 * and its detached signature "<base>.sig" (both atomically). The caller
 * makes the clip's bytes durable (sync) before it reports a fragment, so a
 * checkpoint never covers bytes a power cut could still take. */
#ifndef MT_EVIDENCE_SEAL_H
#define MT_EVIDENCE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/chain.h"
#include "evidence/manifest.h"
#include "evidence/signer.h"

#define MT_SEAL_PATH_MAX 256

struct mt_storage;

struct mt_seal_config {
	struct mt_storage *st; /* borrowed, like everything here: must outlive the seal */
	struct mt_signer *signer;
	const char *base;      /* "<spool>/clip-000012": the sidecars' path without extension */
	const char *clip_file; /* the clip's file name for the manifest ("clip-000012.mp4") */
	struct mt_evidence_id id;
	int64_t checkpoint_us; /* media time between checkpoints; 0: none */
};

struct mt_seal {
	struct mt_seal_config cfg;
	struct mt_chain chain;
	uint8_t key_id[MT_SHA256_LEN];
	char ckpt_path[MT_SEAL_PATH_MAX];
	int ckpt_fd; /* -1 until the first checkpoint */
	uint32_t checkpoints;
	int64_t last_ckpt_us; /* media time of the last checkpoint (or the start) */
	int have_start;
};

/* An empty seal in caller-owned s. Cannot fail. */
void mt_seal_init(struct mt_seal *s);

/* Starts sealing a clip with cfg (copied; its strings are borrowed). 0, or
 * -ENAMETOOLONG, or the signer's error (it is asked for its key id). */
int mt_seal_open(struct mt_seal *s, const struct mt_seal_config *cfg);

/* Continues a clip cut short (spool recovery): its checkpoint file already
 * holds `records` whole records, the last at media time last_us. They are
 * kept, and records from here on are appended after them, numbered on, so
 * the file reads as if the clip had never stopped. Call after open, before
 * the init segment; records 0 changes nothing. 0 or a storage error. */
int mt_seal_resume(struct mt_seal *s, uint32_t records, int64_t last_us);

/* The init segment (ftyp + moov), once, first. */
int mt_seal_init_segment(struct mt_seal *s, const void *data, size_t len);

/* Bytes of the fragment being written (moof, then mdat, in pieces). */
int mt_seal_fragment_update(struct mt_seal *s, const void *data, size_t len);

/* The fragment is complete and durable: chains it, and when checkpoint_us
 * of media has passed since the last checkpoint, appends and syncs a signed
 * checkpoint record. Media times are from the clip's start. */
int mt_seal_fragment_end(struct mt_seal *s, uint32_t frames, int64_t start_us, int64_t end_us);

/* update + end for a fragment in memory. */
int mt_seal_fragment(struct mt_seal *s, const void *data, size_t len, uint32_t frames,
		     int64_t start_us, int64_t end_us);

/* Bytes after the last fragment (an mfra box); in the file hash only. */
int mt_seal_trailer(struct mt_seal *s, const void *data, size_t len);

/* Closes the clip: a last checkpoint if media passed since the previous
 * one, then the manifest and its signature. manifest_sha256 (may be NULL)
 * receives the SHA-256 of the manifest file, the next clip's
 * prev_manifest_sha256. 0 or a negative error. */
int mt_seal_finish(struct mt_seal *s, const struct mt_manifest_info *info,
		   uint8_t manifest_sha256[MT_SHA256_LEN]);

/* Closes the checkpoint file and frees the chain. NULL and twice are fine. */
void mt_seal_free(struct mt_seal *s);

#endif
