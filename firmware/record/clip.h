/* Clip files in the spool. A clip is a fragmented MP4 (record/fmp4.h)
 * written as "<dir>/clip-NNNNNN.mp4.part" and renamed to its final name when
 * complete (then the folder is synced), so a finished name always means a
 * finished clip. The file is synced after its init segment and after every
 * fragment, so after a power cut the .part holds a playable clip up to its
 * last complete fragment. Sequence numbers continue from the highest clip
 * (or .part) in the spool. The codec comes from the first frame. */
#ifndef MT_RECORD_CLIP_H
#define MT_RECORD_CLIP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/frame.h"
#include "record/fmp4.h"

struct mt_storage;

#define MT_CLIP_PATH_MAX 256

struct mt_clip_info {
	uint32_t seq;
	char path[MT_CLIP_PATH_MAX];
	enum mt_pixfmt format; /* MJPEG or H.264, from the first frame */
	uint32_t frames;       /* in the file */
	uint32_t dropped;      /* refused by the muxer (bad input; see its log) */
	uint32_t fragments;    /* moof + mdat pieces */
	uint64_t bytes;        /* of the file */
	int64_t trigger_us;    /* when the motion began */
	int64_t first_us;      /* first frame (pre-roll start) */
	int64_t last_us;       /* last frame */
};

/* What the evidence layer sees of a clip while it is written. Both run on
 * the writer thread and may be NULL. */
struct mt_clip_hooks {
	/* Every byte of the clip file, in file order, just after it was
	 * written: hash it here rather than read the file back. The init
	 * segment comes in one call, before the piece() call for seq 0. */
	void (*data)(void *arg, const void *buf, size_t len);
	/* A piece (the init segment, seq 0, then each fragment) is written and
	 * synced. clip describes the clip so far. Non-zero fails the clip. */
	int (*piece)(void *arg, const struct mt_clip_info *clip,
		     const struct mt_fmp4_fragment *frag);
	/* A clip is about to start: *seq is the number the writer would give
	 * it, and the hook may change it (the spool numbers clips). Non-zero
	 * refuses the clip: mt_clip_begin() returns it and nothing is made. */
	int (*begin)(void *arg, uint32_t *seq);
	/* The clip begun is over. result 0: complete under its final name;
	 * -ENODATA: it got no frame and was removed; another error: what was
	 * written is left as the .part. Once for each begin that succeeded. */
	void (*end)(void *arg, const struct mt_clip_info *clip, int result);
	void *arg;
};

struct mt_clip_writer {
	struct mt_storage *st;             /* borrowed; outlives the writer */
	const char *dir;                   /* borrowed */
	const struct mt_clip_hooks *hooks; /* borrowed; NULL: none */
	int fd;                            /* -1 when no clip is open */
	uint32_t next_seq;
	char part[MT_CLIP_PATH_MAX + 8];
	struct mt_clip_info cur;
	bool muxing; /* mux is open (from the clip's first frame) */
	struct mt_fmp4_config mux_cfg;
	struct mt_fmp4_policy policy;
	struct mt_fmp4 mux;
};

void mt_clip_writer_init(struct mt_clip_writer *w, struct mt_storage *st, const char *dir);

/* hooks must outlive the writer; NULL removes them. Takes effect from the
 * next clip's first byte. */
void mt_clip_writer_set_hooks(struct mt_clip_writer *w, const struct mt_clip_hooks *hooks);

/* Make the folder if needed, and continue numbering after its highest clip. */
int mt_clip_writer_open(struct mt_clip_writer *w);

int mt_clip_begin(struct mt_clip_writer *w, int64_t trigger_us);

/* Adds f to the clip (a reference is held until its fragment is written).
 * 0; MT_EFORMAT when the muxer dropped the frame (counted in cur.dropped,
 * the clip goes on); or a storage error (the clip cannot go on). */
int mt_clip_append(struct mt_clip_writer *w, struct mt_frame *f);

/* Write the last fragment, sync, close, rename to the final name, sync the
 * folder; *out describes it. -ENODATA (and the .part removed) for a clip
 * that got no frame. */
int mt_clip_end(struct mt_clip_writer *w, struct mt_clip_info *out);

/* Close an open clip after an error, keeping what was written as .part
 * (frames of a fragment not yet written are let go). */
void mt_clip_writer_free(struct mt_clip_writer *w);

#endif
