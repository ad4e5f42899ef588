/* SHA-256: NIST and FIPS 180-2 vectors from tests/vectors/sha256/, one-shot
 * and incremental (every split), hex, reuse after finish, free, and files
 * read through the storage hal under every injected fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evidence/sha256.h"
#include "fake/mem_storage.h"
#include "rsp.h"

/* A vector's message: Msg repeated Repeat times, cut to Len bits. */
static uint8_t *vector_message(const struct rsp_record *r, size_t *len)
{
	const char *repeat = rsp_get(r, "Repeat", 0);
	size_t times = repeat ? strtoul(repeat, NULL, 10) : 1;
	size_t bits = strtoul(rsp_get(r, "Len", 0), NULL, 10);
	size_t unit;
	uint8_t *one = rsp_hex(rsp_get(r, "Msg", 0), &unit);
	uint8_t *msg = malloc(unit * times + 1);

	assert_non_null(msg);
	for (size_t i = 0; i < times; i++)
		memcpy(msg + i * unit, one, unit);
	free(one);
	assert_int_equal(bits % 8, 0);
	assert_true(bits / 8 <= unit * times);
	*len = bits / 8;
	return msg;
}

/* Runs every vector of a file three ways: one call, one update, and updates
 * of 37 bytes (prime, so the cuts fall everywhere in the 64-byte blocks). */
static void check_file(const char *rel)
{
	struct rsp_record r = { 0 };
	FILE *f = rsp_open(rel);
	int vectors = 0;

	while (rsp_next(f, &r)) {
		const char *md = rsp_get(&r, "MD", 0);
		size_t len;
		uint8_t *msg = vector_message(&r, &len);
		uint8_t digest[MT_SHA256_LEN];
		char hex[MT_SHA256_HEX_LEN + 1];
		struct mt_sha256 h;

		assert_non_null(md);
		assert_int_equal(mt_sha256(msg, len, digest), 0);
		assert_string_equal(mt_sha256_hex(digest, hex), md);

		mt_sha256_init(&h);
		assert_int_equal(mt_sha256_update(&h, msg, len), 0);
		assert_int_equal(mt_sha256_finish(&h, digest), 0);
		assert_string_equal(mt_sha256_hex(digest, hex), md);

		for (size_t at = 0; at < len; at += 37) {
			size_t n = len - at < 37 ? len - at : 37;

			assert_int_equal(mt_sha256_update(&h, msg + at, n), 0);
		}
		assert_int_equal(mt_sha256_finish(&h, digest), 0);
		assert_string_equal(mt_sha256_hex(digest, hex), md);
		mt_sha256_free(&h);

		free(msg);
		vectors++;
	}
	rsp_free(&r);
	fclose(f);
	assert_true(vectors > 0);
}

static void test_nist_short_messages(void **state)
{
	check_file("sha256/SHA256ShortMsg.rsp");
}

static void test_fips180_examples(void **state)
{
	check_file("sha256/fips180-2.rsp");
}

/* Padding and block handling must not depend on how the data is cut. */
static void test_incremental_equals_one_shot_at_every_split(void **state)
{
	uint8_t msg[300], whole[MT_SHA256_LEN], parts[MT_SHA256_LEN];
	struct mt_sha256 h;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(mt_sha256(msg, sizeof(msg), whole), 0);
	mt_sha256_init(&h);
	for (size_t split = 0; split <= sizeof(msg); split++) {
		assert_int_equal(mt_sha256_update(&h, msg, split), 0);
		assert_int_equal(mt_sha256_update(&h, NULL, 0), 0);
		assert_int_equal(mt_sha256_update(&h, msg + split, sizeof(msg) - split), 0);
		assert_int_equal(mt_sha256_finish(&h, parts), 0);
		assert_memory_equal(parts, whole, MT_SHA256_LEN);
	}
	mt_sha256_free(&h);
}

/* finish starts a new hash: the next digest covers only what follows. */
static void test_finish_restarts(void **state)
{
	uint8_t digest[MT_SHA256_LEN];
	char hex[MT_SHA256_HEX_LEN + 1];
	struct mt_sha256 h;

	mt_sha256_init(&h);
	assert_int_equal(mt_sha256_update(&h, "abc", 3), 0);
	assert_int_equal(mt_sha256_finish(&h, digest), 0);
	assert_int_equal(mt_sha256_finish(&h, digest), 0);
	assert_string_equal(mt_sha256_hex(digest, hex),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mt_sha256_free(&h);
}

static void test_hex_is_lowercase_and_terminated(void **state)
{
	uint8_t digest[MT_SHA256_LEN];
	char hex[MT_SHA256_HEX_LEN + 2];

	for (int i = 0; i < MT_SHA256_LEN; i++)
		digest[i] = (uint8_t)(0xf0 + (i % 16));
	memset(hex, 'x', sizeof(hex));
	assert_ptr_equal(mt_sha256_hex(digest, hex), hex);
	assert_int_equal(strlen(hex), MT_SHA256_HEX_LEN);
	assert_memory_equal(hex, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 32);
	assert_int_equal(hex[MT_SHA256_HEX_LEN + 1], 'x');
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

static void test_free_wipes_and_is_safe_twice(void **state)
{
	struct mt_sha256 h;

	mt_sha256_init(&h);
	assert_int_equal(mt_sha256_update(&h, "secret", 6), 0);
	assert_true(nonzero_bytes(&h, sizeof(h)) > 0);
	mt_sha256_free(&h);
	assert_int_equal(nonzero_bytes(&h, sizeof(h)), 0);
	mt_sha256_free(&h);
	mt_sha256_free(NULL);
}

static void put_file(struct mt_mem_storage *s, const char *path, const void *data, size_t len)
{
	int fd;

	assert_int_equal(mt_storage_open(&s->dev, path, MT_O_WRITE | MT_O_CREATE, &fd), 0);
	assert_int_equal(mt_storage_write(&s->dev, fd, data, len), (ssize_t)len);
	assert_int_equal(mt_storage_close(&s->dev, fd), 0);
}

static void test_file(void **state)
{
	static uint8_t clip[10000]; /* more than two read chunks */
	uint8_t want[MT_SHA256_LEN], got[MT_SHA256_LEN];
	char hex[MT_SHA256_HEX_LEN + 1];
	struct mt_mem_storage s;

	for (size_t i = 0; i < sizeof(clip); i++)
		clip[i] = (uint8_t)(i ^ (i >> 8));
	mt_mem_storage_init(&s);
	put_file(&s, "/abc", "abc", 3);
	put_file(&s, "/empty", "", 0);
	put_file(&s, "/clip.mp4", clip, sizeof(clip));

	assert_int_equal(mt_sha256_file(&s.dev, "/abc", got), 0);
	assert_string_equal(mt_sha256_hex(got, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(mt_sha256_file(&s.dev, "/empty", got), 0);
	assert_string_equal(mt_sha256_hex(got, hex),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(mt_sha256(clip, sizeof(clip), want), 0);
	assert_int_equal(mt_sha256_file(&s.dev, "/clip.mp4", got), 0);
	assert_memory_equal(got, want, MT_SHA256_LEN);
	assert_int_equal(mt_sha256_file(&s.dev, "/missing", got), -ENOENT);
	assert_int_equal(mt_mem_storage_open_fds(&s), 0);
	mt_mem_storage_free(&s);
}

/* Every hal call of a file hash fails in turn: an I/O error is returned and
 * no handle leaks; an EINTR from read is retried and the digest is right. */
static void test_file_faults(void **state)
{
	static uint8_t clip[10000];
	uint8_t want[MT_SHA256_LEN], got[MT_SHA256_LEN];
	struct mt_mem_storage s;
	uint64_t before, calls;
	int retried = 0;

	for (size_t i = 0; i < sizeof(clip); i++)
		clip[i] = (uint8_t)(i * 7);
	assert_int_equal(mt_sha256(clip, sizeof(clip), want), 0);
	mt_mem_storage_init(&s);
	put_file(&s, "/clip.mp4", clip, sizeof(clip));
	before = mt_mem_storage_calls(&s);
	assert_int_equal(mt_sha256_file(&s.dev, "/clip.mp4", got), 0);
	calls = mt_mem_storage_calls(&s) - before;
	assert_true(calls >= 5); /* open, 3 reads with data, the end, close */

	for (uint64_t n = 1; n <= calls; n++) {
		int ret;

		mt_mem_storage_fail_at(&s, n, -EIO);
		assert_int_equal(mt_sha256_file(&s.dev, "/clip.mp4", got), -EIO);
		assert_int_equal(mt_mem_storage_open_fds(&s), 0);

		mt_mem_storage_fail_at(&s, n, -EINTR);
		ret = mt_sha256_file(&s.dev, "/clip.mp4", got);
		assert_int_equal(mt_mem_storage_open_fds(&s), 0);
		if (ret == 0) {
			assert_memory_equal(got, want, MT_SHA256_LEN);
			retried++;
		} else {
			assert_int_equal(ret, -EINTR); /* open or close: not ours to retry */
		}
	}
	assert_int_equal(retried, calls - 2); /* every read */
	mt_mem_storage_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_short_messages),
		cmocka_unit_test(test_fips180_examples),
		cmocka_unit_test(test_incremental_equals_one_shot_at_every_split),
		cmocka_unit_test(test_finish_restarts),
		cmocka_unit_test(test_hex_is_lowercase_and_terminated),
		cmocka_unit_test(test_free_wipes_and_is_safe_twice),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
