/* Fake random: splitmix64 (Steele, Lea, Flood 2014). */
#include "fake/fake_random.h"

#include <string.h>

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Bytes are taken from the stream in order (little-endian within each word)
 * with the unused tail of a word kept, so fills of 3 + 5 bytes give the same
 * 8 bytes as one fill of 8. */
static int fake_fill(struct mt_random *dev, void *buf, size_t len)
{
	struct mt_fake_random *r = dev->priv;
	uint8_t *out = buf;
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = r->fail;
	if (ret)
		goto out_unlock;
	r->calls++;
	for (size_t i = 0; i < len; i++) {
		unsigned int at = (unsigned int)(r->bytes % 8);

		if (at == 0)
			r->state_word = splitmix64(&r->state);
		out[i] = (uint8_t)(r->state_word >> (8 * at));
		r->bytes++;
	}
out_unlock:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static const struct mt_random_ops fake_random_ops = {
	.fill = fake_fill,
};

void mt_fake_random_init(struct mt_fake_random *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->dev.ops = &fake_random_ops;
	r->dev.name = "fake-random";
	r->dev.priv = r;
	r->state = seed;
	pthread_mutex_init(&r->lock, NULL);
}

void mt_fake_random_free(struct mt_fake_random *r)
{
	if (!r || !r->dev.ops)
		return;
	pthread_mutex_destroy(&r->lock);
	r->dev.ops = NULL;
}

void mt_fake_random_fail(struct mt_fake_random *r, int err)
{
	pthread_mutex_lock(&r->lock);
	r->fail = err;
	pthread_mutex_unlock(&r->lock);
}
