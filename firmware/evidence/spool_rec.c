/* Clip writer hooks → spool. */
#include "evidence/spool_rec.h"

#include <string.h>

#include "core/errors.h"

static int rec_begin(void *arg, uint32_t *seq)
{
	struct mt_spool_rec *b = arg;
	uint64_t s;
	int ret = mt_spool_clip_begin(b->sp, &s);

	if (ret == -ENOSPC)
		b->refused++;
	if (ret == 0 && s > UINT32_MAX) {
		mt_spool_clip_abort(b->sp, "write_error");
		ret = -EOVERFLOW;
	}
	if (ret == 0)
		*seq = (uint32_t)s;
	return ret;
}

static void rec_data(void *arg, const void *buf, size_t len)
{
	struct mt_spool_rec *b = arg;

	mt_spool_clip_data(b->sp, buf, len);
}

static int rec_piece(void *arg, const struct mt_clip_info *clip, const struct mt_fmp4_fragment *f)
{
	struct mt_spool_rec *b = arg;
	struct mt_spool_piece p = {
		.codec = clip->format == MT_FMT_H264 ? "h264" : "mjpeg",
		.width = b->width,
		.height = b->height,
		.first_mono_us = clip->first_us,
	};

	(void)f;
	return mt_spool_clip_piece(b->sp, &p);
}

static void rec_end(void *arg, const struct mt_clip_info *clip, int result)
{
	struct mt_spool_rec *b = arg;
	struct mt_spool_clip_end e = { .last_mono_us = clip->last_us };

	if (result) {
		mt_spool_clip_abort(b->sp, "write_error");
		return;
	}
	if (b->motion)
		b->motion(b->motion_arg, clip, &e.motion);
	/* a failure is logged, and the clip closed as after a power cut */
	mt_spool_clip_end(b->sp, &e);
}

void mt_spool_rec_bind(struct mt_spool_rec *b, struct mt_spool *sp, struct mt_clip_writer *w,
		       uint32_t width, uint32_t height)
{
	memset(b, 0, sizeof(*b));
	b->sp = sp;
	b->writer = w;
	b->width = width;
	b->height = height;
	b->hooks = (struct mt_clip_hooks){
		.data = rec_data,
		.piece = rec_piece,
		.begin = rec_begin,
		.end = rec_end,
		.arg = b,
	};
	mt_clip_writer_set_hooks(w, &b->hooks);
}
