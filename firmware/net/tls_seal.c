/* Record sealer: see tls_seal.h. */
#include "net/tls_seal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>

#define TYPE_APPLICATION_DATA 23
#define TAG_LEN               16
#define MAX_PLAIN             16384

union aead_ctx {
	struct gcm_aes128_ctx gcm128;
	struct gcm_aes256_ctx gcm256;
	struct chacha_poly1305_ctx chacha;
};

/* One allocation: this, the context of the one AEAD in use (a GCM context
 * holds a 4 KiB GHASH table, ChaCha20-Poly1305's 200 bytes), then the record
 * buffer (header + explicit nonce + max_plain + content type + tag). */
struct mt_tls_seal {
	struct mt_seal_keys k;
	size_t max_plain, ctx_size;
	uint8_t *rec;
	union aead_ctx ctx[]; /* only the member of k.aead is allocated */
};

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int mt_tls_seal_new(const struct mt_seal_keys *keys, size_t max_plain, struct mt_tls_seal **out)
{
	struct mt_tls_seal *s;
	size_t ctx_size;

	*out = NULL;
	if (max_plain == 0 || max_plain > MAX_PLAIN)
		return -EINVAL;
	switch (keys->aead) {
	case MT_SEAL_AES128_GCM:
	case MT_SEAL_AES256_GCM:
	case MT_SEAL_CHACHA20_POLY1305:
		break;
	default:
		return -EINVAL;
	}
	ctx_size = keys->aead == MT_SEAL_AES128_GCM ? sizeof(struct gcm_aes128_ctx) :
		   keys->aead == MT_SEAL_AES256_GCM ? sizeof(struct gcm_aes256_ctx) :
						      sizeof(struct chacha_poly1305_ctx);
	ctx_size = (ctx_size + _Alignof(union aead_ctx) - 1) & ~(_Alignof(union aead_ctx) - 1);
	s = calloc(1, sizeof(*s) + ctx_size + max_plain + MT_SEAL_OVERHEAD);
	if (!s)
		return -ENOMEM;
	s->rec = (uint8_t *)s->ctx + ctx_size;
	s->k = *keys;
	s->max_plain = max_plain;
	s->ctx_size = ctx_size;
	switch (keys->aead) {
	case MT_SEAL_AES128_GCM:
		gcm_aes128_set_key(&s->ctx->gcm128, keys->key);
		break;
	case MT_SEAL_AES256_GCM:
		gcm_aes256_set_key(&s->ctx->gcm256, keys->key);
		break;
	case MT_SEAL_CHACHA20_POLY1305:
		chacha_poly1305_set_key(&s->ctx->chacha, keys->key);
		break;
	}
	*out = s;
	return 0;
}

void mt_tls_seal_free(struct mt_tls_seal *s)
{
	if (!s)
		return;
	mbedtls_platform_zeroize(&s->k, sizeof(s->k));
	mbedtls_platform_zeroize(s->ctx, s->ctx_size);
	free(s);
}

/* The per-record nonce: TLS 1.2 GCM salt || seq; otherwise iv ^ (0^4 || seq). */
static void make_nonce(const struct mt_tls_seal *s, uint8_t nonce[12])
{
	uint8_t seq[8];

	put_be64(seq, s->k.seq);
	if (!s->k.tls13 && s->k.aead != MT_SEAL_CHACHA20_POLY1305) {
		memcpy(nonce, s->k.iv, 4);
		memcpy(nonce + 4, seq, 8);
		return;
	}
	memcpy(nonce, s->k.iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= seq[i];
}

static void aead(struct mt_tls_seal *s, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		 uint8_t *dst, const uint8_t *src, size_t len, uint8_t *tag)
{
	switch (s->k.aead) {
	case MT_SEAL_AES128_GCM:
		gcm_aes128_set_iv(&s->ctx->gcm128, 12, nonce);
		gcm_aes128_update(&s->ctx->gcm128, aad_len, aad);
		gcm_aes128_encrypt(&s->ctx->gcm128, len, dst, src);
		gcm_aes128_digest(&s->ctx->gcm128, TAG_LEN, tag);
		break;
	case MT_SEAL_AES256_GCM:
		gcm_aes256_set_iv(&s->ctx->gcm256, 12, nonce);
		gcm_aes256_update(&s->ctx->gcm256, aad_len, aad);
		gcm_aes256_encrypt(&s->ctx->gcm256, len, dst, src);
		gcm_aes256_digest(&s->ctx->gcm256, TAG_LEN, tag);
		break;
	case MT_SEAL_CHACHA20_POLY1305:
		chacha_poly1305_set_nonce(&s->ctx->chacha, nonce);
		chacha_poly1305_update(&s->ctx->chacha, aad_len, aad);
		chacha_poly1305_encrypt(&s->ctx->chacha, len, dst, src);
		chacha_poly1305_digest(&s->ctx->chacha, TAG_LEN, tag);
		break;
	}
}

size_t mt_tls_seal(struct mt_tls_seal *s, const void *in, size_t len, const uint8_t **rec,
		   size_t *rec_len)
{
	size_t n = len < s->max_plain ? len : s->max_plain;
	bool explicit = !s->k.tls13 && s->k.aead != MT_SEAL_CHACHA20_POLY1305;
	size_t body = (explicit ? 8 : 0) + n + (s->k.tls13 ? 1 : 0) + TAG_LEN;
	uint8_t *r = s->rec, *p = r + 5, nonce[12];

	r[0] = TYPE_APPLICATION_DATA;
	r[1] = 3;
	r[2] = 3;
	r[3] = (uint8_t)(body >> 8);
	r[4] = (uint8_t)body;
	make_nonce(s, nonce);
	if (s->k.tls13) {
		/* the content type is the last plaintext byte: seal it in place */
		memcpy(p, in, n);
		p[n] = TYPE_APPLICATION_DATA;
		aead(s, nonce, r, 5, p, p, n + 1, p + n + 1);
	} else {
		uint8_t aad[13];

		put_be64(aad, s->k.seq);
		aad[8] = TYPE_APPLICATION_DATA;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(n >> 8);
		aad[12] = (uint8_t)n;
		if (explicit) {
			memcpy(p, nonce + 4, 8);
			p += 8;
		}
		aead(s, nonce, aad, sizeof(aad), p, in, n, p + n);
	}
	s->k.seq++;
	*rec = r;
	*rec_len = 5 + body;
	return n;
}

uint64_t mt_tls_seal_seq(const struct mt_tls_seal *s)
{
	return s->k.seq;
}

const char *mt_tls_seal_name(const struct mt_tls_seal *s)
{
	switch (s->k.aead) {
	case MT_SEAL_AES128_GCM:
		return "AES-128-GCM";
	case MT_SEAL_AES256_GCM:
		return "AES-256-GCM";
	case MT_SEAL_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305";
	}
	return "?";
}
