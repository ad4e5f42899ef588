/* V4L2 M2M stateful H.264 encoder. */
#include "linux/v4l2_m2m_enc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include "core/errors.h"
#include "core/h264.h"
#include "core/log.h"

MT_LOG_MODULE("m2menc");

#define OUT_TYPE V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE
#define CAP_TYPE V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE

static int xioctl(struct mt_v4l2_m2m_enc *e, unsigned long request, void *arg)
{
	int r;

	do
		r = e->sys->ioctl(e->fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static size_t raw_size(enum mt_pixfmt fmt, uint32_t w, uint32_t h)
{
	if (fmt == MT_FMT_YUYV)
		return (size_t)w * h * 2;
	if (fmt == MT_FMT_NV12)
		return (size_t)w * h * 3 / 2;
	return 0;
}

static bool offers(struct mt_v4l2_m2m_enc *e, uint32_t type, uint32_t fourcc)
{
	struct v4l2_fmtdesc d;

	for (uint32_t i = 0;; i++) {
		memset(&d, 0, sizeof(d));
		d.index = i;
		d.type = type;
		if (xioctl(e, VIDIOC_ENUM_FMT, &d))
			return false;
		if (d.pixelformat == fourcc)
			return true;
	}
}

/* CAPTURE (coded) first, then OUTPUT (raw), as dev-encoder.rst orders it. */
static int set_formats(struct mt_v4l2_m2m_enc *e, const struct mt_encoder_config *cfg)
{
	uint32_t raw = cfg->in == MT_FMT_NV12 ? V4L2_PIX_FMT_NV12 : V4L2_PIX_FMT_YUYV;
	struct v4l2_format f;
	struct v4l2_pix_format_mplane *mp = &f.fmt.pix_mp;
	int ret;

	if (!offers(e, CAP_TYPE, V4L2_PIX_FMT_H264) || !offers(e, OUT_TYPE, raw))
		return MT_EFORMAT;
	memset(&f, 0, sizeof(f));
	f.type = CAP_TYPE;
	mp->pixelformat = V4L2_PIX_FMT_H264;
	mp->width = cfg->width, mp->height = cfg->height;
	mp->num_planes = 1;
	mp->plane_fmt[0].sizeimage = (uint32_t)raw_size(MT_FMT_NV12, cfg->width, cfg->height) / 2;
	ret = xioctl(e, VIDIOC_S_FMT, &f);
	if (ret)
		return ret;
	memset(&f, 0, sizeof(f));
	f.type = OUT_TYPE;
	mp->pixelformat = raw;
	mp->width = cfg->width, mp->height = cfg->height;
	mp->num_planes = 1;
	mp->plane_fmt[0].bytesperline = cfg->in == MT_FMT_NV12 ? cfg->width : 2u * cfg->width;
	ret = xioctl(e, VIDIOC_S_FMT, &f);
	if (ret)
		return ret;
	if (mp->pixelformat != raw || mp->width != cfg->width || mp->height < cfg->height ||
	    mp->num_planes != 1)
		return MT_EFORMAT;
	e->out_stride = mp->plane_fmt[0].bytesperline;
	/* NV12 in one plane: the chroma starts after the (aligned) luma rows. */
	e->out_rows = cfg->height;
	if (cfg->in == MT_FMT_NV12 && e->out_stride)
		e->out_rows = mp->plane_fmt[0].sizeimage * 2 / 3 / e->out_stride;
	if (e->out_stride < (cfg->in == MT_FMT_NV12 ? 1u : 2u) * cfg->width ||
	    e->out_rows < cfg->height ||
	    mp->plane_fmt[0].sizeimage < raw_size(cfg->in, e->out_stride, cfg->height) /
						 (cfg->in == MT_FMT_NV12 ? 1 : 2))
		return MT_EFORMAT;
	return 0;
}

static int set_ctrl(struct mt_v4l2_m2m_enc *e, uint32_t id, int32_t value)
{
	struct v4l2_control c = { .id = id, .value = value };

	return xioctl(e, VIDIOC_S_CTRL, &c);
}

static int32_t v4l2_profile(uint8_t idc)
{
	switch (idc) {
	case 77:
		return V4L2_MPEG_VIDEO_H264_PROFILE_MAIN;
	case 100:
		return V4L2_MPEG_VIDEO_H264_PROFILE_HIGH;
	default:
		return V4L2_MPEG_VIDEO_H264_PROFILE_CONSTRAINED_BASELINE;
	}
}

static int set_controls(struct mt_v4l2_m2m_enc *e, const struct mt_encoder_config *cfg)
{
	struct v4l2_streamparm p;
	int gop_a, gop_b;

	memset(&p, 0, sizeof(p));
	p.type = OUT_TYPE;
	p.parm.output.timeperframe.numerator = 1;
	p.parm.output.timeperframe.denominator = cfg->fps ? cfg->fps : 15;
	if (xioctl(e, VIDIOC_S_PARM, &p))
		MT_WRN("%s: frame rate not taken; the bitrate may be off", e->path);
	if (set_ctrl(e, V4L2_CID_MPEG_VIDEO_BITRATE, (int32_t)cfg->bitrate))
		MT_WRN("%s: bitrate control not taken", e->path);
	/* The Pi takes the GOP as H264_I_PERIOD, others as GOP_SIZE: one must
	 * hold, or pre-roll could start arbitrarily far back. */
	gop_a = set_ctrl(e, V4L2_CID_MPEG_VIDEO_H264_I_PERIOD, (int32_t)cfg->gop);
	gop_b = set_ctrl(e, V4L2_CID_MPEG_VIDEO_GOP_SIZE, (int32_t)cfg->gop);
	if (gop_a && gop_b) {
		MT_ERR("%s: takes no GOP length", e->path);
		return -ENOTSUP;
	}
	if (cfg->profile_idc &&
	    set_ctrl(e, V4L2_CID_MPEG_VIDEO_H264_PROFILE, v4l2_profile(cfg->profile_idc)))
		MT_WRN("%s: profile %u not taken", e->path, cfg->profile_idc);
	if (set_ctrl(e, V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER, 1))
		MT_DBG("%s: no REPEAT_SEQ_HEADER: saved SPS/PPS go before IDRs", e->path);
	return 0;
}

static void unmap_all(struct mt_v4l2_m2m_enc *e)
{
	for (uint32_t i = 0; i < e->nout; i++)
		e->sys->munmap(e->out[i].start, e->out[i].length);
	for (uint32_t i = 0; i < e->ncap; i++)
		e->sys->munmap(e->cap[i].start, e->cap[i].length);
	e->nout = e->ncap = 0;
}

static int queue_buf(struct mt_v4l2_m2m_enc *e, uint32_t type, uint32_t index, uint32_t bytes,
		     int64_t ts_us)
{
	struct v4l2_plane pl;
	struct v4l2_buffer b;
	int ret;

	memset(&b, 0, sizeof(b));
	memset(&pl, 0, sizeof(pl));
	b.type = type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	b.m.planes = &pl;
	b.length = 1;
	pl.bytesused = bytes;
	b.timestamp.tv_sec = ts_us / 1000000;
	b.timestamp.tv_usec = ts_us % 1000000;
	ret = xioctl(e, VIDIOC_QBUF, &b);
	if (ret == 0)
		(type == OUT_TYPE ? e->out : e->cap)[index].queued = true;
	return ret;
}

/* REQBUFS, QUERYBUF and mmap for one queue. */
static int map_queue(struct mt_v4l2_m2m_enc *e, uint32_t type, struct mt_m2m_buf *bufs, uint32_t *n)
{
	struct v4l2_requestbuffers rb = { .count = MT_M2M_BUFFERS,
					  .type = type,
					  .memory = V4L2_MEMORY_MMAP };
	int ret = xioctl(e, VIDIOC_REQBUFS, &rb);

	if (ret)
		return ret;
	if (rb.count < 1 || rb.count > MT_M2M_BUFFERS)
		return -ENOMEM;
	for (uint32_t i = 0; i < rb.count; i++) {
		struct v4l2_plane pl;
		struct v4l2_buffer b;
		void *m;

		memset(&b, 0, sizeof(b));
		memset(&pl, 0, sizeof(pl));
		b.type = type, b.memory = V4L2_MEMORY_MMAP, b.index = i;
		b.m.planes = &pl, b.length = 1;
		ret = xioctl(e, VIDIOC_QUERYBUF, &b);
		if (ret)
			return ret;
		m = e->sys->mmap(NULL, pl.length, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd,
				 pl.m.mem_offset);
		if (m == MAP_FAILED)
			return -errno;
		bufs[i] = (struct mt_m2m_buf){ .start = m, .length = pl.length };
		*n = i + 1;
	}
	return 0;
}

static void m2m_close(struct mt_encoder *dev)
{
	struct mt_v4l2_m2m_enc *e = dev->priv;
	struct v4l2_requestbuffers rb = { .count = 0, .memory = V4L2_MEMORY_MMAP };
	int type;

	if (e->fd < 0)
		return;
	if (e->streaming) {
		type = OUT_TYPE;
		xioctl(e, VIDIOC_STREAMOFF, &type);
		type = CAP_TYPE;
		xioctl(e, VIDIOC_STREAMOFF, &type);
		e->streaming = false;
	}
	unmap_all(e);
	rb.type = OUT_TYPE;
	xioctl(e, VIDIOC_REQBUFS, &rb);
	rb.type = CAP_TYPE;
	xioctl(e, VIDIOC_REQBUFS, &rb);
	e->sys->close(e->fd);
	e->fd = -1;
	e->cfg = NULL;
	e->npending = 0;
	e->params_len = 0;
}

static int m2m_open(struct mt_encoder *dev, const struct mt_encoder_config *cfg)
{
	struct mt_v4l2_m2m_enc *e = dev->priv;
	struct v4l2_capability cap;
	uint32_t caps;
	int ret, type;

	if (cfg->out != MT_FMT_H264 || !raw_size(cfg->in, cfg->width, cfg->height) ||
	    (cfg->width | cfg->height) & 1)
		return MT_EFORMAT;
	if (!cfg->gop || !cfg->bitrate)
		return -EINVAL;
	m2m_close(dev);
	e->fd = e->sys->open(e->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	memset(&cap, 0, sizeof(cap));
	ret = xioctl(e, VIDIOC_QUERYCAP, &cap);
	if (ret)
		goto out_close;
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	ret = MT_EFORMAT;
	if (!(caps & V4L2_CAP_VIDEO_M2M_MPLANE) || !(caps & V4L2_CAP_STREAMING)) {
		MT_ERR("%s: not a multi-planar M2M device", e->path);
		goto out_close;
	}
	ret = set_formats(e, cfg);
	if (ret == 0)
		ret = set_controls(e, cfg);
	if (ret == 0)
		ret = map_queue(e, OUT_TYPE, e->out, &e->nout);
	if (ret == 0)
		ret = map_queue(e, CAP_TYPE, e->cap, &e->ncap);
	for (uint32_t i = 0; ret == 0 && i < e->ncap; i++)
		ret = queue_buf(e, CAP_TYPE, i, 0, 0);
	type = OUT_TYPE;
	if (ret == 0)
		ret = xioctl(e, VIDIOC_STREAMON, &type);
	type = CAP_TYPE;
	if (ret == 0)
		ret = xioctl(e, VIDIOC_STREAMON, &type);
	if (ret)
		goto out_close;
	e->streaming = true;
	e->cfg = cfg;
	return 0;

out_close:
	MT_ERR("%s: %s", e->path, mt_strerror(ret));
	e->streaming = true; /* both STREAMOFFs are harmless if one failed */
	m2m_close(dev);
	return ret;
}

/* Takes back the OUTPUT buffers the device has finished reading. */
static void reclaim_output(struct mt_v4l2_m2m_enc *e)
{
	struct v4l2_plane pl;
	struct v4l2_buffer b;

	for (;;) {
		memset(&b, 0, sizeof(b));
		b.type = OUT_TYPE, b.memory = V4L2_MEMORY_MMAP;
		b.m.planes = &pl, b.length = 1;
		if (xioctl(e, VIDIOC_DQBUF, &b) || b.index >= e->nout)
			return;
		e->out[b.index].queued = false;
	}
}

static int wait_for(struct mt_v4l2_m2m_enc *e, short events, int ms)
{
	struct pollfd p = { .fd = e->fd, .events = events };
	int r;

	do
		r = e->sys->poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0 && (p.revents & events);
}

static int free_output(struct mt_v4l2_m2m_enc *e)
{
	for (int round = 0; round < 2; round++) {
		reclaim_output(e);
		for (uint32_t i = 0; i < e->nout; i++)
			if (!e->out[i].queued)
				return (int)i;
		if (!wait_for(e, POLLOUT, MT_M2M_WAIT_MS))
			break;
	}
	return -1;
}

/* Raw frame → OUTPUT buffer at the device's stride and row count. */
static uint32_t fill_output(struct mt_v4l2_m2m_enc *e, const struct mt_frame *in, uint8_t *dst)
{
	size_t row = in->format == MT_FMT_NV12 ? in->width : 2u * in->width;
	const uint8_t *s = in->data;

	for (uint32_t y = 0; y < in->height; y++)
		memcpy(dst + (size_t)y * e->out_stride, s + y * row, row);
	if (in->format == MT_FMT_NV12) {
		uint8_t *uv = dst + (size_t)e->out_stride * e->out_rows;

		s += row * in->height;
		for (uint32_t y = 0; y < in->height / 2u; y++)
			memcpy(uv + (size_t)y * e->out_stride, s + y * row, row);
		e->stats.bytes_in += row * in->height * 3 / 2;
		return e->out_stride * e->out_rows * 3 / 2;
	}
	e->stats.bytes_in += row * in->height;
	return e->out_stride * in->height;
}

/* Notes the SPS/PPS of an access unit; says whether it has both. */
static bool note_params(struct mt_v4l2_m2m_enc *e, const uint8_t *au, size_t len)
{
	static const uint8_t sc[4] = { 0, 0, 0, 1 };
	struct mt_h264_nal nal;
	size_t pos = 0, n = 0;
	uint8_t buf[sizeof(e->params)];
	int seen = 0;

	while (mt_h264_next_nal(au, len, &pos, &nal)) {
		if (nal.type != MT_H264_NAL_SPS && nal.type != MT_H264_NAL_PPS)
			continue;
		if (nal.size > MT_M2M_PARAM_MAX || n + 4 + nal.size > sizeof(buf))
			return false;
		memcpy(buf + n, sc, 4);
		memcpy(buf + n + 4, nal.data, nal.size);
		n += 4 + nal.size;
		seen |= nal.type == MT_H264_NAL_SPS ? 1 : 2;
	}
	if (seen != 3)
		return false;
	memcpy(e->params, buf, n);
	e->params_len = n;
	return true;
}

/* Coded buffer → a frame of its own; pending tells whose frame it is. */
static int take_coded(struct mt_v4l2_m2m_enc *e, const struct v4l2_buffer *b,
		      const struct v4l2_plane *pl, struct mt_frame **out)
{
	const uint8_t *au = (const uint8_t *)e->cap[b->index].start + pl->data_offset;
	size_t len = pl->bytesused > pl->data_offset ? pl->bytesused - pl->data_offset : 0;
	int64_t ts = (int64_t)b->timestamp.tv_sec * 1000000 + b->timestamp.tv_usec;
	bool idr = len && mt_h264_is_idr(au, len);
	size_t extra = idr && !note_params(e, au, len) ? e->params_len : 0;
	uint64_t seq = 0;
	uint32_t i = 0;
	struct mt_frame *f;

	/* Outputs come in input order; the timestamp is copied through. */
	while (i < e->npending && e->pending[i].ts_us != ts)
		i++;
	if (i == e->npending)
		i = 0;
	if (e->npending) {
		seq = e->pending[i].seq, ts = e->pending[i].ts_us;
		memmove(&e->pending[0], &e->pending[i + 1],
			(e->npending - i - 1) * sizeof(e->pending[0]));
		e->npending -= i + 1;
	}
	if (!len || b->flags & V4L2_BUF_FLAG_ERROR) {
		e->stats.errors++;
		return MT_EFORMAT;
	}
	f = mt_frame_alloc(extra + len);
	if (!f)
		return -ENOMEM;
	memcpy(f->data, e->params, extra); /* 0 bytes unless the IDR lacks them */
	memcpy(f->data + extra, au, len);
	f->size = extra + len;
	f->format = MT_FMT_H264;
	f->flags = idr ? MT_FRAME_KEY : 0;
	f->width = e->cfg->width, f->height = e->cfg->height;
	f->seq = seq, f->ts_us = ts;
	e->stats.params_added += extra != 0;
	e->stats.frames++;
	e->stats.keyframes += idr;
	e->stats.bytes_out += len;
	*out = f;
	return 0;
}

/* One coded frame if the device has one within ms. */
static int dequeue_coded(struct mt_v4l2_m2m_enc *e, int ms, struct mt_frame **out)
{
	struct v4l2_plane pl;
	struct v4l2_buffer b;
	int ret;

	for (;;) {
		memset(&b, 0, sizeof(b));
		memset(&pl, 0, sizeof(pl));
		b.type = CAP_TYPE, b.memory = V4L2_MEMORY_MMAP;
		b.m.planes = &pl, b.length = 1;
		ret = xioctl(e, VIDIOC_DQBUF, &b);
		if (ret != -EAGAIN)
			break;
		if (!wait_for(e, POLLIN, ms))
			return -EAGAIN;
		ms = 0;
	}
	if (ret)
		return ret;
	if (b.index >= e->ncap)
		return -EIO;
	e->cap[b.index].queued = false;
	ret = take_coded(e, &b, &pl, out);
	/* The buffer goes back at once: the frame has its own copy. */
	if (queue_buf(e, CAP_TYPE, b.index, 0, 0))
		MT_ERR("%s: cannot requeue a coded buffer", e->path);
	return ret;
}

static int m2m_encode(struct mt_encoder *dev, struct mt_frame *in, struct mt_frame **out)
{
	struct mt_v4l2_m2m_enc *e = dev->priv;
	const struct mt_encoder_config *cfg = e->cfg;
	int idx, ret;
	uint32_t bytes;

	if (!cfg)
		return -EBADF;
	if (in->format != cfg->in || in->width != cfg->width || in->height != cfg->height ||
	    in->size != raw_size(cfg->in, cfg->width, cfg->height)) {
		e->stats.rejected++;
		return MT_EFORMAT;
	}
	idx = e->npending < MT_M2M_PENDING ? free_output(e) : -1;
	if (idx < 0) {
		e->stats.busy++;
		return -EBUSY;
	}
	if (e->force_key) {
		ret = set_ctrl(e, V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME, 1);
		if (ret)
			MT_WRN("%s: FORCE_KEY_FRAME: %s", e->path, mt_strerror(ret));
		e->force_key = false;
	}
	if ((size_t)e->out_stride * (cfg->in == MT_FMT_NV12 ? e->out_rows * 3 / 2 : in->height) >
	    e->out[idx].length)
		return -EIO; /* the device's buffers are smaller than its format */
	bytes = fill_output(e, in, e->out[idx].start);
	ret = queue_buf(e, OUT_TYPE, (uint32_t)idx, bytes, in->ts_us);
	if (ret)
		return ret;
	e->pending[e->npending].ts_us = in->ts_us;
	e->pending[e->npending].seq = in->seq;
	e->npending++;
	ret = dequeue_coded(e, MT_M2M_WAIT_MS, out);
	if (ret == -EAGAIN)
		e->stats.late++;
	return ret;
}

static int m2m_request_keyframe(struct mt_encoder *dev)
{
	struct mt_v4l2_m2m_enc *e = dev->priv;

	if (!e->cfg)
		return -EBADF;
	e->force_key = true;
	e->stats.key_requests++;
	return 0;
}

static int m2m_set_bitrate(struct mt_encoder *dev, uint32_t bitrate)
{
	struct mt_v4l2_m2m_enc *e = dev->priv;

	if (!e->cfg)
		return -EBADF;
	return set_ctrl(e, V4L2_CID_MPEG_VIDEO_BITRATE, (int32_t)bitrate);
}

static const struct mt_encoder_ops m2m_ops = {
	.open = m2m_open,
	.encode = m2m_encode,
	.close = m2m_close,
	.request_keyframe = m2m_request_keyframe,
	.set_bitrate = m2m_set_bitrate,
};

void mt_v4l2_m2m_enc_init(struct mt_v4l2_m2m_enc *e, const char *path)
{
	memset(e, 0, sizeof(*e));
	e->dev.ops = &m2m_ops;
	e->dev.name = "v4l2-m2m-h264";
	e->dev.priv = e;
	e->sys = &mt_v4l2_syscalls;
	e->path = path;
	e->fd = -1;
}
