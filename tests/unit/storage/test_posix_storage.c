/* POSIX storage on a real temp folder, with faults injected through the
 * syscall table: EINTR is retried inside the driver, short writes come back
 * as short counts, sync_dir really opens and fsyncs the folder. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/file.h"
#include "linux/posix_storage.h"
#include "support.h"

static char *dir;
static struct mt_posix_storage ps;
static struct mt_storage *st;

static int setup(void **state)
{
	dir = mt_test_tmpdir("posix");
	mt_posix_storage_init(&ps);
	st = &ps.dev;
	return 0;
}

static int teardown(void **state)
{
	mt_posix_syscalls_reset();
	return mt_test_tmpdir_remove(&dir);
}

static const char *in_dir(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(in_dir(name), "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char *slurp(const char *name)
{
	static char buf[256];
	FILE *f = fopen(in_dir(name), "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* ---- fakes placed in the table ---- */

static int eintr_left; /* how many EINTRs the next faked calls give */
static int calls;

static ssize_t eintr_read(int fd, void *buf, size_t len)
{
	calls++;
	if (eintr_left > 0) {
		eintr_left--;
		errno = EINTR;
		return -1;
	}
	return mt_posix_syscalls_real()->read(fd, buf, len);
}

static ssize_t eintr_write(int fd, const void *buf, size_t len)
{
	calls++;
	if (eintr_left > 0) {
		eintr_left--;
		errno = EINTR;
		return -1;
	}
	return mt_posix_syscalls_real()->write(fd, buf, len);
}

static int eintr_fsync(int fd)
{
	calls++;
	if (eintr_left > 0) {
		eintr_left--;
		errno = EINTR;
		return -1;
	}
	return mt_posix_syscalls_real()->fsync(fd);
}

/* Linux's close(): the descriptor is gone even when it says EINTR. */
static int eintr_close(int fd)
{
	calls++;
	mt_posix_syscalls_real()->close(fd);
	errno = EINTR;
	return -1;
}

static size_t short_max;

static ssize_t short_write(int fd, const void *buf, size_t len)
{
	calls++;
	return mt_posix_syscalls_real()->write(fd, buf, len < short_max ? len : short_max);
}

static int last_open_flags;
static int fsynced_dir;

static int spy_open(const char *path, int flags, mode_t mode)
{
	last_open_flags = flags;
	return mt_posix_syscalls_real()->open(path, flags, mode);
}

static int spy_fsync(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		fsynced_dir++;
	return mt_posix_syscalls_real()->fsync(fd);
}

/* ---- tests ---- */

static void test_basics(void **state)
{
	char buf[16];
	uint64_t size;
	int fd;

	assert_int_equal(
		mt_storage_open(st, in_dir("a"), MT_O_WRITE | MT_O_CREATE | MT_O_EXCL, &fd), 0);
	assert_int_equal(mt_storage_write(st, fd, "hello", 5), 5);
	assert_int_equal(mt_storage_sync(st, fd), 0);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_string_equal(slurp("a"), "hello");
	assert_int_equal(mt_storage_open(st, in_dir("a"), MT_O_WRITE | MT_O_CREATE | MT_O_EXCL,
					 &fd),
			 -EEXIST);
	assert_int_equal(mt_storage_size(st, in_dir("a"), &size), 0);
	assert_int_equal(size, 5);

	assert_int_equal(mt_storage_open(st, in_dir("a"), MT_O_READ, &fd), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 5);
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 0);
	assert_int_equal(mt_storage_write(st, fd, "x", 1), -EBADF);
	assert_int_equal(mt_storage_seek(st, fd, 3), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(mt_storage_seek(st, fd, 9), 0);
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 0);
	assert_int_equal(mt_storage_seek(st, fd, -2), -EINVAL);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(mt_storage_seek(st, fd, 0), -EBADF);

	assert_int_equal(mt_storage_rename(st, in_dir("a"), in_dir("b")), 0);
	assert_null(slurp("a"));
	assert_string_equal(slurp("b"), "hello");
	assert_int_equal(mt_storage_remove(st, in_dir("b")), 0);
	assert_int_equal(mt_storage_remove(st, in_dir("b")), -ENOENT);
	assert_int_equal(mt_storage_open(st, in_dir("b"), MT_O_READ, &fd), -ENOENT);
	assert_int_equal(mt_storage_open(st, in_dir("b"), 0, &fd), -EINVAL);
}

static int collect(void *arg, const char *name)
{
	char *names = arg;

	strcat(names, name);
	strcat(names, ";");
	return 0;
}

static int stop_at_first(void *arg, const char *name)
{
	(*(int *)arg)++;
	return 42;
}

static void test_folders(void **state)
{
	char names[64] = "";
	int n = 0;

	assert_int_equal(mt_storage_mkdir(st, in_dir("d")), 0);
	assert_int_equal(mt_storage_mkdir(st, in_dir("d")), 0); /* already there */
	put("d/x", "1");
	put("f", "2");
	assert_int_equal(mt_storage_mkdir(st, in_dir("f")), -EEXIST); /* a file */
	assert_int_equal(mt_storage_list(st, in_dir("d"), collect, names), 0);
	assert_string_equal(names, "x;"); /* no "." or ".." */
	assert_int_equal(mt_storage_list(st, dir, stop_at_first, &n), 42);
	assert_int_equal(n, 1);
	assert_int_equal(mt_storage_list(st, in_dir("none"), collect, names), -ENOENT);
	assert_int_equal(mt_storage_remove(st, in_dir("d")), -ENOTEMPTY);
	assert_int_equal(mt_storage_remove(st, in_dir("d/x")), 0);
	assert_int_equal(mt_storage_remove(st, in_dir("d")), 0); /* an empty folder */
	assert_int_equal(mt_storage_sync_dir(st, in_dir("f")), -ENOTDIR);
}

static void test_sync_dir_fsyncs_the_folder(void **state)
{
	struct mt_posix_syscalls *sys = mt_posix_syscalls();

	sys->open = spy_open;
	sys->fsync = spy_fsync;
	fsynced_dir = 0;
	assert_int_equal(mt_storage_sync_dir(st, dir), 0);
	assert_int_equal(fsynced_dir, 1);
	assert_true(last_open_flags & O_DIRECTORY);
	assert_int_equal(last_open_flags & O_ACCMODE, O_RDONLY);
}

static void test_eintr_retried(void **state)
{
	struct mt_posix_syscalls *sys = mt_posix_syscalls();
	char buf[8];
	int fd;

	sys->read = eintr_read;
	sys->write = eintr_write;
	sys->fsync = eintr_fsync;
	assert_int_equal(
		mt_storage_open(st, in_dir("a"), MT_O_READ | MT_O_WRITE | MT_O_CREATE, &fd), 0);
	calls = 0;
	eintr_left = 3;
	assert_int_equal(mt_storage_write(st, fd, "abc", 3), 3);
	assert_int_equal(calls, 4);
	eintr_left = 2;
	assert_int_equal(mt_storage_sync(st, fd), 0);
	assert_int_equal(calls, 7);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	eintr_left = 5;
	assert_int_equal(mt_storage_read(st, fd, buf, sizeof(buf)), 3);
	assert_int_equal(calls, 13);
	assert_memory_equal(buf, "abc", 3);

	/* close's EINTR is not retried (the fd is gone), and is no error */
	sys->close = eintr_close;
	calls = 0;
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* really closed */
}

static void test_short_write_returned_then_completed(void **state)
{
	static const char text[] = "0123456789abcdefghij";
	struct mt_posix_syscalls *sys = mt_posix_syscalls();
	int fd;

	sys->write = short_write;
	short_max = 3;
	assert_int_equal(mt_storage_open(st, in_dir("s"), MT_O_WRITE | MT_O_CREATE, &fd), 0);
	calls = 0;
	assert_int_equal(mt_storage_write(st, fd, text, 20), 3); /* the driver does not loop */
	assert_int_equal(calls, 1);
	assert_int_equal(mt_file_write_all(st, fd, text + 3, 17), 0); /* the helper does */
	assert_int_equal(calls, 1 + 6);
	assert_int_equal(mt_storage_close(st, fd), 0);
	assert_string_equal(slurp("s"), text);
}

static void test_table_reset(void **state)
{
	struct mt_posix_syscalls *sys = mt_posix_syscalls();

	sys->write = short_write;
	sys->open = spy_open;
	mt_posix_syscalls_reset();
	assert_ptr_equal(sys->write, mt_posix_syscalls_real()->write);
	assert_ptr_equal(sys->open, mt_posix_syscalls_real()->open);
	assert_memory_equal(sys, mt_posix_syscalls_real(), sizeof(*sys));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_basics),
		T(test_folders),
		T(test_sync_dir_fsyncs_the_folder),
		T(test_eintr_retried),
		T(test_short_write_returned_then_completed),
		T(test_table_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
