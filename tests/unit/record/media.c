/* Test helpers: ffmpeg, footage, clips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "record/fmp4.h"

int media_run(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (out) {
		size_t n, used = 0;

		while (used + 1 < cap && (n = fread(out + used, 1, cap - 1 - used, p)) > 0)
			used += n;
		out[used] = '\0';
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int media_probe_frames(const char *path)
{
	char out[64];

	if (media_run(out, sizeof(out),
		      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
		      "stream=nb_read_frames -of default=nw=1:nk=1 %s 2>/dev/null",
		      path) != 0)
		return -1;
	if (strcmp(out, "N/A\n") == 0) /* a track with no samples */
		return 0;
	return out[0] >= '0' && out[0] <= '9' ? atoi(out) : -1;
}

int media_decodes_cleanly(const char *path)
{
	return media_run(NULL, 0, "ffmpeg -nostdin -v error -xerror -i %s -f null - 2>&1", path) ==
	       0;
}

int media_probe_pts(const char *path, double *pts, int max)
{
	static char out[1 << 16];
	char *line, *save = NULL;
	int n = 0;

	assert_int_equal(media_run(out, sizeof(out),
				   "ffprobe -v error -select_streams v:0 -show_entries "
				   "frame=pts_time -of csv=p=0 %s",
				   path),
			 0);
	for (line = strtok_r(out, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
		pts[n++] = atof(line);
	return n;
}

uint8_t *media_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static size_t raw_bytes(enum mt_pixfmt fmt, int w, int h)
{
	return fmt == MT_FMT_YUYV ? (size_t)w * h * 2 : (size_t)w * h * 3 / 2;
}

uint8_t *media_footage_raw(const char *dir, enum mt_pixfmt fmt, int w, int h, int n)
{
	const char *footage = getenv("MT_FOOTAGE");
	char path[512];
	uint8_t *raw;
	size_t len;

	assert_non_null(footage);
	snprintf(path, sizeof(path), "%s/footage-%dx%d.%s", dir, w, h, mt_pixfmt_name(fmt));
	assert_int_equal(
		media_run(NULL, 0,
			  "ffmpeg -nostdin -v error -y -start_number 1 -i "
			  "%s/cdnet-highway/input/in%%06d.jpg -frames:v %d -vf scale=%d:%d "
			  "-pix_fmt %s -f rawvideo %s",
			  footage, n, w, h, fmt == MT_FMT_YUYV ? "yuyv422" : "nv12", path),
		0);
	raw = media_read_file(path, &len);
	assert_int_equal(len, raw_bytes(fmt, w, h) * (size_t)n);
	return raw;
}

struct mt_frame *media_raw_frame(const uint8_t *raw, enum mt_pixfmt fmt, int w, int h, int i,
				 int64_t ts_us)
{
	size_t size = raw_bytes(fmt, w, h);
	struct mt_frame *f = mt_frame_alloc(size);

	assert_non_null(f);
	memcpy(f->data, raw + size * (size_t)i, size);
	f->size = size;
	f->format = fmt;
	f->width = (uint16_t)w, f->height = (uint16_t)h;
	f->seq = (uint64_t)i;
	f->ts_us = ts_us;
	return f;
}

static int file_write(void *arg, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len ? 0 : -EIO;
}

void media_write_clip(const char *path, struct mt_frame **frames, int n)
{
	struct mt_fmp4_config cfg = { .format = frames[0]->format, .write = file_write };
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	cfg.write_arg = fp;
	mt_fmp4_policy_default(&pol, cfg.format);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	for (int i = 0; i < n; i++) {
		if (mt_fmp4_cut_due(&m, &pol, frames[i]))
			assert_int_equal(mt_fmp4_cut(&m, frames[i]->ts_us), 0);
		assert_int_equal(mt_fmp4_add(&m, frames[i]), 0);
	}
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	assert_int_equal(m.stats.samples, (uint64_t)n);
	mt_fmp4_free(&m);
	assert_int_equal(fclose(fp), 0);
}
