/* Frame index of a replay: a growing array of items. */
#include "fake/replay_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mt_replay_index_init(struct mt_replay_index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

static struct mt_replay_item *grow(struct mt_replay_index *idx)
{
	if (idx->n == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 256;
		struct mt_replay_item *items = realloc(idx->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		idx->items = items;
		idx->cap = cap;
	}
	return &idx->items[idx->n];
}

int mt_replay_index_add(struct mt_replay_index *idx, uint64_t offset, uint64_t size)
{
	struct mt_replay_item *it = grow(idx);

	if (!it)
		return -ENOMEM;
	*it = (struct mt_replay_item){ .offset = offset, .size = size };
	idx->n++;
	return 0;
}

int mt_replay_index_add_path(struct mt_replay_index *idx, const char *path)
{
	struct mt_replay_item *it = grow(idx);
	char *copy = strdup(path);

	if (!it || !copy) {
		free(copy);
		return -ENOMEM;
	}
	*it = (struct mt_replay_item){ .path = copy };
	idx->n++;
	return 0;
}

void mt_replay_index_free(struct mt_replay_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->n; i++)
		free(idx->items[i].path);
	free(idx->items);
	mt_replay_index_init(idx);
}
