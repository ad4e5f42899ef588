/* In-memory storage with a power-cut model and fault injection.
 *
 * Durability is modelled the way POSIX promises it, no better: every file
 * has volatile contents and durable contents, and sync(fd) copies the first
 * to the second; the name table (creates, renames, removes, mkdirs) has a
 * volatile and a durable version too, and sync_dir(dir) makes the entries of
 * folder dir durable. A power cut throws the volatile state away.
 *
 * Faults are counted over every call of the hal (open, read, write, sync,
 * close, rename, sync_dir, remove, size, mkdir, list): a test counts the
 * calls an operation makes, then walks every cut point. Paths are compared
 * as strings: no "." or ".." parts, no doubled or trailing slashes; "." and
 * "/" are the roots and always exist. Folders cannot be renamed. Not
 * thread-safe: one thread at a time. */
#ifndef MT_FAKE_MEM_STORAGE_H
#define MT_FAKE_MEM_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/storage.h"

#define MT_MEM_STORAGE_MAX_FDS  32
#define MT_MEM_STORAGE_PATH_MAX 256

/* What survives a power cut. */
enum mt_mem_cut {
	/* Only what was synced: file data after sync(), names after sync_dir().
	 * What a real power cut guarantees. */
	MT_MEM_CUT_LOSE_VOLATILE,
	/* Every name as last seen, but file data only as last synced: a
	 * filesystem that committed its metadata and not the data (the
	 * "renamed file is empty after a crash" case). */
	MT_MEM_CUT_KEEP_NAMES,
	/* Everything written survives: the program died, the kernel did not. */
	MT_MEM_CUT_KEEP_ALL,
};

struct mt_mem_inode;
struct mt_mem_name;

struct mt_mem_fd {
	struct mt_mem_inode *ino; /* NULL: slot free */
	unsigned int flags;
	size_t pos;
};

struct mt_mem_storage {
	struct mt_storage dev; /* hand &s->dev to the firmware */
	/* private */
	struct mt_mem_inode *inodes;
	struct mt_mem_name *names;   /* as the running system sees them */
	struct mt_mem_name *durable; /* as they are on the medium */
	struct mt_mem_fd fds[MT_MEM_STORAGE_MAX_FDS];
	uint64_t calls;
	uint64_t fail_at;
	int fail_err;
	uint64_t crash_at;
	bool crashed;
	size_t short_write;
};

/* An empty storage with no faults armed. Cannot fail. */
void mt_mem_storage_init(struct mt_mem_storage *s);

/* Frees every file; s may be NULL; safe twice. */
void mt_mem_storage_free(struct mt_mem_storage *s);

/* Calls made to the hal so far (failed and crashed ones included). */
uint64_t mt_mem_storage_calls(const struct mt_mem_storage *s);

/* The n-th call from now (1 = the next) returns err (a negative errno such as
 * -ENOSPC, -EIO or -EINTR) once, having done nothing, except that a failed
 * close still releases its handle, as on Linux. n = 0 disarms. */
void mt_mem_storage_fail_at(struct mt_mem_storage *s, uint64_t n, int err);

/* The n-th call from now and every call after it do nothing and return
 * MT_ECRASHED, until a power cut. n = 0 disarms. */
void mt_mem_storage_crash_at(struct mt_mem_storage *s, uint64_t n);

/* True once a crash has happened (and until the power cut). */
bool mt_mem_storage_crashed(const struct mt_mem_storage *s);

/* Every write stores at most max bytes and returns that short count;
 * 0 turns short writes off. */
void mt_mem_storage_short_writes(struct mt_mem_storage *s, size_t max);

/* A power cut: closes every handle, disarms fail_at and crash_at and keeps
 * what `how` says survives. mt_mem_storage_power_cut() is the real thing,
 * MT_MEM_CUT_LOSE_VOLATILE. Entries whose folder did not survive go too. */
void mt_mem_storage_cut(struct mt_mem_storage *s, enum mt_mem_cut how);
void mt_mem_storage_power_cut(struct mt_mem_storage *s);

/* The durable contents of path, what a power cut now would leave (if its
 * folder survives too): *data points into the storage and is valid until the
 * next call on it. 0, or -ENOENT if path has no durable name. These two are
 * not counted as calls. */
int mt_mem_storage_durable(const struct mt_mem_storage *s, const char *path, const uint8_t **data,
			   size_t *len);
bool mt_mem_storage_durable_exists(const struct mt_mem_storage *s, const char *path);

/* Handles open now (a test checks that nothing leaked). */
int mt_mem_storage_open_fds(const struct mt_mem_storage *s);

#endif
