/* Footage the replay camera cannot read itself, converted up front with
 * ffmpeg into a private temp folder ($TMPDIR or /tmp, mt-replay-XXXXXX) that lives as
 * long as the camera is open: a video in any container or codec becomes an
 * MJPEG AVI, PNG images become JPEG files. ffmpeg is spawned with an argv
 * (no shell); when it fails, its last error line is logged with the file. */
#ifndef MT_FAKE_REPLAY_CONVERT_H
#define MT_FAKE_REPLAY_CONVERT_H

#include <limits.h>
#include <stddef.h>

struct mt_replay_convert {
	char dir[256]; /* the temp folder; "" until first needed */
};

/* Cannot fail; makes no folder yet. */
void mt_replay_convert_init(struct mt_replay_convert *c);

/* Converts the first video stream of src to an MJPEG AVI at the same frame
 * rate; *out (PATH_MAX bytes) gets its path inside the temp folder.
 * 0, MT_EFORMAT (ffmpeg failed: logged, naming src) or -errno. */
int mt_replay_convert_video(struct mt_replay_convert *c, const char *src, char out[PATH_MAX]);

/* Converts images paths[0..n) (any format ffmpeg reads: PNG, BMP...) to
 * JPEG; image k becomes mt_replay_convert_image_path(c, k, ...). An image
 * ffmpeg cannot decode gets no file (the caller counts it as corrupt).
 * 0, MT_EFORMAT (ffmpeg failed as a whole: logged, naming what) or -errno. */
int mt_replay_convert_images(struct mt_replay_convert *c, const char *what, char *const *paths,
			     size_t n);

/* Where mt_replay_convert_images() put image k. */
void mt_replay_convert_image_path(const struct mt_replay_convert *c, size_t k, char out[PATH_MAX]);

/* Removes the temp folder and all in it. Safe when none was made, twice. */
void mt_replay_convert_free(struct mt_replay_convert *c);

#endif
