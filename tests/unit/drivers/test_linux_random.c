/* Linux random: getrandom fills; EINTR and short reads are retried; errors
 * are returned. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "linux/linux_random.h"

static void test_fills_and_differs(void **state)
{
	struct mt_linux_random r;
	uint8_t a[64], b[64], zero[64] = { 0 };
	static uint8_t big[1 << 20];

	mt_linux_random_init(&r);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(mt_random_fill(&r.dev, a, sizeof(a)), 0);
	assert_int_equal(mt_random_fill(&r.dev, b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(mt_random_fill(&r.dev, big, sizeof(big)), 0);
	assert_memory_not_equal(big + sizeof(big) - 64, zero, 64); /* the tail too */
	assert_int_equal(mt_random_fill(&r.dev, a, 0), 0);
}

static int calls;
static int fail_errno;
static uint8_t counter;

/* Fails with EINTR on the first call, then gives at most 7 bytes a call
 * from a counter, or fails with fail_errno when that is set. */
static ssize_t flaky_getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;
	size_t i;

	if (calls++ == 0 || fail_errno) {
		errno = calls == 1 ? EINTR : fail_errno;
		return -1;
	}
	for (i = 0; i < len && i < 7; i++)
		p[i] = counter++;
	return (ssize_t)i;
}

static const struct mt_linux_random_sys flaky = { .getrandom = flaky_getrandom };

static void test_eintr_and_short_reads_retried(void **state)
{
	struct mt_linux_random r;
	uint8_t buf[100];

	mt_linux_random_init(&r);
	r.sys = &flaky;
	calls = 0;
	counter = 0;
	fail_errno = 0;
	assert_int_equal(mt_random_fill(&r.dev, buf, sizeof(buf)), 0);
	assert_int_equal(calls, 1 + (100 + 6) / 7);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], i); /* every byte, in order, none twice */
}

static void test_error_returned(void **state)
{
	struct mt_linux_random r;
	uint8_t buf[8];

	mt_linux_random_init(&r);
	r.sys = &flaky;
	calls = 1; /* skip the EINTR */
	fail_errno = ENOSYS;
	assert_int_equal(mt_random_fill(&r.dev, buf, sizeof(buf)), -ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_and_differs),
		cmocka_unit_test(test_eintr_and_short_reads_retried),
		cmocka_unit_test(test_error_returned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
