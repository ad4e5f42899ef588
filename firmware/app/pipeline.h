/* The recorder's data path on one board: capture → pre-roll ring → clips,
 * with analysis (thumbnail → motion → event decisions) on the side, each
 * stage in its own named thread under the supervisor (ARCHITECTURE.md,
 * Data flow and Threads). */
#ifndef MT_APP_PIPELINE_H
#define MT_APP_PIPELINE_H

#include <stdatomic.h>
#include <stdint.h>

#include "app/board.h"
#include "core/config.h"
#include "evidence/spool.h"
#include "net/uploader.h"
#include "hal/capture.h"
#include "record/clip.h"
#include "record/encode.h"
#include "record/recorder.h"

#define MT_REPORT_CLIPS 64

struct mt_run_report {
	struct mt_capture_format format;
	struct mt_capture_stats capture;
	uint64_t queue_drops;  /* frames analysis had no room for (not lost to clips) */
	int encode_thread;     /* the encode stage ran on a thread of its own */
	uint64_t encode_drops; /* frames the encode thread had no room for (not recorded) */
	struct mt_encode_stats enc;
	uint64_t analysed;
	uint64_t motion_frames;
	uint64_t unreadable; /* frames the thumbnailer could not decode */
	uint64_t events;
	struct mt_recorder_stats rec;
	int64_t run_us;
	int64_t first_frame_us; /* capture time of the first frame (clip offsets) */
	uint64_t watchdog_feeds;
	int camera_error; /* the camera could not be opened: nothing ran */
	int upload_on;    /* the uploader ran (filled by main) */
	char upload_why[160];
	struct mt_uploader_stats upload;
	uint64_t watchdog_missed;
	uint32_t nclips; /* clips made (only the first MT_REPORT_CLIPS listed) */
	struct mt_clip_info clips[MT_REPORT_CLIPS];
	char clip_sha256[MT_REPORT_CLIPS][65];
	int signing;           /* clips were sealed into the spool */
	char signing_why[120]; /* if not, why */
	struct mt_spool_stats spool;
};

/* Run until the camera ends (a replay) or *stop becomes non-zero. cfg and b
 * must outlive the call; the report is filled either way. */
int mt_pipeline_run(struct mt_board *b, const struct mt_config *cfg, atomic_int *stop,
		    struct mt_run_report *report);

#endif
