/* DRBG: NIST CTR_DRBG known answers through the random hal, determinism from
 * the fake random, hal failures, use as an mbedTLS f_rng, and wiping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/bignum.h>

#include "evidence/drbg.h"
#include "fake/fake_random.h"
#include "rsp.h"

/* A random hal that hands out fixed bytes once, to feed NIST's entropy and
 * nonce in; asking for more than it holds fails. */
struct replay_random {
	struct mt_random dev;
	const uint8_t *bytes;
	size_t len, used;
};

static int replay_fill(struct mt_random *dev, void *buf, size_t len)
{
	struct replay_random *r = dev->priv;

	if (len > r->len - r->used)
		return -ENODATA;
	memcpy(buf, r->bytes + r->used, len);
	r->used += len;
	return 0;
}

static const struct mt_random_ops replay_ops = { .fill = replay_fill };

static void test_nist_known_answers(void **state)
{
	struct rsp_record r = { 0 };
	FILE *f = rsp_open("ctr_drbg/CTR_DRBG_AES256_df_no_reseed.rsp");
	int vectors = 0;

	while (rsp_next(f, &r)) {
		size_t elen, nlen, want_len;
		uint8_t *entropy = rsp_hex(rsp_get(&r, "EntropyInput", 0), &elen);
		uint8_t *nonce = rsp_hex(rsp_get(&r, "Nonce", 0), &nlen);
		uint8_t *want = rsp_hex(rsp_get(&r, "ReturnedBits", 0), &want_len);
		uint8_t seed[MT_DRBG_ENTROPY_BYTES + MT_DRBG_NONCE_BYTES], got[64];
		struct replay_random rr = { .dev = { &replay_ops, "replay", &rr },
					    .bytes = seed,
					    .len = sizeof(seed) };
		struct mt_drbg d;

		assert_int_equal(elen, MT_DRBG_ENTROPY_BYTES);
		assert_int_equal(nlen, MT_DRBG_NONCE_BYTES);
		assert_int_equal(want_len, sizeof(got));
		memcpy(seed, entropy, elen);
		memcpy(seed + elen, nonce, nlen);

		mt_drbg_init(&d);
		assert_int_equal(mt_drbg_seed(&d, &rr.dev, NULL), 0);
		assert_int_equal(rr.used, sizeof(seed)); /* all of it, once */
		assert_int_equal(mt_drbg_random(&d, got, sizeof(got)), 0);
		assert_int_equal(mt_drbg_random(&d, got, sizeof(got)), 0);
		assert_memory_equal(got, want, sizeof(got));
		mt_drbg_free(&d);

		free(entropy);
		free(nonce);
		free(want);
		vectors++;
	}
	rsp_free(&r);
	fclose(f);
	assert_true(vectors >= 3);
}

/* Draws of 1, 100 and 5000 bytes (over mbedTLS's 1024-byte request limit)
 * from a DRBG seeded by a fake random with this seed and personalization. */
static void draw(uint64_t seed, const char *personalization, uint8_t out[5101])
{
	struct mt_fake_random fr;
	struct mt_drbg d;

	mt_fake_random_init(&fr, seed);
	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, personalization), 0);
	assert_int_equal(mt_drbg_random(&d, out, 1), 0);
	assert_int_equal(mt_drbg_random(&d, out + 1, 100), 0);
	assert_int_equal(mt_drbg_random(&d, out + 101, 5000), 0);
	mt_drbg_free(&d);
	mt_fake_random_free(&fr);
}

static void test_same_seed_same_bytes(void **state)
{
	static uint8_t a[5101], b[5101];

	draw(42, "matthan test", a);
	draw(42, "matthan test", b);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_other_seed_or_personalization_other_bytes(void **state)
{
	static uint8_t a[5101], b[5101], c[5101];

	draw(42, "matthan test", a);
	draw(43, "matthan test", b);
	draw(42, "matthan other", c);
	/* Compare every part, so no draw is left out of the check. */
	assert_memory_not_equal(a, b, 1 + 100);
	assert_memory_not_equal(a + 101, b + 101, 5000);
	assert_memory_not_equal(a + 1, c + 1, 100);
	assert_memory_not_equal(a + 101, c + 101, 5000);
}

/* Seeding again starts over: the same bytes as a fresh generator. */
static void test_reseeding_starts_over(void **state)
{
	static uint8_t a[5101];
	uint8_t b[101];
	struct mt_fake_random fr;
	struct mt_drbg d;

	draw(7, NULL, a);
	mt_fake_random_init(&fr, 99);
	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, NULL), 0);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), 0);
	mt_fake_random_free(&fr);
	mt_fake_random_init(&fr, 7);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, ""), 0);
	assert_int_equal(mt_drbg_random(&d, b, 1), 0);
	assert_int_equal(mt_drbg_random(&d, b + 1, 100), 0);
	assert_memory_equal(b, a, sizeof(b));
	mt_drbg_free(&d);
	mt_fake_random_free(&fr);
}

static void test_hal_failure_at_seed(void **state)
{
	struct mt_fake_random fr;
	struct mt_drbg d;
	uint8_t b[16];

	mt_fake_random_init(&fr, 1);
	mt_fake_random_fail(&fr, -EIO);
	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, NULL), -EIO);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), -EINVAL);
	mt_drbg_free(&d);
	mt_fake_random_free(&fr);
}

/* A reseed that fails returns the hal's error, not an mbedTLS code. */
static void test_hal_failure_at_reseed(void **state)
{
	struct mt_fake_random fr;
	struct mt_drbg d;
	uint8_t b[16];

	mt_fake_random_init(&fr, 1);
	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, NULL), 0);
	mbedtls_ctr_drbg_set_reseed_interval(&d.ctr, 1);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), 0);
	mt_fake_random_fail(&fr, -EAGAIN);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), -EAGAIN);
	mt_fake_random_fail(&fr, 0);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), 0);
	mt_drbg_free(&d);
	mt_fake_random_free(&fr);
}

static void test_unseeded_and_bad_arguments(void **state)
{
	struct mt_fake_random fr;
	struct mt_drbg d;
	char longp[400];
	uint8_t b[16];

	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), -EINVAL);
	mt_fake_random_init(&fr, 1);
	memset(longp, 'p', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, longp), -EINVAL);
	longp[336] = '\0'; /* the longest that fits beside entropy and nonce */
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, longp), 0);
	mt_drbg_free(&d);
	mt_fake_random_free(&fr);
}

/* mbedTLS takes mt_drbg_random as its f_rng: a bignum filled through it
 * holds exactly the bytes a twin generator gives directly. */
static void test_is_an_mbedtls_f_rng(void **state)
{
	struct mt_fake_random fr1, fr2;
	struct mt_drbg d1, d2;
	uint8_t direct[64], via[64];
	mbedtls_mpi x;

	mt_fake_random_init(&fr1, 5);
	mt_fake_random_init(&fr2, 5);
	mt_drbg_init(&d1);
	mt_drbg_init(&d2);
	assert_int_equal(mt_drbg_seed(&d1, &fr1.dev, "f_rng"), 0);
	assert_int_equal(mt_drbg_seed(&d2, &fr2.dev, "f_rng"), 0);
	mbedtls_mpi_init(&x);
	assert_int_equal(mbedtls_mpi_fill_random(&x, sizeof(via), mt_drbg_random, &d1), 0);
	assert_int_equal(mbedtls_mpi_write_binary(&x, via, sizeof(via)), 0);
	assert_int_equal(mt_drbg_random(&d2, direct, sizeof(direct)), 0);
	assert_memory_equal(via, direct, sizeof(via));
	mbedtls_mpi_free(&x);
	mt_drbg_free(&d1);
	mt_drbg_free(&d2);
	mt_fake_random_free(&fr1);
	mt_fake_random_free(&fr2);
}

/* Bytes of an object that are not zero (a wiped secret has none). */
static size_t nonzero_bytes(const void *mem, size_t len)
{
	const uint8_t *p = mem;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] != 0;
	return n;
}

/* After free only mbedTLS's "as after init" counters may be non-zero: the
 * AES key and the counter block are gone. */
static void test_free_wipes(void **state)
{
	struct mt_fake_random fr;
	struct mt_drbg d;
	uint8_t b[32];

	mt_fake_random_init(&fr, 3);
	mt_drbg_init(&d);
	assert_int_equal(mt_drbg_seed(&d, &fr.dev, NULL), 0);
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), 0);
	assert_true(nonzero_bytes(&d, sizeof(d)) > 32);
	mt_drbg_free(&d);
	assert_true(nonzero_bytes(&d, sizeof(d)) <= 2 * sizeof(int));
	assert_int_equal(mt_drbg_random(&d, b, sizeof(b)), -EINVAL);
	mt_drbg_free(&d);
	mt_drbg_free(NULL);
	mt_fake_random_free(&fr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_known_answers),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_other_seed_or_personalization_other_bytes),
		cmocka_unit_test(test_reseeding_starts_over),
		cmocka_unit_test(test_hal_failure_at_seed),
		cmocka_unit_test(test_hal_failure_at_reseed),
		cmocka_unit_test(test_unseeded_and_bad_arguments),
		cmocka_unit_test(test_is_an_mbedtls_f_rng),
		cmocka_unit_test(test_free_wipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
