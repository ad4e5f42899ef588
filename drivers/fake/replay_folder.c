/* Image folder listing and PNG conversion for the replay camera. */
#include "fake/replay_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/errors.h"

static int has_ext(const char *name, const char *ext)
{
	const char *dot = strrchr(name, '.');

	return dot && strcasecmp(dot + 1, ext) == 0;
}

static int is_png(const char *name)
{
	return has_ext(name, "png");
}

static int is_image(const char *name)
{
	return has_ext(name, "jpg") || has_ext(name, "jpeg") || is_png(name);
}

static int by_path(const void *a, const void *b)
{
	const struct mt_replay_item *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int list(const char *dir, struct mt_replay_index *idx)
{
	char path[PATH_MAX];
	const struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (!is_image(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue; /* cannot be opened either */
		ret = mt_replay_index_add_path(idx, path);
	}
	closedir(d);
	if (!ret && idx->n) /* qsort(NULL, 0) is undefined */
		qsort(idx->items, idx->n, sizeof(*idx->items), by_path);
	return ret;
}

/* Points each PNG item at its JPEG, or marks it broken if ffmpeg made none. */
static int use_converted(struct mt_replay_convert *conv, struct mt_replay_index *idx)
{
	char path[PATH_MAX];
	size_t k = 0;

	for (size_t i = 0; i < idx->n; i++) {
		struct mt_replay_item *it = &idx->items[i];
		char *copy = NULL;

		if (!is_png(it->path))
			continue;
		mt_replay_convert_image_path(conv, k++, path);
		if (access(path, R_OK) == 0) {
			copy = strdup(path);
			if (!copy)
				return -ENOMEM;
		}
		free(it->path);
		*it = (struct mt_replay_item){ .path = copy }; /* NULL path, size 0: broken */
	}
	return 0;
}

int mt_replay_folder_index(const char *dir, struct mt_replay_convert *conv,
			   struct mt_replay_index *idx)
{
	char **pngs;
	size_t n = 0;
	int ret = list(dir, idx);

	if (ret || !idx->n)
		return ret;
	pngs = malloc(idx->n * sizeof(*pngs));
	if (!pngs)
		return -ENOMEM;
	for (size_t i = 0; i < idx->n; i++)
		if (is_png(idx->items[i].path))
			pngs[n++] = idx->items[i].path;
	if (n)
		ret = mt_replay_convert_images(conv, dir, pngs, n);
	free(pngs);
	if (!ret && n)
		ret = use_converted(conv, idx);
	return ret;
}
