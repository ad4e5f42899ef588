/* Linux serial console: a tty (UART, USB serial) in raw 8N1 at the
 * configured baud, or, for the device "pty", a new pseudo-terminal whose
 * slave path (path()) a terminal program such as picocom or screen opens.
 * read, write and poll go through a table so tests inject EINTR and short
 * writes. */
#ifndef MT_LINUX_SERIAL_H
#define MT_LINUX_SERIAL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#include "hal/serial.h"

/* A write that cannot progress this long fails with -ETIMEDOUT: a console
 * nobody reads (a pty without a terminal, a stalled USB adapter) must not
 * block its thread until the supervisor resets the board. */
#define MT_LINUX_SERIAL_WRITE_TIMEOUT_MS 2000

#define MT_LINUX_SERIAL_PATH_MAX 128

struct mt_linux_serial_sys {
	ssize_t (*read)(int fd, void *buf, size_t len);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*poll)(struct pollfd *fds, nfds_t nfds, int timeout_ms);
};

/* The real system calls. */
extern const struct mt_linux_serial_sys mt_linux_serial_syscalls;

struct mt_linux_serial {
	struct mt_serial dev; /* hand &s.dev to the firmware */
	const struct mt_linux_serial_sys *sys;
	int fd;               /* the tty, or the pty's master; -1 when closed */
	int hold_fd;          /* pty: our own open of the slave, so the line never hangs up */
	struct termios saved; /* tty: settings restored at close */
	bool restore;
	char path[MT_LINUX_SERIAL_PATH_MAX];
};

/* Uses mt_linux_serial_syscalls; a test may point s->sys at its own table. */
void mt_linux_serial_init(struct mt_linux_serial *s);

/* The termios speed constant (B115200) for baud: 0, or -EINVAL. */
int mt_linux_serial_speed(unsigned int baud, speed_t *out);

#endif
