/* Refcounted frames. */
#include "core/frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct mt_frame *mt_frame_alloc(size_t capacity)
{
	struct mt_frame *f = malloc(sizeof(*f) + capacity);

	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	atomic_init(&f->refs, 1);
	f->capacity = capacity;
	f->data = (uint8_t *)(f + 1);
	return f;
}

struct mt_frame *mt_frame_get(struct mt_frame *f)
{
	int old = atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);

	assert(old > 0); /* a get after the last put is a use after free */
	(void)old;
	return f;
}

void mt_frame_put(struct mt_frame *f)
{
	int old;

	if (!f)
		return;
	old = atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel);
	assert(old > 0);
	if (old != 1)
		return;
	if (f->release)
		f->release(f);
	else
		free(f);
}

static const char *const names[] = {
	[MT_FMT_NONE] = "none", [MT_FMT_MJPEG] = "mjpeg", [MT_FMT_YUYV] = "yuyv",
	[MT_FMT_NV12] = "nv12", [MT_FMT_H264] = "h264",
};

const char *mt_pixfmt_name(enum mt_pixfmt fmt)
{
	if ((unsigned)fmt >= sizeof(names) / sizeof(names[0]))
		return "invalid";
	return names[fmt];
}

enum mt_pixfmt mt_pixfmt_parse(const char *name)
{
	for (unsigned i = MT_FMT_MJPEG; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (enum mt_pixfmt)i;
	return MT_FMT_NONE;
}
