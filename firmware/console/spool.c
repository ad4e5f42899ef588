/* Spool listings for the console. */
#include "console/spool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/storage.h"

struct walk {
	struct mt_storage *st;
	const char *dir;
	struct mt_spool_usage *u;
	char (*names)[MT_SPOOL_NAME_MAX];
	unsigned max, n;
};

static bool is_clip(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".mp4") == 0;
}

static int add_usage(void *arg, const char *name)
{
	struct walk *w = arg;
	char path[512];
	uint64_t size = 0;

	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	if (mt_storage_size(w->st, path, &size) == 0)
		w->u->bytes += size;
	w->u->files++;
	w->u->clips += is_clip(name);
	return 0;
}

int mt_spool_usage(struct mt_storage *st, const char *dir, struct mt_spool_usage *out)
{
	struct walk w = { .st = st, .dir = dir, .u = out };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = mt_storage_list(st, dir, add_usage, &w);
	return ret == -ENOENT ? 0 : ret;
}

static int add_name(void *arg, const char *name)
{
	struct walk *w = arg;

	if (!is_clip(name) || strlen(name) >= MT_SPOOL_NAME_MAX || w->n == w->max)
		return 0;
	snprintf(w->names[w->n++], MT_SPOOL_NAME_MAX, "%s", name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mt_spool_clips(struct mt_storage *st, const char *dir, char (*names)[MT_SPOOL_NAME_MAX],
		   unsigned max)
{
	struct walk w = { .st = st, .dir = dir, .names = names, .max = max };
	int ret = mt_storage_list(st, dir, add_name, &w);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	qsort(names, w.n, MT_SPOOL_NAME_MAX, by_name);
	return (int)w.n;
}

void mt_spool_manifest_start(const char *json, size_t n, char out[20])
{
	static const char start[] = "\"start\":{", utc[] = "\"utc\":\"";
	const char *end = json + n, *p = json, *q;

	snprintf(out, 20, "-");
	/* Canonical manifests (docs/evidence.md) have no blanks; the start
	 * object's "utc" follows its "start" key. */
	for (; p + sizeof(start) - 1 <= end; p++)
		if (memcmp(p, start, sizeof(start) - 1) == 0)
			break;
	for (q = p; q + sizeof(utc) - 1 + 19 <= end; q++) {
		if (*q == '}')
			return;
		if (memcmp(q, utc, sizeof(utc) - 1) == 0) {
			q += sizeof(utc) - 1;
			if (q[4] == '-' && q[10] == 'T')
				snprintf(out, 20, "%.10s %.8s", q, q + 11);
			return;
		}
	}
}

int mt_spool_manifest_path(const char *clip_path, char *out, size_t len)
{
	size_t n = strlen(clip_path);

	if (n > 4 && strcmp(clip_path + n - 4, ".mp4") == 0)
		n -= 4;
	if ((size_t)snprintf(out, len, "%.*s.json", (int)n, clip_path) >= len)
		return -ENAMETOOLONG;
	return 0;
}
