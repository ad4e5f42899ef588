/* Whole-file helpers: write-all, read-all, atomic replace. */
#include "core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/storage.h"

#define READ_CHUNK 4096

int mt_file_write_all(struct mt_storage *st, int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = mt_storage_write(st, fd, p, len);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		/* A storage that writes nothing and reports nothing would loop
		 * forever; a full disk must say ENOSPC. */
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Grows *buf to hold at least need bytes; 0 or -ENOMEM. */
static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : READ_CHUNK;
	uint8_t *nbuf;

	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	nbuf = realloc(*buf, ncap);
	if (!nbuf)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

/* Reads fd to its end into *out; at most max + 1 bytes, so the caller can
 * tell a file of exactly max bytes from a bigger one. */
static int read_fd(struct mt_storage *st, int fd, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = 0, used = 0, want;
	uint8_t *buf = NULL;
	ssize_t n;
	int ret;

	for (;;) {
		/* one byte past max, to see that there is one */
		want = max - used < READ_CHUNK ? max - used + 1 : READ_CHUNK;
		ret = grow(&buf, &cap, used + want + 1); /* + the NUL */
		if (ret)
			goto out_free;
		n = mt_storage_read(st, fd, buf + used, want);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			ret = (int)n;
			goto out_free;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			ret = -EFBIG;
			goto out_free;
		}
	}
	buf[used] = 0;
	*out = buf;
	*len = used;
	return 0;

out_free:
	free(buf);
	return ret;
}

int mt_file_read_all(struct mt_storage *st, const char *path, size_t max_bytes, uint8_t **buf,
		     size_t *len)
{
	int fd, ret;

	*buf = NULL;
	*len = 0;
	ret = mt_storage_open(st, path, MT_O_READ, &fd);
	if (ret)
		return ret;
	ret = read_fd(st, fd, max_bytes, buf, len);
	/* A failed close after a complete read loses nothing: the data is in
	 * memory and the file was only read. */
	mt_storage_close(st, fd);
	return ret;
}

int mt_file_dirname(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return snprintf(dir, len, ".") < (int)len ? 0 : -ENAMETOOLONG;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = 0;
	return 0;
}

static int replace(struct mt_storage *st, const char *path, const void *data, size_t len,
		   unsigned int extra_flags)
{
	size_t plen = strlen(path);
	char *tmp, *dir;
	int fd, ret = -ENOMEM;

	tmp = malloc(plen + sizeof(".tmp"));
	dir = malloc(plen + 2);
	if (!tmp || !dir)
		goto out_free_names;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", sizeof(".tmp"));
	ret = mt_file_dirname(path, dir, plen + 2);
	if (ret)
		goto out_free_names;

	if (extra_flags & MT_O_PRIVATE) {
		ret = mt_storage_remove(st, tmp);
		if (ret && ret != -ENOENT)
			goto out_free_names;
		extra_flags |= MT_O_EXCL;
	}
	ret = mt_storage_open(st, tmp, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC | extra_flags, &fd);
	if (ret)
		goto out_free_names;
	ret = mt_file_write_all(st, fd, data, len);
	if (ret)
		goto out_close;
	/* The data must be durable before the rename can be: otherwise a power
	 * cut could leave the new name on a file with no contents. */
	ret = mt_storage_sync(st, fd);
	if (ret)
		goto out_close;
	ret = mt_storage_close(st, fd);
	if (ret)
		goto out_remove;
	ret = mt_storage_rename(st, tmp, path);
	if (ret)
		goto out_remove;
	/* Until the folder is synced the rename itself may be lost (old
	 * contents after a cut); after it, the new contents are there. */
	ret = mt_storage_sync_dir(st, dir);
	goto out_free_names;

out_close:
	mt_storage_close(st, fd);
out_remove:
	mt_storage_remove(st, tmp);
out_free_names:
	free(dir);
	free(tmp);
	return ret;
}

int mt_file_replace(struct mt_storage *st, const char *path, const void *data, size_t len)
{
	return replace(st, path, data, len, 0);
}

int mt_file_replace_private(struct mt_storage *st, const char *path, const void *data, size_t len)
{
	return replace(st, path, data, len, MT_O_PRIVATE);
}
