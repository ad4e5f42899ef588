/* The console password: PBKDF2-HMAC-SHA256 against the vectors in
 * tests/vectors/pbkdf2/ (RFC 7914 section 11 and others), the stored form
 * (salted, parsed back, a wrong password refused, a damaged one refused),
 * what a password may be, the growing delay, and the time one hash takes
 * at the Kconfig iteration count (printed: docs/console.md has the numbers). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "autoconf.h"
#include "console/password.h"
#include "core/config.h"
#include "core/errors.h"
#include "fake/fake_random.h"

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static void test_pbkdf2_vectors(void **state)
{
	char path[512], line[1024];
	const char *dir = getenv("MT_VECTORS");
	int vectors = 0;
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/pbkdf2/pbkdf2-sha256.txt", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char p[256], s[256], dk[256];
		uint8_t pw[128], salt[128], want[128], got[128];
		unsigned iter, len;
		int np, ns;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%255s %255s %u %u %255s", p, s, &iter, &len, dk), 5);
		np = unhex(p, pw, sizeof(pw));
		ns = unhex(s, salt, sizeof(salt));
		assert_true(np >= 0 && ns >= 0);
		assert_int_equal(unhex(dk, want, sizeof(want)), (int)len);
		assert_int_equal(
			mt_password_pbkdf2(pw, (size_t)np, salt, (size_t)ns, iter, got, len), 0);
		assert_memory_equal(got, want, len);
		vectors++;
	}
	fclose(f);
	assert_int_equal(vectors, 7);
}

static void test_pbkdf2_refuses_bad_counts(void **state)
{
	uint8_t out[32];

	assert_int_equal(mt_password_pbkdf2("a", 1, (const uint8_t *)"s", 1, 0, out, 32), -EINVAL);
	assert_int_equal(mt_password_pbkdf2("a", 1, (const uint8_t *)"s", 1,
					    MT_PASSWORD_ITER_MAX + 1, out, 32),
			 -EINVAL);
}

static void test_hash_then_verify(void **state)
{
	struct mt_fake_random r;
	char a[MT_PASSWORD_STORED_MAX], b[MT_PASSWORD_STORED_MAX];
	uint8_t salt[MT_PASSWORD_SALT], hash[MT_PASSWORD_HASH];
	uint32_t iter = 0;

	mt_fake_random_init(&r, 7);
	assert_int_equal(mt_password_hash(&r.dev, "correct horse", 1000, a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "pbkdf2-sha256$1000$", 19), 0);
	assert_int_equal(strlen(a), 19 + 32 + 1 + 64);
	assert_int_equal(mt_password_parse(a, &iter, salt, hash), 0);
	assert_int_equal(iter, 1000);
	assert_int_equal(mt_password_verify(a, "correct horse"), 0);
	assert_int_equal(mt_password_verify(a, "correct hors"), -EACCES);
	assert_int_equal(mt_password_verify(a, "correct horse "), -EACCES);
	assert_int_equal(mt_password_verify(a, ""), -EACCES);
	/* The same password again: another salt, another hash. */
	assert_int_equal(mt_password_hash(&r.dev, "correct horse", 1000, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(mt_password_verify(b, "correct horse"), 0);
	/* The stored form is a valid console.password; a changed one is not. */
	{
		struct mt_config c;

		mt_config_init(&c);
		assert_int_equal(mt_config_set(&c, "console.password", a, NULL), 0);
		assert_string_equal(mt_config_str(&c, MT_CONFIG_CONSOLE_PASSWORD), a);
	}
	/* Too small a buffer, a random source that fails. */
	assert_int_equal(mt_password_hash(&r.dev, "correct horse", 1000, b, 60), -ENOSPC);
	mt_fake_random_fail(&r, -EIO);
	assert_int_equal(mt_password_hash(&r.dev, "correct horse", 1000, b, sizeof(b)), -EIO);
	mt_fake_random_free(&r);
}

static void test_damaged_stored_form_is_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"pbkdf2-sha1$1000$00112233445566778899aabbccddeeff$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"pbkdf2-sha256$0$00112233445566778899aabbccddeeff$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"pbkdf2-sha256$$00112233445566778899aabbccddeeff$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"pbkdf2-sha256$99999999$00112233445566778899aabbccddeeff$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"pbkdf2-sha256$1000$00112233445566778899aabbccddeeFF$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"pbkdf2-sha256$1000$00112233445566778899aabbccddeeff$"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
		"pbkdf2-sha256$1000$00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",
		"hunter22",
		NULL,
	};
	struct mt_config_error err;
	struct mt_config c;
	char text[512];

	mt_config_init(&c);
	for (size_t i = 0; bad[i]; i++) {
		assert_int_equal(mt_password_verify(bad[i], "anything"), -EINVAL);
		if (!bad[i][0])
			continue;
		assert_int_equal(mt_config_set(&c, "console.password", bad[i], &err), MT_ECONFIG);
		/* the error names the key and never echoes the value */
		mt_config_error_format(&err, text, sizeof(text));
		assert_null(strstr(text, bad[i]));
		assert_non_null(strstr(text, "console.password"));
	}
	/* the same from a file: refused, and the line's value is not echoed */
	snprintf(text, sizeof(text), "console.password = hunter22\n");
	assert_int_equal(mt_config_parse(&c, "m.conf", text, strlen(text), &err), MT_ECONFIG);
	mt_config_error_format(&err, text, sizeof(text));
	assert_null(strstr(text, "hunter22"));
	assert_string_equal(mt_config_str(&c, MT_CONFIG_CONSOLE_PASSWORD), "");
}

static void test_what_a_password_may_be(void **state)
{
	char long_pw[80];

	assert_non_null(mt_password_refuse(""));
	assert_non_null(mt_password_refuse("1234567"));
	assert_null(mt_password_refuse("12345678"));
	assert_null(mt_password_refuse("mật khẩu dài")); /* UTF-8 */
	assert_non_null(mt_password_refuse("12345678\t"));
	memset(long_pw, 'x', sizeof(long_pw));
	long_pw[64] = '\0';
	assert_null(mt_password_refuse(long_pw));
	long_pw[64] = 'x';
	long_pw[65] = '\0';
	assert_non_null(mt_password_refuse(long_pw));
}

static void test_delay_grows_to_30_s(void **state)
{
	static const unsigned want[] = { 0, 1, 2, 4, 8, 16, 30, 30, 30 };

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(mt_password_delay_s(i), want[i]);
	assert_int_equal(mt_password_delay_s(1000000), 30);
}

/* Not a pass/fail check of speed: the time a login costs at the Kconfig
 * count, printed for docs/console.md (and under qemu for the boards). */
static void test_time_one_hash(void **state)
{
	struct mt_fake_random r;
	char a[MT_PASSWORD_STORED_MAX];
	struct timespec t0, t1;
	double ms;

	mt_fake_random_init(&r, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mt_password_hash(&r.dev, "correct horse",
					  CONFIG_MT_CONSOLE_PASSWORD_ITERATIONS, a, sizeof(a)),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("PBKDF2-SHA256, %d iterations: %.0f ms\n", CONFIG_MT_CONSOLE_PASSWORD_ITERATIONS,
	       ms);
	assert_int_equal(mt_password_verify(a, "correct horse"), 0);
	mt_fake_random_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_pbkdf2_refuses_bad_counts),
		cmocka_unit_test(test_hash_then_verify),
		cmocka_unit_test(test_damaged_stored_form_is_refused),
		cmocka_unit_test(test_what_a_password_may_be),
		cmocka_unit_test(test_delay_grows_to_30_s),
		cmocka_unit_test(test_time_one_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
