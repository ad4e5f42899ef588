/* AVI (RIFF) files for the replay camera: the video stream's codec, size
 * and frame rate from the header, and its frames: the '##dc'/'##db' chunks
 * of the 'movi' lists (OpenDML 'AVIX' extensions included), in file order. */
#ifndef MT_FAKE_REPLAY_AVI_H
#define MT_FAKE_REPLAY_AVI_H

#include <stdint.h>

#include "fake/replay_index.h"

struct mt_replay_avi_info {
	char codec[5];   /* BITMAPINFOHEADER biCompression ("MJPG"), NUL-ended */
	uint16_t width;  /* from the header; the frames are the truth */
	uint16_t height; /* (absolute value: bottom-up bitmaps are negative) */
};

/* Reads the AVI open as fd: fills *info, sets idx's rate (dwRate/dwScale of
 * the video stream) and appends one item per video chunk. A file cut short
 * keeps the chunks that are whole, and the cut one as a byte range that will
 * not probe. 0, MT_EFORMAT (not an AVI with a video stream) or -ENOMEM. */
int mt_replay_avi_index(int fd, struct mt_replay_avi_info *info, struct mt_replay_index *idx);

/* True when the codec is one the replay camera plays without converting. */
int mt_replay_avi_is_mjpeg(const struct mt_replay_avi_info *info);

#endif
