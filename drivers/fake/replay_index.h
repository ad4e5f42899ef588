/* Where each frame of a replay is: a file of its own (an image in a folder)
 * or a byte range of one footage file (an AVI chunk, a JPEG in an .mjpeg
 * stream, a Y4M frame, an H.264 access unit). The format readers fill it,
 * the replay camera plays it. */
#ifndef MT_FAKE_REPLAY_INDEX_H
#define MT_FAKE_REPLAY_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct mt_replay_item {
	char *path;      /* a file per frame (owned), or NULL for a byte range */
	uint64_t offset; /* byte range in the footage file */
	uint64_t size;   /* of the range; 0 marks a broken frame, counted when played */
};

struct mt_replay_index {
	struct mt_replay_item *items;
	size_t n;
	size_t cap;
	uint32_t rate_num; /* the footage's own frame rate, num/den frames per */
	uint32_t rate_den; /* second; 0/0 when it has none */
};

/* Empty index; cannot fail. */
void mt_replay_index_init(struct mt_replay_index *idx);

/* Appends a byte range. 0 or -ENOMEM. */
int mt_replay_index_add(struct mt_replay_index *idx, uint64_t offset, uint64_t size);

/* Appends a file; path is copied. 0 or -ENOMEM. */
int mt_replay_index_add_path(struct mt_replay_index *idx, const char *path);

/* Frees the items and their paths; leaves an empty index. NULL is fine. */
void mt_replay_index_free(struct mt_replay_index *idx);

#endif
