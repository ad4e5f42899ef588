/* Storage hal on POSIX files, every call through the syscall table. */
#include "linux/posix_storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FILE_MODE    0644
#define PRIVATE_MODE 0600 /* MT_O_PRIVATE: key files */
#define DIR_MODE     0755

static int real_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int real_mkdir(const char *path, mode_t mode)
{
	return mkdir(path, mode);
}

static int real_stat(const char *path, struct stat *st)
{
	return stat(path, st);
}

/* One initializer for both tables: C cannot copy a const object at load time. */
#define REAL_CALLS                                                                               \
	{                                                                                        \
		.open = real_open, .read = read, .write = write, .lseek = lseek, .fsync = fsync, \
		.close = close, .rename = rename, .unlink = unlink, .rmdir = rmdir,              \
		.mkdir = real_mkdir, .stat = real_stat, .opendir = opendir, .readdir = readdir,  \
		.closedir = closedir,                                                            \
	}

static const struct mt_posix_syscalls real_calls = REAL_CALLS;
static struct mt_posix_syscalls live_calls = REAL_CALLS;

struct mt_posix_syscalls *mt_posix_syscalls(void)
{
	return &live_calls;
}

const struct mt_posix_syscalls *mt_posix_syscalls_real(void)
{
	return &real_calls;
}

void mt_posix_syscalls_reset(void)
{
	live_calls = real_calls;
}

#define SYS (&live_calls)

/* A call that fails with EINTR was interrupted by a signal before it did
 * anything, so it is made again; the one place this is done (but see
 * posix_close). */
#define RETRY(r, call)        \
	do {                  \
		(r) = (call); \
	} while ((r) < 0 && errno == EINTR)

static int posix_open(struct mt_storage *dev, const char *path, unsigned int flags, int *fd)
{
	int oflags = O_CLOEXEC;
	int r;

	switch (flags & (MT_O_READ | MT_O_WRITE)) {
	case MT_O_READ:
		oflags |= O_RDONLY;
		break;
	case MT_O_WRITE:
		oflags |= O_WRONLY;
		break;
	case MT_O_READ | MT_O_WRITE:
		oflags |= O_RDWR;
		break;
	default:
		return -EINVAL;
	}
	oflags |= (flags & MT_O_CREATE) ? O_CREAT : 0;
	oflags |= (flags & MT_O_TRUNC) ? O_TRUNC : 0;
	oflags |= (flags & MT_O_EXCL) ? O_EXCL : 0;
	oflags |= (flags & MT_O_APPEND) ? O_APPEND : 0;

	RETRY(r, SYS->open(path, oflags, (flags & MT_O_PRIVATE) ? PRIVATE_MODE : FILE_MODE));
	if (r < 0)
		return -errno;
	*fd = r;
	return 0;
}

static ssize_t posix_read(struct mt_storage *dev, int fd, void *buf, size_t len)
{
	ssize_t n;

	RETRY(n, SYS->read(fd, buf, len));
	return n < 0 ? -errno : n;
}

static int posix_seek(struct mt_storage *dev, int fd, int64_t offset)
{
	return SYS->lseek(fd, (off_t)offset, SEEK_SET) < 0 ? -errno : 0;
}

static ssize_t posix_write(struct mt_storage *dev, int fd, const void *buf, size_t len)
{
	ssize_t n;

	/* A short count goes back to the caller as it is: it may mean the disk
	 * is full, which the next write reports as ENOSPC. */
	RETRY(n, SYS->write(fd, buf, len));
	return n < 0 ? -errno : n;
}

static int posix_sync(struct mt_storage *dev, int fd)
{
	int r;

	RETRY(r, SYS->fsync(fd));
	return r < 0 ? -errno : 0;
}

static int posix_close(struct mt_storage *dev, int fd)
{
	/* Linux releases the descriptor even when close() says EINTR, so it is
	 * not retried: a retry could close a descriptor another thread has just
	 * been given. Nothing is lost by EINTR here (data durability is sync's
	 * job), so it counts as success. */
	if (SYS->close(fd) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

static int posix_rename(struct mt_storage *dev, const char *from, const char *to)
{
	int r;

	RETRY(r, SYS->rename(from, to));
	return r < 0 ? -errno : 0;
}

static int posix_sync_dir(struct mt_storage *dev, const char *dir)
{
	int fd, r, ret;

	RETRY(fd, SYS->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
	if (fd < 0)
		return -errno;
	ret = posix_sync(dev, fd);
	r = posix_close(dev, fd);
	return ret ? ret : r;
}

static int posix_remove(struct mt_storage *dev, const char *path)
{
	int r, err;

	RETRY(r, SYS->unlink(path));
	if (r == 0)
		return 0;
	err = errno;
	/* Linux says EISDIR for a folder; POSIX allows EPERM. If it was not a
	 * folder after all, the unlink error is the one that explains. */
	if (err != EISDIR && err != EPERM)
		return -err;
	RETRY(r, SYS->rmdir(path));
	if (r == 0)
		return 0;
	return errno == ENOTDIR ? -err : -errno;
}

static int posix_size(struct mt_storage *dev, const char *path, uint64_t *bytes)
{
	struct stat st;
	int r;

	RETRY(r, SYS->stat(path, &st));
	if (r < 0)
		return -errno;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static int posix_mkdir(struct mt_storage *dev, const char *path)
{
	struct stat st;
	int r;

	RETRY(r, SYS->mkdir(path, DIR_MODE));
	if (r == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	/* Already there is fine, but only if it is a folder. */
	RETRY(r, SYS->stat(path, &st));
	if (r < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -EEXIST;
}

static int posix_list(struct mt_storage *dev, const char *dir, mt_storage_list_cb cb, void *arg)
{
	DIR *d;
	int ret = 0;

	d = SYS->opendir(dir);
	if (!d)
		return -errno;
	for (;;) {
		struct dirent *e;

		errno = 0;
		e = SYS->readdir(d);
		if (!e) {
			ret = errno ? -errno : 0;
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ret = cb(arg, e->d_name);
		if (ret)
			break;
	}
	SYS->closedir(d);
	return ret;
}

static const struct mt_storage_ops posix_ops = {
	.open = posix_open,
	.read = posix_read,
	.write = posix_write,
	.sync = posix_sync,
	.close = posix_close,
	.rename = posix_rename,
	.sync_dir = posix_sync_dir,
	.remove = posix_remove,
	.size = posix_size,
	.mkdir = posix_mkdir,
	.list = posix_list,
	.seek = posix_seek,
};

void mt_posix_storage_init(struct mt_posix_storage *s)
{
	memset(s, 0, sizeof(*s));
	s->dev.ops = &posix_ops;
	s->dev.name = "posix-storage";
	s->dev.priv = s;
}
