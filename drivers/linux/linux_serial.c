/* Linux serial console on a tty or a pseudo-terminal. */
#define _GNU_SOURCE /* ptsname_r */
#include "linux/linux_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

MT_LOG_MODULE("serial");

static ssize_t sys_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

static ssize_t sys_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

static int sys_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	return poll(fds, nfds, timeout_ms);
}

const struct mt_linux_serial_sys mt_linux_serial_syscalls = {
	.read = sys_read,
	.write = sys_write,
	.poll = sys_poll,
};

static const struct {
	unsigned int baud;
	speed_t speed;
} speeds[] = {
	{ 1200, B1200 },       { 2400, B2400 },       { 4800, B4800 },       { 9600, B9600 },
	{ 19200, B19200 },     { 38400, B38400 },     { 57600, B57600 },     { 115200, B115200 },
	{ 230400, B230400 },   { 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
	{ 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
	{ 2000000, B2000000 }, { 2500000, B2500000 }, { 3000000, B3000000 },
};

#define NSPEEDS (sizeof(speeds) / sizeof(speeds[0]))

int mt_linux_serial_speed(unsigned int baud, speed_t *out)
{
	for (size_t i = 0; i < NSPEEDS; i++) {
		if (speeds[i].baud == baud) {
			*out = speeds[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline for poll(): -1 (forever) stays -1. */
static int remaining(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Raw 8N1, no flow control, the receiver on, modem lines ignored. */
static int make_raw(int fd, speed_t speed, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	if (saved)
		*saved = t;
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, speed);
	cfsetospeed(&t, speed);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	/* tcsetattr succeeds if any change took; check the speed did. */
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	if (cfgetospeed(&t) != speed)
		return -EINVAL;
	return 0;
}

static int open_pty(struct mt_linux_serial *s, speed_t speed)
{
	int ret;

	s->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0)
		return -errno;
	if (grantpt(s->fd) < 0 || unlockpt(s->fd) < 0)
		goto out_close;
	ret = ptsname_r(s->fd, s->path, sizeof(s->path));
	if (ret) {
		errno = ret;
		goto out_close;
	}
	/* Holding the slave open ourselves keeps the master from seeing a
	 * hangup (EIO, POLLHUP) whenever a terminal program disconnects. The
	 * termios of a pty live on its slave. */
	s->hold_fd = open(s->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->hold_fd < 0)
		goto out_close;
	ret = make_raw(s->hold_fd, speed, NULL);
	if (ret) {
		errno = -ret;
		goto out_close;
	}
	MT_INF("console on pseudo-terminal %s (open it with: picocom %s)", s->path, s->path);
	return 0;

out_close:
	ret = -errno;
	MT_ERR("cannot make a pseudo-terminal: %s", strerror(-ret));
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	close(s->fd);
	s->fd = s->hold_fd = -1;
	return ret;
}

static int open_tty(struct mt_linux_serial *s, const char *device, speed_t speed, unsigned int baud)
{
	int ret;

	/* O_NONBLOCK: a modem line without carrier must not hold up open();
	 * reads and writes wait in poll() anyway. */
	s->fd = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0) {
		ret = -errno;
		MT_ERR("cannot open %s: %s", device, strerror(errno));
		return ret;
	}
	ret = make_raw(s->fd, speed, &s->saved);
	if (ret) {
		MT_ERR("%s: cannot set raw 8N1 at %u baud: %s", device, baud, strerror(-ret));
		goto out_close;
	}
	s->restore = true;
	snprintf(s->path, sizeof(s->path), "%s", device);
	return 0;

out_close:
	close(s->fd);
	s->fd = -1;
	return ret;
}

static int linux_open(struct mt_serial *dev, const struct mt_serial_config *cfg)
{
	struct mt_linux_serial *s = dev->priv;
	speed_t speed;

	if (s->fd >= 0)
		return -EBUSY;
	if (!cfg->device || !*cfg->device)
		return -EINVAL;
	if (mt_linux_serial_speed(cfg->baud, &speed)) {
		MT_ERR("%s: %u baud is not a supported speed (use 9600, 19200, 38400, 57600, "
		       "115200, 230400, 460800, 921600 up to 3000000)",
		       cfg->device, cfg->baud);
		return -EINVAL;
	}
	if (strcmp(cfg->device, "pty") == 0)
		return open_pty(s, speed);
	return open_tty(s, cfg->device, speed, cfg->baud);
}

static ssize_t linux_read(struct mt_serial *dev, void *buf, size_t len, int timeout_ms)
{
	struct mt_linux_serial *s = dev->priv;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	if (s->fd < 0)
		return -EBADF;
	if (len == 0)
		return 0;
	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		int rc = s->sys->poll(&pfd, 1, remaining(deadline));
		ssize_t n;

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return 0;
		if (!(pfd.revents & POLLIN))
			return -EIO; /* POLLHUP or POLLERR: the line went away */
		n = s->sys->read(s->fd, buf, len);
		if (n > 0)
			return n;
		if (n == 0)
			return -EIO; /* hangup */
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		if (remaining(deadline) == 0)
			return 0;
	}
}

static ssize_t linux_write(struct mt_serial *dev, const void *buf, size_t len)
{
	struct mt_linux_serial *s = dev->priv;
	int64_t deadline = now_ms() + MT_LINUX_SERIAL_WRITE_TIMEOUT_MS;
	const uint8_t *p = buf;
	size_t done = 0;

	if (s->fd < 0)
		return -EBADF;
	while (done < len) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		ssize_t n = s->sys->write(s->fd, p + done, len - done);
		int rc;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		/* Full (or a zero-byte write): wait for room. */
		rc = s->sys->poll(&pfd, 1, remaining(deadline));
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc == 0) {
			MT_WRN("%s: nobody reads the console; output dropped", s->path);
			return -ETIMEDOUT;
		}
	}
	return (ssize_t)len;
}

static void linux_close(struct mt_serial *dev)
{
	struct mt_linux_serial *s = dev->priv;

	if (s->fd >= 0 && s->restore)
		tcsetattr(s->fd, TCSANOW, &s->saved);
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = s->hold_fd = -1;
	s->restore = false;
	s->path[0] = '\0';
}

static const char *linux_path(struct mt_serial *dev)
{
	struct mt_linux_serial *s = dev->priv;

	return s->fd >= 0 ? s->path : NULL;
}

static const struct mt_serial_ops linux_serial_ops = {
	.open = linux_open,
	.read = linux_read,
	.write = linux_write,
	.close = linux_close,
	.path = linux_path,
};

void mt_linux_serial_init(struct mt_linux_serial *s)
{
	memset(s, 0, sizeof(*s));
	s->dev.ops = &linux_serial_ops;
	s->dev.name = "linux-serial";
	s->dev.priv = s;
	s->sys = &mt_linux_serial_syscalls;
	s->fd = s->hold_fd = -1;
}
