/* Replay camera driver (see replay_camera.h for what it plays and how). */
#include "fake/replay_camera.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/h264.h"
#include "core/jpeg.h"
#include "core/log.h"
#include "fake/replay_avi.h"
#include "fake/replay_folder.h"
#include "fake/replay_h264.h"
#include "fake/replay_mjpeg.h"
#include "hal/clock.h"

MT_LOG_MODULE("replay");

#define MAX_FRAME_BYTES (64u << 20) /* 4K 4:2:2 is 16 MiB; more is not a frame */
#define MIN_FPS         0.01        /* a file claiming a rate outside these */
#define MAX_FPS         1000.0      /* has a broken header: cfg->fps is used */

static int has_ext(const char *path, const char *ext)
{
	const char *dot = strrchr(path, '.');

	return dot && !strchr(dot, '/') && strcasecmp(dot + 1, ext) == 0;
}

/* pread until len bytes: 0, MT_EFORMAT if the file ends first, or -errno. */
static int read_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return MT_EFORMAT;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The bytes of item it: its own file, or its range of the footage file. */
static int read_item(struct mt_replay_camera *cam, const struct mt_replay_item *it,
		     struct mt_frame **out)
{
	struct mt_frame *f;
	uint64_t size = it->size;
	int fd = cam->fd, ret;
	struct stat st;

	if (it->path) {
		fd = open(it->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	}
	ret = MT_EFORMAT;
	if (size == 0 || size > MAX_FRAME_BYTES)
		goto out_close;
	if (cam->kind == MT_REPLAY_Y4M) {
		if (size != cam->y4m.frame_size)
			goto out_close; /* cut short */
		ret = read_full(fd, cam->planar, size, it->offset);
		if (ret)
			goto out_close;
	}
	f = mt_frame_alloc((size_t)size);
	if (!f) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (cam->kind == MT_REPLAY_Y4M)
		mt_replay_y4m_convert(&cam->y4m, cam->planar, f->data);
	else
		ret = read_full(fd, f->data, (size_t)size, it->path ? 0 : it->offset);
	f->size = (size_t)size;
	if (ret)
		mt_frame_put(f);
	else
		*out = f;
out_close:
	if (it->path)
		close(fd);
	return ret;
}

/* Checks and labels a frame as its source says it must be. */
static int describe(struct mt_replay_camera *cam, struct mt_frame *f)
{
	switch (cam->kind) {
	case MT_REPLAY_Y4M:
		f->format = cam->y4m.format;
		f->width = cam->y4m.width;
		f->height = cam->y4m.height;
		f->flags = MT_FRAME_KEY; /* a raw frame stands alone */
		return 0;
	case MT_REPLAY_H264:
		if (!mt_h264_has_start_code(f->data, f->size))
			return MT_EFORMAT;
		f->format = MT_FMT_H264;
		f->width = cam->fmt.width;
		f->height = cam->fmt.height;
		f->flags = mt_h264_is_idr(f->data, f->size) ? MT_FRAME_KEY : 0;
		return 0;
	default:
		f->format = MT_FMT_MJPEG;
		f->flags = MT_FRAME_KEY;
		return mt_jpeg_probe(f->data, f->size, &f->width, &f->height);
	}
}

/* Item i as a frame: 0, MT_EFORMAT or -errno (the frame is unplayable),
 * or -ENOMEM. */
static int load(struct mt_replay_camera *cam, size_t i, struct mt_frame **out)
{
	struct mt_frame *f = NULL;
	int ret = read_item(cam, &cam->idx.items[i], &f);

	if (ret)
		return ret;
	ret = describe(cam, f);
	if (ret) {
		mt_frame_put(f);
		return ret;
	}
	*out = f;
	return 0;
}

/* A video ffmpeg must turn into an MJPEG AVI first. */
static int open_converted(struct mt_replay_camera *cam, const char *path)
{
	struct mt_replay_avi_info info;
	char out[PATH_MAX];
	int ret;

	if (cam->fd >= 0)
		close(cam->fd);
	cam->fd = -1;
	mt_replay_index_free(&cam->idx);
	ret = mt_replay_convert_video(&cam->conv, path, out);
	if (ret)
		return ret;
	cam->converted = 1;
	cam->kind = MT_REPLAY_AVI;
	cam->fd = open(out, O_RDONLY | O_CLOEXEC);
	if (cam->fd < 0)
		return -errno;
	ret = mt_replay_avi_index(cam->fd, &info, &cam->idx);
	return ret ? ret : mt_replay_avi_is_mjpeg(&info) ? 0 : MT_EFORMAT;
}

static int open_y4m(struct mt_replay_camera *cam, const char *path)
{
	const char *why = "unreadable";
	int ret;

	cam->kind = MT_REPLAY_Y4M;
	ret = mt_replay_y4m_index(cam->fd, &cam->y4m, &cam->idx, &why);
	if (ret == MT_EFORMAT)
		MT_ERR("%s: bad Y4M header: %s", path, why);
	if (!ret) {
		cam->planar = malloc(cam->y4m.frame_size);
		ret = cam->planar ? 0 : -ENOMEM;
	}
	return ret;
}

/* A footage file: what it holds decides how it is read. */
static int open_file(struct mt_replay_camera *cam, const char *path)
{
	struct mt_replay_avi_info info;
	uint8_t m[12] = { 0 };

	cam->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cam->fd < 0)
		return -errno;
	if (pread(cam->fd, m, sizeof(m), 0) < 0)
		return -errno;
	if (!memcmp(m, "YUV4MPEG2 ", 10))
		return open_y4m(cam, path);
	if ((m[0] == 0xFF && m[1] == 0xD8 && m[2] == 0xFF) || has_ext(path, "mjpeg") ||
	    has_ext(path, "mjpg")) {
		cam->kind = MT_REPLAY_MJPEG;
		return mt_replay_mjpeg_index(cam->fd, &cam->idx);
	}
	if (!memcmp(m, "RIFF", 4) && !memcmp(m + 8, "AVI ", 4)) {
		int ret = mt_replay_avi_index(cam->fd, &info, &cam->idx);

		cam->kind = MT_REPLAY_AVI;
		if (ret || mt_replay_avi_is_mjpeg(&info))
			return ret;
		MT_INF("%s: AVI of codec '%s', not MJPEG", path, info.codec);
		return open_converted(cam, path);
	}
	if (has_ext(path, "h264") || has_ext(path, "264")) {
		cam->kind = MT_REPLAY_H264;
		return mt_replay_h264_index(cam->fd, &cam->idx, &cam->fmt.width, &cam->fmt.height);
	}
	return open_converted(cam, path);
}

/* The pace: the footage's own rate when it has a sane one, else cfg->fps. */
static int choose_rate(struct mt_replay_camera *cam)
{
	const struct mt_replay_index *idx = &cam->idx;
	double fps = idx->rate_den ? (double)idx->rate_num / idx->rate_den : 0;

	if (fps >= MIN_FPS && fps <= MAX_FPS) {
		cam->rate_num = idx->rate_num;
		cam->rate_den = idx->rate_den;
		return 0;
	}
	if (fps > 0)
		MT_WRN("%s: frame rate %u/%u in the file is not believable; using %u fps",
		       cam->cfg->device, idx->rate_num, idx->rate_den, cam->cfg->fps);
	if (!cam->cfg->fps) {
		MT_ERR("%s: the footage has no frame rate and none is configured",
		       cam->cfg->device);
		return -EINVAL;
	}
	cam->rate_num = cam->cfg->fps;
	cam->rate_den = 1;
	return 0;
}

/* What is delivered: the first playable frame's format and size. */
static int probe_format(struct mt_replay_camera *cam)
{
	struct mt_frame *first = NULL;
	double fps = (double)cam->rate_num / cam->rate_den;
	int ret = MT_EFORMAT;

	for (size_t i = 0; i < cam->idx.n && ret != -ENOMEM && !first; i++)
		ret = load(cam, i, &first);
	if (!first) {
		MT_ERR("%s: no readable frame in %zu", cam->cfg->device, cam->idx.n);
		return ret == -ENOMEM ? ret : MT_EFORMAT;
	}
	cam->fmt = (struct mt_capture_format){
		.format = first->format,
		.width = first->width,
		.height = first->height,
		.fps = fps < 1 ? 1 : (uint32_t)(fps + 0.5),
	};
	mt_frame_put(first);
	return 0;
}

static int replay_open(struct mt_capture *dev, const struct mt_capture_config *cfg)
{
	struct mt_replay_camera *cam = dev->priv;
	const struct mt_capture_format *fmt = &cam->fmt;
	struct stat st;
	int ret;

	if (!cfg->clock || !cfg->device)
		return -EINVAL;
	dev->ops->close(dev); /* a second open starts clean */
	cam->cfg = cfg;
	cam->fmt = (struct mt_capture_format){ 0 };
	cam->stats = (struct mt_capture_stats){ 0 };
	cam->seq = 0;
	cam->last_ts_us = 0;
	cam->dead = 0;
	if (stat(cfg->device, &st)) {
		ret = -errno;
		MT_ERR("%s: %s", cfg->device, mt_strerror(ret));
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		cam->kind = MT_REPLAY_FOLDER;
		ret = mt_replay_folder_index(cfg->device, &cam->conv, &cam->idx);
	} else {
		ret = open_file(cam, cfg->device);
	}
	if (!ret && cam->idx.n == 0)
		ret = MT_EFORMAT;
	if (ret) {
		MT_ERR("%s: no footage the replay camera can play (%s)", cfg->device,
		       mt_strerror(ret));
		goto out_close;
	}
	ret = choose_rate(cam);
	if (!ret)
		ret = probe_format(cam);
	if (ret)
		goto out_close;
	if (cfg->format != fmt->format || cfg->width != fmt->width || cfg->height != fmt->height)
		MT_INF("asked for %s %ux%u, footage is %s %ux%u", mt_pixfmt_name(cfg->format),
		       cfg->width, cfg->height, mt_pixfmt_name(fmt->format), fmt->width,
		       fmt->height);
	MT_INF("%s: %zu frames at %.3f fps%s%s", cfg->device, cam->idx.n,
	       (double)cam->rate_num / cam->rate_den, cam->converted ? ", converted by ffmpeg" : "",
	       cfg->loop ? ", looping" : "");
	return 0;

out_close:
	dev->ops->close(dev);
	return ret;
}

/* Slot n of the time line, from its start. */
static int64_t slot_us(const struct mt_replay_camera *cam, uint64_t n)
{
	/* In double: n * 1e6 * den overflows 64 bits for AVI rates such as
	 * 10000000/333667, and a double is exact to the microsecond for years. */
	return cam->start_us + (int64_t)((double)n * 1e6 * cam->rate_den / cam->rate_num + 0.5);
}

static int replay_start(struct mt_capture *dev)
{
	struct mt_replay_camera *cam = dev->priv;
	int64_t now;

	if (!cam->idx.n)
		return -EINVAL; /* not open */
	now = mt_clock_mono_us(cam->cfg->clock);
	cam->next = 0;
	cam->slot = 0;
	cam->pass_ok = 0;
	/* A restart's time line begins after the last frame handed out. */
	cam->start_us = cam->seq && now <= cam->last_ts_us ? cam->last_ts_us + 1 : now;
	cam->streaming = 1;
	return 0;
}

/* Realtime: wait until slot's time; -EAGAIN if that is beyond the timeout. */
static int wait_for(struct mt_replay_camera *cam, int64_t due, int timeout_ms)
{
	struct mt_clock *clk = cam->cfg->clock;
	int64_t wait = due - mt_clock_mono_us(clk);

	if (wait > (int64_t)timeout_ms * 1000) {
		mt_clock_sleep_us(clk, (int64_t)timeout_ms * 1000);
		return -EAGAIN;
	}
	if (wait > 0)
		mt_clock_sleep_us(clk, wait);
	return 0;
}

/* At the end of the footage: wrap around, or MT_EEND. */
static int wrap(struct mt_replay_camera *cam)
{
	if (!cam->cfg->loop)
		return MT_EEND;
	if (!cam->pass_ok) {
		/* Looping would spin on nothing (the files changed since open). */
		if (!cam->dead)
			MT_ERR("%s: a whole pass gave no playable frame: ending", cam->cfg->device);
		cam->dead = 1;
		return MT_EEND;
	}
	cam->next = 0;
	cam->pass_ok = 0;
	cam->stats.loops++;
	return 0;
}

static void stamp(struct mt_replay_camera *cam, struct mt_frame *f, int64_t due)
{
	/* Paced: the clock's time, as a camera stamps. As fast as read: the
	 * footage's own time line, so time-based logic (pre-roll, post-roll)
	 * sees the same seconds either way. */
	int64_t ts = cam->cfg->realtime ? mt_clock_mono_us(cam->cfg->clock) : due;

	if (cam->seq && ts <= cam->last_ts_us) {
		ts = cam->last_ts_us + 1; /* a late read must not tie its predecessor */
		cam->stats.ts_fixups++;
	}
	f->ts_us = ts;
	f->seq = cam->seq++;
	cam->last_ts_us = ts;
}

static int replay_dequeue(struct mt_capture *dev, int timeout_ms, struct mt_frame **out)
{
	struct mt_replay_camera *cam = dev->priv;

	if (!cam->streaming)
		return -EINVAL;
	for (;;) {
		struct mt_frame *f = NULL;
		int64_t due = slot_us(cam, cam->slot);
		int ret = cam->next < cam->idx.n ? 0 : wrap(cam);
		size_t i = cam->next;

		if (!ret && cam->cfg->realtime)
			ret = wait_for(cam, due, timeout_ms);
		if (ret)
			return ret;
		cam->next++;
		cam->slot++;
		ret = load(cam, i, &f);
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			if (cam->stats.corrupt++ == 0)
				MT_WRN("%s: frame %zu unplayable (%s): dropped; later ones are "
				       "only counted",
				       cam->cfg->device, i + 1, mt_strerror(ret));
			continue;
		}
		stamp(cam, f, due);
		cam->pass_ok++;
		cam->stats.frames++;
		*out = f;
		return 0;
	}
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

	mt_replay_index_free(&cam->idx);
	mt_replay_convert_free(&cam->conv);
	if (cam->fd >= 0)
		close(cam->fd);
	cam->fd = -1;
	free(cam->planar);
	cam->planar = NULL;
	cam->converted = 0;
	cam->kind = 0;
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

/* Footage has one mode: what it was recorded in, at the pace played. */
static int replay_enum_modes(struct mt_capture *dev, struct mt_capture_mode *out, int max)
{
	struct mt_replay_camera *cam = dev->priv;

	if (!cam->fmt.format)
		return -ENODEV; /* not open */
	if (max > 0) {
		memset(out, 0, sizeof(*out));
		out->format = cam->fmt.format;
		snprintf(out->fourcc, sizeof(out->fourcc), "%s", mt_pixfmt_name(cam->fmt.format));
		out->width = cam->fmt.width;
		out->height = cam->fmt.height;
		out->fps[0] = cam->fmt.fps;
	}
	return 1;
}

static const struct mt_capture_ops replay_ops = {
	.enum_modes = replay_enum_modes,
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
	cam->fd = -1;
	mt_replay_index_init(&cam->idx);
	mt_replay_convert_init(&cam->conv);
}
