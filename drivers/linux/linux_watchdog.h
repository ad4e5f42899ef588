/* The Linux watchdog device (/dev/watchdog, the kernel's watchdog API:
 * WDIOC_* ioctls). start opens it, which arms it, and asks for the timeout
 * (rounded up to whole seconds; a device with a fixed timeout keeps its
 * own, read back with WDIOC_GETTIMEOUT); feed is WDIOC_KEEPALIVE; stop
 * writes the magic 'V' before closing where the device honours it
 * (WDIOF_MAGICCLOSE), and otherwise closes it still armed and says so
 * (-ENOSYS): a process that dies stops feeding, and the board resets
 * unless the next one (mt-boot restarts matthan) opens it in time.
 *
 * Only one process may hold the device: one that systemd already feeds
 * (RuntimeWatchdogSec) gives -EBUSY at start, and matthan stops with that
 * error rather than run without its watchdog (docs/architecture.md). */
#ifndef MT_LINUX_WATCHDOG_H
#define MT_LINUX_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hal/watchdog.h"

/* The system calls the driver makes (libc's, errno convention); tests
 * replace them to play a device this kernel does not have. */
struct mt_wdt_syscalls {
	int (*open)(const char *path, int flags);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*close)(int fd);
};

struct mt_linux_watchdog {
	struct mt_watchdog dev; /* hand &w.dev to the firmware */
	char path[64];
	int fd;            /* -1 while not started */
	int timeout_s;     /* what the device runs with; 0: it would not say */
	bool magic_close;  /* WDIOF_MAGICCLOSE */
	char identity[33]; /* the driver's name (WDIOC_GETSUPPORT), or "" */
	const struct mt_wdt_syscalls *sys;
};

void mt_linux_watchdog_init(struct mt_linux_watchdog *w, const char *path);

/* For tests: the calls to make instead of libc's (NULL: libc's again). */
void mt_linux_watchdog_set_syscalls(struct mt_linux_watchdog *w, const struct mt_wdt_syscalls *sys);

#endif
