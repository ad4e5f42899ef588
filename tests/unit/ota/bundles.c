/* Test bundles and an in-memory fetcher; see bundles.h. */
#include "bundles.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/errors.h"
#include "evidence/drbg.h"
#include "fake/fake_random.h"

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf = calloc(1, 8192);

	snprintf(path, sizeof(path), "%s/ota/%s", getenv("MT_VECTORS"), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, 8191, f);
	fclose(f);
	return buf;
}

void tb_key(struct mt_bundle_key *k, const char *name)
{
	char file[64];
	size_t len;
	uint8_t *pem;

	snprintf(file, sizeof(file), "%s.pub.pem", name);
	pem = slurp(file, &len);
	mt_bundle_key_init(k);
	assert_int_equal(mt_bundle_key_load(k, pem, len + 1), 0);
	free(pem);
}

void tb_make(struct tb *b, const char *key, const char *board, const char *version,
	     const char *min_version, const uint8_t *payload, size_t len)
{
	struct mt_bundle_manifest m = { .size = len, .created = 1700000000 };
	uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE], digest[32], *pem;
	char text[MT_BUNDLE_MANIFEST_MAX], file[64];
	struct mt_fake_random rnd;
	struct mt_drbg drbg;
	mbedtls_pk_context pk;
	size_t slen = 0, pem_len;
	int n;

	snprintf(m.board, sizeof(m.board), "%s", board);
	snprintf(m.version, sizeof(m.version), "%s", version);
	snprintf(m.min_version, sizeof(m.min_version), "%s", min_version);
	assert_int_equal(mt_sha256(payload, len, m.sha256), 0);
	n = mt_bundle_manifest_format(&m, text, sizeof(text));
	assert_true(n > 0);
	mt_fake_random_init(&rnd, 7);
	mt_drbg_init(&drbg);
	assert_int_equal(mt_drbg_seed(&drbg, &rnd.dev, "test"), 0);
	snprintf(file, sizeof(file), "%s.key", key);
	pem = slurp(file, &pem_len);
	mbedtls_pk_init(&pk);
	assert_int_equal(
		mbedtls_pk_parse_key(&pk, pem, pem_len + 1, NULL, 0, mt_drbg_random, &drbg), 0);
	assert_int_equal(mt_sha256(text, (size_t)n, digest), 0);
	assert_int_equal(mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, digest, 32, sig, sizeof(sig),
					 &slen, mt_drbg_random, &drbg),
			 0);
	b->head_len = MT_BUNDLE_PREFIX_LEN + (size_t)n + slen;
	b->len = b->head_len + len;
	b->data = malloc(b->len + 1);
	mt_bundle_prefix_write(b->data, (uint32_t)n, (uint32_t)slen);
	memcpy(b->data + MT_BUNDLE_PREFIX_LEN, text, (size_t)n);
	memcpy(b->data + MT_BUNDLE_PREFIX_LEN + n, sig, slen);
	memcpy(b->data + b->head_len, payload, len);
	mbedtls_pk_free(&pk);
	mt_drbg_free(&drbg);
	mt_fake_random_free(&rnd);
	free(pem);
}

static int get(void *ctx, const char *name, uint64_t first, size_t len, uint8_t *buf, size_t *got,
	       uint64_t *total)
{
	struct tb_server *s = ctx;
	const uint8_t *data;
	size_t size;

	*got = 0;
	if (s->cut_after && s->requests >= s->cut_after)
		return -EPIPE;
	s->requests++;
	if (strcmp(name, "latest.json") == 0) {
		data = (const uint8_t *)s->latest;
		size = strlen(s->latest);
	} else if (strcmp(name, s->file) == 0) {
		data = s->bundle->data;
		size = s->bundle->len;
	} else {
		return -ENOENT;
	}
	if (first >= size)
		return -ERANGE;
	*got = size - first < len ? size - first : len;
	*total = size;
	memcpy(buf, data + first, *got);
	s->sent += *got;
	return 0;
}

void tb_server_init(struct tb_server *s, const struct tb *b, const char *file, const char *board,
		    const char *version)
{
	memset(s, 0, sizeof(*s));
	s->fetch = (struct mt_ota_fetch){ .get = get, .ctx = s };
	s->bundle = b;
	s->file = file;
	snprintf(s->latest, sizeof(s->latest),
		 "{\"board\":\"%s\",\"version\":\"%s\",\"file\":\"%s\",\"size\":%zu}", board,
		 version, file, b->len);
}
