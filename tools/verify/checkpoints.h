/* mt-verify: a clip's checkpoint records ("<base>.ckpt"), each a signed
 * claim that the clip's first bytes hash to a chain value. */
#ifndef MT_VERIFY_CHECKPOINTS_H
#define MT_VERIFY_CHECKPOINTS_H

#include "clipfile.h"
#include "verify.h"

/* Checks every complete record of ckpt_path against key k and the file c:
 * r->ckpt_total counts the records, r->ckpt_ok those proven (signature
 * good and the file's bytes hash to their chain value). A record past the
 * end of the file (its bytes lost) is counted but not proven. When r
 * already has a sequence number (from the manifest), every record must name
 * it; otherwise the first record's is taken. Returns 0, 1 if there is no
 * checkpoint file, or -1 with r set to FAIL (a bad signature, a record of
 * another clip, or bytes that do not match). */
int vr_check_checkpoints(const struct vr_key *k, const char *ckpt_path, const struct vf_clip *c,
			 struct vr_result *r);

#endif
