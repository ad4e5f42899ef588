/* Replay camera: real footage played as a camera, with the frame metadata a
 * V4L2 camera gives (format, size, sequence, monotonic time, key flag).
 *
 * Sources, told apart by content first and name second:
 *   a folder    .jpg/.jpeg (as they are) and .png (converted to JPEG) images,
 *               in name order                         → MJPEG, at cfg->fps
 *   .mjpeg/.mjpg (or any file starting with a JPEG SOI): JPEGs back to back
 *                                                     → MJPEG, at cfg->fps
 *   .avi with MJPEG video                             → MJPEG, at its rate
 *   .y4m (YUV4MPEG2) 4:2:0 / 4:2:2                    → NV12 / YUYV, at its rate
 *   .h264/.264 Annex-B byte stream                    → H.264 access units
 *                                                       (IDR = key), at cfg->fps
 *   anything else ffmpeg can read (.mp4, MPEG-4 AVI…) → converted up front to
 *               an MJPEG AVI in a temp folder removed at close, at its rate
 * A file's own frame rate wins over cfg->fps; footage without one plays at
 * cfg->fps. get_format reports what is delivered, rate included.
 *
 * cfg->realtime paces frames on the clock hal and stamps them with it;
 * otherwise frames come as fast as they are read, stamped on the footage's
 * time line (start + n / rate). cfg->loop wraps around at the end (counted
 * in stats.loops; sequence and time go on increasing) instead of MT_EEND.
 * A frame that is not well formed is dropped and counted in stats.corrupt;
 * its time slot stays empty and it takes no sequence number. */
#ifndef MT_FAKE_REPLAY_CAMERA_H
#define MT_FAKE_REPLAY_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "fake/replay_convert.h"
#include "fake/replay_index.h"
#include "fake/replay_y4m.h"
#include "hal/capture.h"

enum mt_replay_kind {
	MT_REPLAY_FOLDER = 1,
	MT_REPLAY_MJPEG,
	MT_REPLAY_AVI,
	MT_REPLAY_Y4M,
	MT_REPLAY_H264,
};

struct mt_replay_camera {
	struct mt_capture dev; /* hand &cam.dev to the firmware */
	const struct mt_capture_config *cfg;
	enum mt_replay_kind kind;
	int converted; /* the footage is an ffmpeg conversion of cfg->device */
	struct mt_replay_index idx;
	struct mt_replay_convert conv;
	int fd;                   /* the footage file of byte-range items, or -1 */
	struct mt_replay_y4m y4m; /* kind Y4M: the stream header */
	uint8_t *planar;          /* kind Y4M: one frame as read, before conversion */
	uint32_t rate_num;        /* the pace: frames per rate_den seconds */
	uint32_t rate_den;
	size_t next;        /* item to play next */
	uint64_t slot;      /* items played since start, across loops: the time line */
	uint64_t seq;       /* frames handed out since open */
	uint64_t pass_ok;   /* frames handed out in this pass over the footage */
	int64_t start_us;   /* time of slot 0 */
	int64_t last_ts_us; /* of the last frame handed out; 0 before the first */
	int dead;           /* looping, a whole pass was unplayable: ended */
	struct mt_capture_format fmt;
	struct mt_capture_stats stats;
	int streaming;
};

/* Cannot fail. The camera is then opened through cam->dev (hal/capture.h). */
void mt_replay_camera_init(struct mt_replay_camera *cam);

#endif
