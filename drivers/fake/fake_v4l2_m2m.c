/* Fake V4L2 M2M stateful H.264 encoder: see fake_v4l2_m2m.h. */
#include "fake/fake_v4l2_m2m.h"

#include <errno.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/errors.h"
#include "core/h264.h"

enum {
	BUF_DEQUEUED,
	BUF_QUEUED,
	BUF_DONE
};

#define CAP_OFFSET 0x10000000u /* mmap offsets of CAPTURE buffers start here */
#define BUF_STRIDE 0x00100000u

static struct mt_fake_m2m *dev;

static int fail(int err)
{
	errno = err;
	return -1;
}

static uint32_t align(uint32_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

static struct mt_fake_m2m_queue *queue_of(uint32_t type)
{
	if (type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE)
		return &dev->out;
	if (type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE)
		return &dev->cap;
	return NULL;
}

static bool in_use(const struct mt_fake_m2m_queue *q)
{
	return q->nbuf > 0 || q->streaming;
}

static int querycap(struct v4l2_capability *c)
{
	memset(c, 0, sizeof(*c));
	snprintf((char *)c->driver, sizeof(c->driver), "fake-m2m");
	snprintf((char *)c->card, sizeof(c->card), "fake H.264 encoder");
	c->device_caps = V4L2_CAP_VIDEO_M2M_MPLANE | V4L2_CAP_STREAMING;
	c->capabilities = c->device_caps | V4L2_CAP_DEVICE_CAPS;
	return 0;
}

static int enum_fmt(struct v4l2_fmtdesc *d)
{
	static const uint32_t raw[] = { V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_YUYV };

	if (d->type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE && d->index == 0)
		d->pixelformat = V4L2_PIX_FMT_H264;
	else if (d->type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE && d->index < 2)
		d->pixelformat = raw[d->index];
	else
		return fail(EINVAL);
	return 0;
}

static void get_fmt(const struct mt_fake_m2m_queue *q, struct v4l2_format *f)
{
	struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;

	memset(&f->fmt, 0, sizeof(f->fmt));
	mp->pixelformat = q->fourcc;
	mp->width = q->width, mp->height = q->height;
	mp->num_planes = 1;
	mp->plane_fmt[0].bytesperline = q->bytesperline;
	mp->plane_fmt[0].sizeimage = q->sizeimage;
	mp->field = V4L2_FIELD_NONE;
}

/* Sizes as the Pi's codec sets them: rows padded to 32 bytes, NV12's luma
 * height to 16 (the chroma plane starts after the padded rows). */
static int s_fmt(struct v4l2_format *f)
{
	struct mt_fake_m2m_queue *q = queue_of(f->type);
	struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;
	uint32_t w, h;

	if (!q)
		return fail(EINVAL);
	if (in_use(q))
		return fail(EBUSY);
	w = mp->width < 32 ? 32 : mp->width > 1920 ? 1920 : mp->width & ~1u;
	h = mp->height < 32 ? 32 : mp->height > 1088 ? 1088 : mp->height & ~1u;
	if (q == &dev->cap) {
		q->fourcc = V4L2_PIX_FMT_H264;
		q->bytesperline = 0;
		q->sizeimage = mp->plane_fmt[0].sizeimage > 65536 ? mp->plane_fmt[0].sizeimage :
								    65536;
	} else {
		if (!dev->cap.fmt_set) {
			dev->order_errors++;
			return fail(EINVAL);
		}
		q->fourcc = mp->pixelformat == V4L2_PIX_FMT_YUYV ? V4L2_PIX_FMT_YUYV :
								   V4L2_PIX_FMT_NV12;
		if (q->fourcc == V4L2_PIX_FMT_YUYV) {
			q->bytesperline = align(2 * w, 32);
			q->sizeimage = q->bytesperline * h;
		} else {
			q->bytesperline = align(w, 32);
			q->sizeimage = q->bytesperline * align(h, 16) * 3 / 2;
		}
	}
	q->width = (uint16_t)w, q->height = (uint16_t)h;
	q->fmt_set = true;
	get_fmt(q, f);
	return 0;
}

static int32_t *ctrl(uint32_t id)
{
	switch (id) {
	case V4L2_CID_MPEG_VIDEO_BITRATE:
		return &dev->bitrate;
	case V4L2_CID_MPEG_VIDEO_H264_I_PERIOD:
		return dev->no_gop_control ? NULL : &dev->i_period;
	case V4L2_CID_MPEG_VIDEO_GOP_SIZE:
		return dev->no_gop_control ? NULL : &dev->gop_size;
	case V4L2_CID_MPEG_VIDEO_H264_PROFILE:
		return &dev->profile;
	case V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER:
		return dev->no_repeat_control ? NULL : &dev->repeat_seq;
	default:
		return NULL;
	}
}

static int s_ctrl(struct v4l2_control *c)
{
	int32_t *v;

	if (c->id == V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME) { /* a button */
		dev->force_key = true;
		return 0;
	}
	v = ctrl(c->id);
	if (!v)
		return fail(EINVAL);
	if (c->id == V4L2_CID_MPEG_VIDEO_BITRATE && dev->codec_open)
		mt_encoder_set_bitrate(dev->codec, (uint32_t)c->value);
	*v = c->value;
	return 0;
}

static int g_ctrl(struct v4l2_control *c)
{
	int32_t *v = ctrl(c->id);

	if (!v)
		return fail(EINVAL);
	c->value = *v;
	return 0;
}

static void free_queue(struct mt_fake_m2m_queue *q)
{
	for (uint32_t i = 0; i < q->nbuf; i++)
		free(q->buf[i].mem);
	memset(q->buf, 0, sizeof(q->buf));
	q->nbuf = q->ndone = 0;
}

static int reqbufs(struct v4l2_requestbuffers *rb)
{
	struct mt_fake_m2m_queue *q = queue_of(rb->type);

	if (!q || rb->memory != V4L2_MEMORY_MMAP)
		return fail(EINVAL);
	if (q->streaming)
		return fail(EBUSY);
	for (uint32_t i = 0; i < q->nbuf; i++)
		if (q->buf[i].mapped)
			return fail(EBUSY);
	free_queue(q);
	if (rb->count == 0)
		return 0;
	if (!q->fmt_set)
		return fail(EINVAL);
	rb->count = rb->count > MT_FAKE_M2M_BUFFERS ? MT_FAKE_M2M_BUFFERS : rb->count;
	for (uint32_t i = 0; i < rb->count; i++) {
		q->buf[i].mem = calloc(1, q->sizeimage);
		if (!q->buf[i].mem) {
			free_queue(q);
			return fail(ENOMEM);
		}
		q->buf[i].length = q->sizeimage;
		q->nbuf = i + 1;
	}
	return 0;
}

static struct mt_fake_m2m_buf *buf_of(struct v4l2_buffer *b, struct mt_fake_m2m_queue **qp)
{
	struct mt_fake_m2m_queue *q = queue_of(b->type);

	if (!q || b->memory != V4L2_MEMORY_MMAP || b->index >= q->nbuf || !b->m.planes ||
	    b->length < 1)
		return NULL;
	*qp = q;
	return &q->buf[b->index];
}

static void describe(struct mt_fake_m2m_queue *q, uint32_t i, struct v4l2_buffer *b)
{
	struct mt_fake_m2m_buf *x = &q->buf[i];
	struct v4l2_plane *pl = b->m.planes;

	b->index = i;
	b->flags = x->flags;
	b->sequence = x->sequence;
	b->timestamp.tv_sec = x->ts_us / 1000000;
	b->timestamp.tv_usec = x->ts_us % 1000000;
	b->length = 1;
	memset(pl, 0, sizeof(*pl));
	pl->length = (uint32_t)x->length;
	pl->bytesused = x->bytesused;
	pl->m.mem_offset = (q == &dev->cap ? CAP_OFFSET : 0) + i * BUF_STRIDE;
}

static int querybuf(struct v4l2_buffer *b)
{
	struct mt_fake_m2m_queue *q;

	if (!buf_of(b, &q))
		return fail(EINVAL);
	describe(q, b->index, b);
	return 0;
}

static uint8_t profile_idc(int32_t p)
{
	if (p == V4L2_MPEG_VIDEO_H264_PROFILE_MAIN)
		return 77;
	if (p == V4L2_MPEG_VIDEO_H264_PROFILE_HIGH)
		return 100;
	return 66;
}

static int open_codec(void)
{
	int gop = dev->i_period ? dev->i_period : dev->gop_size;
	int ret;

	dev->codec_cfg = (struct mt_encoder_config){
		.in = dev->out.fourcc == V4L2_PIX_FMT_YUYV ? MT_FMT_YUYV : MT_FMT_NV12,
		.out = MT_FMT_H264,
		.width = dev->out.width,
		.height = dev->out.height,
		.fps = dev->fps,
		.bitrate = (uint32_t)dev->bitrate,
		.gop = (uint32_t)(gop > 0 ? gop : 60),
		.profile_idc = profile_idc(dev->profile),
	};
	ret = mt_encoder_open(dev->codec, &dev->codec_cfg);
	dev->codec_open = ret == 0;
	dev->last_gop = (int)dev->codec_cfg.gop;
	return ret;
}

/* The raw picture of an OUTPUT buffer, without the padding. */
static struct mt_frame *unpad(const struct mt_fake_m2m_buf *b)
{
	const struct mt_fake_m2m_queue *q = &dev->out;
	bool nv12 = q->fourcc == V4L2_PIX_FMT_NV12;
	size_t row = nv12 ? q->width : 2u * q->width;
	struct mt_frame *f = mt_frame_alloc(row * q->height * (nv12 ? 3 : 2) / 2);

	if (!f)
		return NULL;
	for (uint32_t y = 0; y < q->height; y++)
		memcpy(f->data + y * row, b->mem + (size_t)y * q->bytesperline, row);
	if (nv12) {
		const uint8_t *uv = b->mem + (size_t)q->bytesperline * align(q->height, 16);

		for (uint32_t y = 0; y < q->height / 2u; y++)
			memcpy(f->data + row * q->height + y * row,
			       uv + (size_t)y * q->bytesperline, row);
	}
	f->size = row * q->height * (nv12 ? 3 : 2) / 2;
	f->format = nv12 ? MT_FMT_NV12 : MT_FMT_YUYV;
	f->width = q->width, f->height = q->height;
	f->ts_us = b->ts_us;
	return f;
}

/* Coded bytes of au, less SPS/PPS when the device does not repeat them. */
static size_t put_coded(const struct mt_frame *au, uint8_t *dst)
{
	struct mt_h264_nal nal;
	size_t pos = 0, n = 0;
	bool strip = !dev->repeat_seq && dev->encoded > 1; /* not the first */

	if (!strip) {
		memcpy(dst, au->data, au->size);
		return au->size;
	}
	while (mt_h264_next_nal(au->data, au->size, &pos, &nal)) {
		if (nal.type == MT_H264_NAL_SPS || nal.type == MT_H264_NAL_PPS) {
			dev->params_stripped++;
			continue;
		}
		memcpy(dst + n, "\0\0\0\1", 4);
		memcpy(dst + n + 4, nal.data, nal.size);
		n += 4 + nal.size;
	}
	return n;
}

static int first_queued(struct mt_fake_m2m_queue *q)
{
	for (uint32_t i = 0; i < q->nbuf; i++)
		if (q->buf[i].state == BUF_QUEUED)
			return (int)i;
	return -1;
}

static uint32_t queued_count(struct mt_fake_m2m_queue *q)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < q->nbuf; i++)
		n += q->buf[i].state == BUF_QUEUED;
	return n;
}

static void finish(struct mt_fake_m2m_queue *q, uint32_t i)
{
	q->buf[i].state = BUF_DONE;
	q->done[q->ndone++] = i;
}

/* Encode the oldest raw frame into the oldest coded buffer, while both are
 * there, keeping latency raw frames back. OUTPUT buffers are queued in
 * order by the driver, so the lowest queued sequence is the oldest. */
static void run(void)
{
	while (dev->out.streaming && dev->cap.streaming && queued_count(&dev->out) > dev->latency &&
	       first_queued(&dev->cap) >= 0) {
		struct mt_fake_m2m_buf *ob = NULL, *cb = &dev->cap.buf[first_queued(&dev->cap)];
		struct mt_frame *raw, *au = NULL;
		int oi = -1;

		for (uint32_t i = 0; i < dev->out.nbuf; i++)
			if (dev->out.buf[i].state == BUF_QUEUED &&
			    (oi < 0 || dev->out.buf[i].sequence < ob->sequence))
				oi = (int)i, ob = &dev->out.buf[i];
		if (!dev->codec_open && open_codec())
			return;
		if (dev->force_key) {
			mt_encoder_request_keyframe(dev->codec);
			dev->keys_forced++;
			dev->force_key = false;
		}
		raw = unpad(ob);
		if (!raw || mt_encoder_encode(dev->codec, raw, &au))
			au = NULL;
		mt_frame_put(raw);
		cb->ts_us = ob->ts_us;
		cb->sequence = dev->sequence++;
		cb->flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
		cb->bytesused = 0;
		dev->encoded++;
		if (!au || au->size > cb->length || dev->encoded == dev->error_at) {
			cb->flags |= V4L2_BUF_FLAG_ERROR;
		} else {
			cb->flags |= (au->flags & MT_FRAME_KEY) ? V4L2_BUF_FLAG_KEYFRAME :
								  V4L2_BUF_FLAG_PFRAME;
			cb->bytesused = (uint32_t)put_coded(au, cb->mem);
		}
		mt_frame_put(au);
		finish(&dev->out, (uint32_t)oi);
		finish(&dev->cap, (uint32_t)(cb - dev->cap.buf));
	}
}

static int qbuf(struct v4l2_buffer *b)
{
	struct mt_fake_m2m_queue *q;
	struct mt_fake_m2m_buf *x = buf_of(b, &q);

	if (!x || x->state != BUF_DEQUEUED)
		return fail(EINVAL);
	if (q == &dev->out) {
		if (!b->m.planes[0].bytesused || b->m.planes[0].bytesused > x->length)
			return fail(EINVAL);
		x->bytesused = b->m.planes[0].bytesused;
		x->ts_us = (int64_t)b->timestamp.tv_sec * 1000000 + b->timestamp.tv_usec;
		x->sequence = (uint32_t)dev->ioctls; /* queueing order, until coded */
	}
	x->state = BUF_QUEUED;
	x->flags = 0;
	run();
	return 0;
}

static int dqbuf(struct v4l2_buffer *b)
{
	struct mt_fake_m2m_queue *q = queue_of(b->type);
	uint32_t i;

	if (!q || b->memory != V4L2_MEMORY_MMAP || !b->m.planes)
		return fail(EINVAL);
	if (!q->streaming)
		return fail(EINVAL);
	if (!q->ndone)
		return fail(EAGAIN);
	i = q->done[0];
	memmove(q->done, q->done + 1, --q->ndone * sizeof(q->done[0]));
	q->buf[i].state = BUF_DEQUEUED;
	describe(q, i, b);
	return 0;
}

static int stream(uint32_t *type, bool on)
{
	struct mt_fake_m2m_queue *q = queue_of(*type);

	if (!q)
		return fail(EINVAL);
	if (on && !q->nbuf)
		return fail(EINVAL);
	q->streaming = on;
	if (!on) { /* every buffer back to the application */
		for (uint32_t i = 0; i < q->nbuf; i++)
			q->buf[i].state = BUF_DEQUEUED;
		q->ndone = 0;
	}
	run();
	return 0;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (!dev || fd != MT_FAKE_M2M_FD || !dev->open)
		return fail(EBADF);
	dev->ioctls++;
	if (dev->eintr_every && dev->ioctls % dev->eintr_every == 0)
		return fail(EINTR);
	switch (req) {
	case VIDIOC_QUERYCAP:
		return querycap(arg);
	case VIDIOC_ENUM_FMT:
		return enum_fmt(arg);
	case VIDIOC_G_FMT: {
		struct v4l2_format *f = arg;
		struct mt_fake_m2m_queue *q = queue_of(f->type);

		if (!q)
			return fail(EINVAL);
		get_fmt(q, f);
		return 0;
	}
	case VIDIOC_S_FMT:
		return s_fmt(arg);
	case VIDIOC_S_PARM: {
		struct v4l2_streamparm *p = arg;

		if (p->type != V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE ||
		    !p->parm.output.timeperframe.numerator)
			return fail(EINVAL);
		dev->fps = p->parm.output.timeperframe.denominator /
			   p->parm.output.timeperframe.numerator;
		return 0;
	}
	case VIDIOC_S_CTRL:
		return s_ctrl(arg);
	case VIDIOC_G_CTRL:
		return g_ctrl(arg);
	case VIDIOC_REQBUFS:
		return reqbufs(arg);
	case VIDIOC_QUERYBUF:
		return querybuf(arg);
	case VIDIOC_QBUF:
		return qbuf(arg);
	case VIDIOC_DQBUF:
		return dqbuf(arg);
	case VIDIOC_STREAMON:
		return stream(arg, true);
	case VIDIOC_STREAMOFF:
		return stream(arg, false);
	default:
		return fail(ENOTTY);
	}
}

static int fake_open(const char *path, int flags)
{
	(void)flags;
	if (!dev || strcmp(path, dev->path) != 0)
		return fail(ENOENT);
	if (dev->open)
		return fail(EBUSY);
	dev->open = true;
	return MT_FAKE_M2M_FD;
}

static int fake_close(int fd)
{
	if (!dev || fd != MT_FAKE_M2M_FD || !dev->open)
		return fail(EBADF);
	dev->out.streaming = dev->cap.streaming = false;
	for (uint32_t i = 0; i < dev->out.nbuf; i++)
		dev->out.buf[i].mapped = false;
	for (uint32_t i = 0; i < dev->cap.nbuf; i++)
		dev->cap.buf[i].mapped = false;
	free_queue(&dev->out);
	free_queue(&dev->cap);
	dev->out.fmt_set = dev->cap.fmt_set = false;
	dev->open = false;
	if (dev->codec_open)
		mt_encoder_close(dev->codec);
	dev->codec_open = false;
	return 0;
}

static struct mt_fake_m2m_buf *by_offset(off_t off)
{
	struct mt_fake_m2m_queue *q = (uint64_t)off >= CAP_OFFSET ? &dev->cap : &dev->out;
	uint64_t rel = (uint64_t)off - (q == &dev->cap ? CAP_OFFSET : 0);

	if (rel % BUF_STRIDE || rel / BUF_STRIDE >= q->nbuf)
		return NULL;
	return &q->buf[rel / BUF_STRIDE];
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct mt_fake_m2m_buf *b;

	(void)addr, (void)prot, (void)flags;
	if (!dev || fd != MT_FAKE_M2M_FD || !dev->open || !(b = by_offset(off)) ||
	    len > b->length) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	b->mapped = true;
	return b->mem;
}

/* munmap's signature: addr is not const. */
// cppcheck-suppress constParameter
static int fake_munmap(void *addr, size_t len)
{
	struct mt_fake_m2m_queue *qs[2] = { &dev->out, &dev->cap };

	(void)len;
	for (int k = 0; dev && k < 2; k++)
		for (uint32_t i = 0; i < qs[k]->nbuf; i++)
			if (qs[k]->buf[i].mem == addr) {
				qs[k]->buf[i].mapped = false;
				return 0;
			}
	return fail(EINVAL);
}

/* Never blocks: work happens inside QBUF, so waiting would change nothing. */
static int fake_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	(void)timeout_ms;
	if (!dev || n != 1 || fds[0].fd != MT_FAKE_M2M_FD)
		return fail(EINVAL);
	fds[0].revents = 0;
	if (dev->cap.ndone)
		fds[0].revents |= fds[0].events & (POLLIN | POLLRDNORM);
	if (dev->out.ndone)
		fds[0].revents |= fds[0].events & (POLLOUT | POLLWRNORM);
	return fds[0].revents ? 1 : 0;
}

static int64_t fake_mono_us(void)
{
	return 0;
}

const struct mt_v4l2_sys mt_fake_m2m_syscalls = {
	.open = fake_open,
	.close = fake_close,
	.ioctl = fake_ioctl,
	.mmap = fake_mmap,
	.munmap = fake_munmap,
	.poll = fake_poll,
	.mono_us = fake_mono_us,
};

void mt_fake_m2m_init(struct mt_fake_m2m *f, const char *path, struct mt_encoder *codec)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->codec = codec;
	f->bitrate = 10000000;
	f->gop_size = 12;
	f->i_period = 0;
	f->profile = V4L2_MPEG_VIDEO_H264_PROFILE_HIGH;
	f->fps = 30;
}

void mt_fake_m2m_attach(struct mt_fake_m2m *f)
{
	dev = f;
}

void mt_fake_m2m_free(struct mt_fake_m2m *f)
{
	free_queue(&f->out);
	free_queue(&f->cap);
	if (f->codec_open)
		mt_encoder_close(f->codec);
	f->codec_open = false;
	if (dev == f)
		dev = NULL;
}
