/* Bundle verification (every refusal with its reason), versions, and the
 * A/B state machine with its text form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundles.h"
#include "core/errors.h"
#include "core/file.h"
#include "fake/mem_storage.h"
#include "ota/slots.h"

static uint8_t payload[5000];

static enum mt_bundle_verdict check(const struct tb *b, const char *keyname, const char *board,
				    const char *installed, const char *floor)
{
	struct mt_mem_storage st;
	struct mt_bundle_key k;
	struct mt_bundle_manifest m;
	struct mt_bundle_policy p = { board, installed, floor };
	enum mt_bundle_verdict v;
	char why[240];
	int fd;

	mt_mem_storage_init(&st);
	assert_int_equal(mt_storage_open(&st.dev, "b", MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_file_write_all(&st.dev, fd, b->data, b->len), 0);
	mt_storage_close(&st.dev, fd);
	tb_key(&k, keyname);
	v = mt_bundle_verify_file(&st.dev, "b", &k, &p, &m, NULL, why, sizeof(why));
	printf("  -> %s\n", why);
	mt_bundle_key_free(&k);
	mt_mem_storage_free(&st);
	return v;
}

static void test_versions(void **state)
{
	int err;

	(void)state;
	assert_true(mt_version_cmp_str("1.10", "1.9", &err) > 0 && !err);
	assert_true(mt_version_cmp_str("1.2", "1.2.0", &err) == 0 && !err);
	assert_true(mt_version_cmp_str("0.9.9", "1.0", &err) < 0 && !err);
	mt_version_cmp_str("1..2", "1", &err);
	assert_int_equal(err, MT_EFORMAT);
	mt_version_cmp_str("1.2.3.4.5", "1", &err);
	assert_int_equal(err, MT_EFORMAT);
	mt_version_cmp_str("v1", "1", &err);
	assert_int_equal(err, MT_EFORMAT);
	mt_version_cmp_str("1.", "1", &err);
	assert_int_equal(err, MT_EFORMAT);
}

static void test_verify(void **state)
{
	struct tb b, other;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	tb_make(&b, "update", "host", "1.2.0", "1.0.0", payload, sizeof(payload));
	assert_int_equal(check(&b, "update", "host", "1.1.0", "1.1.0"), MT_BUNDLE_OK);
	assert_int_equal(check(&b, "update", NULL, NULL, NULL), MT_BUNDLE_OK);
	/* signed by another key, or checked against another key */
	tb_make(&other, "other", "host", "1.2.0", "1.0.0", payload, sizeof(payload));
	assert_int_equal(check(&other, "update", "host", "1.1.0", NULL), MT_BUNDLE_BAD_SIGNATURE);
	assert_int_equal(check(&b, "other", "host", "1.1.0", NULL), MT_BUNDLE_BAD_SIGNATURE);
	free(other.data);
	/* policy: wrong board, replay, downgrade, floor, base too old */
	assert_int_equal(check(&b, "update", "rpi3", "1.1.0", NULL), MT_BUNDLE_WRONG_BOARD);
	assert_int_equal(check(&b, "update", "host", "1.2.0", NULL), MT_BUNDLE_NOT_NEWER);
	assert_int_equal(check(&b, "update", "host", "1.3", NULL), MT_BUNDLE_NOT_NEWER);
	assert_int_equal(check(&b, "update", "host", "1.1.0", "1.2.1"), MT_BUNDLE_BELOW_FLOOR);
	assert_int_equal(check(&b, "update", "host", "0.9", NULL), MT_BUNDLE_BASE_TOO_OLD);
	/* every byte of the manifest is signed: flip each one */
	for (size_t i = MT_BUNDLE_PREFIX_LEN; i < b.head_len - 72 && i < 200; i += 5) {
		b.data[i] ^= 0x01;
		assert_int_not_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_OK);
		b.data[i] ^= 0x01;
	}
	/* the signature itself */
	b.data[b.head_len - 3] ^= 0x40;
	assert_int_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_BAD_SIGNATURE);
	b.data[b.head_len - 3] ^= 0x40;
	/* the payload */
	b.data[b.head_len + 4000] ^= 0x80;
	assert_int_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_BAD_HASH);
	b.data[b.head_len + 4000] ^= 0x80;
	/* truncated, and longer than declared */
	b.len--;
	assert_int_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_TRUNCATED);
	b.len += 2;
	b.data[b.len - 1] = 0;
	assert_int_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_OVERSIZED);
	b.len--;
	/* the prefix */
	b.data[0] = 'X';
	assert_int_equal(check(&b, "update", "host", "1.1.0", NULL), MT_BUNDLE_MALFORMED);
	free(b.data);
}

static void test_manifest_parse(void **state)
{
	struct mt_bundle_manifest m = { "host", "1.2.3", "1.0", 42, { 1, 2 }, 5 }, back;
	char text[MT_BUNDLE_MANIFEST_MAX];
	int n = mt_bundle_manifest_format(&m, text, sizeof(text));

	(void)state;
	assert_true(n > 0);
	assert_int_equal(mt_bundle_manifest_parse(text, (size_t)n, &back), 0);
	assert_memory_equal(&m, &back, sizeof(m));
	assert_int_equal(mt_bundle_manifest_parse(text, (size_t)n - 1, &back), MT_EFORMAT);
	text[n - 2] = 'x'; /* created=...x */
	assert_int_equal(mt_bundle_manifest_parse(text, (size_t)n, &back), MT_EFORMAT);
}

static void test_slots(void **state)
{
	struct mt_slot_state s, back;
	char text[256];
	bool changed;

	(void)state;
	mt_slots_fresh(&s);
	assert_int_equal(mt_slots_boot(&s, &changed), 'A');
	assert_false(changed);
	mt_slots_arm(&s, 'B', 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mt_slots_boot(&s, &changed), 'B');
		assert_true(changed);
		assert_int_equal(s.tries, 2 - i);
	}
	snprintf(s.note, sizeof(s.note), "1.2.0 no frames");
	/* the fourth boot: no tries left, back to A by itself */
	assert_int_equal(mt_slots_boot(&s, &changed), 'A');
	assert_true(changed);
	assert_int_equal(s.trial, 0);
	assert_non_null(strstr(s.note, "slot B failed"));
	assert_non_null(strstr(s.note, "no frames"));
	/* a trial that passes */
	mt_slots_arm(&s, 'B', 3);
	assert_int_equal(mt_slots_boot(&s, &changed), 'B');
	assert_int_equal(mt_slots_commit(&s, 'B'), 0);
	assert_int_equal(s.active, 'B');
	assert_int_equal(s.trial, 0);
	assert_int_equal(mt_slots_boot(&s, &changed), 'B');
	assert_int_equal(mt_slots_commit(&s, 'A'), -EINVAL);
	/* the text form round-trips, and nonsense is refused */
	mt_slots_arm(&s, 'A', 2);
	int n = mt_slots_format(&s, text, sizeof(text));

	assert_int_equal(mt_slots_parse(text, (size_t)n, &back), 0);
	assert_int_equal(back.active, s.active);
	assert_int_equal(back.trial, s.trial);
	assert_int_equal(back.tries, s.tries);
	assert_string_equal(back.note, s.note);
	assert_int_equal(mt_slots_parse("active=A\ntrial=A\ntries=1\nnote=\n", 31, &back),
			 MT_EFORMAT);
	assert_int_equal(mt_slots_parse("active=C\ntrial=-\ntries=1\nnote=\n", 31, &back),
			 MT_EFORMAT);
	assert_int_equal(mt_slots_parse("active=A\ntrial=-\ntries=1\nnote=", 30, &back),
			 MT_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
