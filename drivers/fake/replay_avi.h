/* The MJPEG frames of an AVI (RIFF) file: the '##dc'/'##db' chunks of its
 * 'movi' list, in file order. */
#ifndef MT_FAKE_REPLAY_AVI_H
#define MT_FAKE_REPLAY_AVI_H

#include <stdio.h>

#include "fake/replay_camera.h"

/* Appends one item per video chunk to *items (realloc'd). 0 or MT_EFORMAT. */
int mt_replay_avi_index(FILE *f, struct mt_replay_item **items, size_t *nitems);

#endif
