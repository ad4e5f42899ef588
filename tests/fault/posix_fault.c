/* Fault-injecting syscall table for the POSIX storage tests. */
#include "posix_fault.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "linux/posix_storage.h"

#define MAX_FDS 64

static struct {
	long calls;
	int kind_err[PF_NKINDS];
	long fail_at;
	int fail_err;
	long crash_at;
	size_t short_write;
	int fds[MAX_FDS];
	int nfds;
} pf;

#define REAL (mt_posix_syscalls_real())

#define CRASHED 2

/* Counts the call; 0, or 1 (errno set) if it must fail, or CRASHED. */
static int hit(enum pf_kind kind)
{
	pf.calls++;
	if (pf.crash_at && pf.calls >= pf.crash_at) {
		errno = EIO;
		return CRASHED;
	}
	if (pf.fail_at && pf.calls == pf.fail_at) {
		pf.fail_at = 0;
		errno = pf.fail_err;
		return 1;
	}
	if (pf.kind_err[kind]) {
		errno = pf.kind_err[kind];
		return 1;
	}
	return 0;
}

static void fd_track(int fd)
{
	if (fd >= 0 && pf.nfds < MAX_FDS)
		pf.fds[pf.nfds++] = fd;
}

static void fd_untrack(int fd)
{
	for (int i = 0; i < pf.nfds; i++) {
		if (pf.fds[i] == fd) {
			pf.fds[i] = pf.fds[--pf.nfds];
			return;
		}
	}
}

static int f_open(const char *path, int flags, mode_t mode)
{
	int fd;

	if (hit(PF_OPEN))
		return -1;
	fd = REAL->open(path, flags, mode);
	fd_track(fd);
	return fd;
}

static ssize_t f_read(int fd, void *buf, size_t len)
{
	return hit(PF_READ) ? -1 : REAL->read(fd, buf, len);
}

static ssize_t f_write(int fd, const void *buf, size_t len)
{
	if (hit(PF_WRITE))
		return -1;
	if (pf.short_write && len > pf.short_write)
		len = pf.short_write;
	return REAL->write(fd, buf, len);
}

static int f_fsync(int fd)
{
	return hit(PF_FSYNC) ? -1 : REAL->fsync(fd);
}

/* Linux releases the descriptor even when close() fails; after a crash
 * nothing happens any more, and the descriptor is left to pf_close_leaked. */
static int f_close(int fd)
{
	int h = hit(PF_CLOSE), err = errno;

	if (h == CRASHED)
		return -1;
	fd_untrack(fd);
	REAL->close(fd);
	errno = err;
	return h ? -1 : 0;
}

static int f_rename(const char *from, const char *to)
{
	return hit(PF_RENAME) ? -1 : REAL->rename(from, to);
}

static int f_unlink(const char *path)
{
	return hit(PF_UNLINK) ? -1 : REAL->unlink(path);
}

static int f_rmdir(const char *path)
{
	return hit(PF_RMDIR) ? -1 : REAL->rmdir(path);
}

static int f_mkdir(const char *path, mode_t mode)
{
	return hit(PF_MKDIR) ? -1 : REAL->mkdir(path, mode);
}

static int f_stat(const char *path, struct stat *st)
{
	return hit(PF_STAT) ? -1 : REAL->stat(path, st);
}

static DIR *f_opendir(const char *path)
{
	return hit(PF_OPENDIR) ? NULL : REAL->opendir(path);
}

static struct dirent *f_readdir(DIR *d)
{
	return hit(PF_READDIR) ? NULL : REAL->readdir(d);
}

static int f_closedir(DIR *d)
{
	/* The DIR is freed either way, or it would leak in the test. */
	int failed = hit(PF_CLOSEDIR), err = errno;

	REAL->closedir(d);
	errno = err;
	return failed ? -1 : 0;
}

void pf_install(void)
{
	struct mt_posix_syscalls *sys = mt_posix_syscalls();

	memset(&pf, 0, sizeof(pf));
	sys->open = f_open;
	sys->read = f_read;
	sys->write = f_write;
	sys->fsync = f_fsync;
	sys->close = f_close;
	sys->rename = f_rename;
	sys->unlink = f_unlink;
	sys->rmdir = f_rmdir;
	sys->mkdir = f_mkdir;
	sys->stat = f_stat;
	sys->opendir = f_opendir;
	sys->readdir = f_readdir;
	sys->closedir = f_closedir;
}

void pf_remove(void)
{
	pf_close_leaked();
	mt_posix_syscalls_reset();
}

long pf_calls(void)
{
	return pf.calls;
}

void pf_fail_kind(enum pf_kind kind, int err)
{
	pf.kind_err[kind] = err;
}

void pf_fail_at(long n, int err)
{
	pf.fail_at = n ? pf.calls + n : 0;
	pf.fail_err = err;
}

void pf_crash_at(long n)
{
	pf.crash_at = n ? pf.calls + n : 0;
}

void pf_short_writes(size_t max)
{
	pf.short_write = max;
}

int pf_close_leaked(void)
{
	int n = pf.nfds;

	while (pf.nfds > 0)
		REAL->close(pf.fds[--pf.nfds]);
	return n;
}
