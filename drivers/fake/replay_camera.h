/* Replay camera: real footage played as a camera. The source is a folder of
 * JPEG images (played in name order) or an MJPEG AVI file. Frames are paced
 * at the configured rate on the clock hal (or handed out as fast as they are
 * read, for tests), stamped with the clock, and checked like a camera's: a
 * frame that is not a well-formed JPEG is dropped and counted. */
#ifndef MT_FAKE_REPLAY_CAMERA_H
#define MT_FAKE_REPLAY_CAMERA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hal/capture.h"

/* Where each frame is: a file per frame, or a chunk of one AVI file. */
struct mt_replay_item {
	char *path;      /* image file, or NULL for an AVI chunk */
	uint64_t offset; /* AVI: chunk data offset */
	uint32_t size;   /* AVI: chunk data size */
};

struct mt_replay_camera {
	struct mt_capture dev; /* hand &cam.dev to the firmware */
	const struct mt_capture_config *cfg;
	struct mt_replay_item *items;
	size_t nitems;
	size_t next;
	FILE *avi;
	int64_t start_us;
	struct mt_capture_format fmt;
	struct mt_capture_stats stats;
	int streaming;
};

void mt_replay_camera_init(struct mt_replay_camera *cam);

#endif
