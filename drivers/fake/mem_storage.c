/* In-memory storage: volatile and durable state, power cuts, injected faults. */
#include "fake/mem_storage.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"

struct mt_mem_inode {
	struct mt_mem_inode *next;
	bool is_dir;
	uint8_t *data; /* volatile contents */
	size_t len;
	size_t cap;
	uint8_t *ddata; /* durable contents: what sync() last saw */
	size_t dlen;
};

/* One name table entry; the same inode may be named in both tables. */
struct mt_mem_name {
	struct mt_mem_name *next;
	char *path;
	struct mt_mem_inode *ino;
};

/* A copy of n bytes of p (never NULL, even for n = 0); NULL without memory. */
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (copy && n)
		memcpy(copy, p, n);
	return copy;
}

/* A power cut cannot fail, so a fake out of memory there ends the test. */
static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "mem_storage: out of memory during a power cut\n");
		abort();
	}
	return p;
}

static struct mt_mem_name *name_find(struct mt_mem_name *list, const char *path)
{
	for (; list; list = list->next)
		if (strcmp(list->path, path) == 0)
			return list;
	return NULL;
}

static int name_add(struct mt_mem_name **list, const char *path, struct mt_mem_inode *ino)
{
	struct mt_mem_name *n = malloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->path = strdup(path);
	if (!n->path) {
		free(n);
		return -ENOMEM;
	}
	n->ino = ino;
	n->next = *list;
	*list = n;
	return 0;
}

static void name_del(struct mt_mem_name **list, struct mt_mem_name *victim)
{
	for (; *list; list = &(*list)->next) {
		if (*list == victim) {
			*list = victim->next;
			free(victim->path);
			free(victim);
			return;
		}
	}
}

static void names_free(struct mt_mem_name **list)
{
	while (*list)
		name_del(list, *list);
}

/* A copy of src in *dst (emptied first); 0 or -ENOMEM. */
static int names_copy(struct mt_mem_name **dst, const struct mt_mem_name *src)
{
	names_free(dst);
	for (; src; src = src->next)
		if (name_add(dst, src->path, src->ino))
			return -ENOMEM;
	return 0;
}

/* The folder of path into dir (at least MT_MEM_STORAGE_PATH_MAX bytes). */
static void parent_of(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		strcpy(dir, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	memcpy(dir, path, n);
	dir[n] = 0;
}

static bool in_dir(const char *path, const char *dir)
{
	char parent[MT_MEM_STORAGE_PATH_MAX];

	parent_of(path, parent);
	return strcmp(parent, dir) == 0;
}

static bool is_root(const char *dir)
{
	return strcmp(dir, ".") == 0 || strcmp(dir, "/") == 0;
}

static bool dir_exists(struct mt_mem_name *list, const char *dir)
{
	struct mt_mem_name *n;

	if (is_root(dir))
		return true;
	n = name_find(list, dir);
	return n && n->ino->is_dir;
}

static bool parent_exists(struct mt_mem_name *list, const char *path)
{
	char parent[MT_MEM_STORAGE_PATH_MAX];

	parent_of(path, parent);
	return dir_exists(list, parent);
}

static int check_path(const char *path)
{
	size_t n = strlen(path);

	if (n == 0 || path[n - 1] == '/' || is_root(path))
		return -EINVAL;
	return n < MT_MEM_STORAGE_PATH_MAX ? 0 : -ENAMETOOLONG;
}

static bool inode_used(const struct mt_mem_storage *s, const struct mt_mem_inode *ino)
{
	const struct mt_mem_name *n;

	for (n = s->names; n; n = n->next)
		if (n->ino == ino)
			return true;
	for (n = s->durable; n; n = n->next)
		if (n->ino == ino)
			return true;
	for (int i = 0; i < MT_MEM_STORAGE_MAX_FDS; i++)
		if (s->fds[i].ino == ino)
			return true;
	return false;
}

static void inode_free(struct mt_mem_inode *ino)
{
	free(ino->data);
	free(ino->ddata);
	free(ino);
}

/* Frees inodes that no name (volatile or durable) and no handle refers to. */
static void gc(struct mt_mem_storage *s)
{
	struct mt_mem_inode **p = &s->inodes, *ino;

	while ((ino = *p)) {
		if (inode_used(s, ino)) {
			p = &ino->next;
			continue;
		}
		*p = ino->next;
		inode_free(ino);
	}
}

static struct mt_mem_inode *inode_new(struct mt_mem_storage *s, bool is_dir)
{
	struct mt_mem_inode *ino = calloc(1, sizeof(*ino));

	if (ino) {
		ino->is_dir = is_dir;
		ino->next = s->inodes;
		s->inodes = ino;
	}
	return ino;
}

/* Every hal call starts here: count it, then apply an armed fault. */
static int enter(struct mt_mem_storage *s)
{
	s->calls++;
	if (s->crashed || (s->crash_at && s->calls >= s->crash_at)) {
		s->crashed = true;
		return MT_ECRASHED;
	}
	if (s->fail_at && s->calls == s->fail_at) {
		s->fail_at = 0;
		return s->fail_err;
	}
	return 0;
}

static struct mt_mem_fd *fd_get(struct mt_mem_storage *s, int fd)
{
	if (fd < 0 || fd >= MT_MEM_STORAGE_MAX_FDS || !s->fds[fd].ino)
		return NULL;
	return &s->fds[fd];
}

/* The common start of an operation on an open handle: the power-cut and
 * fault model first, then the handle, which must have the flags in need. */
static int enter_fd(struct mt_mem_storage *s, int fd, unsigned int need, struct mt_mem_fd **out)
{
	int ret = enter(s);

	if (ret)
		return ret;
	*out = fd_get(s, fd);
	return *out && (((*out)->flags & need) == need) ? 0 : -EBADF;
}

static int fd_new(struct mt_mem_storage *s)
{
	for (int i = 0; i < MT_MEM_STORAGE_MAX_FDS; i++)
		if (!s->fds[i].ino)
			return i;
	return -EMFILE;
}

/* Finds or makes the inode open() is asked for. */
static int open_inode(struct mt_mem_storage *s, const char *path, unsigned int flags,
		      struct mt_mem_inode **out)
{
	struct mt_mem_name *n = name_find(s->names, path);
	int ret;

	if (n) {
		if (n->ino->is_dir)
			return -EISDIR;
		if ((flags & MT_O_CREATE) && (flags & MT_O_EXCL))
			return -EEXIST;
		if (flags & MT_O_TRUNC)
			n->ino->len = 0;
		*out = n->ino;
		return 0;
	}
	if (!(flags & MT_O_CREATE))
		return -ENOENT;
	*out = inode_new(s, false);
	if (!*out)
		return -ENOMEM;
	ret = name_add(&s->names, path, *out);
	if (ret)
		gc(s);
	return ret;
}

static int mem_open(struct mt_storage *dev, const char *path, unsigned int flags, int *fd)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_inode *ino;
	int ret, slot;

	ret = enter(s);
	if (ret)
		return ret;
	ret = check_path(path);
	if (ret)
		return ret;
	if (!(flags & (MT_O_READ | MT_O_WRITE)) || ((flags & MT_O_TRUNC) && !(flags & MT_O_WRITE)))
		return -EINVAL;
	if (!parent_exists(s->names, path))
		return -ENOENT;
	slot = fd_new(s);
	if (slot < 0)
		return slot;
	ret = open_inode(s, path, flags, &ino);
	if (ret)
		return ret;
	s->fds[slot] = (struct mt_mem_fd){ .ino = ino, .flags = flags, .pos = 0 };
	*fd = slot;
	return 0;
}

static ssize_t mem_read(struct mt_storage *dev, int fd, void *buf, size_t len)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_fd *f;
	size_t n;
	int ret;

	ret = enter_fd(s, fd, MT_O_READ, &f);
	if (ret)
		return ret;
	n = f->pos < f->ino->len ? f->ino->len - f->pos : 0;
	n = n < len ? n : len;
	if (n)
		memcpy(buf, f->ino->data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static int mem_seek(struct mt_storage *dev, int fd, int64_t offset)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_fd *f;
	int ret;

	ret = enter_fd(s, fd, 0, &f);
	if (ret)
		return ret;
	if ((uint64_t)offset > (uint64_t)(SIZE_MAX / 2))
		return -EINVAL;
	f->pos = (size_t)offset;
	return 0;
}

static int reserve(struct mt_mem_inode *ino, size_t need)
{
	size_t cap = ino->cap ? ino->cap : 64;
	uint8_t *p;

	while (cap < need)
		cap *= 2;
	if (cap == ino->cap)
		return 0;
	p = realloc(ino->data, cap);
	if (!p)
		return -ENOMEM;
	ino->data = p;
	ino->cap = cap;
	return 0;
}

static ssize_t mem_write(struct mt_storage *dev, int fd, const void *buf, size_t len)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_fd *f;
	int ret;

	ret = enter_fd(s, fd, MT_O_WRITE, &f);
	if (ret)
		return ret;
	if (s->short_write && len > s->short_write)
		len = s->short_write;
	if (f->flags & MT_O_APPEND)
		f->pos = f->ino->len;
	ret = reserve(f->ino, f->pos + len);
	if (ret)
		return ret;
	if (f->pos > f->ino->len) /* written past the end after a seek: a hole of zeros */
		memset(f->ino->data + f->ino->len, 0, f->pos - f->ino->len);
	memcpy(f->ino->data + f->pos, buf, len);
	f->pos += len;
	if (f->pos > f->ino->len)
		f->ino->len = f->pos;
	return (ssize_t)len;
}

static int mem_sync(struct mt_storage *dev, int fd)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_inode *ino;
	struct mt_mem_fd *f;
	uint8_t *copy;
	int ret;

	ret = enter_fd(s, fd, 0, &f);
	if (ret)
		return ret;
	ino = f->ino;
	copy = dup_bytes(ino->data, ino->len);
	if (!copy)
		return -ENOMEM;
	free(ino->ddata);
	ino->ddata = copy;
	ino->dlen = ino->len;
	return 0;
}

static int mem_close(struct mt_storage *dev, int fd)
{
	struct mt_mem_storage *s = dev->priv;
	int ret;

	ret = enter(s);
	if (ret == MT_ECRASHED)
		return ret;
	if (!fd_get(s, fd))
		return -EBADF;
	s->fds[fd].ino = NULL;
	gc(s);
	return ret;
}

static int mem_rename(struct mt_storage *dev, const char *from, const char *to)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_name *src, *dst;
	char *path;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	ret = check_path(to);
	if (ret)
		return ret;
	src = name_find(s->names, from);
	if (!src || !parent_exists(s->names, to))
		return -ENOENT;
	if (src->ino->is_dir)
		return -EISDIR;
	dst = name_find(s->names, to);
	if (dst == src)
		return 0;
	if (dst && dst->ino->is_dir)
		return -EISDIR;
	path = strdup(to);
	if (!path)
		return -ENOMEM;
	if (dst)
		name_del(&s->names, dst);
	free(src->path);
	src->path = path;
	gc(s);
	return 0;
}

static int mem_sync_dir(struct mt_storage *dev, const char *dir)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_name *n, *next;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	if (!dir_exists(s->names, dir))
		return name_find(s->names, dir) ? -ENOTDIR : -ENOENT;
	for (n = s->durable; n; n = next) {
		next = n->next;
		if (in_dir(n->path, dir))
			name_del(&s->durable, n);
	}
	for (n = s->names; n; n = n->next)
		if (in_dir(n->path, dir) && name_add(&s->durable, n->path, n->ino))
			return -ENOMEM;
	gc(s);
	return 0;
}

static bool has_children(struct mt_mem_name *list, const char *dir)
{
	for (; list; list = list->next)
		if (in_dir(list->path, dir))
			return true;
	return false;
}

static int mem_remove(struct mt_storage *dev, const char *path)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_name *n;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	n = name_find(s->names, path);
	if (!n)
		return -ENOENT;
	if (n->ino->is_dir && has_children(s->names, path))
		return -ENOTEMPTY;
	name_del(&s->names, n);
	gc(s);
	return 0;
}

static int mem_size(struct mt_storage *dev, const char *path, uint64_t *bytes)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_name *n;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	n = name_find(s->names, path);
	if (!n)
		return -ENOENT;
	*bytes = n->ino->is_dir ? 0 : n->ino->len;
	return 0;
}

static int mem_mkdir(struct mt_storage *dev, const char *path)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_inode *ino;
	struct mt_mem_name *n;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	if (is_root(path))
		return 0;
	ret = check_path(path);
	if (ret)
		return ret;
	n = name_find(s->names, path);
	if (n)
		return n->ino->is_dir ? 0 : -EEXIST;
	if (!parent_exists(s->names, path))
		return -ENOENT;
	ino = inode_new(s, true);
	if (!ino)
		return -ENOMEM;
	ret = name_add(&s->names, path, ino);
	if (ret)
		gc(s);
	return ret;
}

static int mem_list(struct mt_storage *dev, const char *dir, mt_storage_list_cb cb, void *arg)
{
	struct mt_mem_storage *s = dev->priv;
	struct mt_mem_name *snap = NULL, *n;
	const char *base;
	int ret;

	ret = enter(s);
	if (ret)
		return ret;
	if (!dir_exists(s->names, dir))
		return name_find(s->names, dir) ? -ENOTDIR : -ENOENT;
	/* A snapshot, so the callback may create or remove entries. */
	for (n = s->names; n; n = n->next) {
		if (in_dir(n->path, dir) && name_add(&snap, n->path, n->ino)) {
			ret = -ENOMEM;
			goto out_free_snap;
		}
	}
	for (n = snap; n && !ret; n = n->next) {
		base = strrchr(n->path, '/');
		ret = cb(arg, base ? base + 1 : n->path);
	}
out_free_snap:
	names_free(&snap);
	return ret;
}

static const struct mt_storage_ops mem_ops = {
	.open = mem_open,
	.read = mem_read,
	.seek = mem_seek,
	.write = mem_write,
	.sync = mem_sync,
	.close = mem_close,
	.rename = mem_rename,
	.sync_dir = mem_sync_dir,
	.remove = mem_remove,
	.size = mem_size,
	.mkdir = mem_mkdir,
	.list = mem_list,
};

void mt_mem_storage_init(struct mt_mem_storage *s)
{
	memset(s, 0, sizeof(*s));
	s->dev.ops = &mem_ops;
	s->dev.name = "mem-storage";
	s->dev.priv = s;
}

void mt_mem_storage_free(struct mt_mem_storage *s)
{
	struct mt_mem_inode *ino;

	if (!s)
		return;
	names_free(&s->names);
	names_free(&s->durable);
	while ((ino = s->inodes)) {
		s->inodes = ino->next;
		inode_free(ino);
	}
	memset(s->fds, 0, sizeof(s->fds));
}

uint64_t mt_mem_storage_calls(const struct mt_mem_storage *s)
{
	return s->calls;
}

void mt_mem_storage_fail_at(struct mt_mem_storage *s, uint64_t n, int err)
{
	assert(err < 0);
	s->fail_at = n ? s->calls + n : 0;
	s->fail_err = err;
}

void mt_mem_storage_crash_at(struct mt_mem_storage *s, uint64_t n)
{
	s->crash_at = n ? s->calls + n : 0;
}

bool mt_mem_storage_crashed(const struct mt_mem_storage *s)
{
	return s->crashed;
}

void mt_mem_storage_short_writes(struct mt_mem_storage *s, size_t max)
{
	s->short_write = max;
}

/* Drops the names whose folder is gone, deepest first, until none is left. */
static void prune_orphans(struct mt_mem_storage *s)
{
	struct mt_mem_name *n, *next;
	bool again = true;

	while (again) {
		again = false;
		for (n = s->names; n; n = next) {
			next = n->next;
			if (!parent_exists(s->names, n->path)) {
				name_del(&s->names, n);
				again = true;
			}
		}
	}
	if (names_copy(&s->durable, s->names))
		must(NULL);
}

/* The volatile contents become what was last synced (or nothing). */
static void data_revert(struct mt_mem_inode *ino)
{
	free(ino->data);
	ino->data = ino->dlen ? must(dup_bytes(ino->ddata, ino->dlen)) : NULL;
	ino->len = ino->cap = ino->dlen;
}

/* What was written becomes what is durable. */
static void data_keep(struct mt_mem_inode *ino)
{
	free(ino->ddata);
	ino->ddata = must(dup_bytes(ino->data, ino->len));
	ino->dlen = ino->len;
}

void mt_mem_storage_cut(struct mt_mem_storage *s, enum mt_mem_cut how)
{
	memset(s->fds, 0, sizeof(s->fds));
	s->crashed = false;
	s->crash_at = 0;
	s->fail_at = 0;
	if (how == MT_MEM_CUT_LOSE_VOLATILE && names_copy(&s->names, s->durable))
		must(NULL);
	for (struct mt_mem_inode *ino = s->inodes; ino; ino = ino->next) {
		if (how == MT_MEM_CUT_KEEP_ALL)
			data_keep(ino);
		else
			data_revert(ino);
	}
	prune_orphans(s);
	gc(s);
}

void mt_mem_storage_power_cut(struct mt_mem_storage *s)
{
	mt_mem_storage_cut(s, MT_MEM_CUT_LOSE_VOLATILE);
}

int mt_mem_storage_durable(const struct mt_mem_storage *s, const char *path, const uint8_t **data,
			   size_t *len)
{
	struct mt_mem_name *n = name_find(s->durable, path);

	if (!n || n->ino->is_dir)
		return -ENOENT;
	*data = n->ino->ddata;
	*len = n->ino->dlen;
	return 0;
}

bool mt_mem_storage_durable_exists(const struct mt_mem_storage *s, const char *path)
{
	return name_find(s->durable, path) != NULL;
}

int mt_mem_storage_open_fds(const struct mt_mem_storage *s)
{
	int n = 0;

	for (int i = 0; i < MT_MEM_STORAGE_MAX_FDS; i++)
		n += s->fds[i].ino != NULL;
	return n;
}
