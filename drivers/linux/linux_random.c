/* Linux random through getrandom(2). */
#include "linux/linux_random.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"

MT_LOG_MODULE("random");

static ssize_t sys_getrandom(void *buf, size_t len, unsigned int flags)
{
	return getrandom(buf, len, flags);
}

const struct mt_linux_random_sys mt_linux_random_syscalls = {
	.getrandom = sys_getrandom,
};

/* getrandom may return fewer bytes than asked (a signal during a large
 * request), so loop until the buffer is full. */
static int linux_fill(struct mt_random *dev, void *buf, size_t len)
{
	struct mt_linux_random *r = dev->priv;
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = r->sys->getrandom(p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			MT_ERR("getrandom: %s", strerror(err));
			return -err;
		}
		if (n == 0) {
			MT_ERR("getrandom returned no bytes");
			return -EIO;
		}
		done += (size_t)n;
	}
	return 0;
}

static const struct mt_random_ops linux_random_ops = {
	.fill = linux_fill,
};

void mt_linux_random_init(struct mt_linux_random *r)
{
	memset(r, 0, sizeof(*r));
	r->dev.ops = &linux_random_ops;
	r->dev.name = "linux-random";
	r->dev.priv = r;
	r->sys = &mt_linux_random_syscalls;
}
