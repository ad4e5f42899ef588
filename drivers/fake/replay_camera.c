/* Replay camera driver. */
#define _GNU_SOURCE /* asprintf */
#include "fake/replay_camera.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/errors.h"
#include "core/jpeg.h"
#include "core/log.h"
#include "fake/replay_avi.h"
#include "hal/clock.h"

MT_LOG_MODULE("replay");

#define MAX_FRAME_BYTES (16u << 20)

static int has_jpeg_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int by_path(const void *a, const void *b)
{
	const struct mt_replay_item *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int index_folder(struct mt_replay_camera *cam, const char *dir)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct mt_replay_item *grown;

		if (!has_jpeg_ext(de->d_name))
			continue;
		if (cam->nitems == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(cam->items, cap * sizeof(*grown));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			cam->items = grown;
		}
		if (asprintf(&cam->items[cam->nitems].path, "%s/%s", dir, de->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		cam->nitems++;
	}
	closedir(d);
	if (!ret && cam->nitems) /* qsort(NULL, 0) is undefined */
		qsort(cam->items, cam->nitems, sizeof(*cam->items), by_path);
	return ret;
}

static void free_items(struct mt_replay_camera *cam)
{
	for (size_t i = 0; i < cam->nitems; i++)
		free(cam->items[i].path);
	free(cam->items);
	cam->items = NULL;
	cam->nitems = 0;
}

/* Read item i into a new frame; MT_EFORMAT if it is not a readable JPEG. */
static int load(struct mt_replay_camera *cam, size_t i, struct mt_frame **out)
{
	struct mt_replay_item *it = &cam->items[i];
	struct mt_frame *f = NULL;
	FILE *fp = cam->avi;
	long size = it->size;
	int ret = MT_EFORMAT;

	if (it->path) {
		fp = fopen(it->path, "rb");
		if (!fp)
			return -errno;
		if (fseek(fp, 0, SEEK_END) == 0)
			size = ftell(fp);
		rewind(fp);
	} else if (fseeko(fp, (off_t)it->offset, SEEK_SET)) {
		return -errno;
	}
	if (size <= 0 || (unsigned long)size > MAX_FRAME_BYTES)
		goto out_close;
	f = mt_frame_alloc((size_t)size);
	if (!f) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (fread(f->data, 1, (size_t)size, fp) != (size_t)size)
		goto out_close;
	f->size = (size_t)size;
	f->format = MT_FMT_MJPEG;
	f->flags = MT_FRAME_KEY;
	ret = mt_jpeg_probe(f->data, f->size, &f->width, &f->height);
out_close:
	if (it->path)
		fclose(fp);
	if (ret) {
		mt_frame_put(f);
		return ret;
	}
	*out = f;
	return 0;
}

static int replay_open(struct mt_capture *dev, const struct mt_capture_config *cfg)
{
	struct mt_replay_camera *cam = dev->priv;
	struct mt_frame *first = NULL;
	struct stat st;
	size_t i;
	int ret;

	if (!cfg->clock)
		return -EINVAL;
	cam->cfg = cfg;
	if (stat(cfg->device, &st)) {
		ret = -errno;
		MT_ERR("%s: %s", cfg->device, mt_strerror(ret));
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = index_folder(cam, cfg->device);
	} else {
		cam->avi = fopen(cfg->device, "rb");
		ret = cam->avi ? mt_replay_avi_index(cam->avi, &cam->items, &cam->nitems) : -errno;
	}
	if (!ret && cam->nitems == 0)
		ret = MT_EFORMAT;
	if (ret) {
		MT_ERR("%s: not a folder of JPEG images or an MJPEG AVI file (%s)", cfg->device,
		       mt_strerror(ret));
		goto out_free;
	}
	/* The footage decides the format; say so when it differs from the ask. */
	for (i = 0; i < cam->nitems && load(cam, i, &first); i++)
		;
	if (!first) {
		ret = MT_EFORMAT;
		MT_ERR("%s: no readable JPEG frame", cfg->device);
		goto out_free;
	}
	cam->fmt =
		(struct mt_capture_format){ MT_FMT_MJPEG, first->width, first->height, cfg->fps };
	mt_frame_put(first);
	if (cfg->format != MT_FMT_MJPEG || cfg->width != cam->fmt.width ||
	    cfg->height != cam->fmt.height)
		MT_INF("asked for %s %ux%u, footage is mjpeg %ux%u", mt_pixfmt_name(cfg->format),
		       cfg->width, cfg->height, cam->fmt.width, cam->fmt.height);
	MT_INF("%s: %zu frames at %u fps", cfg->device, cam->nitems, cfg->fps);
	return 0;

out_free:
	dev->ops->close(dev);
	return ret;
}

static int replay_start(struct mt_capture *dev)
{
	struct mt_replay_camera *cam = dev->priv;

	cam->next = 0;
	cam->start_us = mt_clock_mono_us(cam->cfg->clock);
	cam->streaming = 1;
	return 0;
}

static int replay_dequeue(struct mt_capture *dev, int timeout_ms, struct mt_frame **out)
{
	struct mt_replay_camera *cam = dev->priv;
	struct mt_clock *clk = cam->cfg->clock;

	if (!cam->streaming)
		return -EINVAL;
	while (cam->next < cam->nitems) {
		size_t i = cam->next;
		int ret;

		if (cam->cfg->realtime) {
			int64_t due = cam->start_us + (int64_t)i * 1000000 / cam->cfg->fps;
			int64_t wait = due - mt_clock_mono_us(clk);

			if (wait > (int64_t)timeout_ms * 1000) {
				mt_clock_sleep_us(clk, (int64_t)timeout_ms * 1000);
				return -EAGAIN;
			}
			if (wait > 0)
				mt_clock_sleep_us(clk, wait);
		}
		cam->next++;
		ret = load(cam, i, out);
		if (ret == MT_EFORMAT) {
			cam->stats.corrupt++;
			MT_WRN("frame %zu is not a well-formed JPEG: dropped", i + 1);
			continue;
		}
		if (ret)
			return ret;
		(*out)->seq = i;
		/* Paced: the clock's time, as a camera stamps. As fast as read:
		 * the footage's own time line, so time-based logic (pre-roll,
		 * post-roll) sees the same seconds either way. */
		(*out)->ts_us = cam->cfg->realtime ?
					mt_clock_mono_us(clk) :
					cam->start_us + (int64_t)i * 1000000 / cam->cfg->fps;
		cam->stats.frames++;
		return 0;
	}
	return MT_EEND;
}

static int replay_stop(struct mt_capture *dev)
{
	struct mt_replay_camera *cam = dev->priv;

	cam->streaming = 0;
	return 0;
}

static void replay_close(struct mt_capture *dev)
{
	struct mt_replay_camera *cam = dev->priv;

	free_items(cam);
	if (cam->avi)
		fclose(cam->avi);
	cam->avi = NULL;
	cam->streaming = 0;
}

static int replay_get_format(struct mt_capture *dev, struct mt_capture_format *out)
{
	struct mt_replay_camera *cam = dev->priv;

	*out = cam->fmt;
	return 0;
}

static int replay_get_stats(struct mt_capture *dev, struct mt_capture_stats *out)
{
	struct mt_replay_camera *cam = dev->priv;

	*out = cam->stats;
	return 0;
}

static const struct mt_capture_ops replay_ops = {
	.open = replay_open,
	.start = replay_start,
	.dequeue = replay_dequeue,
	.stop = replay_stop,
	.close = replay_close,
	.get_format = replay_get_format,
	.get_stats = replay_get_stats,
};

void mt_replay_camera_init(struct mt_replay_camera *cam)
{
	memset(cam, 0, sizeof(*cam));
	cam->dev.ops = &replay_ops;
	cam->dev.name = "replay";
	cam->dev.priv = cam;
}
