/* mt-verify: the bytes of a clip file, cut the way docs/evidence.md defines
 * it: the init segment (everything before the first moof), fragments (a
 * moof and the boxes after it up to the next moof or mfra), and a trailer
 * (an mfra index and what follows). Only top-level box headers are read;
 * every byte is hashed. Independent of the firmware's own walker. */
#ifndef MT_VERIFY_CLIPFILE_H
#define MT_VERIFY_CLIPFILE_H

#include <stddef.h>
#include <stdint.h>

struct vf_fragment {
	uint64_t offset, bytes;
	uint8_t sha256[32];
};

struct vf_clip {
	uint8_t init_sha256[32];
	uint64_t init_bytes;
	struct vf_fragment *frags; /* owned */
	size_t n;
	uint64_t bytes; /* the file's size */
	uint8_t sha256[32];
	int truncated; /* the last box runs past the end of the file */
};

/* Reads the clip at path. 0, or -1 with a reason in err (errlen bytes). */
int vf_clip_read(const char *path, struct vf_clip *c, char *err, size_t errlen);

void vf_clip_free(struct vf_clip *c);

#endif
