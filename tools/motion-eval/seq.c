/* Frame sequences from folders and videos, through ffmpeg where needed. */
#define _GNU_SOURCE
#include "seq.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : "";
}

static int is_jpeg(const char *name)
{
	return !strcasecmp(ext_of(name), "jpg") || !strcasecmp(ext_of(name), "jpeg");
}

static int is_image(const char *name)
{
	static const char *const exts[] = { "jpg", "jpeg", "png",  "bmp", "pgm",
					    "ppm", "tif",  "tiff", NULL };

	for (int i = 0; exts[i]; i++)
		if (!strcasecmp(ext_of(name), exts[i]))
			return 1;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The image files of dir, sorted by name. */
static int list_images(struct ev_seq *s, const char *dir, int (*want)(const char *))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned cap = 0;

	if (!d) {
		fprintf(stderr, "mt-motion-eval: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' || !want(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (s->n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(s->names, cap * sizeof(*grown));
			if (!grown)
				goto out_nomem;
			s->names = grown;
		}
		if (!(s->names[s->n] = strdup(e->d_name)))
			goto out_nomem;
		s->n++;
	}
	closedir(d);
	if (s->n)
		qsort(s->names, s->n, sizeof(*s->names), cmp_names);
	return 0;

out_nomem:
	closedir(d);
	fprintf(stderr, "mt-motion-eval: out of memory\n");
	return -1;
}

static void free_names(struct ev_seq *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	s->names = NULL;
	s->n = 0;
}

/* Runs argv[0] (found in PATH) and waits; 0 when it exits 0. */
static int run(char *const argv[])
{
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ)) {
		fprintf(stderr, "mt-motion-eval: cannot run %s: %s\n", argv[0], strerror(errno));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "mt-motion-eval: %s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

/* snprintf that says when the path did not fit. */
static int path_printf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "mt-motion-eval: path too long: %s\n", buf);
		return -1;
	}
	return 0;
}

static int make_tmpdir(struct ev_seq *s)
{
	char tmpl[] = "/tmp/mt-motion-eval-XXXXXX";

	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "mt-motion-eval: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	s->tmpdir = strdup(tmpl);
	return s->tmpdir ? 0 : -1;
}

static int is_pgm(const char *name)
{
	return !strcasecmp(ext_of(name), "pgm");
}

static int want_jpeg(const char *name)
{
	return is_jpeg(name);
}

/* Non-JPEG images: ffmpeg converts them, in name order, to tmp/%06d.pgm
 * (links named by frame number feed its image2 reader). */
static int convert_to_pgm(struct ev_seq *s, const char *dir)
{
	char in[PATH_MAX], pattern[PATH_MAX], out[PATH_MAX], real[PATH_MAX], link[PATH_MAX];
	const char *ext = ext_of(s->names[0]);

	if (!realpath(dir, real) || make_tmpdir(s))
		return -1;
	if (path_printf(in, sizeof(in), "%s/in", s->tmpdir) || mkdir(in, 0700))
		return -1;
	for (unsigned i = 0; i < s->n; i++) {
		char target[PATH_MAX];

		if (is_jpeg(s->names[i]) || strcasecmp(ext_of(s->names[i]), ext)) {
			fprintf(stderr,
				"mt-motion-eval: %s: mixes .%s and .%s images; use one kind\n", dir,
				ext, ext_of(s->names[i]));
			return -1;
		}
		if (path_printf(target, sizeof(target), "%s/%s", real, s->names[i]) ||
		    path_printf(link, sizeof(link), "%s/%06u.%s", in, i + 1, ext) ||
		    symlink(target, link))
			return -1;
	}
	if (path_printf(pattern, sizeof(pattern), "%s/%%06d.%s", in, ext) ||
	    path_printf(out, sizeof(out), "%s/%%06d.pgm", s->tmpdir))
		return -1;
	{
		char *argv[] = { "ffmpeg", "-nostdin", "-v",       "error", "-start_number", "1",
				 "-i",     pattern,    "-pix_fmt", "gray",  "-start_number", "1",
				 "-f",     "image2",   out,        NULL };

		if (run(argv))
			return -1;
	}
	free_names(s);
	s->dir = strdup(s->tmpdir);
	return s->dir ? list_images(s, s->tmpdir, is_pgm) : -1;
}

int ev_seq_open_dir(struct ev_seq *s, const char *dir)
{
	int jpegs = 0;

	memset(s, 0, sizeof(*s));
	if (list_images(s, dir, is_image))
		return -1;
	if (!s->n) {
		fprintf(stderr, "mt-motion-eval: %s: no images\n", dir);
		return -1;
	}
	for (unsigned i = 0; i < s->n; i++)
		jpegs += is_jpeg(s->names[i]);
	if (jpegs == (int)s->n) {
		s->kind = EV_JPEG;
		s->dir = strdup(dir);
		return s->dir ? 0 : -1;
	}
	s->kind = EV_PGM;
	if (jpegs || convert_to_pgm(s, dir)) {
		if (jpegs)
			fprintf(stderr, "mt-motion-eval: %s: mixes JPEG and other images\n", dir);
		return -1;
	}
	return 0;
}

int ev_seq_open_video(struct ev_seq *s, const char *path)
{
	char out[PATH_MAX];

	memset(s, 0, sizeof(*s));
	if (make_tmpdir(s))
		return -1;
	snprintf(out, sizeof(out), "%s/%%06d.jpg", s->tmpdir);
	{
		/* Every decoded frame once (no frame-rate conversion), as the
		 * MJPEG a camera would send. */
		char *argv[] = { "ffmpeg", "-nostdin",   "-v",        "error",
				 "-i",     (char *)path, "-fps_mode", "passthrough",
				 "-an",    "-c:v",       "mjpeg",     "-q:v",
				 "2",      "-pix_fmt",   "yuvj420p",  "-start_number",
				 "1",      "-f",         "image2",    out,
				 NULL };

		if (run(argv))
			return -1;
	}
	s->kind = EV_JPEG;
	s->dir = strdup(s->tmpdir);
	if (!s->dir || list_images(s, s->tmpdir, want_jpeg))
		return -1;
	if (!s->n) {
		fprintf(stderr, "mt-motion-eval: %s: no frames\n", path);
		return -1;
	}
	return 0;
}

void ev_seq_path(const struct ev_seq *s, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", s->dir, s->names[i]);
}

/* Removes the files of dir (one level), then dir. */
static void remove_flat(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void ev_seq_close(struct ev_seq *s)
{
	free_names(s);
	free(s->dir);
	s->dir = NULL;
	if (s->tmpdir) {
		char in[PATH_MAX];

		snprintf(in, sizeof(in), "%s/in", s->tmpdir);
		remove_flat(in);
		remove_flat(s->tmpdir);
		free(s->tmpdir);
		s->tmpdir = NULL;
	}
}

int ev_read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	int ret = -EIO;

	*data = NULL;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out_close;
	*data = malloc(n ? (size_t)n : 1);
	if (!*data) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (fread(*data, 1, (size_t)n, f) != (size_t)n) {
		free(*data);
		*data = NULL;
		goto out_close;
	}
	*len = (size_t)n;
	ret = 0;
out_close:
	fclose(f);
	return ret;
}

/* Next header number of a PGM, past blanks and # comments. */
static int pgm_number(const uint8_t *d, size_t len, size_t *pos, unsigned *out)
{
	unsigned long v = 0;
	size_t start;

	while (*pos < len && (d[*pos] == ' ' || d[*pos] == '\t' || d[*pos] == '\n' ||
			      d[*pos] == '\r' || d[*pos] == '#')) {
		if (d[*pos] == '#')
			while (*pos < len && d[*pos] != '\n')
				(*pos)++;
		else
			(*pos)++;
	}
	start = *pos;
	while (*pos < len && d[*pos] >= '0' && d[*pos] <= '9' && v < 100000)
		v = v * 10 + (d[(*pos)++] - '0');
	if (*pos == start || v >= 100000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int ev_read_pgm(const char *path, uint8_t **pix, unsigned *w, unsigned *h)
{
	uint8_t *d;
	size_t len, pos = 2;
	unsigned maxval;
	int ret = ev_read_file(path, &d, &len);

	*pix = NULL;
	if (ret)
		return ret;
	ret = -EINVAL;
	if (len < 2 || d[0] != 'P' || d[1] != '5' || pgm_number(d, len, &pos, w) ||
	    pgm_number(d, len, &pos, h) || pgm_number(d, len, &pos, &maxval) || maxval != 255 ||
	    !*w || !*h || pos >= len)
		goto out_free;
	pos++; /* the one blank after maxval */
	if (len - pos < (size_t)*w * *h)
		goto out_free;
	*pix = malloc((size_t)*w * *h);
	if (!*pix) {
		ret = -ENOMEM;
		goto out_free;
	}
	memcpy(*pix, d + pos, (size_t)*w * *h);
	ret = 0;
out_free:
	free(d);
	return ret;
}

int ev_write_pgm(const char *path, const uint8_t *pix, unsigned w, unsigned h)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "P5\n%u %u\n255\n", w, h) > 0 &&
	     fwrite(pix, 1, (size_t)w * h, f) == (size_t)w * h;
	if (fclose(f) || !ok)
		return -EIO;
	return 0;
}

int ev_read_gray(const char *path, uint8_t **pix, unsigned *w, unsigned *h)
{
	struct ev_seq tmp;
	char out[PATH_MAX];
	int ret;

	if (is_pgm(path) && ev_read_pgm(path, pix, w, h) == 0)
		return 0;
	memset(&tmp, 0, sizeof(tmp));
	if (make_tmpdir(&tmp))
		return -1;
	snprintf(out, sizeof(out), "%s/image.pgm", tmp.tmpdir);
	{
		char *argv[] = { "ffmpeg",     "-nostdin", "-v",   "error",     "-i",
				 (char *)path, "-pix_fmt", "gray", "-frames:v", "1",
				 "-f",         "image2",   out,    NULL };

		ret = run(argv) ? -1 : ev_read_pgm(out, pix, w, h);
	}
	ev_seq_close(&tmp);
	return ret;
}
