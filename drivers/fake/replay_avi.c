/* AVI (RIFF) chunk walk for the replay camera. Only what MJPEG replay needs:
 * RIFF 'AVI ' → LIST 'movi' → '##dc' chunks. Index ('idx1') is not needed. */
#include "fake/replay_avi.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"

static int read_hdr(FILE *f, char id[4], uint32_t *size)
{
	uint8_t b[8];

	if (fread(b, 1, 8, f) != 8)
		return -1;
	memcpy(id, b, 4);
	*size = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	return 0;
}

static int add_item(struct mt_replay_item **items, size_t *n, uint64_t off, uint32_t size)
{
	struct mt_replay_item *grown;

	/* Capacity is 64, then doubles: grow when n reaches a power of two >= 64. */
	if (*n == 0 || (*n >= 64 && (*n & (*n - 1)) == 0)) {
		grown = realloc(*items, (*n ? *n * 2 : 64) * sizeof(**items));
		if (!grown)
			return -ENOMEM;
		*items = grown;
	}
	(*items)[*n] = (struct mt_replay_item){ .offset = off, .size = size };
	(*n)++;
	return 0;
}

/* Walk chunks in [pos, end); descend into LIST 'movi' (and 'rec ' lists). */
static int walk(FILE *f, uint64_t pos, uint64_t end, int in_movi, struct mt_replay_item **items,
		size_t *n)
{
	char id[4], type[4];
	uint32_t size;
	int ret;

	while (pos + 8 <= end) {
		if (fseeko(f, (off_t)pos, SEEK_SET) || read_hdr(f, id, &size))
			return MT_EFORMAT;
		if (pos + 8 + size > end)
			size = (uint32_t)(end - pos - 8); /* truncated file: keep what is whole */
		if (memcmp(id, "LIST", 4) == 0 && size >= 4) {
			if (fread(type, 1, 4, f) != 4)
				return MT_EFORMAT;
			if (memcmp(type, "movi", 4) == 0 ||
			    (in_movi && memcmp(type, "rec ", 4) == 0)) {
				ret = walk(f, pos + 12, pos + 8 + size, 1, items, n);
				if (ret)
					return ret;
			}
		} else if (in_movi && id[2] == 'd' && (id[3] == 'c' || id[3] == 'b') && size > 0) {
			ret = add_item(items, n, pos + 8, size);
			if (ret)
				return ret;
		}
		pos += 8 + (uint64_t)size + (size & 1); /* chunks are word aligned */
	}
	return 0;
}

int mt_replay_avi_index(FILE *f, struct mt_replay_item **items, size_t *nitems)
{
	char id[4], type[4];
	uint32_t size;

	if (fseeko(f, 0, SEEK_SET) || read_hdr(f, id, &size) || fread(type, 1, 4, f) != 4)
		return MT_EFORMAT;
	if (memcmp(id, "RIFF", 4) != 0 || memcmp(type, "AVI ", 4) != 0)
		return MT_EFORMAT;
	if (fseeko(f, 0, SEEK_END))
		return MT_EFORMAT;
	return walk(f, 12, (uint64_t)ftello(f), 0, items, nitems);
}
