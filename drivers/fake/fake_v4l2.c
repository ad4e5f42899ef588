/* Fake V4L2 device: see fake_v4l2.h. The rules follow the kernel's V4L2
 * documentation (videobuf2 behaviour for the streaming ioctls). */
#include "fake/fake_v4l2.h"

#include <errno.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum {
	BUF_DEQUEUED,
	BUF_QUEUED,
	BUF_DONE
};

static struct mt_fake_v4l2 *dev; /* the attached device */

static const struct mt_fake_v4l2_format webcam[] = {
	{ .fourcc = V4L2_PIX_FMT_MJPEG,
	  .sizes = { { 640, 480 }, { 1280, 720 }, { 1920, 1080 } },
	  .nsizes = 3,
	  .fps = { 30, 15, 5 },
	  .nfps = 3 },
	{ .fourcc = V4L2_PIX_FMT_YUYV,
	  .sizes = { { 640, 480 }, { 1280, 720 } },
	  .nsizes = 2,
	  .fps = { 30, 10 },
	  .nfps = 2 },
	{ .fourcc = V4L2_PIX_FMT_H264,
	  .sizes = { { 1280, 720 }, { 1920, 1080 } },
	  .nsizes = 2,
	  .fps = { 30, 15 },
	  .nfps = 2 },
};

static int fail(int err)
{
	errno = err;
	return -1;
}

static const struct mt_fake_v4l2_format *find_format(uint32_t fourcc)
{
	for (uint32_t i = 0; i < dev->nformats; i++) {
		if (dev->formats[i].fourcc == fourcc)
			return &dev->formats[i];
	}
	return NULL;
}

static size_t image_size(uint32_t fourcc, uint16_t w, uint16_t h)
{
	switch (fourcc) {
	case V4L2_PIX_FMT_YUYV:
		return (size_t)w * h * 2;
	case V4L2_PIX_FMT_NV12:
		return (size_t)w * h * 3 / 2;
	default: /* compressed: room for a generous frame, as UVC drivers do */
		return (size_t)w * h + 65536;
	}
}

static bool buffers_in_use(void)
{
	for (uint32_t i = 0; i < dev->nbuf; i++) {
		if (dev->buf[i].mapped)
			return true;
	}
	return dev->streaming;
}

static void free_buffers(void)
{
	for (uint32_t i = 0; i < dev->nbuf; i++)
		free(dev->buf[i].mem);
	memset(dev->buf, 0, sizeof(dev->buf));
	dev->nbuf = 0;
	dev->ndone = 0;
}

static int64_t now_us(void)
{
	return mt_clock_mono_us(&dev->clock->dev);
}

static int64_t frame_us(void)
{
	return 1000000 / (dev->fps ? dev->fps : 30);
}

/* ---- ioctls ---- */

static int querycap(struct v4l2_capability *c)
{
	memset(c, 0, sizeof(*c));
	snprintf((char *)c->driver, sizeof(c->driver), "fake_v4l2");
	snprintf((char *)c->card, sizeof(c->card), "%s", dev->card);
	snprintf((char *)c->bus_info, sizeof(c->bus_info), "usb-fake-1");
	c->version = 0x060100;
	c->device_caps = dev->caps;
	c->capabilities = dev->caps | V4L2_CAP_DEVICE_CAPS;
	return 0;
}

static int enum_fmt(struct v4l2_fmtdesc *d)
{
	if (d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->index >= dev->nformats)
		return fail(EINVAL);
	d->pixelformat = dev->formats[d->index].fourcc;
	d->flags = d->pixelformat == V4L2_PIX_FMT_YUYV ? 0 : V4L2_FMT_FLAG_COMPRESSED;
	snprintf((char *)d->description, sizeof(d->description), "fake %.4s",
		 (const char *)&d->pixelformat);
	return 0;
}

static int enum_sizes(struct v4l2_frmsizeenum *s)
{
	const struct mt_fake_v4l2_format *f = find_format(s->pixel_format);

	if (f && f->stepwise && s->index == 0) {
		s->type = V4L2_FRMSIZE_TYPE_STEPWISE;
		s->stepwise.min_width = f->sizes[0].w;
		s->stepwise.min_height = f->sizes[0].h;
		s->stepwise.max_width = f->sizes[1].w;
		s->stepwise.max_height = f->sizes[1].h;
		s->stepwise.step_width = 16;
		s->stepwise.step_height = 16;
		return 0;
	}
	if (!f || f->stepwise || s->index >= f->nsizes)
		return fail(EINVAL);
	s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	s->discrete.width = f->sizes[s->index].w;
	s->discrete.height = f->sizes[s->index].h;
	return 0;
}

static bool has_size(const struct mt_fake_v4l2_format *f, uint32_t w, uint32_t h)
{
	for (uint32_t i = 0; i < f->nsizes; i++) {
		if (f->sizes[i].w == w && f->sizes[i].h == h)
			return true;
	}
	return false;
}

static int enum_intervals(struct v4l2_frmivalenum *iv)
{
	const struct mt_fake_v4l2_format *f = find_format(iv->pixel_format);

	if (f && f->stepwise && iv->index == 0) {
		iv->type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
		iv->stepwise.min = (struct v4l2_fract){ 1, f->fps[0] };
		iv->stepwise.max = (struct v4l2_fract){ 1, f->fps[1] };
		iv->stepwise.step = (struct v4l2_fract){ 1, 1 };
		return 0;
	}
	if (!f || f->stepwise || !has_size(f, iv->width, iv->height) || iv->index >= f->nfps)
		return fail(EINVAL);
	iv->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	iv->discrete.numerator = 1;
	iv->discrete.denominator = f->fps[iv->index];
	return 0;
}

static void fill_pix(struct v4l2_format *f)
{
	memset(&f->fmt.pix, 0, sizeof(f->fmt.pix));
	f->fmt.pix.pixelformat = dev->fourcc;
	f->fmt.pix.width = dev->width;
	f->fmt.pix.height = dev->height;
	f->fmt.pix.field = V4L2_FIELD_NONE;
	f->fmt.pix.bytesperline = dev->fourcc == V4L2_PIX_FMT_YUYV ? dev->width * 2u : 0;
	f->fmt.pix.sizeimage = (uint32_t)image_size(dev->fourcc, dev->width, dev->height);
	f->fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
}

/* S_FMT never refuses a format: it adjusts to the nearest it can do. */
static int s_fmt(struct v4l2_format *f)
{
	const struct mt_fake_v4l2_format *fmt;
	uint64_t best = UINT64_MAX;
	uint32_t bi = 0;

	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fail(EINVAL);
	if (buffers_in_use() || dev->nbuf)
		return fail(EBUSY);
	fmt = find_format(f->fmt.pix.pixelformat);
	if (!fmt)
		fmt = &dev->formats[0];
	for (uint32_t i = 0; i < fmt->nsizes; i++) {
		int64_t dw = (int64_t)fmt->sizes[i].w - f->fmt.pix.width;
		int64_t dh = (int64_t)fmt->sizes[i].h - f->fmt.pix.height;
		uint64_t d = (uint64_t)(dw * dw + dh * dh);

		if (d < best) {
			best = d;
			bi = i;
		}
	}
	dev->fourcc = fmt->fourcc;
	dev->width = fmt->sizes[bi].w;
	dev->height = fmt->sizes[bi].h;
	dev->src_w = dev->width;
	dev->src_h = dev->height;
	fill_pix(f);
	return 0;
}

static int g_fmt(struct v4l2_format *f)
{
	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fail(EINVAL);
	fill_pix(f);
	return 0;
}

static int s_parm(struct v4l2_streamparm *p)
{
	const struct mt_fake_v4l2_format *fmt = find_format(dev->fourcc);
	struct v4l2_fract *t = &p->parm.capture.timeperframe;
	uint32_t want = t->numerator ? t->denominator / t->numerator : 0;
	uint32_t best = dev->fps;
	uint32_t bd = UINT32_MAX;

	if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fail(EINVAL);
	for (uint32_t i = 0; fmt && want && i < fmt->nfps; i++) {
		uint32_t d = fmt->fps[i] > want ? fmt->fps[i] - want : want - fmt->fps[i];

		if (d < bd) {
			bd = d;
			best = fmt->fps[i];
		}
	}
	dev->fps = best;
	memset(&p->parm, 0, sizeof(p->parm));
	p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
	t->numerator = 1;
	t->denominator = dev->fps;
	return 0;
}

static int reqbufs(struct v4l2_requestbuffers *rb)
{
	size_t len = image_size(dev->fourcc, dev->width, dev->height);
	uint32_t n = rb->count;

	if (rb->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || rb->memory != V4L2_MEMORY_MMAP)
		return fail(EINVAL);
	if (buffers_in_use())
		return fail(EBUSY);
	free_buffers();
	if (n == 0)
		return 0;
	if (n < 2)
		n = 2;
	if (n > MT_FAKE_V4L2_MAX_BUFFERS)
		n = MT_FAKE_V4L2_MAX_BUFFERS;
	for (uint32_t i = 0; i < n; i++) {
		dev->buf[i].mem = calloc(1, len);
		if (!dev->buf[i].mem) {
			free_buffers();
			return fail(ENOMEM);
		}
		dev->buf[i].length = len;
		dev->buf[i].state = BUF_DEQUEUED;
		dev->nbuf = i + 1;
	}
	rb->count = n;
	rb->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
	return 0;
}

static void describe(uint32_t i, struct v4l2_buffer *b)
{
	struct mt_fake_v4l2_buf *fb = &dev->buf[i];

	b->index = i;
	b->length = (uint32_t)fb->length;
	b->m.offset = i * 0x100000u;
	b->bytesused = fb->state == BUF_DEQUEUED || fb->state == BUF_DONE ? fb->bytesused : 0;
	b->flags = fb->flags | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
	if (fb->state == BUF_QUEUED)
		b->flags |= V4L2_BUF_FLAG_QUEUED;
	if (fb->state == BUF_DONE)
		b->flags |= V4L2_BUF_FLAG_DONE;
	b->sequence = fb->sequence;
	b->timestamp.tv_sec = fb->ts_us / 1000000;
	b->timestamp.tv_usec = fb->ts_us % 1000000;
	b->field = V4L2_FIELD_NONE;
}

static int querybuf(struct v4l2_buffer *b)
{
	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP ||
	    b->index >= dev->nbuf)
		return fail(EINVAL);
	describe(b->index, b);
	return 0;
}

static int qbuf(struct v4l2_buffer *b)
{
	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP ||
	    b->index >= dev->nbuf || dev->buf[b->index].state != BUF_DEQUEUED)
		return fail(EINVAL);
	dev->buf[b->index].state = BUF_QUEUED;
	dev->buf[b->index].flags = 0;
	return 0;
}

static int dqbuf(struct v4l2_buffer *b)
{
	uint32_t i;

	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP)
		return fail(EINVAL);
	if (!dev->streaming)
		return fail(EINVAL);
	if (!dev->ndone)
		return fail(EAGAIN); /* the descriptor is always O_NONBLOCK here */
	i = dev->done[0];
	memmove(dev->done, dev->done + 1, --dev->ndone * sizeof(dev->done[0]));
	describe(i, b);
	b->flags &= ~(uint32_t)V4L2_BUF_FLAG_DONE;
	dev->buf[i].state = BUF_DEQUEUED;
	return 0;
}

static int streamon(const int *type)
{
	if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE || !dev->nbuf)
		return fail(EINVAL);
	if (dev->streaming)
		return 0;
	dev->streaming = true;
	dev->streamons++;
	dev->next_due_us = now_us() + frame_us();
	return 0;
}

/* Every buffer comes back to the application, finished or not. */
static int streamoff(const int *type)
{
	if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fail(EINVAL);
	dev->streaming = false;
	for (uint32_t i = 0; i < dev->nbuf; i++)
		dev->buf[i].state = BUF_DEQUEUED;
	dev->ndone = 0;
	return 0;
}

static int32_t *ctrl_value(uint32_t id, struct v4l2_queryctrl *q)
{
	static const struct {
		uint32_t id;
		const char *name;
		uint32_t type;
		int32_t min, max, step, def;
		size_t field; /* the value in struct mt_fake_v4l2 */
	} table[] = {
		{ V4L2_CID_BRIGHTNESS, "Brightness", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 128,
		  offsetof(struct mt_fake_v4l2, ctrl_brightness) },
		{ V4L2_CID_CONTRAST, "Contrast", V4L2_CTRL_TYPE_INTEGER, 0, 255, 1, 32,
		  offsetof(struct mt_fake_v4l2, ctrl_contrast) },
		{ V4L2_CID_POWER_LINE_FREQUENCY, "Power Line Frequency", V4L2_CTRL_TYPE_MENU, 0, 2,
		  1, 1, offsetof(struct mt_fake_v4l2, ctrl_power_line) },
		{ V4L2_CID_EXPOSURE_AUTO, "Auto Exposure", V4L2_CTRL_TYPE_MENU, 0, 3, 1, 3,
		  offsetof(struct mt_fake_v4l2, ctrl_exposure) },
	};
	bool next = id & V4L2_CTRL_FLAG_NEXT_CTRL;

	id &= ~(uint32_t)(V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (next ? table[i].id <= id : table[i].id != id)
			continue;
		if (q) {
			memset(q, 0, sizeof(*q));
			q->id = table[i].id;
			q->type = table[i].type;
			snprintf((char *)q->name, sizeof(q->name), "%s", table[i].name);
			q->minimum = table[i].min;
			q->maximum = table[i].max;
			q->step = table[i].step;
			q->default_value = table[i].def;
		}
		return (int32_t *)((char *)dev + table[i].field);
	}
	return NULL;
}

static int queryctrl(struct v4l2_queryctrl *q)
{
	return ctrl_value(q->id, q) ? 0 : fail(EINVAL);
}

/* This camera's exposure menu is UVC's: manual (1) and aperture priority (3). */
static int querymenu(struct v4l2_querymenu *m)
{
	struct v4l2_queryctrl q;

	if (!ctrl_value(m->id, &q) || q.type != V4L2_CTRL_TYPE_MENU ||
	    (int32_t)m->index > q.maximum)
		return fail(EINVAL);
	if (m->id == V4L2_CID_EXPOSURE_AUTO && m->index != 1 && m->index != 3)
		return fail(EINVAL);
	snprintf((char *)m->name, sizeof(m->name), "item %u", m->index);
	return 0;
}

static int s_ctrl(struct v4l2_control *c)
{
	struct v4l2_queryctrl q;
	int32_t *v = ctrl_value(c->id, &q);

	if (!v)
		return fail(EINVAL);
	if (c->value < q.minimum || c->value > q.maximum)
		return fail(ERANGE);
	if (c->id == V4L2_CID_EXPOSURE_AUTO && c->value != 1 && c->value != 3)
		return fail(EINVAL);
	*v = c->value;
	return 0;
}

static int g_ctrl(struct v4l2_control *c)
{
	int32_t *v = ctrl_value(c->id, NULL);

	if (!v)
		return fail(EINVAL);
	c->value = *v;
	return 0;
}

static int subscribe(const struct v4l2_event_subscription *s)
{
	if (s->type != V4L2_EVENT_SOURCE_CHANGE)
		return fail(EINVAL);
	dev->subscribed = true;
	return 0;
}

static int dqevent(struct v4l2_event *e)
{
	if (!dev->event_pending)
		return fail(ENOENT);
	memset(e, 0, sizeof(*e));
	e->type = V4L2_EVENT_SOURCE_CHANGE;
	e->u.src_change.changes = V4L2_EVENT_SRC_CH_RESOLUTION;
	dev->event_pending = false;
	return 0;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	dev->ioctls++;
	if (fd != MT_FAKE_V4L2_FD || !dev->open)
		return fail(EBADF);
	if (dev->faults.eintr_every && dev->ioctls % dev->faults.eintr_every == 0) {
		dev->eintr_injected++;
		return fail(EINTR);
	}
	if (!dev->plugged)
		return fail(ENODEV);
	switch (req) {
	case VIDIOC_QUERYCAP:
		return querycap(arg);
	case VIDIOC_ENUM_FMT:
		return enum_fmt(arg);
	case VIDIOC_ENUM_FRAMESIZES:
		return enum_sizes(arg);
	case VIDIOC_ENUM_FRAMEINTERVALS:
		return enum_intervals(arg);
	case VIDIOC_S_FMT:
		return s_fmt(arg);
	case VIDIOC_G_FMT:
		return g_fmt(arg);
	case VIDIOC_S_PARM:
		return s_parm(arg);
	case VIDIOC_REQBUFS:
		return reqbufs(arg);
	case VIDIOC_QUERYBUF:
		return querybuf(arg);
	case VIDIOC_QBUF:
		return qbuf(arg);
	case VIDIOC_DQBUF:
		return dqbuf(arg);
	case VIDIOC_STREAMON:
		return streamon(arg);
	case VIDIOC_STREAMOFF:
		return streamoff(arg);
	case VIDIOC_QUERYCTRL:
		return queryctrl(arg);
	case VIDIOC_QUERYMENU:
		return querymenu(arg);
	case VIDIOC_S_CTRL:
		return s_ctrl(arg);
	case VIDIOC_G_CTRL:
		return g_ctrl(arg);
	case VIDIOC_SUBSCRIBE_EVENT:
		return subscribe(arg);
	case VIDIOC_DQEVENT:
		return dqevent(arg);
	default:
		return fail(ENOTTY);
	}
}

/* ---- the sensor ---- */

static bool stalled(uint64_t n)
{
	const struct mt_fake_v4l2_faults *ft = &dev->faults;

	return ft->stall_at && n >= ft->stall_at &&
	       (!ft->stall_frames || n < ft->stall_at + ft->stall_frames);
}

static void damage_jpeg(struct mt_fake_v4l2_buf *b, uint64_t n)
{
	if (n && n == dev->faults.no_eoi_at && b->bytesused > 16)
		b->bytesused -= 2 + b->bytesused / 3; /* the tail and its EOI */
	if (n && n == dev->faults.bad_marker_at && b->bytesused > 8)
		b->mem[2] = 0x12; /* SOI then a byte that is not a marker prefix */
}

/* Make frame n into the oldest queued buffer, or drop it for want of one. */
static void make_frame(void)
{
	const struct mt_fake_v4l2_faults *ft = &dev->faults;
	uint64_t n = dev->made;
	int64_t due = dev->next_due_us;
	struct mt_fake_v4l2_buf *b = NULL;
	long len;

	dev->next_due_us += frame_us();
	dev->made++;
	if (n == ft->unplug_at && n) {
		mt_fake_v4l2_unplug(dev);
		return;
	}
	if (stalled(n))
		return;
	if (n == ft->seq_gap_at && n)
		dev->sequence += ft->seq_gap;
	if (n == ft->resize_at && n) {
		/* like a capture card whose input changed: only the new size now */
		for (uint32_t i = 0; i < dev->nformats; i++) {
			dev->formats[i].sizes[0].w = ft->resize_w;
			dev->formats[i].sizes[0].h = ft->resize_h;
			dev->formats[i].nsizes = 1;
		}
		dev->src_w = ft->resize_w;
		dev->src_h = ft->resize_h;
		if (ft->resize_event && dev->subscribed)
			dev->event_pending = true;
	}
	for (uint32_t i = 0; i < dev->nbuf; i++) {
		if (dev->buf[i].state == BUF_QUEUED) {
			b = &dev->buf[i];
			break;
		}
	}
	if (!b) {
		dev->dropped_no_buffer++;
		dev->sequence++;
		return;
	}
	len = dev->fill(dev->fill_ctx, dev->fourcc, dev->src_w, dev->src_h, n, b->mem, b->length);
	b->flags = 0;
	if (len < 0) {
		len = 0;
		b->flags |= V4L2_BUF_FLAG_ERROR;
	}
	b->bytesused = (uint32_t)len;
	if (n == ft->error_flag_at && n)
		b->flags |= V4L2_BUF_FLAG_ERROR;
	if (n == ft->zero_bytes_at && n)
		b->bytesused = 0;
	if (n == ft->oversize_at && n)
		b->bytesused = (uint32_t)b->length + 4096;
	if (dev->fourcc == V4L2_PIX_FMT_MJPEG)
		damage_jpeg(b, n);
	b->sequence = dev->sequence++;
	b->ts_us = due;
	b->state = BUF_DONE;
	dev->done[dev->ndone++] = (uint32_t)(b - dev->buf);
}

static short ready_events(void)
{
	short ev = 0;

	if (!dev->plugged)
		return POLLERR | POLLHUP;
	if (dev->event_pending)
		ev |= POLLPRI;
	if (!dev->streaming)
		return ev | POLLERR;
	if (dev->ndone)
		ev |= POLLIN | POLLRDNORM;
	return ev;
}

static int fake_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	int64_t end = now_us() + (int64_t)timeout_ms * 1000;

	if (nfds != 1 || fds[0].fd != MT_FAKE_V4L2_FD || !dev->open)
		return fail(EINVAL);
	for (;;) {
		short ev;

		/* the sensor makes every frame that is due by now */
		while (dev->plugged && dev->streaming && dev->next_due_us <= now_us())
			make_frame();
		ev = ready_events();
		fds[0].revents = ev & (fds[0].events | POLLERR | POLLHUP | POLLNVAL);
		if (fds[0].revents)
			return 1;
		if (now_us() >= end || !dev->streaming)
			return 0;
		/* sleep until the next frame is due or the timeout ends */
		int64_t until = dev->next_due_us < end ? dev->next_due_us : end;
		mt_manual_clock_set(dev->clock, until);
	}
}

/* ---- open, mmap ---- */

static int fake_open(const char *path, int flags)
{
	(void)flags;
	if (!dev || strcmp(path, dev->path) != 0 || !dev->plugged)
		return fail(ENOENT);
	if (dev->open)
		return fail(EBUSY);
	dev->open = true;
	dev->opens++;
	return MT_FAKE_V4L2_FD;
}

static int fake_close(int fd)
{
	if (fd != MT_FAKE_V4L2_FD || !dev->open)
		return fail(EBADF);
	dev->open = false;
	dev->streaming = false;
	dev->subscribed = false;
	dev->event_pending = false;
	/* buffers still mapped live on until munmap, as in the kernel */
	if (!buffers_in_use())
		free_buffers();
	return 0;
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	uint32_t i = (uint32_t)(off / 0x100000);

	(void)addr;
	(void)prot;
	if (fd != MT_FAKE_V4L2_FD || !dev->open || !(flags & MAP_SHARED)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (!dev->plugged) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	if (i >= dev->nbuf || off % 0x100000 || len != dev->buf[i].length) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	dev->buf[i].mapped = true;
	return dev->buf[i].mem;
}

/* munmap's signature, so not const */
// cppcheck-suppress constParameter
static int fake_munmap(void *addr, size_t len)
{
	(void)len;
	for (uint32_t i = 0; i < dev->nbuf; i++) {
		if (dev->buf[i].mem == addr && dev->buf[i].mapped) {
			dev->buf[i].mapped = false;
			if (!dev->open && !buffers_in_use())
				free_buffers();
			return 0;
		}
	}
	return fail(EINVAL);
}

static int64_t fake_mono_us(void)
{
	return now_us();
}

const struct mt_v4l2_sys mt_fake_v4l2_syscalls = {
	.open = fake_open,
	.close = fake_close,
	.ioctl = fake_ioctl,
	.mmap = fake_mmap,
	.munmap = fake_munmap,
	.poll = fake_poll,
	.mono_us = fake_mono_us,
};

/* ---- control ---- */

void mt_fake_v4l2_init(struct mt_fake_v4l2 *f, const char *path, struct mt_manual_clock *clock,
		       mt_fake_v4l2_fill_fn fill, void *ctx)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(f->card, sizeof(f->card), "Fake Webcam C920");
	f->caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	f->clock = clock;
	f->fill = fill;
	f->fill_ctx = ctx;
	f->ctrl_brightness = 128;
	f->ctrl_contrast = 32;
	f->ctrl_power_line = 2; /* shipped set for 60 Hz */
	f->ctrl_exposure = 3;
	mt_fake_v4l2_set_formats(f, webcam, sizeof(webcam) / sizeof(webcam[0]));
}

void mt_fake_v4l2_set_formats(struct mt_fake_v4l2 *f, const struct mt_fake_v4l2_format *fmts,
			      uint32_t n)
{
	if (n > MT_FAKE_V4L2_MAX_FORMATS)
		n = MT_FAKE_V4L2_MAX_FORMATS;
	memcpy(f->formats, fmts, n * sizeof(*fmts));
	f->nformats = n;
	if (n) {
		f->fourcc = fmts[0].fourcc;
		f->width = fmts[0].sizes[0].w;
		f->height = fmts[0].sizes[0].h;
		f->src_w = f->width;
		f->src_h = f->height;
		f->fps = fmts[0].nfps ? fmts[0].fps[0] : 30;
	}
}

void mt_fake_v4l2_attach(struct mt_fake_v4l2 *f)
{
	dev = f;
}

void mt_fake_v4l2_plug(struct mt_fake_v4l2 *f)
{
	f->plugged = true;
}

void mt_fake_v4l2_unplug(struct mt_fake_v4l2 *f)
{
	f->plugged = false;
	f->streaming = false;
	f->ndone = 0;
}

void mt_fake_v4l2_free(struct mt_fake_v4l2 *f)
{
	struct mt_fake_v4l2 *was = dev;

	dev = f;
	free_buffers();
	dev = was;
}
