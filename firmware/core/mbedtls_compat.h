/* mbedTLS 2.28 (Debian 12 hosts) and 3.6 (Debian 13 boards) in one API: our
 * code is written against 3.x, and on 2.28 this header maps it back. A .c file
 * that calls mbedTLS includes it (it brings the headers below), and a mapping
 * is added here the first time our code calls an API that differs. Known
 * differences not mapped yet, because nothing calls them:
 *   - mbedtls_ecdsa_write_signature(): 3.x adds sig_size after sig.
 *   - struct fields became private in 3.x: prefer an accessor function, else
 *     name the field MBEDTLS_PRIVATE(field), which both versions accept here.
 *     We never define MBEDTLS_ALLOW_PRIVATE_ACCESS, so every such use shows. */
#ifndef MT_CORE_MBEDTLS_COMPAT_H
#define MT_CORE_MBEDTLS_COMPAT_H

/* Both versions define MBEDTLS_VERSION_NUMBER here (3.x via build_info.h).
 * The checks skip when it is not defined, which only happens to an analyser
 * that does not read system headers (cppcheck). */
#include <mbedtls/version.h>

#if defined(MBEDTLS_VERSION_NUMBER) && MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "mbedTLS 2.28 or later is needed (Debian 12: libmbedtls-dev)"
#endif
#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR > 3
#error "mbedTLS 4 moved hashing and the DRBG behind PSA: port firmware/core/mbedtls_compat.h"
#endif

#define MT_MBEDTLS_3 (MBEDTLS_VERSION_MAJOR >= 3)

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/sha256.h>

#if !MT_MBEDTLS_3
/* 2.28 calls the int-returning hash functions *_ret; its plain names are
 * deprecated void functions (a warning, so an error here). */
#define mbedtls_sha256_starts mbedtls_sha256_starts_ret
#define mbedtls_sha256_update mbedtls_sha256_update_ret
#define mbedtls_sha256_finish mbedtls_sha256_finish_ret
#define mbedtls_sha256        mbedtls_sha256_ret

#define MBEDTLS_PRIVATE(member) member
#endif

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#if !MT_MBEDTLS_3
/* 3.3 added PBKDF2 by hash type (the old form, with an HMAC context the
 * caller sets up, is deprecated in 3.x); 2.28 has only the old form. */
static inline int mbedtls_pkcs5_pbkdf2_hmac_ext(mbedtls_md_type_t md, const unsigned char *pw,
						size_t plen, const unsigned char *salt, size_t slen,
						unsigned int iterations, uint32_t key_len,
						unsigned char *out)
{
	const mbedtls_md_info_t *md_info = mbedtls_md_info_from_type(md);
	mbedtls_md_context_t ctx;
	int ret;

	if (!md_info)
		return MBEDTLS_ERR_PKCS5_BAD_INPUT_DATA;
	mbedtls_md_init(&ctx);
	ret = mbedtls_md_setup(&ctx, md_info, 1);
	if (!ret)
		ret = mbedtls_pkcs5_pbkdf2_hmac(&ctx, pw, plen, salt, slen, iterations, key_len,
						out);
	mbedtls_md_free(&ctx);
	return ret;
}
#endif

#include <mbedtls/pk.h>

#if !MT_MBEDTLS_3
/* 3.x added the signature buffer's size after sig (2.28 assumes it holds
 * MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes: give it that much), and an RNG for
 * the key's blinding to parse_key. A macro's own name in its expansion is
 * not expanded again, so these call the real 2.28 functions. */
#define mbedtls_pk_sign(ctx, md, hash, hash_len, sig, sig_size, sig_len, f_rng, p_rng) \
	mbedtls_pk_sign(ctx, md, hash, hash_len, sig, sig_len, f_rng, p_rng)
#define mbedtls_pk_parse_key(ctx, key, keylen, pwd, pwdlen, f_rng, p_rng) \
	mbedtls_pk_parse_key(ctx, key, keylen, pwd, pwdlen)
#endif

#endif
