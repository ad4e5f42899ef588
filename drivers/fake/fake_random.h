/* Fake random: a deterministic splitmix64 stream from a seed, so a test that
 * needs "random" bytes (nonces, upload ids, key seeds) is reproducible.
 * Never for a real device: it is predictable by design. */
#ifndef MT_FAKE_RANDOM_H
#define MT_FAKE_RANDOM_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "hal/random.h"

struct mt_fake_random {
	struct mt_random dev; /* hand &r.dev to the firmware */
	pthread_mutex_t lock;
	uint64_t state;
	uint64_t state_word; /* the word bytes are being taken from */
	uint64_t calls;
	uint64_t bytes;
	int fail; /* fault injection: fill() returns this if non-zero */
};

/* The same seed gives the same bytes, whatever the sizes of the fills. */
void mt_fake_random_init(struct mt_fake_random *r, uint64_t seed);

/* Destroys the lock. NULL and a second call are fine. */
void mt_fake_random_free(struct mt_fake_random *r);

/* From now on, fill() fails with err (0 restores success). */
void mt_fake_random_fail(struct mt_fake_random *r, int err);

#endif
