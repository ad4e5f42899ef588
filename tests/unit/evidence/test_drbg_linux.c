/* DRBG seeded from the real Linux random hal (getrandom): two generators
 * never agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "evidence/drbg.h"
#include "linux/linux_random.h"

static void test_linux_seeds_differ(void **state)
{
	struct mt_linux_random lr;
	struct mt_drbg a, b;
	uint8_t x[64], y[64];

	mt_linux_random_init(&lr);
	mt_drbg_init(&a);
	mt_drbg_init(&b);
	assert_int_equal(mt_drbg_seed(&a, &lr.dev, "linux test"), 0);
	assert_int_equal(mt_drbg_seed(&b, &lr.dev, "linux test"), 0);
	assert_int_equal(mt_drbg_random(&a, x, sizeof(x)), 0);
	assert_int_equal(mt_drbg_random(&b, y, sizeof(y)), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	mt_drbg_free(&a);
	mt_drbg_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_seeds_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
