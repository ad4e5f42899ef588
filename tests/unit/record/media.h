/* Test helpers for the encoder and privacy tests: shell commands, ffmpeg
 * and ffprobe as independent judges, raw frames of the real footage, and
 * clips written with our muxer. Each fails the running test on error. */
#ifndef MT_TEST_MEDIA_H
#define MT_TEST_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"

/* Runs a shell command; its stdout into out (may be NULL). Exit status. */
int media_run(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ffprobe's count of decoded frames (0 for a track with no samples:
 * ffprobe says "N/A"), or -1 if it cannot read the file. */
int media_probe_frames(const char *path);

/* ffmpeg -xerror decodes the whole file. */
int media_decodes_cleanly(const char *path);

/* Presentation times of the decoded frames (seconds); how many. */
int media_probe_pts(const char *path, double *pts, int max);

/* The whole of a file, malloc'ed; *len its size. */
uint8_t *media_read_file(const char *path, size_t *len);

/* n frames of CDnet highway (from frame 1), scaled to w x h by ffmpeg, as
 * raw fmt (MT_FMT_NV12 or MT_FMT_YUYV) frames in one malloc'ed buffer of
 * n * frame bytes, made in dir. */
uint8_t *media_footage_raw(const char *dir, enum mt_pixfmt fmt, int w, int h, int n);

/* A raw frame i of a buffer from media_footage_raw(), stamped ts_us. */
struct mt_frame *media_raw_frame(const uint8_t *raw, enum mt_pixfmt fmt, int w, int h, int i,
				 int64_t ts_us);

/* A clip of frames[0..n) in path, cut by the default policy. */
void media_write_clip(const char *path, struct mt_frame **frames, int n);

#endif
