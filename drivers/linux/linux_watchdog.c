/* The Linux watchdog device: see linux_watchdog.h. */
#include "linux/linux_watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/log.h"

MT_LOG_MODULE("watchdog");

static int real_open(const char *path, int flags)
{
	return open(path, flags);
}

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static const struct mt_wdt_syscalls real_calls = {
	.open = real_open,
	.ioctl = real_ioctl,
	.write = write,
	.close = close,
};

static int wdt_start(struct mt_watchdog *dev, uint32_t timeout_ms)
{
	struct mt_linux_watchdog *w = dev->priv;
	struct watchdog_info info;
	int secs = (int)((timeout_ms + 999) / 1000);

	if (w->fd >= 0)
		return -EBUSY;
	w->fd = w->sys->open(w->path, O_WRONLY | O_CLOEXEC);
	if (w->fd < 0) {
		int err = errno;

		MT_ERR("%s: %s%s", w->path, strerror(err),
		       err == EBUSY ? " (another process holds it: systemd's RuntimeWatchdogSec?)" :
				      "");
		return -err;
	}
	memset(&info, 0, sizeof(info));
	w->identity[0] = '\0';
	w->magic_close = false;
	if (w->sys->ioctl(w->fd, WDIOC_GETSUPPORT, &info) == 0) {
		snprintf(w->identity, sizeof(w->identity), "%.*s", (int)sizeof(info.identity),
			 (const char *)info.identity);
		w->magic_close = (info.options & WDIOF_MAGICCLOSE) != 0;
	}
	if (secs < 1)
		secs = 1;
	/* the device may round it, or clamp it to its range: it says which */
	if (w->sys->ioctl(w->fd, WDIOC_SETTIMEOUT, &secs) != 0 &&
	    w->sys->ioctl(w->fd, WDIOC_GETTIMEOUT, &secs) != 0)
		secs = 0;
	w->timeout_s = secs;
	if (secs && (uint32_t)secs * 1000 < timeout_ms)
		MT_WRN("%s runs with %d s, shorter than the %u ms asked", w->path, secs,
		       (unsigned)timeout_ms);
	MT_INF("%s (%s) armed: timeout %d s%s", w->path, w->identity[0] ? w->identity : "?", secs,
	       w->magic_close ? "" : ", cannot be disarmed");
	return 0;
}

static int wdt_feed(struct mt_watchdog *dev)
{
	struct mt_linux_watchdog *w = dev->priv;

	if (w->fd < 0)
		return -EBADF;
	if (w->sys->ioctl(w->fd, WDIOC_KEEPALIVE, NULL) == 0)
		return 0;
	/* a driver without the ioctl: any write is a keepalive */
	return w->sys->write(w->fd, "k", 1) == 1 ? 0 : -errno;
}

static int wdt_stop(struct mt_watchdog *dev)
{
	struct mt_linux_watchdog *w = dev->priv;
	int ret = 0;

	if (w->fd < 0)
		return 0;
	if (!w->magic_close || w->sys->write(w->fd, "V", 1) != 1)
		ret = -ENOSYS; /* closed, but still armed */
	w->sys->close(w->fd);
	w->fd = -1;
	return ret;
}

static const struct mt_watchdog_ops ops = {
	.start = wdt_start,
	.feed = wdt_feed,
	.stop = wdt_stop,
};

void mt_linux_watchdog_init(struct mt_linux_watchdog *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->fd = -1;
	w->sys = &real_calls;
	w->dev = (struct mt_watchdog){ .ops = &ops, .name = w->path, .priv = w };
}

void mt_linux_watchdog_set_syscalls(struct mt_linux_watchdog *w, const struct mt_wdt_syscalls *sys)
{
	w->sys = sys ? sys : &real_calls;
}
