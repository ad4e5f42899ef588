/* Manifest: the exact canonical bytes for a fixed clip (a golden vector in
 * tests/vectors/evidence/manifest-golden.json, checked field by field
 * against the chain definition), UTC text, the clock's sync state (never a
 * silent 1970), and what it refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evidence/json.h"
#include "evidence/manifest.h"

static const struct mt_motion_box boxes[] = { { 10, 20, 30, 40 }, { 0, 0, 320, 240 } };
static const char *const zones[] = { "door", "road \"east\"" };

static const struct mt_manifest_info golden_info = {
	.codec = "mjpeg",
	.width = 1920,
	.height = 1080,
	.start = { .mono_us = 123456789,
		   .utc_ok = 1,
		   .utc = { 1767225600123456LL, MT_CLOCK_SYNCED, 15000 } },
	.end = { .mono_us = 127456789,
		 .utc_ok = 1,
		 .utc = { 1767225604123456LL, MT_CLOCK_SYNCED, -1 } },
	.motion = { .peak_score = 731, .boxes = boxes, .nboxes = 2, .zones = zones, .nzones = 2 },
	.firmware = "0.1.0",
	.location = "Nhà số 12, đường 3\tEa Pốk",
	.end_reason = "event_end",
};

/* The chain of the golden clip: a 7-byte init segment and three fragments
 * of fixed bytes, with trailer. */
static void golden_chain(struct mt_chain *c)
{
	static const char init[] = "ftypmoo";
	uint8_t frag[1000];

	mt_chain_init(c);
	assert_int_equal(mt_chain_init_segment(c, init, 7), 0);
	for (int i = 0; i < 3; i++) {
		memset(frag, 'a' + i, sizeof(frag));
		assert_int_equal(mt_chain_add_fragment(c, frag, 100 * (size_t)(i + 1), 15,
						       1000000LL * i, 1000000LL * (i + 1)),
				 0);
	}
	assert_int_equal(mt_chain_trailer(c, "mfra", 4), 0);
}

static char *read_vector(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf = malloc(1 << 16);

	snprintf(path, sizeof(path), "%s/evidence/%s", getenv("MT_VECTORS"), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static void test_golden_bytes(void **state)
{
	struct mt_evidence_id id = { .device_id = "EP-0157", .camera_id = "cam0", .clip_seq = 42 };
	uint8_t key_id[MT_SHA256_LEN];
	struct mt_chain c;
	struct mt_manifest m = { .id = &id,
				 .key_id = key_id,
				 .clip_file = "clip-000042.mp4",
				 .chain = &c,
				 .checkpoints = 2,
				 .checkpoint_us = 2000000,
				 .info = &golden_info };
	size_t len, want_len;
	char *out, *want;

	for (int i = 0; i < MT_SHA256_LEN; i++) {
		/* read through m.key_id, which cppcheck does not follow */
		// cppcheck-suppress unreadVariable
		key_id[i] = (uint8_t)i;
		id.prev_manifest_sha256[i] = (uint8_t)(0xff - i);
	}
	golden_chain(&c);
	assert_int_equal(mt_manifest_format(&m, &out, &len), 0);
	want = read_vector("manifest-golden.json", &want_len);
	if (getenv("MT_WRITE_GOLDEN")) /* to remake the vector after a format change */
		fwrite(out, 1, len, stdout);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, len);
	free(want);
	free(out);
	mt_chain_free(&c);
}

/* The golden vector's hashes follow the definition in docs/evidence.md,
 * computed here from first principles with one-shot SHA-256. */
static void test_chain_definition(void **state)
{
	uint8_t frag[300], fh[3][MT_SHA256_LEN], c0[MT_SHA256_LEN], step[64], want[MT_SHA256_LEN];
	uint8_t file[7 + 100 + 200 + 300 + 4], fsha[MT_SHA256_LEN];
	struct mt_chain c;
	size_t off = 7;

	golden_chain(&c);
	memcpy(file, "ftypmoo", 7);
	assert_int_equal(mt_sha256(file, 7, c0), 0);
	assert_memory_equal(c.init_sha256, c0, MT_SHA256_LEN);
	memcpy(want, c0, MT_SHA256_LEN);
	for (int i = 0; i < 3; i++) {
		size_t n = 100 * (size_t)(i + 1);

		memset(frag, 'a' + i, n);
		memcpy(file + off, frag, n);
		assert_int_equal(c.frags[i].offset, off);
		assert_int_equal(c.frags[i].bytes, n);
		off += n;
		assert_int_equal(mt_sha256(frag, n, fh[i]), 0);
		assert_memory_equal(c.frags[i].sha256, fh[i], MT_SHA256_LEN);
		memcpy(step, want, 32);
		memcpy(step + 32, fh[i], 32);
		assert_int_equal(mt_sha256(step, 64, want), 0);
	}
	assert_memory_equal(c.head, want, MT_SHA256_LEN);
	memcpy(file + off, "mfra", 4);
	assert_int_equal(mt_sha256(file, sizeof(file), fsha), 0);
	assert_int_equal(mt_chain_file_sha256(&c, want), 0);
	assert_memory_equal(want, fsha, MT_SHA256_LEN);
	assert_int_equal(c.bytes, sizeof(file));
	assert_int_equal(c.frames, 45);
	/* a fragment after the trailer, or an empty one, is refused */
	assert_int_equal(mt_chain_end_fragment(&c, 1, 0, 0), -EINVAL);
	assert_int_equal(mt_chain_update(&c, "x", 1), -EINVAL);
	assert_int_equal(mt_chain_init_segment(&c, "x", 1), -EINVAL);
	mt_chain_free(&c);
	mt_chain_free(&c);
	mt_chain_free(NULL);
}

static char *time_json(const struct mt_manifest_time *t)
{
	struct mt_json j;
	size_t len;
	char *out;

	mt_json_init(&j);
	mt_manifest_write_time(&j, t);
	assert_int_equal(mt_json_finish(&j, &out, &len), 0);
	return out;
}

static void test_times_never_a_silent_1970(void **state)
{
	const struct mt_manifest_time none = { .mono_us = 5 };
	const struct mt_manifest_time unsynced = { .mono_us = 5,
						   .utc_ok = 1,
						   .utc = { 3000000, MT_CLOCK_UNSYNCED, -1 } };
	const struct mt_manifest_time lying = { .mono_us = 5,
						.utc_ok = 1,
						.utc = { 3000000, MT_CLOCK_SYNCED, 10 } };
	const struct mt_manifest_time good = { .mono_us = 5,
					       .utc_ok = 1,
					       .utc = { 1767225600000001LL, MT_CLOCK_SYNCED, 10 } };
	char *s, utc[28];

	s = time_json(&none);
	assert_string_equal(s, "{\"mono_us\":5,\"sync\":\"none\",\"uncertainty_us\":null,"
			       "\"unix_us\":null,\"utc\":null}");
	free(s);
	s = time_json(&unsynced);
	assert_string_equal(s, "{\"mono_us\":5,\"sync\":\"unsynced\",\"uncertainty_us\":null,"
			       "\"unix_us\":3000000,\"utc\":\"1970-01-01T00:00:03.000000Z\"}");
	free(s);
	/* a clock that claims sync at 1970 is not believed */
	s = time_json(&lying);
	assert_non_null(strstr(s, "\"sync\":\"unsynced\""));
	free(s);
	s = time_json(&good);
	assert_string_equal(
		s, "{\"mono_us\":5,\"sync\":\"synced\",\"uncertainty_us\":10,"
		   "\"unix_us\":1767225600000001,\"utc\":\"2026-01-01T00:00:00.000001Z\"}");
	free(s);

	mt_manifest_utc_string(951782400000000LL, utc); /* a leap day */
	assert_string_equal(utc, "2000-02-29T00:00:00.000000Z");
	mt_manifest_utc_string(-1, utc);
	assert_string_equal(utc, "1969-12-31T23:59:59.999999Z");
	mt_manifest_utc_string(253402300800000000LL, utc); /* year 10000 */
	assert_string_equal(utc, "out-of-range");
}

static void test_refusals(void **state)
{
	struct mt_evidence_id id = { .device_id = "d", .camera_id = "c", .clip_seq = 1 };
	uint8_t key_id[MT_SHA256_LEN] = { 0 };
	struct mt_manifest m = { .id = &id,
				 .key_id = key_id,
				 .clip_file = "x.mp4",
				 .info = &golden_info };
	struct mt_chain c;
	size_t len;
	char *out;

	m.chain = &c;
	mt_chain_init(&c);
	assert_int_equal(mt_manifest_format(&m, &out, &len), -EINVAL); /* no init segment */
	assert_int_equal(mt_chain_init_segment(&c, "i", 1), 0);
	assert_int_equal(mt_chain_update(&c, "f", 1), 0);
	assert_int_equal(mt_manifest_format(&m, &out, &len), -EINVAL); /* fragment open */
	assert_int_equal(mt_chain_end_fragment(&c, 1, 0, 1), 0);
	{
		struct mt_manifest_info many = golden_info;
		struct mt_manifest m2 = m;

		many.motion.nboxes = MT_MANIFEST_BOXES + 1;
		m2.info = &many;
		assert_int_equal(mt_manifest_format(&m2, &out, &len), -EINVAL);
	}
	{
		struct mt_manifest_info bad = golden_info;
		struct mt_manifest m2 = m;

		bad.location = "bad\x01label";
		m2.info = &bad;
		assert_int_equal(mt_manifest_format(&m2, &out, &len), -EILSEQ);
		assert_null(out);
	}
	assert_int_equal(mt_manifest_format(&m, &out, &len), 0);
	free(out);
	mt_chain_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_bytes),
		cmocka_unit_test(test_chain_definition),
		cmocka_unit_test(test_times_never_a_silent_1970),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
