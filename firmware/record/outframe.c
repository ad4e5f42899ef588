/* Output frames: allocate at a bound, shrink to the size used. */
#include "record/outframe.h"

#include <assert.h>
#include <stdlib.h>

struct mt_frame *mt_outframe_alloc(size_t capacity)
{
	return mt_frame_alloc(capacity);
}

struct mt_frame *mt_outframe_fit(struct mt_frame *f)
{
	struct mt_frame *g;
	size_t keep = f->size ? f->size : 1;

	/* The layout of mt_frame_alloc(): data right after the header, no
	 * release callback; and nobody else may see the frame move. */
	assert(f->data == (uint8_t *)(f + 1) && !f->release);
	assert(atomic_load(&f->refs) == 1);
	if (keep >= f->capacity)
		return f;
	g = realloc(f, sizeof(*g) + keep);
	if (!g)
		return f;
	g->data = (uint8_t *)(g + 1);
	g->capacity = keep;
	return g;
}
