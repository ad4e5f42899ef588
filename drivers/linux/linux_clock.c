/* Linux clock driver. */
#include "linux/linux_clock.h"

#include <errno.h>
#include <sys/timex.h>
#include <time.h>

static int64_t ts_us(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

static int64_t linux_mono_us(struct mt_clock *dev)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_us(&ts);
}

static int linux_utc(struct mt_clock *dev, struct mt_utc *out)
{
	struct timespec ts;
	struct timex tx = { 0 };
	int state;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -errno;
	out->unix_us = ts_us(&ts);
	/* adjtimex with modes 0 only reads; TIME_ERROR or STA_UNSYNC means no
	 * time source has disciplined the clock. */
	state = adjtimex(&tx);
	if (state < 0 || state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		out->sync = MT_CLOCK_UNSYNCED;
		out->uncertainty_us = -1;
	} else {
		out->sync = MT_CLOCK_SYNCED;
		out->uncertainty_us = tx.esterror;
	}
	return 0;
}

static int linux_sleep_us(struct mt_clock *dev, int64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static const struct mt_clock_ops linux_clock_ops = {
	.mono_us = linux_mono_us,
	.utc = linux_utc,
	.sleep_us = linux_sleep_us,
};

struct mt_clock mt_linux_clock = {
	.ops = &linux_clock_ops,
	.name = "linux-clock",
};
