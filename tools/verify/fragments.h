/* mt-verify: the file's fragments against the signed manifest's list, and
 * a name for what differs (altered, missing, duplicated, reordered). */
#ifndef MT_VERIFY_FRAGMENTS_H
#define MT_VERIFY_FRAGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "clipfile.h"
#include "verify.h"

/* 0 if the file's fragments are exactly the manifest's m hashes in order;
 * otherwise -1 with r set to FAIL and the reason. Fragments are numbered
 * from 1 in reasons. */
int vr_compare_fragments(const uint8_t (*want)[32], size_t m, const struct vf_clip *c,
			 struct vr_result *r);

#endif
