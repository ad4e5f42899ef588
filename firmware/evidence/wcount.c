/* Counting storage: every call passed through, the writes counted. */
#include "evidence/wcount.h"

#include <string.h>

static struct mt_storage *below(struct mt_storage *dev)
{
	return ((struct mt_wcount *)dev->priv)->below;
}

static struct mt_wcount *wc(struct mt_storage *dev)
{
	return dev->priv;
}

static int wc_open(struct mt_storage *dev, const char *path, unsigned int flags, int *fd)
{
	return mt_storage_open(below(dev), path, flags, fd);
}

static ssize_t wc_read(struct mt_storage *dev, int fd, void *buf, size_t len)
{
	return mt_storage_read(below(dev), fd, buf, len);
}

static ssize_t wc_write(struct mt_storage *dev, int fd, const void *buf, size_t len)
{
	ssize_t n = mt_storage_write(below(dev), fd, buf, len);

	atomic_fetch_add(&wc(dev)->writes, 1);
	if (n > 0)
		atomic_fetch_add(&wc(dev)->bytes, (uint64_t)n);
	return n;
}

static int wc_sync(struct mt_storage *dev, int fd)
{
	atomic_fetch_add(&wc(dev)->syncs, 1);
	return mt_storage_sync(below(dev), fd);
}

static int wc_close(struct mt_storage *dev, int fd)
{
	return mt_storage_close(below(dev), fd);
}

static int wc_rename(struct mt_storage *dev, const char *from, const char *to)
{
	atomic_fetch_add(&wc(dev)->renames, 1);
	return mt_storage_rename(below(dev), from, to);
}

static int wc_sync_dir(struct mt_storage *dev, const char *dir)
{
	atomic_fetch_add(&wc(dev)->dir_syncs, 1);
	return mt_storage_sync_dir(below(dev), dir);
}

static int wc_remove(struct mt_storage *dev, const char *path)
{
	atomic_fetch_add(&wc(dev)->removes, 1);
	return mt_storage_remove(below(dev), path);
}

static int wc_size(struct mt_storage *dev, const char *path, uint64_t *bytes)
{
	return mt_storage_size(below(dev), path, bytes);
}

static int wc_mkdir(struct mt_storage *dev, const char *path)
{
	return mt_storage_mkdir(below(dev), path);
}

static int wc_list(struct mt_storage *dev, const char *dir, mt_storage_list_cb cb, void *arg)
{
	return mt_storage_list(below(dev), dir, cb, arg);
}

static const struct mt_storage_ops wc_ops = {
	.open = wc_open,
	.read = wc_read,
	.write = wc_write,
	.sync = wc_sync,
	.close = wc_close,
	.rename = wc_rename,
	.sync_dir = wc_sync_dir,
	.remove = wc_remove,
	.size = wc_size,
	.mkdir = wc_mkdir,
	.list = wc_list,
};

void mt_wcount_init(struct mt_wcount *w, struct mt_storage *below_dev)
{
	memset(w, 0, sizeof(*w));
	w->below = below_dev;
	w->dev.ops = &wc_ops;
	w->dev.name = below_dev->name;
	w->dev.priv = w;
}

void mt_wcount_get(const struct mt_wcount *w, struct mt_wcount_stats *out)
{
	out->bytes = atomic_load(&w->bytes);
	out->writes = atomic_load(&w->writes);
	out->syncs = atomic_load(&w->syncs);
	out->dir_syncs = atomic_load(&w->dir_syncs);
	out->renames = atomic_load(&w->renames);
	out->removes = atomic_load(&w->removes);
}
