/* Storage hal: flash as files. Paths are plain strings; a file handle is a
 * small non-negative int. Durability is explicit: data is only safe after
 * sync(), and a rename or new file only after sync_dir() of its folder. The
 * fake storage loses exactly what a power cut would, so tests can prove it. */
#ifndef MT_HAL_STORAGE_H
#define MT_HAL_STORAGE_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* open() flags */
#define MT_O_READ    (1u << 0)
#define MT_O_WRITE   (1u << 1)
#define MT_O_CREATE  (1u << 2)
#define MT_O_TRUNC   (1u << 3)
#define MT_O_EXCL    (1u << 4)
#define MT_O_APPEND  (1u << 5)
#define MT_O_PRIVATE (1u << 6) /* a file it creates is the owner's only (0600): keys */

struct mt_storage;

/* Called once per entry of a folder by list(); a non-zero return stops. */
typedef int (*mt_storage_list_cb)(void *arg, const char *name);

struct mt_storage_ops {
	/* mandatory: open path; *fd receives the handle */
	int (*open)(struct mt_storage *dev, const char *path, unsigned int flags, int *fd);
	/* mandatory: bytes read (0 at end) or a negative errno; may be short */
	ssize_t (*read)(struct mt_storage *dev, int fd, void *buf, size_t len);
	/* mandatory: bytes written or a negative errno; may be short */
	ssize_t (*write)(struct mt_storage *dev, int fd, const void *buf, size_t len);
	/* mandatory: make the file's data durable */
	int (*sync)(struct mt_storage *dev, int fd);
	/* mandatory */
	int (*close)(struct mt_storage *dev, int fd);
	/* mandatory: atomic replace of to by from (same folder) */
	int (*rename)(struct mt_storage *dev, const char *from, const char *to);
	/* mandatory: make renames and new names in folder dir durable */
	int (*sync_dir)(struct mt_storage *dev, const char *dir);
	/* mandatory */
	int (*remove)(struct mt_storage *dev, const char *path);
	/* optional: size of a file in bytes */
	int (*size)(struct mt_storage *dev, const char *path, uint64_t *bytes);
	/* optional: make a folder (exists already is not an error) */
	int (*mkdir)(struct mt_storage *dev, const char *path);
	/* optional: call cb for each entry of folder dir (no "." or "..") */
	int (*list)(struct mt_storage *dev, const char *dir, mt_storage_list_cb cb, void *arg);
	/* optional: the next read or write of fd starts offset bytes from the
	 * file's start (offset >= 0; past the end, reads return 0) */
	int (*seek)(struct mt_storage *dev, int fd, int64_t offset);
};

struct mt_storage {
	const struct mt_storage_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_storage_open(struct mt_storage *dev, const char *path, unsigned int flags,
				  int *fd)
{
	assert(dev->ops->open);
	return dev->ops->open(dev, path, flags, fd);
}

static inline ssize_t mt_storage_read(struct mt_storage *dev, int fd, void *buf, size_t len)
{
	assert(dev->ops->read);
	return dev->ops->read(dev, fd, buf, len);
}

static inline ssize_t mt_storage_write(struct mt_storage *dev, int fd, const void *buf, size_t len)
{
	assert(dev->ops->write);
	return dev->ops->write(dev, fd, buf, len);
}

static inline int mt_storage_sync(struct mt_storage *dev, int fd)
{
	assert(dev->ops->sync);
	return dev->ops->sync(dev, fd);
}

static inline int mt_storage_close(struct mt_storage *dev, int fd)
{
	assert(dev->ops->close);
	return dev->ops->close(dev, fd);
}

static inline int mt_storage_rename(struct mt_storage *dev, const char *from, const char *to)
{
	assert(dev->ops->rename);
	return dev->ops->rename(dev, from, to);
}

static inline int mt_storage_sync_dir(struct mt_storage *dev, const char *dir)
{
	assert(dev->ops->sync_dir);
	return dev->ops->sync_dir(dev, dir);
}

static inline int mt_storage_remove(struct mt_storage *dev, const char *path)
{
	assert(dev->ops->remove);
	return dev->ops->remove(dev, path);
}

static inline int mt_storage_seek(struct mt_storage *dev, int fd, int64_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return dev->ops->seek ? dev->ops->seek(dev, fd, offset) : -ENOSYS;
}

static inline int mt_storage_size(struct mt_storage *dev, const char *path, uint64_t *bytes)
{
	return dev->ops->size ? dev->ops->size(dev, path, bytes) : -ENOSYS;
}

static inline int mt_storage_mkdir(struct mt_storage *dev, const char *path)
{
	return dev->ops->mkdir ? dev->ops->mkdir(dev, path) : -ENOSYS;
}

static inline int mt_storage_list(struct mt_storage *dev, const char *dir, mt_storage_list_cb cb,
				  void *arg)
{
	return dev->ops->list ? dev->ops->list(dev, dir, cb, arg) : -ENOSYS;
}

#endif
