/* POSIX storage: the storage hal on ordinary files, as on an SD card or eMMC
 * with a Linux filesystem. Every system call goes through one overridable
 * table (SQLite's os_unix.c idea), so tests inject EINTR, ENOSPC, short
 * writes and "crash from the Nth call on" without touching the driver. */
#ifndef MT_LINUX_POSIX_STORAGE_H
#define MT_LINUX_POSIX_STORAGE_H

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hal/storage.h"

/* The system calls the driver makes. Each entry has the libc signature and
 * errno convention (open and mkdir take their mode as a plain argument). */
struct mt_posix_syscalls {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*read)(int fd, void *buf, size_t len);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	off_t (*lseek)(int fd, off_t offset, int whence);
	int (*fsync)(int fd);
	int (*close)(int fd);
	int (*rename)(const char *from, const char *to);
	int (*unlink)(const char *path);
	int (*rmdir)(const char *path);
	int (*mkdir)(const char *path, mode_t mode);
	int (*stat)(const char *path, struct stat *st);
	DIR *(*opendir)(const char *path);
	struct dirent *(*readdir)(DIR *d);
	int (*closedir)(DIR *d);
};

/* The live table every posix storage uses. Tests replace entries (a fake may
 * call through to mt_posix_syscalls_real()) and restore them with
 * mt_posix_syscalls_reset(). Not for concurrent change: tests only. */
struct mt_posix_syscalls *mt_posix_syscalls(void);

/* The real libc calls, for fakes that wrap them. */
const struct mt_posix_syscalls *mt_posix_syscalls_real(void);

/* Puts every entry of the live table back to the real call. */
void mt_posix_syscalls_reset(void);

struct mt_posix_storage {
	struct mt_storage dev; /* hand &s->dev to the firmware */
};

/* Paths are used as given (relative to the working folder unless absolute);
 * handles are the real file descriptors. Cannot fail; nothing to free. */
void mt_posix_storage_init(struct mt_posix_storage *s);

#endif
