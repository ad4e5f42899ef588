/* V4L2 capture driver: see v4l2_capture.h and docs/capture.md.
 *
 * States: closed (fd < 0) → open and negotiated (have_mode) → streaming.
 * An unplug drops back to closed with unplugged set; dequeue then tries to
 * reopen on a backoff schedule and asks for the mode it had. */
#include "linux/v4l2_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/h264.h"
#include "core/jpeg.h"
#include "core/log.h"
#include "hal/clock.h"

MT_LOG_MODULE("v4l2");

/* ---- system calls ---- */

static int sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static int64_t sys_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const struct mt_v4l2_sys mt_v4l2_syscalls = {
	.open = sys_open,
	.close = close,
	.ioctl = sys_ioctl,
	.mmap = mmap,
	.munmap = munmap,
	.poll = poll,
	.mono_us = sys_mono_us,
};

/* The one way this driver calls ioctl: a signal never fails a request. */
static int xioctl(struct mt_v4l2_capture *cam, unsigned long request, void *arg)
{
	int r;

	do {
		r = cam->sys->ioctl(cam->fd, request, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static bool is_gone(int err)
{
	return err == -ENODEV || err == -EIO || err == -ENXIO;
}

/* ---- names ---- */

uint32_t mt_v4l2_fourcc(enum mt_pixfmt fmt)
{
	switch (fmt) {
	case MT_FMT_MJPEG:
		return V4L2_PIX_FMT_MJPEG;
	case MT_FMT_YUYV:
		return V4L2_PIX_FMT_YUYV;
	case MT_FMT_NV12:
		return V4L2_PIX_FMT_NV12;
	case MT_FMT_H264:
		return V4L2_PIX_FMT_H264;
	default:
		return 0;
	}
}

enum mt_pixfmt mt_v4l2_pixfmt(uint32_t fourcc)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_MJPEG:
	case V4L2_PIX_FMT_JPEG:
		return MT_FMT_MJPEG;
	case V4L2_PIX_FMT_YUYV:
		return MT_FMT_YUYV;
	case V4L2_PIX_FMT_NV12:
		return MT_FMT_NV12;
	case V4L2_PIX_FMT_H264:
		return MT_FMT_H264;
	default:
		return MT_FMT_NONE;
	}
}

const char *mt_v4l2_fourcc_str(uint32_t fourcc, char buf[16])
{
	char c[4];

	for (int i = 0; i < 4; i++) {
		c[i] = (char)((fourcc >> (8 * i)) & 0xff);
		if (c[i] < 0x20 || c[i] > 0x7e) {
			snprintf(buf, 16, "0x%08x", fourcc);
			return buf;
		}
	}
	snprintf(buf, 16, "%.4s", c);
	return buf;
}

size_t mt_v4l2_fallback_order(enum mt_pixfmt asked, enum mt_pixfmt out[4])
{
	static const enum mt_pixfmt order[] = { MT_FMT_MJPEG, MT_FMT_H264, MT_FMT_YUYV,
						MT_FMT_NV12 };
	size_t n = 0;

	if (mt_v4l2_fourcc(asked))
		out[n++] = asked;
	for (size_t i = 0; i < 4; i++) {
		if (order[i] != asked)
			out[n++] = order[i];
	}
	return n;
}

void mt_v4l2_control_key(const char *name, char *out, size_t size)
{
	size_t n = 0;
	bool gap = false;

	if (!size)
		return;
	for (const char *p = name; *p && n + 1 < size; p++) {
		char ch = *p;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (gap && n > 0 && n + 2 < size)
				out[n++] = '_';
			out[n++] = ch;
			gap = false;
		} else {
			gap = true;
		}
	}
	out[n] = '\0';
}

/* ---- negotiation ---- */

static bool offers_fourcc(struct mt_v4l2_capture *cam, uint32_t fourcc)
{
	struct v4l2_fmtdesc d;

	for (uint32_t i = 0;; i++) {
		memset(&d, 0, sizeof(d));
		d.index = i;
		d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		if (xioctl(cam, VIDIOC_ENUM_FMT, &d) < 0)
			return false;
		if (d.pixelformat == fourcc ||
		    (fourcc == V4L2_PIX_FMT_MJPEG && d.pixelformat == V4L2_PIX_FMT_JPEG))
			return true;
	}
}

static void list_offered(struct mt_v4l2_capture *cam, char *out, size_t size)
{
	struct v4l2_fmtdesc d;
	size_t n = 0;
	char cc[16];

	out[0] = '\0';
	for (uint32_t i = 0; n + 1 < size; i++) {
		memset(&d, 0, sizeof(d));
		d.index = i;
		d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		if (xioctl(cam, VIDIOC_ENUM_FMT, &d) < 0)
			break;
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "",
				      mt_v4l2_fourcc_str(d.pixelformat, cc));
	}
	if (!out[0])
		snprintf(out, size, "nothing");
}

static uint64_t size_distance(uint32_t w, uint32_t h, uint32_t want_w, uint32_t want_h)
{
	int64_t dw = (int64_t)w - want_w, dh = (int64_t)h - want_h;

	return (uint64_t)(dw * dw + dh * dh);
}

static uint32_t clamp_step(uint32_t v, uint32_t lo, uint32_t hi, uint32_t step)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	if (step > 1)
		v = lo + (v - lo + step / 2) / step * step;
	return v > hi ? hi : v;
}

/* The size the camera offers nearest to the one asked for. */
static int pick_size(struct mt_v4l2_capture *cam, struct mt_v4l2_mode *m)
{
	struct v4l2_frmsizeenum s;
	uint64_t best = UINT64_MAX;
	uint32_t bw = m->width, bh = m->height;

	for (uint32_t i = 0;; i++) {
		memset(&s, 0, sizeof(s));
		s.index = i;
		s.pixel_format = m->fourcc;
		if (xioctl(cam, VIDIOC_ENUM_FRAMESIZES, &s) < 0)
			break;
		if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
			uint64_t d = size_distance(s.discrete.width, s.discrete.height, m->width,
						   m->height);

			if (d < best) {
				best = d;
				bw = s.discrete.width;
				bh = s.discrete.height;
			}
			continue;
		}
		/* stepwise or continuous: one entry describes every size */
		bw = clamp_step(m->width, s.stepwise.min_width, s.stepwise.max_width,
				s.stepwise.step_width);
		bh = clamp_step(m->height, s.stepwise.min_height, s.stepwise.max_height,
				s.stepwise.step_height);
		best = 0;
		break;
	}
	if (best == UINT64_MAX)
		return -ENOENT; /* no list: S_FMT will adjust */
	m->width = (uint16_t)bw;
	m->height = (uint16_t)bh;
	return 0;
}

/* The frame interval nearest to 1/fps, as fps_num/fps_den. */
static void pick_rate(struct mt_v4l2_capture *cam, struct mt_v4l2_mode *m)
{
	struct v4l2_frmivalenum iv;
	double want = m->fps_den ? (double)m->fps_num / m->fps_den : 0.0;
	double best = 1e30;

	for (uint32_t i = 0;; i++) {
		memset(&iv, 0, sizeof(iv));
		iv.index = i;
		iv.pixel_format = m->fourcc;
		iv.width = m->width;
		iv.height = m->height;
		if (xioctl(cam, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0)
			return;
		if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
			struct v4l2_fract f = iv.discrete;
			double fps = f.numerator ? (double)f.denominator / f.numerator : 0.0;
			double d = fps > want ? fps - want : want - fps;

			if (f.numerator && d < best) {
				best = d;
				m->fps_num = f.denominator;
				m->fps_den = f.numerator;
			}
			continue;
		}
		/* continuous or stepwise: max fps = 1 / min interval */
		struct v4l2_fract lo = iv.stepwise.min, hi = iv.stepwise.max;
		double fmax = lo.numerator ? (double)lo.denominator / lo.numerator : want;
		double fmin = hi.numerator ? (double)hi.denominator / hi.numerator : want;

		if (want > fmax) {
			m->fps_num = lo.denominator;
			m->fps_den = lo.numerator;
		} else if (want < fmin) {
			m->fps_num = hi.denominator;
			m->fps_den = hi.numerator;
		}
		return;
	}
}

static int set_mode(struct mt_v4l2_capture *cam, struct mt_v4l2_mode *m)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm p = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int ret;

	f.fmt.pix.pixelformat = m->fourcc;
	f.fmt.pix.width = m->width;
	f.fmt.pix.height = m->height;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ret = xioctl(cam, VIDIOC_S_FMT, &f);
	if (ret < 0)
		return ret;
	/* The driver may adjust anything; what it says now is the truth. */
	if (mt_v4l2_pixfmt(f.fmt.pix.pixelformat) != mt_v4l2_pixfmt(m->fourcc))
		return -ENOTSUP;
	m->fourcc = f.fmt.pix.pixelformat;
	m->width = (uint16_t)f.fmt.pix.width;
	m->height = (uint16_t)f.fmt.pix.height;

	p.parm.capture.timeperframe.numerator = m->fps_den;
	p.parm.capture.timeperframe.denominator = m->fps_num;
	if (xioctl(cam, VIDIOC_S_PARM, &p) == 0 && p.parm.capture.timeperframe.numerator &&
	    p.parm.capture.timeperframe.denominator) {
		m->fps_num = p.parm.capture.timeperframe.denominator;
		m->fps_den = p.parm.capture.timeperframe.numerator;
	}
	return 0;
}

/* Walk the fallback order; the first format the camera offers wins. */
static int negotiate(struct mt_v4l2_capture *cam, const struct mt_v4l2_mode *asked)
{
	enum mt_pixfmt order[4];
	size_t n = mt_v4l2_fallback_order(mt_v4l2_pixfmt(asked->fourcc), order);
	char offered[96], a[16], b[16];

	for (size_t i = 0; i < n; i++) {
		struct mt_v4l2_mode m = *asked;
		int ret;

		m.fourcc = mt_v4l2_fourcc(order[i]);
		if (!offers_fourcc(cam, m.fourcc))
			continue;
		pick_size(cam, &m);
		pick_rate(cam, &m);
		ret = set_mode(cam, &m);
		if (ret == -ENOTSUP)
			continue;
		if (ret < 0)
			return ret;
		if (m.fourcc != asked->fourcc || m.width != asked->width ||
		    m.height != asked->height ||
		    (uint64_t)m.fps_num * asked->fps_den != (uint64_t)asked->fps_num * m.fps_den)
			MT_WRN("asked %s %ux%u@%u/%u, camera gives %s %ux%u@%u/%u",
			       mt_v4l2_fourcc_str(asked->fourcc, a), asked->width, asked->height,
			       asked->fps_num, asked->fps_den, mt_v4l2_fourcc_str(m.fourcc, b),
			       m.width, m.height, m.fps_num, m.fps_den);
		else
			MT_INF("%s %ux%u@%u/%u", mt_v4l2_fourcc_str(m.fourcc, b), m.width, m.height,
			       m.fps_num, m.fps_den);
		cam->mode = m;
		cam->have_mode = true;
		return 0;
	}
	list_offered(cam, offered, sizeof(offered));
	MT_ERR("%s offers none of our formats (MJPG H264 YUYV NV12); it offers: %s",
	       cam->cfg->device, offered);
	return -ENOTSUP;
}

/* ---- controls ---- */

/* The id of a control by its comparable name, or 0. */
static uint32_t find_control(struct mt_v4l2_capture *cam, const char *want,
			     struct v4l2_queryctrl *out)
{
	struct v4l2_queryctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
	char key[40];

	while (xioctl(cam, VIDIOC_QUERYCTRL, &q) == 0) {
		if (!(q.flags & V4L2_CTRL_FLAG_DISABLED)) {
			mt_v4l2_control_key((const char *)q.name, key, sizeof(key));
			if (strcmp(key, want) == 0) {
				*out = q;
				return q.id;
			}
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return 0;
}

static bool menu_has(struct mt_v4l2_capture *cam, uint32_t id, int32_t index)
{
	struct v4l2_querymenu m = { .id = id, .index = (uint32_t)index };

	return xioctl(cam, VIDIOC_QUERYMENU, &m) == 0;
}

static int set_one_control(struct mt_v4l2_capture *cam, const char *name, int32_t value)
{
	struct v4l2_queryctrl q;
	struct v4l2_control c;
	uint32_t id;
	int ret;

	if (strcmp(name, "exposure_mode") == 0) {
		q = (struct v4l2_queryctrl){ .id = V4L2_CID_EXPOSURE_AUTO };
		if (xioctl(cam, VIDIOC_QUERYCTRL, &q) < 0)
			return -ENOENT;
		id = q.id;
		if (value == 1)
			value = V4L2_EXPOSURE_MANUAL;
		else if (menu_has(cam, id, V4L2_EXPOSURE_AUTO))
			value = V4L2_EXPOSURE_AUTO;
		else
			value = V4L2_EXPOSURE_APERTURE_PRIORITY; /* what UVC calls auto */
	} else {
		id = find_control(cam, name, &q);
		if (!id)
			return -ENOENT;
	}
	if (value < q.minimum || value > q.maximum)
		return -ERANGE;
	c = (struct v4l2_control){ .id = id, .value = value };
	ret = xioctl(cam, VIDIOC_S_CTRL, &c);
	return ret;
}

static int v4l2_set_control(struct mt_capture *dev, const char *name, int32_t value)
{
	struct mt_v4l2_capture *cam = dev->priv;
	int ret;

	if (cam->fd < 0)
		return -ENODEV;
	ret = set_one_control(cam, name, value);
	if (ret == -ENOENT)
		MT_WRN("control %s: the camera has no such control", name);
	else if (ret == -ERANGE)
		MT_WRN("control %s = %d: out of the camera's range", name, value);
	else if (ret < 0)
		MT_WRN("control %s = %d: %s", name, value, mt_strerror(ret));
	return ret;
}

static void apply_controls(struct mt_v4l2_capture *cam)
{
	for (uint32_t i = 0; i < cam->cfg->ncontrols; i++)
		v4l2_set_control(&cam->dev, cam->cfg->controls[i].name,
				 cam->cfg->controls[i].value);
}

/* ---- buffers and streaming ---- */

static void unmap_buffers(struct mt_v4l2_capture *cam)
{
	for (uint32_t i = 0; i < cam->nbuf; i++) {
		if (cam->buf[i].start)
			cam->sys->munmap(cam->buf[i].start, cam->buf[i].length);
		cam->buf[i].start = NULL;
	}
	cam->nbuf = 0;
}

static void free_buffers(struct mt_v4l2_capture *cam)
{
	struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					  .memory = V4L2_MEMORY_MMAP };

	unmap_buffers(cam);
	if (cam->fd >= 0)
		xioctl(cam, VIDIOC_REQBUFS, &rb); /* count 0: release */
}

static int queue_buffer(struct mt_v4l2_capture *cam, uint32_t index)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .memory = V4L2_MEMORY_MMAP,
				 .index = index };

	return xioctl(cam, VIDIOC_QBUF, &b);
}

static int map_buffers(struct mt_v4l2_capture *cam)
{
	uint32_t want = cam->cfg->buffers ? cam->cfg->buffers : MT_V4L2_DEFAULT_BUFFERS;
	struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					  .memory = V4L2_MEMORY_MMAP };
	int ret;

	rb.count = want > MT_V4L2_MAX_BUFFERS ? MT_V4L2_MAX_BUFFERS : want;
	ret = xioctl(cam, VIDIOC_REQBUFS, &rb);
	if (ret < 0)
		return ret;
	if (rb.count < 2) {
		MT_ERR("camera gave %u buffers; streaming needs at least 2", rb.count);
		return -ENOMEM;
	}
	if (rb.count > MT_V4L2_MAX_BUFFERS)
		rb.count = MT_V4L2_MAX_BUFFERS;
	for (uint32_t i = 0; i < rb.count; i++) {
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					 .memory = V4L2_MEMORY_MMAP,
					 .index = i };
		void *p;

		ret = xioctl(cam, VIDIOC_QUERYBUF, &b);
		if (ret < 0)
			goto fail;
		p = cam->sys->mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, cam->fd,
				   (off_t)b.m.offset);
		if (p == MAP_FAILED) {
			ret = -errno;
			goto fail;
		}
		cam->buf[i] = (struct mt_v4l2_buffer){ .start = p, .length = b.length };
		cam->nbuf = i + 1;
	}
	return 0;
fail:
	free_buffers(cam);
	return ret;
}

static int stream_on(struct mt_v4l2_capture *cam)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int ret;

	ret = map_buffers(cam);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < cam->nbuf; i++) {
		ret = queue_buffer(cam, i);
		if (ret < 0)
			goto fail;
	}
	ret = xioctl(cam, VIDIOC_STREAMON, &type);
	if (ret < 0)
		goto fail;
	cam->streaming = true;
	cam->seq_started = false;
	cam->last_frame_us = mt_clock_mono_us(cam->cfg->clock);
	return 0;
fail:
	free_buffers(cam);
	return ret;
}

static void stream_off(struct mt_v4l2_capture *cam)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (cam->streaming && cam->fd >= 0)
		xioctl(cam, VIDIOC_STREAMOFF, &type);
	cam->streaming = false;
	free_buffers(cam);
}

static void close_fd(struct mt_v4l2_capture *cam)
{
	stream_off(cam);
	if (cam->fd >= 0)
		cam->sys->close(cam->fd);
	cam->fd = -1;
}

/* ---- open ---- */

static int open_device(struct mt_v4l2_capture *cam, const struct mt_v4l2_mode *asked)
{
	struct v4l2_capability cap;
	struct v4l2_event_subscription sub = { .type = V4L2_EVENT_SOURCE_CHANGE };
	const char *path = cam->cfg->device;
	uint32_t caps;
	int ret;

	cam->fd = cam->sys->open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (cam->fd < 0)
		return -errno;
	memset(&cap, 0, sizeof(cap));
	ret = xioctl(cam, VIDIOC_QUERYCAP, &cap);
	if (ret < 0) {
		/* ENOSYS: what qemu-user answers for an ioctl it does not know */
		if (ret == -ENOTTY || ret == -EINVAL || ret == -ENOSYS)
			MT_ERR("%s is not a V4L2 device", path);
		goto fail;
	}
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
		MT_ERR("%s (%.32s) cannot stream video capture (caps 0x%08x): not a camera node",
		       path, (const char *)cap.card, caps);
		ret = -ENOTSUP;
		goto fail;
	}
	snprintf(cam->card, sizeof(cam->card), "%.31s", (const char *)cap.card);
	cam->events = xioctl(cam, VIDIOC_SUBSCRIBE_EVENT, &sub) == 0;
	ret = negotiate(cam, asked);
	if (ret < 0)
		goto fail;
	apply_controls(cam);
	return 0;
fail:
	cam->sys->close(cam->fd);
	cam->fd = -1;
	return ret;
}

static struct mt_v4l2_mode asked_mode(const struct mt_capture_config *cfg)
{
	return (struct mt_v4l2_mode){
		.fourcc = mt_v4l2_fourcc(cfg->format) ? mt_v4l2_fourcc(cfg->format) :
							V4L2_PIX_FMT_MJPEG,
		.width = cfg->width,
		.height = cfg->height,
		.fps_num = cfg->fps ? cfg->fps : 25,
		.fps_den = 1,
	};
}

static int v4l2_open(struct mt_capture *dev, const struct mt_capture_config *cfg)
{
	struct mt_v4l2_capture *cam = dev->priv;
	struct mt_v4l2_mode asked = asked_mode(cfg);
	int ret;

	cam->cfg = cfg;
	ret = open_device(cam, &asked);
	if (ret == -ENOENT)
		MT_ERR("%s: no such device (is the camera plugged in?)", cfg->device);
	else if (ret == -EACCES || ret == -EPERM)
		MT_ERR("%s: permission denied (is this user in the video group?)", cfg->device);
	else if (ret == -EBUSY)
		MT_ERR("%s: busy (another program has the camera)", cfg->device);
	else if (ret < 0 && ret != -ENOTSUP)
		MT_ERR("%s: %s", cfg->device, mt_strerror(ret));
	return ret;
}

static int v4l2_start(struct mt_capture *dev)
{
	struct mt_v4l2_capture *cam = dev->priv;

	if (cam->fd < 0)
		return -EBADF;
	return stream_on(cam);
}

static int v4l2_stop(struct mt_capture *dev)
{
	stream_off(dev->priv);
	return 0;
}

static void v4l2_close(struct mt_capture *dev)
{
	close_fd(dev->priv);
}

/* ---- faults ---- */

static void unplugged(struct mt_v4l2_capture *cam, int err)
{
	int64_t now = mt_clock_mono_us(cam->cfg->clock);

	MT_ERR("%s: camera lost (%s); reopening with backoff", cam->cfg->device, mt_strerror(err));
	cam->stats.unplugs++;
	/* The mappings die with the device; REQBUFS would fail with ENODEV. */
	unmap_buffers(cam);
	cam->streaming = false;
	if (cam->fd >= 0)
		cam->sys->close(cam->fd);
	cam->fd = -1;
	cam->unplugged = true;
	cam->backoff_ms = MT_V4L2_BACKOFF_MIN_MS;
	cam->retry_at_us = now + (int64_t)cam->backoff_ms * 1000;
}

static int try_reconnect(struct mt_v4l2_capture *cam)
{
	int64_t now = mt_clock_mono_us(cam->cfg->clock);
	struct mt_v4l2_mode asked = cam->mode; /* restore what we had */
	int ret;

	if (now < cam->retry_at_us)
		return -EAGAIN;
	ret = open_device(cam, &asked);
	if (ret == 0)
		ret = stream_on(cam);
	if (ret < 0) {
		if (cam->fd >= 0)
			close_fd(cam);
		cam->backoff_ms *= 2;
		if (cam->backoff_ms > MT_V4L2_BACKOFF_MAX_MS)
			cam->backoff_ms = MT_V4L2_BACKOFF_MAX_MS;
		cam->retry_at_us = now + (int64_t)cam->backoff_ms * 1000;
		MT_DBG("reopen failed (%s); next try in %u ms", mt_strerror(ret), cam->backoff_ms);
		return -EAGAIN;
	}
	cam->unplugged = false;
	cam->stats.reconnects++;
	cam->stats.restarts++;
	MT_INF("%s: camera back", cam->cfg->device);
	return 0;
}

static int restart_stream(struct mt_v4l2_capture *cam)
{
	int ret;

	cam->stats.restarts++;
	stream_off(cam);
	ret = stream_on(cam);
	/* A camera that cannot stream again is treated as unplugged: closed,
	 * and reopened with backoff until it works. */
	if (ret < 0)
		unplugged(cam, ret);
	return ret;
}

/* The camera says its source changed (or a frame showed it): ask again. */
static int renegotiate(struct mt_v4l2_capture *cam)
{
	struct mt_v4l2_mode asked = asked_mode(cam->cfg);
	int ret;

	MT_WRN("%s: format changed under us; renegotiating", cam->cfg->device);
	cam->stats.renegotiations++;
	stream_off(cam);
	ret = negotiate(cam, &asked);
	if (ret == 0)
		ret = stream_on(cam);
	/* A camera that cannot stream again is treated as unplugged: closed,
	 * and reopened with backoff until it works. */
	if (ret < 0)
		unplugged(cam, ret);
	return ret;
}

static bool source_changed(struct mt_v4l2_capture *cam)
{
	struct v4l2_event ev;
	bool changed = false;

	while (xioctl(cam, VIDIOC_DQEVENT, &ev) == 0) {
		if (ev.type == V4L2_EVENT_SOURCE_CHANGE &&
		    (ev.u.src_change.changes & V4L2_EVENT_SRC_CH_RESOLUTION))
			changed = true;
	}
	return changed;
}

/* ---- frames ---- */

/* MT_EFORMAT when the payload cannot be what the format says. */
static int check_payload(struct mt_v4l2_capture *cam, const uint8_t *p, size_t len, bool *resized)
{
	uint16_t w, h;

	*resized = false;
	switch (mt_v4l2_pixfmt(cam->mode.fourcc)) {
	case MT_FMT_MJPEG:
		if (mt_jpeg_probe(p, len, &w, &h) < 0)
			return MT_EFORMAT;
		*resized = w != cam->mode.width || h != cam->mode.height;
		return 0;
	case MT_FMT_H264:
		return mt_h264_has_start_code(p, len) ? 0 : MT_EFORMAT;
	case MT_FMT_YUYV:
		return len >= (size_t)cam->mode.width * cam->mode.height * 2 ? 0 : MT_EFORMAT;
	case MT_FMT_NV12:
		return len >= (size_t)cam->mode.width * cam->mode.height * 3 / 2 ? 0 : MT_EFORMAT;
	default:
		return MT_EFORMAT;
	}
}

static int64_t frame_time(struct mt_v4l2_capture *cam, const struct v4l2_buffer *b)
{
	int64_t now = mt_clock_mono_us(cam->cfg->clock);
	int64_t ts = now;

	if ((b->flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
		int64_t at = (int64_t)b->timestamp.tv_sec * 1000000 + b->timestamp.tv_usec;
		int64_t age = cam->sys->mono_us() - at;

		/* the driver's clock, moved onto ours by the frame's age */
		if (age >= 0 && age < 10 * 1000000)
			ts = now - age;
	}
	if (cam->out_seq && ts <= cam->last_ts_us) {
		cam->stats.ts_fixups++;
		ts = cam->last_ts_us + 1;
	}
	cam->last_ts_us = ts;
	return ts;
}

static void count_gap(struct mt_v4l2_capture *cam, uint32_t seq)
{
	if (cam->seq_started && seq > cam->next_seq)
		cam->stats.dropped += seq - cam->next_seq;
	cam->seq_started = true;
	cam->next_seq = (uint64_t)seq + 1;
}

/* One DQBUF: 1 with *out, 0 when the buffer was dropped, or an error.
 * Not inlined: bench/capture counts its instructions under callgrind. */
__attribute__((noinline)) static int take_buffer(struct mt_v4l2_capture *cam, struct mt_frame **out)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
	struct mt_frame *f = NULL;
	const uint8_t *p;
	bool resized = false;
	int ret;

	ret = xioctl(cam, VIDIOC_DQBUF, &b);
	if (ret < 0)
		return ret;
	if (b.index >= cam->nbuf) {
		MT_ERR("driver returned buffer %u of %u", b.index, cam->nbuf);
		return -EIO;
	}
	count_gap(cam, b.sequence);
	p = cam->buf[b.index].start;
	if (b.flags & V4L2_BUF_FLAG_ERROR) {
		MT_WRN("frame %u flagged as damaged by the driver; dropped", b.sequence);
		cam->stats.corrupt++;
	} else if (b.bytesused == 0 || b.bytesused > cam->buf[b.index].length) {
		MT_WRN("frame %u: %u bytes used of a %zu-byte buffer; dropped", b.sequence,
		       b.bytesused, cam->buf[b.index].length);
		cam->stats.corrupt++;
	} else if (check_payload(cam, p, b.bytesused, &resized) < 0) {
		MT_WRN("frame %u: malformed %s payload; dropped", b.sequence,
		       mt_pixfmt_name(mt_v4l2_pixfmt(cam->mode.fourcc)));
		cam->stats.corrupt++;
	} else if (!resized) {
		/* The one copy: out of the mmap buffer, which goes back at once. */
		f = mt_frame_alloc(b.bytesused);
		if (!f) {
			queue_buffer(cam, b.index);
			return -ENOMEM;
		}
		{
			memcpy(f->data, p, b.bytesused);
			cam->copied_bytes += b.bytesused;
			f->size = b.bytesused;
			f->format = mt_v4l2_pixfmt(cam->mode.fourcc);
			f->width = cam->mode.width;
			f->height = cam->mode.height;
			f->seq = cam->out_seq;
			f->ts_us = frame_time(cam, &b);
			cam->out_seq++;
			if (f->format != MT_FMT_H264 || (b.flags & V4L2_BUF_FLAG_KEYFRAME) ||
			    mt_h264_is_idr(p, b.bytesused))
				f->flags |= MT_FRAME_KEY;
		}
	}
	ret = queue_buffer(cam, b.index);
	if (ret < 0) {
		mt_frame_put(f);
		return ret;
	}
	if (resized) {
		MT_WRN("frame %u has a size other than the %ux%u negotiated", b.sequence,
		       cam->mode.width, cam->mode.height);
		ret = renegotiate(cam);
		return ret < 0 ? ret : 0;
	}
	if (!f)
		return 0; /* dropped and counted above */
	cam->stats.frames++;
	*out = f;
	return 1;
}

static int v4l2_dequeue(struct mt_capture *dev, int timeout_ms, struct mt_frame **out)
{
	struct mt_v4l2_capture *cam = dev->priv;
	struct mt_clock *clock = cam->cfg->clock;
	int64_t deadline = mt_clock_mono_us(clock) + (int64_t)timeout_ms * 1000;

	*out = NULL;
	for (;;) {
		int64_t now = mt_clock_mono_us(clock);
		int wait_ms = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
		struct pollfd pfd;
		int ret;

		if (cam->unplugged) {
			if (try_reconnect(cam) < 0) {
				int64_t until = cam->retry_at_us < deadline ? cam->retry_at_us :
									      deadline;

				if (now >= deadline)
					return -EAGAIN;
				if (until > now)
					mt_clock_sleep_us(clock, until - now);
				continue;
			}
			now = mt_clock_mono_us(clock);
		}
		if (!cam->streaming)
			return -EBADF;
		if (now - cam->last_frame_us >= (int64_t)MT_CAPTURE_STALL_MS * 1000) {
			MT_WRN("%s: no frame for %d ms; restarting the stream", cam->cfg->device,
			       MT_CAPTURE_STALL_MS);
			cam->stats.stalls++;
			ret = restart_stream(cam);
			if (ret < 0 && !cam->unplugged)
				return ret;
			continue;
		}
		/* Wake in time to notice a stall even when the caller waits long. */
		int64_t stall_at = cam->last_frame_us + (int64_t)MT_CAPTURE_STALL_MS * 1000;
		if (stall_at > now && (stall_at - now) / 1000 < wait_ms)
			wait_ms = (int)((stall_at - now + 999) / 1000);

		pfd = (struct pollfd){ .fd = cam->fd, .events = POLLIN | POLLPRI };
		ret = cam->sys->poll(&pfd, 1, wait_ms);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret == 0) {
			if (mt_clock_mono_us(clock) >= deadline)
				return -EAGAIN;
			continue;
		}
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* an unplugged device, or one that stopped streaming */
			unplugged(cam, -ENODEV);
			continue;
		}
		if ((pfd.revents & POLLPRI) && cam->events && source_changed(cam)) {
			ret = renegotiate(cam);
			if (ret < 0 && !cam->unplugged)
				return ret;
			continue;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		ret = take_buffer(cam, out);
		if (ret == 1) {
			cam->last_frame_us = mt_clock_mono_us(clock);
			return 0;
		}
		if (ret == -EAGAIN || ret == 0)
			continue;
		if (is_gone(ret)) {
			unplugged(cam, ret);
			continue;
		}
		return ret;
	}
}

static int v4l2_get_format(struct mt_capture *dev, struct mt_capture_format *out)
{
	struct mt_v4l2_capture *cam = dev->priv;

	if (!cam->have_mode)
		return -ENODEV;
	*out = (struct mt_capture_format){
		.format = mt_v4l2_pixfmt(cam->mode.fourcc),
		.width = cam->mode.width,
		.height = cam->mode.height,
		.fps = cam->mode.fps_den ?
			       (cam->mode.fps_num + cam->mode.fps_den / 2) / cam->mode.fps_den :
			       0,
	};
	return 0;
}

static int v4l2_get_stats(struct mt_capture *dev, struct mt_capture_stats *out)
{
	struct mt_v4l2_capture *cam = dev->priv;

	*out = cam->stats;
	return 0;
}

/* ---- the modes the camera offers (console "camera formats") ---- */

#define ENUM_MAX 64 /* entries asked of one list: a driver that never ends stops */

/* The rates of m's size: discrete ones, or a range. */
static void mode_rates(struct mt_v4l2_capture *cam, uint32_t fourcc, struct mt_capture_mode *m)
{
	struct v4l2_frmivalenum iv;
	int n = 0;

	for (uint32_t i = 0; i < ENUM_MAX && n < MT_CAPTURE_MODE_RATES - 1; i++) {
		memset(&iv, 0, sizeof(iv));
		iv.index = i;
		iv.pixel_format = fourcc;
		iv.width = m->width;
		iv.height = m->height;
		if (xioctl(cam, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0)
			return;
		if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
			if (iv.discrete.numerator)
				m->fps[n++] =
					(iv.discrete.denominator + iv.discrete.numerator / 2) /
					iv.discrete.numerator;
			continue;
		}
		/* continuous or stepwise: fps from 1 / max interval to 1 / min */
		if (iv.stepwise.min.numerator)
			m->fps_max = iv.stepwise.min.denominator / iv.stepwise.min.numerator;
		if (iv.stepwise.max.numerator)
			m->fps_min = (iv.stepwise.max.denominator + iv.stepwise.max.numerator - 1) /
				     iv.stepwise.max.numerator;
		return;
	}
}

/* Every format, every size of it (a range as one mode), with its rates. */
static int v4l2_enum_modes(struct mt_capture *dev, struct mt_capture_mode *out, int max)
{
	struct mt_v4l2_capture *cam = dev->priv;
	int n = 0;

	if (cam->fd < 0)
		return -ENODEV;
	for (uint32_t f = 0; f < ENUM_MAX; f++) {
		struct v4l2_fmtdesc d = { .index = f, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
		char cc[16];

		if (xioctl(cam, VIDIOC_ENUM_FMT, &d) < 0)
			break;
		mt_v4l2_fourcc_str(d.pixelformat, cc);
		for (uint32_t i = 0; i < ENUM_MAX; i++) {
			struct v4l2_frmsizeenum s = { .index = i, .pixel_format = d.pixelformat };
			struct mt_capture_mode m = { .format = mt_v4l2_pixfmt(d.pixelformat) };

			if (xioctl(cam, VIDIOC_ENUM_FRAMESIZES, &s) < 0)
				break;
			snprintf(m.fourcc, sizeof(m.fourcc), "%s", cc);
			if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
				m.width = (uint16_t)s.discrete.width;
				m.height = (uint16_t)s.discrete.height;
			} else {
				m.width = (uint16_t)s.stepwise.min_width;
				m.height = (uint16_t)s.stepwise.min_height;
				m.max_width = (uint16_t)s.stepwise.max_width;
				m.max_height = (uint16_t)s.stepwise.max_height;
			}
			mode_rates(cam, d.pixelformat, &m);
			if (n < max)
				out[n] = m;
			n++;
			if (s.type != V4L2_FRMSIZE_TYPE_DISCRETE)
				break; /* one entry describes every size */
		}
	}
	return n;
}

static const struct mt_capture_ops v4l2_ops = {
	.open = v4l2_open,
	.start = v4l2_start,
	.dequeue = v4l2_dequeue,
	.stop = v4l2_stop,
	.close = v4l2_close,
	.get_format = v4l2_get_format,
	.get_stats = v4l2_get_stats,
	.set_control = v4l2_set_control,
	.enum_modes = v4l2_enum_modes,
};

void mt_v4l2_capture_init(struct mt_v4l2_capture *cam)
{
	memset(cam, 0, sizeof(*cam));
	cam->dev = (struct mt_capture){ .ops = &v4l2_ops, .name = "v4l2", .priv = cam };
	cam->sys = &mt_v4l2_syscalls;
	cam->fd = -1;
}
