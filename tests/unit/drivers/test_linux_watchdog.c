/* Linux /dev/watchdog driver against a simulated device (this kernel has
 * none; the driver's system calls are replaced): the timeout asked in whole
 * seconds and read back when the device rounds or clamps it, or keeps a
 * fixed one; keepalives by ioctl or, without it, by write; the magic close
 * where the device honours it, and -ENOSYS (still armed) where it does not;
 * a missing or busy device refused at start with its errno. */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "linux/linux_watchdog.h"

#define FD 7

/* the simulated device */
static struct {
	int open_errno; /* refuse open with this */
	bool opened;    /* held: a second open is EBUSY, as the kernel does */
	bool armed;
	bool magic;        /* WDIOF_MAGICCLOSE */
	bool fixed;        /* SETTIMEOUT unsupported */
	bool no_keepalive; /* KEEPALIVE unsupported: writes feed it */
	int max_s;         /* SETTIMEOUT clamps to this */
	int timeout_s;
	int keepalives, writes;
	char last_write;
	char path[64];
} d;

static int sim_open(const char *path, int flags)
{
	snprintf(d.path, sizeof(d.path), "%s", path);
	assert_int_equal(flags & O_ACCMODE, O_WRONLY);
	if (d.open_errno || d.opened) {
		errno = d.open_errno ? d.open_errno : EBUSY;
		return -1;
	}
	d.opened = d.armed = true; /* opening arms it */
	return FD;
}

static int sim_ioctl(int fd, unsigned long request, void *arg)
{
	assert_int_equal(fd, FD);
	switch (request) {
	case WDIOC_GETSUPPORT: {
		struct watchdog_info *i = arg;

		memset(i, 0, sizeof(*i));
		snprintf((char *)i->identity, sizeof(i->identity), "sim wdt");
		i->options = WDIOF_KEEPALIVEPING | (d.fixed ? 0 : WDIOF_SETTIMEOUT) |
			     (d.magic ? WDIOF_MAGICCLOSE : 0);
		return 0;
	}
	case WDIOC_SETTIMEOUT:
		if (d.fixed)
			break;
		d.timeout_s = *(int *)arg > d.max_s ? d.max_s : *(int *)arg;
		*(int *)arg = d.timeout_s;
		return 0;
	case WDIOC_GETTIMEOUT:
		*(int *)arg = d.timeout_s;
		return 0;
	case WDIOC_KEEPALIVE:
		if (d.no_keepalive)
			break;
		d.keepalives++;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static ssize_t sim_write(int fd, const void *buf, size_t len)
{
	assert_int_equal(fd, FD);
	d.writes++;
	d.last_write = ((const char *)buf)[len - 1];
	return (ssize_t)len;
}

static int sim_close(int fd)
{
	assert_int_equal(fd, FD);
	if (d.magic && d.last_write == 'V')
		d.armed = false;
	d.opened = false;
	return 0;
}

static const struct mt_wdt_syscalls sim = { sim_open, sim_ioctl, sim_write, sim_close };

static struct mt_linux_watchdog w;

static int setup(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	d.magic = true;
	d.max_s = 60;
	d.timeout_s = 30;
	mt_linux_watchdog_init(&w, "/dev/watchdog1");
	mt_linux_watchdog_set_syscalls(&w, &sim);
	return 0;
}

static void test_arm_feed_disarm(void **state)
{
	(void)state;
	assert_int_equal(mt_watchdog_feed(&w.dev), -EBADF); /* not started */
	assert_int_equal(mt_watchdog_start(&w.dev, 14500), 0);
	assert_string_equal(d.path, "/dev/watchdog1");
	assert_true(d.armed);
	assert_int_equal(d.timeout_s, 15); /* rounded up to whole seconds */
	assert_int_equal(w.timeout_s, 15);
	assert_string_equal(w.identity, "sim wdt");
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), -EBUSY); /* once */
	for (int i = 0; i < 3; i++)
		assert_int_equal(mt_watchdog_feed(&w.dev), 0);
	assert_int_equal(d.keepalives, 3);
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
	assert_false(d.armed); /* the magic 'V' went before the close */
	assert_false(d.opened);
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);       /* twice is fine */
	assert_int_equal(mt_watchdog_start(&w.dev, 500), 0); /* again; under 1 s asks 1 */
	assert_int_equal(d.timeout_s, 1);
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
}

static void test_clamped_and_fixed_timeouts(void **state)
{
	(void)state;
	d.max_s = 8; /* many SoC watchdogs top out at a few seconds */
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), 0);
	assert_int_equal(w.timeout_s, 8);
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
	d.fixed = true;
	d.timeout_s = 27;
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), 0);
	assert_int_equal(w.timeout_s, 27); /* read back */
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
}

static void test_no_magic_close_stays_armed(void **state)
{
	(void)state;
	d.magic = false;
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), 0);
	assert_int_equal(mt_watchdog_stop(&w.dev), -ENOSYS);
	assert_true(d.armed);
	assert_false(d.opened);        /* closed: a new start (the next process) may open it */
	assert_int_equal(d.writes, 0); /* no 'V' to a device that ignores it */
}

static void test_keepalive_by_write(void **state)
{
	(void)state;
	d.no_keepalive = true;
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), 0);
	assert_int_equal(mt_watchdog_feed(&w.dev), 0);
	assert_int_equal(d.writes, 1);
	assert_int_equal(d.last_write, 'k');
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
	assert_int_equal(d.last_write, 'V');
}

static void test_missing_or_busy(void **state)
{
	(void)state;
	d.open_errno = ENOENT;
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), -ENOENT);
	d.open_errno = 0;
	d.opened = true; /* systemd holds it */
	assert_int_equal(mt_watchdog_start(&w.dev, 15000), -EBUSY);
	assert_int_equal(mt_watchdog_feed(&w.dev), -EBADF);
	assert_int_equal(mt_watchdog_stop(&w.dev), 0);
}

/* The real device path on this machine: none, so start says which errno. */
static void test_real_calls(void **state)
{
	struct mt_linux_watchdog r;

	(void)state;
	mt_linux_watchdog_init(&r, "/nonexistent/watchdog");
	assert_int_equal(mt_watchdog_start(&r.dev, 15000), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arm_feed_disarm, setup),
		cmocka_unit_test_setup(test_clamped_and_fixed_timeouts, setup),
		cmocka_unit_test_setup(test_no_magic_close_stays_armed, setup),
		cmocka_unit_test_setup(test_keepalive_by_write, setup),
		cmocka_unit_test_setup(test_missing_or_busy, setup),
		cmocka_unit_test(test_real_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
