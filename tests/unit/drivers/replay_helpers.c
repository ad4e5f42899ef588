/* Helpers of the replay camera's tests (see replay_helpers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "replay_helpers.h"

uint8_t *rt_read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n > 0 ? (size_t)n : 1);
	*len = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), fp) : 0;
	fclose(fp);
	return buf;
}

int rt_write_all(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok = fp && fwrite(data, 1, len, fp) == len;

	if (fp)
		ok = fclose(fp) == 0 && ok;
	return ok ? 0 : -1;
}

void rt_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

long rt_ffprobe_frames(const char *input)
{
	char cmd[4096];
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ffprobe -v error -count_frames -select_streams v:0 "
		 "-show_entries stream=nb_read_frames -of csv=p=0 %s",
		 input);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%ld", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	if (n < 0)
		fail_msg("no frame count from: %s", cmd);
	return n;
}

const char *rt_footage(const char *rel)
{
	static char path[1024];
	const char *footage = getenv("MT_FOOTAGE");

	if (!footage)
		fail_msg("MT_FOOTAGE is not set (ctest sets it)");
	snprintf(path, sizeof(path), "%s/%s", footage, rel);
	return path;
}

static size_t raw_size(const struct mt_capture_format *fmt)
{
	size_t px = (size_t)fmt->width * fmt->height;

	return fmt->format == MT_FMT_NV12 ? px * 3 / 2 : fmt->format == MT_FMT_YUYV ? px * 2 : 0;
}

int rt_play(struct mt_replay_camera *cam, const struct mt_capture_config *cfg, long max,
	    struct rt_played *p)
{
	struct mt_capture_format fmt;
	struct mt_frame *f;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = mt_capture_open(&cam->dev, cfg);
	if (ret)
		return ret;
	assert_int_equal(mt_capture_get_format(&cam->dev, &fmt), 0);
	assert_int_equal(mt_capture_start(&cam->dev), 0);
	p->monotonic = p->seq_in_order = 1;
	while (p->frames < max && (ret = mt_capture_dequeue(&cam->dev, 0, &f)) == 0) {
		assert_int_equal(f->format, fmt.format);
		assert_int_equal(f->width, fmt.width);
		assert_int_equal(f->height, fmt.height);
		if (raw_size(&fmt))
			assert_int_equal(f->size, raw_size(&fmt));
		if (p->frames == 0)
			p->first_ts = f->ts_us;
		else if (f->ts_us <= p->last_ts)
			p->monotonic = 0;
		if (f->seq != (uint64_t)p->frames)
			p->seq_in_order = 0;
		p->keys += !!(f->flags & MT_FRAME_KEY);
		p->last_ts = f->ts_us;
		p->frames++;
		mt_frame_put(f);
	}
	p->end = ret;
	assert_int_equal(mt_capture_get_stats(&cam->dev, &p->st), 0);
	assert_int_equal(p->st.frames, (uint64_t)p->frames);
	return 0;
}

int rt_count_entries(const char *dir, const char *prefix)
{
	const struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}
