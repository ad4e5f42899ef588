/* Random hal: cryptographic-quality random bytes (seeds the DRBG that makes
 * keys). Nothing in firmware/ calls rand() or reads /dev/urandom directly. */
#ifndef MT_HAL_RANDOM_H
#define MT_HAL_RANDOM_H

#include <assert.h>
#include <stddef.h>

struct mt_random;

struct mt_random_ops {
	/* mandatory: fill buf with len random bytes; 0 or a negative errno */
	int (*fill)(struct mt_random *dev, void *buf, size_t len);
};

struct mt_random {
	const struct mt_random_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_random_fill(struct mt_random *dev, void *buf, size_t len)
{
	assert(dev->ops->fill);
	return dev->ops->fill(dev, buf, len);
}

#endif
