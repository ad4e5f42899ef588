/* mt-verify: the clips to check, and the checks across them with --chain:
 * sequence numbers without gaps or repeats, each manifest naming the hash
 * of the one before, and fragments spliced in from another clip named. */
#ifndef MT_VERIFY_CHAINMODE_H
#define MT_VERIFY_CHAINMODE_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

struct vr_clip {
	char *path;       /* owned */
	int has_name_seq; /* the file is named clip-<N>.mp4 */
	uint64_t name_seq;
	struct vr_result r;
};

struct vr_clip_list {
	struct vr_clip *clips; /* owned */
	size_t n;
};

/* Every "*.mp4" of dir, in name order. 0, or -1 with a message in err. */
int vr_list_dir(const char *dir, struct vr_clip_list *l, char *err, size_t errlen);

/* The clips named on the command line, in that order. */
int vr_list_args(int argc, char **argv, struct vr_clip_list *l, char *err, size_t errlen);

/* After each clip's own verdict: the chain checks, which may turn an OK or
 * PARTIAL clip into FAIL with the chain's reason. */
void vr_check_chain(struct vr_clip_list *l);

void vr_clip_list_free(struct vr_clip_list *l);

#endif
