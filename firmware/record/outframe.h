/* Output frames whose size is known only after they are made (a JPEG, a
 * masked JPEG): allocated at a bound, written in place, then shrunk to what
 * was used. The shrink is realloc(): in place for a heap block and a page
 * remap for an mmap'ed one, so the payload is never copied and the ring
 * holds only the bytes a frame uses. */
#ifndef MT_RECORD_OUTFRAME_H
#define MT_RECORD_OUTFRAME_H

#include <stddef.h>

#include "core/frame.h"

/* A frame of mt_frame_alloc()'s layout with room for capacity bytes; the
 * caller holds the one reference. NULL when out of memory. */
struct mt_frame *mt_outframe_alloc(size_t capacity);

/* Gives back the room past f->size. f must come from mt_outframe_alloc()
 * and be held only by the caller. Returns the frame to use from now on (it
 * may have moved); f itself if the shrink could not be done. */
struct mt_frame *mt_outframe_fit(struct mt_frame *f);

#endif
