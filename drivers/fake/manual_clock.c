/* Manual clock for tests. */
#include "fake/manual_clock.h"

#include <string.h>

static int64_t manual_mono_us(struct mt_clock *dev)
{
	struct mt_manual_clock *c = dev->priv;

	return atomic_load(&c->mono_us);
}

static int manual_utc(struct mt_clock *dev, struct mt_utc *out)
{
	struct mt_manual_clock *c = dev->priv;

	*out = c->utc_at_zero;
	out->unix_us += atomic_load(&c->mono_us);
	return 0;
}

static int manual_sleep_us(struct mt_clock *dev, int64_t us)
{
	mt_manual_clock_advance(dev->priv, us);
	return 0;
}

static const struct mt_clock_ops manual_ops = {
	.mono_us = manual_mono_us,
	.utc = manual_utc,
	.sleep_us = manual_sleep_us,
};

void mt_manual_clock_init(struct mt_manual_clock *c)
{
	memset(c, 0, sizeof(*c));
	c->dev.ops = &manual_ops;
	c->dev.name = "manual-clock";
	c->dev.priv = c;
	atomic_init(&c->mono_us, 0);
	c->utc_at_zero.unix_us = 1767225600LL * 1000000; /* 2026-01-01T00:00:00Z */
	c->utc_at_zero.sync = MT_CLOCK_UNSYNCED;
	c->utc_at_zero.uncertainty_us = -1;
}

void mt_manual_clock_advance(struct mt_manual_clock *c, int64_t us)
{
	atomic_fetch_add(&c->mono_us, us);
}

void mt_manual_clock_set(struct mt_manual_clock *c, int64_t mono_us)
{
	atomic_store(&c->mono_us, mono_us);
}
