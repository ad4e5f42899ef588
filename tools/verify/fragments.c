/* mt-verify: naming the difference between two lists of fragment hashes. */
#include "fragments.h"

#include <string.h>

#include "vutil.h"

/* Index in list (n entries) of hash, from from on; -1 if absent. */
static long find(const uint8_t (*list)[32], size_t n, size_t from, const uint8_t *hash)
{
	for (size_t i = from; i < n; i++)
		if (memcmp(list[i], hash, 32) == 0)
			return (long)i;
	return -1;
}

static int same(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 32) == 0;
}

int vr_compare_fragments(const uint8_t (*want)[32], size_t m, const struct vf_clip *c,
			 struct vr_result *r)
{
	size_t f = c->n, i;
	const struct vf_fragment *got = c->frags;
	long j;

	for (i = 0; i < m && i < f; i++)
		if (!same(got[i].sha256, want[i]))
			break;
	if (i == m && i == f)
		return 0;
	if (c->truncated && i >= f - 1 && f > 0) {
		vr_set(r, VR_FAIL, "truncated at fragment %zu", f);
		return -1;
	}
	if (i == f) { /* every fragment there is right, but some are not there */
		vr_set(r, VR_FAIL, "missing fragment %zu", f + 1);
		return -1;
	}
	if (i == m) { /* more fragments than were signed */
		j = find(want, m, 0, got[i].sha256);
		if (j >= 0)
			vr_set(r, VR_FAIL, "duplicated fragment %ld (again as %zu)", j + 1, i + 1);
		else
			vr_set(r, VR_FAIL, "extra fragment %zu", i + 1);
		return -1;
	}
	/* fragment i differs */
	j = find(want, m, 0, got[i].sha256);
	if (j >= 0 && (size_t)j < i) {
		vr_set(r, VR_FAIL, "duplicated fragment %ld (again as %zu)", j + 1, i + 1);
	} else if (j == (long)i + 1 && i + 1 < f && same(got[i + 1].sha256, want[i])) {
		vr_set(r, VR_FAIL, "reordered: fragments %zu and %zu swapped", i + 1, i + 2);
	} else if (j > (long)i) {
		/* the rest lines up further on: fragments were taken out */
		size_t k = 0;

		while ((size_t)j + k < m && i + k < f && same(got[i + k].sha256, want[j + k]))
			k++;
		if ((size_t)j + k == m && i + k == f) {
			if (j == (long)i + 1)
				vr_set(r, VR_FAIL, "missing fragment %zu", i + 1);
			else
				vr_set(r, VR_FAIL, "missing fragments %zu-%ld", i + 1, j);
		} else {
			vr_set(r, VR_FAIL, "reordered: fragment %zu is signed as %ld", i + 1,
			       j + 1);
		}
	} else {
		vr_set(r, VR_FAIL, "altered fragment %zu", i + 1);
		r->bad_fragment = i + 1;
		memcpy(r->bad_fragment_sha256, got[i].sha256, 32);
	}
	return -1;
}
