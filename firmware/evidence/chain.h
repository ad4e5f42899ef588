/* The running hash chain over a clip's fragments (docs/evidence.md):
 *
 *   C_0 = SHA-256(init segment)
 *   C_i = SHA-256(C_{i-1} || SHA-256(fragment_i))      (32 + 32 raw bytes)
 *
 * where the init segment is every byte before the first moof box, and
 * fragment i is its moof box and every box after it up to the next moof (or
 * a closing mfra index, or the end of the file). A checkpoint signs C_i, so
 * it proves every byte of the clip up to the end of fragment i. The chain
 * also keeps each fragment's hash, place and times for the manifest, and the
 * hash of the whole file. Bytes are given by the caller as it writes them;
 * this module does no I/O. */
#ifndef MT_EVIDENCE_CHAIN_H
#define MT_EVIDENCE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/sha256.h"

struct mt_chain_fragment {
	uint64_t offset; /* of its moof in the file */
	uint64_t bytes;
	uint32_t frames;
	int64_t start_us, end_us; /* media time, from the clip's start */
	uint8_t sha256[MT_SHA256_LEN];
};

struct mt_chain {
	uint8_t head[MT_SHA256_LEN]; /* C_n */
	uint8_t init_sha256[MT_SHA256_LEN];
	uint64_t init_bytes;
	struct mt_chain_fragment *frags; /* owned */
	size_t n, cap;
	uint64_t bytes;         /* file bytes given so far */
	uint64_t trailer_bytes; /* after the last fragment (an mfra) */
	uint32_t frames;
	struct mt_sha256 file;     /* every byte */
	struct mt_sha256 fragment; /* the open fragment's bytes */
	uint64_t open_bytes;       /* in the open fragment */
	int err;                   /* first failure; the chain is spoiled */
	int started;               /* the init segment was given */
};

/* An empty chain in caller-owned c. Cannot fail. */
void mt_chain_init(struct mt_chain *c);

/* The init segment (ftyp + moov), all of it in one call: C_0. Must come
 * first and once. 0 or a negative error. */
int mt_chain_init_segment(struct mt_chain *c, const void *data, size_t len);

/* More bytes of the open fragment (the first call opens it). */
int mt_chain_update(struct mt_chain *c, const void *data, size_t len);

/* Closes the open fragment (at least one byte): records it and moves the
 * chain on to C_i. frames and the media times are the caller's (the muxer
 * knows them). -EINVAL if no fragment is open. */
int mt_chain_end_fragment(struct mt_chain *c, uint32_t frames, int64_t start_us, int64_t end_us);

/* mt_chain_update() + mt_chain_end_fragment() for a fragment in memory. */
int mt_chain_add_fragment(struct mt_chain *c, const void *data, size_t len, uint32_t frames,
			  int64_t start_us, int64_t end_us);

/* Bytes after the last fragment that belong to no fragment (an mfra box):
 * counted in the file's hash and size only. No fragment may follow. */
int mt_chain_trailer(struct mt_chain *c, const void *data, size_t len);

/* The SHA-256 of every byte given so far; the chain can go on after it. */
int mt_chain_file_sha256(const struct mt_chain *c, uint8_t out[MT_SHA256_LEN]);

/* Frees the fragment list. NULL and a second call are fine. */
void mt_chain_free(struct mt_chain *c);

/* One chain step, for verifiers: next = SHA-256(prev || fragment_sha256). */
int mt_chain_step(const uint8_t prev[MT_SHA256_LEN], const uint8_t fragment_sha256[MT_SHA256_LEN],
		  uint8_t next[MT_SHA256_LEN]);

#endif
