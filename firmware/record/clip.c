/* Clip files in the spool: the storage side of the fMP4 muxer. */
#include "record/clip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/storage.h"

MT_LOG_MODULE("clip");

#define CLIP_EXT ".mp4"

void mt_clip_writer_init(struct mt_clip_writer *w, struct mt_storage *st, const char *dir)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->dir = dir;
	w->fd = -1;
	w->next_seq = 1;
}

void mt_clip_writer_set_hooks(struct mt_clip_writer *w, const struct mt_clip_hooks *hooks)
{
	w->hooks = hooks;
}

static int note_seq(void *arg, const char *name)
{
	struct mt_clip_writer *w = arg;
	unsigned long seq;
	char *end;

	if (strncmp(name, "clip-", 5) != 0)
		return 0;
	seq = strtoul(name + 5, &end, 10);
	if (end != name + 5 && seq >= w->next_seq && seq < UINT32_MAX)
		w->next_seq = (uint32_t)seq + 1;
	return 0;
}

int mt_clip_writer_open(struct mt_clip_writer *w)
{
	int ret = mt_storage_mkdir(w->st, w->dir);

	if (ret && ret != -EEXIST) {
		MT_ERR("spool %s: %s", w->dir, mt_strerror(ret));
		return ret;
	}
	return mt_storage_list(w->st, w->dir, note_seq, w);
}

/* Tells the hooks the clip is over (see struct mt_clip_hooks). */
static void ended(struct mt_clip_writer *w, int result)
{
	if (w->hooks && w->hooks->end)
		w->hooks->end(w->hooks->arg, &w->cur, result);
}

int mt_clip_begin(struct mt_clip_writer *w, int64_t trigger_us)
{
	int ret;

	if (w->fd >= 0)
		return -EBUSY;
	memset(&w->cur, 0, sizeof(w->cur));
	if (w->hooks && w->hooks->begin) {
		ret = w->hooks->begin(w->hooks->arg, &w->next_seq);
		if (ret)
			return ret;
	}
	w->cur.seq = w->next_seq;
	w->cur.trigger_us = trigger_us;
	snprintf(w->cur.path, sizeof(w->cur.path), "%s/clip-%06u" CLIP_EXT, w->dir, w->cur.seq);
	snprintf(w->part, sizeof(w->part), "%s.part", w->cur.path);
	ret = mt_storage_open(w->st, w->part, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &w->fd);
	if (ret) {
		w->fd = -1;
		MT_ERR("%s: %s", w->part, mt_strerror(ret));
		ended(w, ret);
		return ret;
	}
	w->next_seq++;
	return 0;
}

/* The muxer's output: to the .part file, then to the hooks. */
static int clip_write(void *arg, const void *buf, size_t len)
{
	struct mt_clip_writer *w = arg;
	int ret = mt_file_write_all(w->st, w->fd, buf, len);

	if (ret)
		return ret;
	w->cur.bytes += len;
	if (w->hooks && w->hooks->data)
		w->hooks->data(w->hooks->arg, buf, len);
	return 0;
}

/* A piece is complete: make it durable before anyone counts on it. */
static int clip_piece(void *arg, const struct mt_fmp4_fragment *frag)
{
	struct mt_clip_writer *w = arg;
	int ret = mt_storage_sync(w->st, w->fd);

	if (ret)
		return ret;
	if (frag->seq > 0) {
		w->cur.fragments++;
		w->cur.frames += frag->samples;
	}
	if (w->hooks && w->hooks->piece)
		return w->hooks->piece(w->hooks->arg, &w->cur, frag);
	return 0;
}

/* The clip's first frame fixes its codec. */
static int start_mux(struct mt_clip_writer *w, const struct mt_frame *f)
{
	int ret;

	w->mux_cfg = (struct mt_fmp4_config){
		.format = f->format,
		.write = clip_write,
		.write_arg = w,
		.on_fragment = clip_piece,
		.fragment_arg = w,
	};
	mt_fmp4_policy_default(&w->policy, f->format);
	mt_fmp4_init(&w->mux, &w->mux_cfg);
	ret = mt_fmp4_open(&w->mux);
	if (ret == -EINVAL) {
		MT_ERR("%s: cannot record %s frames", w->part, mt_pixfmt_name(f->format));
		ret = MT_EFORMAT;
	}
	if (ret)
		return ret;
	w->muxing = true;
	w->cur.format = f->format;
	return 0;
}

int mt_clip_append(struct mt_clip_writer *w, struct mt_frame *f)
{
	int ret = 0;

	if (w->fd < 0)
		return -EBADF;
	if (!w->muxing)
		ret = start_mux(w, f);
	if (!ret && mt_fmp4_cut_due(&w->mux, &w->policy, f))
		ret = mt_fmp4_cut(&w->mux, f->ts_us);
	/* The init segment goes out with the first sample, and its piece()
	 * hook wants the clip's start time. */
	if (!ret && w->mux.stats.samples == 0)
		w->cur.first_us = f->ts_us;
	if (!ret)
		ret = mt_fmp4_add(&w->mux, f);
	if (ret == MT_EFORMAT) {
		w->cur.dropped++;
		return ret;
	}
	if (ret) {
		MT_ERR("%s: %s", w->part, mt_strerror(ret));
		return ret;
	}
	if (w->mux.stats.samples == 1)
		w->cur.first_us = f->ts_us;
	w->cur.last_us = f->ts_us;
	return 0;
}

/* Closes the file and lets the muxer go; the first error wins. */
static int close_clip(struct mt_clip_writer *w, int ret)
{
	int cret;

	if (w->muxing)
		mt_fmp4_free(&w->mux);
	w->muxing = false;
	cret = mt_storage_close(w->st, w->fd);
	w->fd = -1;
	return ret ? ret : cret;
}

int mt_clip_end(struct mt_clip_writer *w, struct mt_clip_info *out)
{
	int ret = 0;

	if (w->fd < 0)
		return -EBADF;
	if (w->muxing)
		ret = mt_fmp4_cut(&w->mux, MT_FMP4_NO_NEXT);
	if (!ret && w->cur.frames == 0) {
		close_clip(w, 0);
		MT_WRN("%s: no frame to record; removed", w->part);
		mt_storage_remove(w->st, w->part);
		ended(w, -ENODATA);
		return -ENODATA;
	}
	ret = close_clip(w, ret);
	if (!ret)
		ret = mt_storage_rename(w->st, w->part, w->cur.path);
	if (!ret)
		ret = mt_storage_sync_dir(w->st, w->dir);
	if (ret)
		MT_ERR("%s: %s", w->cur.path, mt_strerror(ret));
	ended(w, ret);
	if (ret)
		return ret;
	*out = w->cur;
	return 0;
}

void mt_clip_writer_free(struct mt_clip_writer *w)
{
	if (w->fd >= 0) {
		close_clip(w, 0);
		ended(w, -ECANCELED);
	}
	w->fd = -1;
}
