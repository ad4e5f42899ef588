/* Fake random: the same seed gives the same stream, whatever the fill sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake/fake_random.h"

static void test_deterministic_per_seed(void **state)
{
	struct mt_fake_random a, b, c;
	uint8_t x[108], y[108], z[108];

	mt_fake_random_init(&a, 42);
	mt_fake_random_init(&b, 42);
	mt_fake_random_init(&c, 43);
	assert_int_equal(mt_random_fill(&a.dev, x, sizeof(x)), 0);
	/* The same 108 bytes in pieces that do not align with the 8-byte words. */
	assert_int_equal(mt_random_fill(&b.dev, y, 3), 0);
	assert_int_equal(mt_random_fill(&b.dev, y + 3, 5), 0);
	assert_int_equal(mt_random_fill(&b.dev, y + 8, 0), 0);
	assert_int_equal(mt_random_fill(&b.dev, y + 8, 100), 0);
	assert_memory_equal(x, y, sizeof(x));
	assert_int_equal(mt_random_fill(&c.dev, z, sizeof(z)), 0);
	assert_memory_not_equal(x, z, sizeof(x));

	/* The stream goes on: the next fill differs from the first. */
	assert_int_equal(mt_random_fill(&a.dev, z, sizeof(z)), 0);
	assert_memory_not_equal(x, z, sizeof(x));

	/* splitmix64 from seed 0 starts 0xe220a8397b1dcdaf (little-endian here). */
	mt_fake_random_free(&c);
	mt_fake_random_init(&c, 0);
	assert_int_equal(mt_random_fill(&c.dev, z, 8), 0);
	assert_memory_equal(z, "\xaf\xcd\x1d\x7b\x39\xa8\x20\xe2", 8);

	mt_fake_random_free(&a);
	mt_fake_random_free(&a);
	mt_fake_random_free(&b);
	mt_fake_random_free(&c);
	mt_fake_random_free(NULL);
}

static void test_fault_injection(void **state)
{
	struct mt_fake_random r;
	uint8_t buf[4];

	mt_fake_random_init(&r, 1);
	mt_fake_random_fail(&r, -EIO);
	assert_int_equal(mt_random_fill(&r.dev, buf, sizeof(buf)), -EIO);
	mt_fake_random_fail(&r, 0);
	assert_int_equal(mt_random_fill(&r.dev, buf, sizeof(buf)), 0);
	mt_fake_random_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic_per_seed),
		cmocka_unit_test(test_fault_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
