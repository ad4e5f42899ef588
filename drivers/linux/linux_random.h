/* Linux random: getrandom(2), which blocks only until the kernel's pool is
 * first seeded at boot. EINTR and short reads are retried. The system call
 * goes through a table so tests can inject both. */
#ifndef MT_LINUX_RANDOM_H
#define MT_LINUX_RANDOM_H

#include <stddef.h>
#include <sys/types.h>

#include "hal/random.h"

struct mt_linux_random_sys {
	ssize_t (*getrandom)(void *buf, size_t len, unsigned int flags);
};

/* The real system calls. */
extern const struct mt_linux_random_sys mt_linux_random_syscalls;

struct mt_linux_random {
	struct mt_random dev; /* hand &r.dev to the firmware */
	const struct mt_linux_random_sys *sys;
};

/* Uses mt_linux_random_syscalls; a test may point r->sys at its own table. */
void mt_linux_random_init(struct mt_linux_random *r);

#endif
