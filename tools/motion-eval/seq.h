/* Image sequences for mt-motion-eval: a folder of frames in name order, or
 * a video that ffmpeg turns into one. JPEG frames are read as the camera
 * would give them; other images (PNG, BMP, ...) are converted by ffmpeg to
 * 8-bit gray PGM first, in a temporary folder removed by ev_seq_close(). */
#ifndef MT_EVAL_SEQ_H
#define MT_EVAL_SEQ_H

#include <stddef.h>
#include <stdint.h>

enum ev_kind {
	EV_JPEG,
	EV_PGM
};

struct ev_seq {
	char *dir;    /* where the frames are read from */
	char **names; /* file names in name order */
	unsigned n;
	enum ev_kind kind;
	char *tmpdir; /* made by us: removed on close */
};

/* Frames of a folder (jpg, jpeg, png, bmp, pgm, ppm, tif, tiff, in name
 * order). 0, or -1 with a message on stderr. */
int ev_seq_open_dir(struct ev_seq *s, const char *dir);

/* Frames of a video file, converted by ffmpeg to JPEG (quality 2). */
int ev_seq_open_video(struct ev_seq *s, const char *path);

/* The full path of frame i (0-based) into buf. */
void ev_seq_path(const struct ev_seq *s, unsigned i, char *buf, size_t len);

void ev_seq_close(struct ev_seq *s);

/* Reads a whole file into a malloc'd buffer. 0 or -errno. */
int ev_read_file(const char *path, uint8_t **data, size_t *len);

/* Reads an 8-bit binary PGM (P5, maxval 255) into a malloc'd plane. */
int ev_read_pgm(const char *path, uint8_t **pix, unsigned *w, unsigned *h);

/* Writes an 8-bit binary PGM. 0 or -errno. */
int ev_write_pgm(const char *path, const uint8_t *pix, unsigned w, unsigned h);

/* One image (any format ffmpeg reads) as 8-bit gray: PGM is read directly,
 * anything else through ffmpeg. */
int ev_read_gray(const char *path, uint8_t **pix, unsigned *w, unsigned *h);

#endif
