/* Checkpoint records: every few seconds of media a clip's sidecar
 * "clip-NNNNNN.ckpt" gets one line, a small canonical JSON object that names
 * the clip and holds the hash chain's value C_i and how many bytes of the
 * clip it covers, then a tab, the hex DER ECDSA-SHA256 signature of the
 * JSON's bytes, and a newline. A clip cut short by a power loss verifies up
 * to its last complete line (docs/evidence.md). */
#ifndef MT_EVIDENCE_CHECKPOINT_H
#define MT_EVIDENCE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/manifest.h"
#include "evidence/signer.h"

#define MT_CHECKPOINT_FORMAT   "matthan-checkpoint-1"
#define MT_CHECKPOINT_LINE_MAX 2048

struct mt_checkpoint {
	const struct mt_evidence_id *id;
	const uint8_t *key_id; /* MT_SHA256_LEN bytes */
	uint32_t record;       /* 1 for the first of a clip */
	uint32_t fragments;    /* fragments covered: the chain is C_fragments */
	uint64_t bytes;        /* clip bytes covered (init + those fragments) */
	int64_t media_us;      /* media time at the end of the last one */
	const uint8_t *chain;  /* C_fragments, MT_SHA256_LEN bytes */
};

/* The signed bytes of a record (canonical JSON, no newline) in a new buffer
 * (free() it). 0 or a negative error. */
int mt_checkpoint_format(const struct mt_checkpoint *ck, char **out, size_t *len);

/* The whole line: JSON, tab, hex signature by s, newline, in a new buffer
 * (free() it). 0 or a negative error. */
int mt_checkpoint_line(struct mt_signer *s, const struct mt_checkpoint *ck, char **out,
		       size_t *len);

#endif
