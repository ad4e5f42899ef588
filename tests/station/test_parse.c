/* mt-station's parsers: listen addresses, HTTP Range, tus metadata, upload
 * URLs, enrollment codes and file names, including what a hostile client
 * may send. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "parse.h"

static void test_listen(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(mt_parse_listen("127.0.0.1:8443", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8443);
	assert_int_equal(mt_parse_listen("[::1]:0", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(mt_parse_listen("[::]:443", &ss, &len), 0);
	assert_int_equal(mt_parse_listen("0.0.0.0:65535", &ss, &len), 0);
	assert_int_equal(mt_parse_listen("0.0.0.0:65536", &ss, &len), -1);
	assert_int_equal(mt_parse_listen("localhost:80", &ss, &len), -1);
	assert_int_equal(mt_parse_listen("::1:80", &ss, &len), -1);
	assert_int_equal(mt_parse_listen("[::1]80", &ss, &len), -1);
	assert_int_equal(mt_parse_listen("1.2.3.4:", &ss, &len), -1);
	assert_int_equal(mt_parse_listen("1.2.3.4:-1", &ss, &len), -1);
}

static void test_u64(void **state)
{
	uint64_t v;

	assert_int_equal(mt_parse_u64("0", 10, &v), 0);
	assert_int_equal(mt_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(mt_parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(mt_parse_u64("11", 10, &v), -1);
	assert_int_equal(mt_parse_u64("", 10, &v), -1);
	assert_int_equal(mt_parse_u64(" 1", 10, &v), -1);
	assert_int_equal(mt_parse_u64("1 ", 10, &v), -1);
	assert_int_equal(mt_parse_u64("+1", 10, &v), -1);
	assert_int_equal(mt_parse_u64(NULL, 10, &v), -1);
}

static void range(const char *h, uint64_t size, enum mt_range want, uint64_t a, uint64_t b)
{
	uint64_t first = 99, last = 99;

	assert_int_equal(mt_parse_range(h, size, &first, &last), want);
	if (want == MT_RANGE_PARTIAL) {
		assert_true(first == a);
		assert_true(last == b);
	}
}

static void test_range(void **state)
{
	range(NULL, 100, MT_RANGE_NONE, 0, 0);
	range("bytes=0-9", 100, MT_RANGE_PARTIAL, 0, 9);
	range("bytes=90-200", 100, MT_RANGE_PARTIAL, 90, 99);
	range("bytes=10-", 100, MT_RANGE_PARTIAL, 10, 99);
	range("bytes=-10", 100, MT_RANGE_PARTIAL, 90, 99);
	range("bytes=-1000", 100, MT_RANGE_PARTIAL, 0, 99);
	range("bytes=99-99", 100, MT_RANGE_PARTIAL, 99, 99);
	range("bytes=100-", 100, MT_RANGE_UNSATISFIABLE, 0, 0);
	range("bytes=-0", 100, MT_RANGE_UNSATISFIABLE, 0, 0);
	range("bytes=0-", 0, MT_RANGE_UNSATISFIABLE, 0, 0);
	/* ignored, so the whole file: lists, other units, nonsense */
	range("bytes=0-1,5-6", 100, MT_RANGE_NONE, 0, 0);
	range("items=0-1", 100, MT_RANGE_NONE, 0, 0);
	range("bytes=5-1", 100, MT_RANGE_NONE, 0, 0);
	range("bytes=a-1", 100, MT_RANGE_NONE, 0, 0);
	range("bytes=-", 100, MT_RANGE_NONE, 0, 0);
	range("bytes=1-2x", 100, MT_RANGE_NONE, 0, 0);
	range("bytes=99999999999999999999999-", 100, MT_RANGE_NONE, 0, 0);
}

static void test_metadata(void **state)
{
	/* filename "clip-000042.mp4", kind "clip", seq "42" */
	const char *h = "filename Y2xpcC0wMDAwNDIubXA0,kind Y2xpcA==, seq NDI,empty";
	char out[32];

	assert_int_equal(mt_parse_tus_metadata(h, "filename", out, sizeof(out)), 1);
	assert_string_equal(out, "clip-000042.mp4");
	assert_int_equal(mt_parse_tus_metadata(h, "kind", out, sizeof(out)), 1);
	assert_string_equal(out, "clip");
	assert_int_equal(mt_parse_tus_metadata(h, "seq", out, sizeof(out)), 1);
	assert_string_equal(out, "42");
	assert_int_equal(mt_parse_tus_metadata(h, "empty", out, sizeof(out)), 0);
	assert_int_equal(mt_parse_tus_metadata(h, "file", out, sizeof(out)), 0);
	assert_int_equal(mt_parse_tus_metadata(NULL, "kind", out, sizeof(out)), 0);
	assert_int_equal(mt_parse_tus_metadata("kind Y2x*cA==", "kind", out, sizeof(out)), -1);
	assert_int_equal(mt_parse_tus_metadata(h, "filename", out, 8), -1);           /* too long */
	assert_int_equal(mt_parse_tus_metadata("k AGE=", "k", out, sizeof(out)), -1); /* a NUL */
}

static void test_upload_id(void **state)
{
	char id[MT_UPLOAD_ID_LEN + 1];

	assert_int_equal(mt_parse_upload_id("/files/0123456789abcdef0123456789abcdef", id), 0);
	assert_string_equal(id, "0123456789abcdef0123456789abcdef");
	assert_int_equal(
		mt_parse_upload_id("https://[::1]:8443/files/0123456789abcdef0123456789abcdef", id),
		0);
	assert_int_equal(mt_parse_upload_id("/files/0123456789ABCDEF0123456789abcdef", id), -1);
	assert_int_equal(mt_parse_upload_id("/files/0123456789abcdef0123456789abcde", id), -1);
	assert_int_equal(mt_parse_upload_id("/files/../0123456789abcdef0123456789abcdef", id), -1);
	assert_int_equal(mt_parse_upload_id("0123456789abcdef0123456789abcdef", id), -1);
	assert_int_equal(mt_parse_upload_id(NULL, id), -1);
}

static void test_code(void **state)
{
	char out[MT_CODE_LEN + 1];

	assert_int_equal(mt_parse_code("K7Q2-9XPM-3HTD", out), 0);
	assert_string_equal(out, "K7Q29XPM3HTD");
	assert_int_equal(mt_parse_code("k7q2 9xpm 3htd", out), 0);
	assert_string_equal(out, "K7Q29XPM3HTD");
	assert_int_equal(mt_parse_code("K7Q2-9XPM-3HT", out), -1);   /* short */
	assert_int_equal(mt_parse_code("K7Q2-9XPM-3HTDD", out), -1); /* long */
	assert_int_equal(mt_parse_code("K7Q2-9XPM-3HT0", out), -1);  /* 0 is not in the alphabet */
	assert_int_equal(mt_parse_code("K7Q2-9XPM-3HTI", out), -1);
	assert_int_equal(mt_parse_code("", out), -1);
	assert_null(strchr(mt_parse_code_alphabet, 'O'));
	assert_null(strchr(mt_parse_code_alphabet, '1'));
}

static void test_safe_name(void **state)
{
	assert_true(mt_parse_safe_name("bundle-1.2.3.bin"));
	assert_true(mt_parse_safe_name("latest.json"));
	assert_false(mt_parse_safe_name(".."));
	assert_false(mt_parse_safe_name(".hidden"));
	assert_false(mt_parse_safe_name("a/b"));
	assert_false(mt_parse_safe_name(""));
	assert_false(mt_parse_safe_name("a b"));
	assert_false(mt_parse_safe_name("a%2fb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),    cmocka_unit_test(test_u64),
		cmocka_unit_test(test_range),     cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_upload_id), cmocka_unit_test(test_code),
		cmocka_unit_test(test_safe_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
