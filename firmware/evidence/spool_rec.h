/* Binds the clip writer (record/clip.h) to the spool: its hooks number
 * each clip from the spool, hand every byte and every synced piece to the
 * spool's sealer, and end the clip sealed (or closed as a power cut would
 * leave it, when the writer failed). Once bound, every clip the writer
 * makes gets clip-N.json, .sig and .ckpt. */
#ifndef MT_EVIDENCE_SPOOL_REC_H
#define MT_EVIDENCE_SPOOL_REC_H

#include <stdint.h>

#include "evidence/spool.h"
#include "record/clip.h"

/* The motion summary of a clip for its manifest, asked on the writer
 * thread as the clip ends; out is zeroed before. May be NULL. */
typedef void (*mt_spool_rec_motion_fn)(void *arg, const struct mt_clip_info *clip,
				       struct mt_manifest_motion *out);

struct mt_spool_rec {
	struct mt_spool *sp;           /* borrowed */
	struct mt_clip_writer *writer; /* borrowed */
	uint32_t width, height;        /* the picture, for the manifest */
	mt_spool_rec_motion_fn motion;
	void *motion_arg;
	struct mt_clip_hooks hooks;
	uint64_t refused; /* clips the spool refused (full) */
};

/* Sets w's hooks to feed sp. sp (open) and w must outlive b; the writer
 * must write through mt_spool_storage(sp) into the spool's folder. width
 * and height are the recorded picture's. Cannot fail. */
void mt_spool_rec_bind(struct mt_spool_rec *b, struct mt_spool *sp, struct mt_clip_writer *w,
		       uint32_t width, uint32_t height);

#endif
