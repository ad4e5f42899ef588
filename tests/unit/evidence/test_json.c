/* Canonical JSON writer: exact bytes for every value kind, escapes, nesting,
 * the errors it must refuse (bad UTF-8, control characters, unbalanced or
 * too deep containers), and that an error spoils the whole document. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evidence/json.h"

static char *finish_ok(struct mt_json *j, size_t *len)
{
	char *out;

	assert_int_equal(mt_json_finish(j, &out, len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), *len);
	return out;
}

static void test_values_and_nesting(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x7f, 0xab, 0xff };
	struct mt_json j;
	size_t len;
	char *out;

	mt_json_init(&j);
	mt_json_object_begin(&j);
	mt_json_key(&j, "a");
	mt_json_array_begin(&j);
	mt_json_int(&j, 0);
	mt_json_int(&j, -9223372036854775807LL - 1);
	mt_json_int(&j, INT64_MAX);
	mt_json_bool(&j, true);
	mt_json_bool(&j, false);
	mt_json_null(&j);
	mt_json_array_begin(&j);
	mt_json_array_end(&j);
	mt_json_object_begin(&j);
	mt_json_object_end(&j);
	mt_json_array_end(&j);
	mt_json_khex(&j, "b", bytes, sizeof(bytes));
	mt_json_kstr(&j, "c", "");
	mt_json_kint(&j, "d", 42);
	mt_json_object_end(&j);
	mt_json_raw(&j, "\n", 1);
	out = finish_ok(&j, &len);
	assert_string_equal(out, "{\"a\":[0,-9223372036854775808,9223372036854775807,true,false,"
				 "null,[],{}],\"b\":\"007fabff\",\"c\":\"\",\"d\":42}\n");
	free(out);
	mt_json_free(&j); /* after finish: harmless */
	mt_json_free(NULL);
}

static void test_string_escapes(void **state)
{
	struct mt_json j;
	size_t len;
	char *out;

	mt_json_init(&j);
	mt_json_array_begin(&j);
	mt_json_str(&j, "quote\" back\\slash\ttab / slash");
	mt_json_str(&j, "Nhà số 12, đường 3 — ok");
	mt_json_array_end(&j);
	out = finish_ok(&j, &len);
	assert_string_equal(out, "[\"quote\\\" back\\\\slash\\ttab / slash\","
				 "\"Nhà số 12, đường 3 — ok\"]");
	free(out);
}

static void expect_error(const char *bad, int err)
{
	struct mt_json j;
	size_t len = 99;
	char *out = (char *)"x";

	mt_json_init(&j);
	mt_json_array_begin(&j);
	mt_json_str(&j, "fine");
	mt_json_str(&j, bad);
	mt_json_int(&j, 1); /* writing on after an error is harmless */
	mt_json_array_end(&j);
	assert_int_equal(mt_json_finish(&j, &out, &len), err);
	assert_null(out);
	assert_int_equal(len, 0);
}

static void test_refuses_what_is_not_text(void **state)
{
	expect_error("new\nline", -EILSEQ);
	expect_error("bell\a", -EILSEQ);
	expect_error("\xc3\x28", -EILSEQ);     /* invalid continuation */
	expect_error("\xc0\xaf", -EILSEQ);     /* overlong "/" */
	expect_error("\xed\xa0\x80", -EILSEQ); /* a surrogate */
	expect_error("cut \xe1\xbb", -EILSEQ); /* a character cut short */
}

static void test_unbalanced_and_depth(void **state)
{
	struct mt_json j;
	size_t len;
	char *out;

	mt_json_init(&j);
	mt_json_array_begin(&j);
	assert_int_equal(mt_json_finish(&j, &out, &len), -EINVAL);
	assert_null(out);

	mt_json_init(&j);
	for (int i = 0; i < MT_JSON_DEPTH + 1; i++)
		mt_json_array_begin(&j);
	assert_int_equal(j.err, -E2BIG);
	mt_json_free(&j);

	/* an empty document is the empty string, not NULL */
	mt_json_init(&j);
	out = finish_ok(&j, &len);
	assert_int_equal(len, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_nesting),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_refuses_what_is_not_text),
		cmocka_unit_test(test_unbalanced_and_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
