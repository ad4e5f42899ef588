/* Clip files in the spool. */
#include "record/clip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/storage.h"

MT_LOG_MODULE("clip");

#define CLIP_EXT ".mjpeg"

void mt_clip_writer_init(struct mt_clip_writer *w, struct mt_storage *st, const char *dir)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->dir = dir;
	w->fd = -1;
	w->next_seq = 1;
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

int mt_clip_begin(struct mt_clip_writer *w, int64_t trigger_us)
{
	int ret;

	if (w->fd >= 0)
		return -EBUSY;
	memset(&w->cur, 0, sizeof(w->cur));
	w->cur.seq = w->next_seq;
	w->cur.trigger_us = trigger_us;
	snprintf(w->cur.path, sizeof(w->cur.path), "%s/clip-%06u" CLIP_EXT, w->dir, w->cur.seq);
	snprintf(w->part, sizeof(w->part), "%s.part", w->cur.path);
	ret = mt_storage_open(w->st, w->part, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &w->fd);
	if (ret) {
		w->fd = -1;
		MT_ERR("%s: %s", w->part, mt_strerror(ret));
		return ret;
	}
	w->next_seq++;
	return 0;
}

int mt_clip_append(struct mt_clip_writer *w, const struct mt_frame *f)
{
	int ret;

	if (w->fd < 0)
		return -EBADF;
	ret = mt_file_write_all(w->st, w->fd, f->data, f->size);
	if (ret) {
		MT_ERR("%s: %s", w->part, mt_strerror(ret));
		return ret;
	}
	if (w->cur.frames++ == 0)
		w->cur.first_us = f->ts_us;
	w->cur.last_us = f->ts_us;
	w->cur.bytes += f->size;
	return 0;
}

int mt_clip_end(struct mt_clip_writer *w, struct mt_clip_info *out)
{
	int ret;

	if (w->fd < 0)
		return -EBADF;
	ret = mt_storage_sync(w->st, w->fd);
	if (!ret)
		ret = mt_storage_close(w->st, w->fd);
	else
		mt_storage_close(w->st, w->fd);
	w->fd = -1;
	if (!ret)
		ret = mt_storage_rename(w->st, w->part, w->cur.path);
	if (!ret)
		ret = mt_storage_sync_dir(w->st, w->dir);
	if (ret) {
		MT_ERR("%s: %s", w->cur.path, mt_strerror(ret));
		return ret;
	}
	*out = w->cur;
	return 0;
}

void mt_clip_writer_free(struct mt_clip_writer *w)
{
	if (w->fd >= 0)
		mt_storage_close(w->st, w->fd);
	w->fd = -1;
}
