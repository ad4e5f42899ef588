/* H.264 Annex-B byte streams (.h264, .264) for the replay camera: one frame
 * per access unit, and the picture size from the first SPS. Such a stream
 * carries no frame rate a reader can count on, so it plays at cfg->fps. */
#ifndef MT_FAKE_REPLAY_H264_H
#define MT_FAKE_REPLAY_H264_H

#include <stdint.h>

#include "fake/replay_index.h"

/* Appends one byte range per access unit of the file open as fd (mapped
 * while it is walked) and sets *width and *height from its first SPS (0 if
 * it has none that parses). 0, -errno or -ENOMEM; a file without one NAL
 * unit gives no frames. */
int mt_replay_h264_index(int fd, struct mt_replay_index *idx, uint16_t *width, uint16_t *height);

#endif
