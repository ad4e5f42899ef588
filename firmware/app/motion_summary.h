/* The motion summary that goes into each clip's manifest: the detector's
 * peak score, the boxes where things moved (in pixels of the recorded
 * picture) and the zones that saw motion. The analysis thread adds every
 * frame with motion; the clip writer's sealer takes the summary when a clip
 * ends, which starts the next one. Frames analysed between a clip's last
 * frame and that moment count for the next clip: analysis runs at most a
 * queue's length ahead. */
#ifndef MT_APP_MOTION_SUMMARY_H
#define MT_APP_MOTION_SUMMARY_H

#include <pthread.h>
#include <stdint.h>

#include "evidence/manifest.h"
#include "motion/motion.h"
#include "record/clip.h"

struct mt_motion_summary {
	pthread_mutex_t lock;
	uint16_t width, height; /* the recorded picture */
	int32_t peak;
	uint8_t zones;
	struct mt_motion_box boxes[MT_MANIFEST_BOXES];
	size_t nboxes;
	/* what the last take handed out (valid until the next take) */
	struct mt_motion_box out_boxes[MT_MANIFEST_BOXES];
	const char *out_zones[MT_MANIFEST_ZONES];
};

void mt_motion_summary_init(struct mt_motion_summary *s, uint16_t width, uint16_t height);
void mt_motion_summary_free(struct mt_motion_summary *s);

/* From the analysis thread: one analysed frame (ignored without motion). */
void mt_motion_summary_add(struct mt_motion_summary *s, const struct mt_motion_result *res);

/* The sealer's callback (evidence/spool_rec.h): the summary since the last
 * take, into out; then it starts over. arg is the summary. */
void mt_motion_summary_take(void *arg, const struct mt_clip_info *clip,
			    struct mt_manifest_motion *out);

#endif
