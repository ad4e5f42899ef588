/* Helpers of the replay camera's tests: files in and out, footage made with
 * ffmpeg at test time, frame counts from ffprobe, and playing a camera to
 * its end while checking what every frame says about itself. Each fails the
 * running cmocka test instead of returning an error it could ignore. */
#ifndef MT_TEST_REPLAY_HELPERS_H
#define MT_TEST_REPLAY_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "fake/replay_camera.h"

/* The whole file; the caller frees it. NULL if it cannot be read. */
uint8_t *rt_read_all(const char *path, size_t *len);

/* 0, or -1 if the file cannot be written. */
int rt_write_all(const char *path, const void *data, size_t len);

/* Runs a shell command made from fmt (test footage making only: the driver
 * itself never uses a shell); fails the test, showing it, unless it exits 0. */
void rt_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frames ffprobe decodes from the first video stream of path
 * (-count_frames); for a folder pattern pass ffmpeg's image2 input. */
long rt_ffprobe_frames(const char *input);

/* $MT_FOOTAGE/<rel>, in a static buffer; fails the test if unset. */
const char *rt_footage(const char *rel);

/* What rt_play() saw. */
struct rt_played {
	long frames;
	int monotonic;    /* every ts_us > the one before */
	int seq_in_order; /* seq 0, 1, 2... with no gap */
	uint32_t keys;    /* frames with MT_FRAME_KEY */
	int64_t first_ts, last_ts;
	int end; /* what the last dequeue returned */
	struct mt_capture_stats st;
};

/* Opens cam on cfg, starts it and dequeues (timeout 0) until an error or
 * max frames; every frame must match fmt's format and size and, for raw
 * formats, the size in bytes. open's result is returned; *p is filled when
 * it is 0. The camera is left open (the caller closes it). */
int rt_play(struct mt_replay_camera *cam, const struct mt_capture_config *cfg, long max,
	    struct rt_played *p);

/* Entries of dir whose name starts with prefix (temp folders left over). */
int rt_count_entries(const char *dir, const char *prefix);

#endif
