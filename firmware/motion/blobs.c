/* Morphological clean-up and connected components of motion maps. */
#include "motion/blobs.h"

#include <string.h>

/* Set 8-neighbours of (x, y). */
static unsigned neighbours(const uint8_t *m, unsigned gw, unsigned gh, unsigned x, unsigned y)
{
	unsigned n = 0;
	unsigned xa = x ? x - 1 : 0, xb = x + 1 < gw ? x + 1 : x;
	unsigned ya = y ? y - 1 : 0, yb = y + 1 < gh ? y + 1 : y;

	for (unsigned j = ya; j <= yb; j++)
		for (unsigned i = xa; i <= xb; i++)
			n += m[j * gw + i] != 0;
	return n - (m[y * gw + x] != 0);
}

void mt_blobs_clean(const uint8_t *in, uint8_t *out, unsigned gw, unsigned gh)
{
	for (unsigned y = 0; y < gh; y++)
		for (unsigned x = 0; x < gw; x++) {
			unsigned i = y * gw + x, n = neighbours(in, gw, gh, x, y);

			out[i] = in[i] ? n >= 1 : n >= 6;
		}
}

void mt_blobs_grow(const uint8_t *map, const uint8_t *act, const uint8_t *age, unsigned gw,
		   unsigned gh, unsigned start, uint16_t id, uint16_t *label, uint16_t *stack,
		   struct mt_blob *b)
{
	unsigned top = 0;

	memset(b, 0, sizeof(*b));
	b->x0 = b->x1 = (uint16_t)(start % gw);
	b->y0 = b->y1 = (uint16_t)(start / gw);
	label[start] = id;
	stack[top++] = (uint16_t)start;
	while (top) {
		unsigned i = stack[--top], x = i % gw, y = i / gw;
		unsigned xa = x ? x - 1 : 0, xb = x + 1 < gw ? x + 1 : x;
		unsigned ya = y ? y - 1 : 0, yb = y + 1 < gh ? y + 1 : y;

		b->area++;
		b->active += act && act[i];
		b->x0 = x < b->x0 ? (uint16_t)x : b->x0;
		b->x1 = x > b->x1 ? (uint16_t)x : b->x1;
		b->y0 = y < b->y0 ? (uint16_t)y : b->y0;
		b->y1 = y > b->y1 ? (uint16_t)y : b->y1;
		for (unsigned j = ya; j <= yb; j++)
			for (unsigned k = xa; k <= xb; k++) {
				unsigned n = j * gw + k;

				if (age && age[n] > b->prev_age)
					b->prev_age = age[n];
				if (map[n] && !label[n]) {
					label[n] = id;
					stack[top++] = (uint16_t)n;
				}
			}
	}
}
