/* Clip files in the spool. A clip is written as "<dir>/clip-NNNNNN.<ext>.part"
 * and renamed to its final name when complete (then the folder is synced), so
 * a finished name always means a finished clip. Sequence numbers continue
 * from the highest clip in the spool.
 *
 * Until the fMP4 muxer (issue #5) lands, a clip is a plain MJPEG stream: the
 * JPEG frames one after another, which ffmpeg/ffprobe read as "mjpeg". */
#ifndef MT_RECORD_CLIP_H
#define MT_RECORD_CLIP_H

#include <stdint.h>

#include "core/frame.h"

struct mt_storage;

#define MT_CLIP_PATH_MAX 256

struct mt_clip_info {
	uint32_t seq;
	char path[MT_CLIP_PATH_MAX];
	uint32_t frames;
	uint64_t bytes;
	int64_t trigger_us; /* when the motion began */
	int64_t first_us;   /* first frame (pre-roll start) */
	int64_t last_us;    /* last frame */
};

struct mt_clip_writer {
	struct mt_storage *st; /* borrowed; outlives the writer */
	const char *dir;       /* borrowed */
	int fd;                /* -1 when no clip is open */
	uint32_t next_seq;
	char part[MT_CLIP_PATH_MAX + 8];
	struct mt_clip_info cur;
};

void mt_clip_writer_init(struct mt_clip_writer *w, struct mt_storage *st, const char *dir);

/* Make the folder if needed, and continue numbering after its highest clip. */
int mt_clip_writer_open(struct mt_clip_writer *w);

int mt_clip_begin(struct mt_clip_writer *w, int64_t trigger_us);
int mt_clip_append(struct mt_clip_writer *w, const struct mt_frame *f);

/* Sync, close, rename to the final name, sync the folder; *out describes it. */
int mt_clip_end(struct mt_clip_writer *w, struct mt_clip_info *out);

/* Close an open clip after an error, keeping what was written as .part. */
void mt_clip_writer_free(struct mt_clip_writer *w);

#endif
