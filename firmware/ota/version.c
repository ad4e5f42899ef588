/* Dotted-integer versions; see version.h. */
#include "ota/version.h"

#include <string.h>

#include "core/errors.h"

int mt_version_parse(const char *text, struct mt_version *v)
{
	const char *p = text;
	int n = 0;

	memset(v, 0, sizeof(*v));
	if (!text)
		return MT_EFORMAT;
	for (;;) {
		int digits = 0;
		uint32_t x = 0;

		if (n == MT_VERSION_PARTS)
			return MT_EFORMAT;
		while (*p >= '0' && *p <= '9') {
			if (++digits > 9)
				return MT_EFORMAT;
			x = x * 10 + (uint32_t)(*p++ - '0');
		}
		if (!digits)
			return MT_EFORMAT;
		v->part[n++] = x;
		if (*p == '\0')
			return 0;
		if (*p++ != '.')
			return MT_EFORMAT;
	}
}

int mt_version_cmp(const struct mt_version *a, const struct mt_version *b)
{
	for (int i = 0; i < MT_VERSION_PARTS; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return 0;
}

int mt_version_cmp_str(const char *a, const char *b, int *err)
{
	struct mt_version va, vb;

	*err = mt_version_parse(a, &va);
	if (!*err)
		*err = mt_version_parse(b, &vb);
	return *err ? 0 : mt_version_cmp(&va, &vb);
}
