/* Helpers the unit and fault tests share (see support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

char *mt_test_tmpdir(const char *tag)
{
	char path[PATH_MAX];
	char *copy;

	snprintf(path, sizeof(path), "/tmp/mt-%s-XXXXXX", tag);
	if (!mkdtemp(path))
		fail_msg("mkdtemp %s: %s", path, strerror(errno));
	copy = strdup(path);
	assert_non_null(copy);
	return copy;
}

/* Keeps the first failure; later ones are not news. */
static void note(int *ret, int err)
{
	if (*ret == 0)
		*ret = -err;
}

static void remove_children(const char *path, int *ret)
{
	DIR *d = opendir(path);
	const struct dirent *de;
	char sub[PATH_MAX];

	if (!d) {
		note(ret, errno);
		return;
	}
	while ((de = readdir(d))) {
		int err;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub)) {
			note(ret, ENAMETOOLONG);
			continue;
		}
		err = mt_test_remove_tree(sub);
		if (err)
			note(ret, -err);
	}
	closedir(d);
}

int mt_test_remove_tree(const char *path)
{
	struct stat sb;
	int ret = 0;

	if (!path)
		return -EINVAL;
	/* lstat, not stat: a link to a folder is unlinked, not walked into. */
	if (lstat(path, &sb))
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path) ? -errno : 0;
	remove_children(path, &ret);
	if (rmdir(path))
		note(&ret, errno);
	return ret;
}

int mt_test_tmpdir_remove(char **dir)
{
	int ret = mt_test_remove_tree(*dir);

	free(*dir);
	*dir = NULL;
	return ret;
}

/* The whole file as an MJPEG key frame, or NULL with errno set. */
static struct mt_frame *read_frame(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct mt_frame *f = NULL;
	long len;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) || (len = ftell(fp)) <= 0 || fseek(fp, 0, SEEK_SET))
		goto out_close;
	f = mt_frame_alloc((size_t)len);
	if (!f)
		goto out_close;
	if (fread(f->data, 1, (size_t)len, fp) != (size_t)len) {
		mt_frame_put(f);
		f = NULL;
		errno = EIO;
		goto out_close;
	}
	f->size = (size_t)len;
	f->format = MT_FMT_MJPEG;
	f->flags = MT_FRAME_KEY;
out_close:
	fclose(fp);
	return f;
}

struct mt_frame *mt_test_footage_frame(int n)
{
	const char *dir = getenv("MT_FOOTAGE");
	char path[PATH_MAX];
	struct mt_frame *f;

	if (!dir)
		fail_msg("MT_FOOTAGE is not set (ctest sets it)");
	snprintf(path, sizeof(path), "%s/cdnet-highway/input/in%06d.jpg", dir, n);
	errno = 0;
	f = read_frame(path);
	if (!f)
		fail_msg("%s: cannot read footage frame %d (MT_FOOTAGE): %s", path, n,
			 errno ? strerror(errno) : "empty file");
	return f;
}
