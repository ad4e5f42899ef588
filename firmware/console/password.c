/* Console password hashing and checking (mbedTLS PBKDF2). */
#include "console/password.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "core/mbedtls_compat.h"
#include "hal/random.h"

int mt_password_pbkdf2(const void *pw, size_t plen, const uint8_t *salt, size_t slen, uint32_t iter,
		       uint8_t *out, size_t outlen)
{
	if (!iter || iter > MT_PASSWORD_ITER_MAX || outlen > UINT32_MAX)
		return -EINVAL;
	if (mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, pw, plen, salt, slen, iter,
					  (uint32_t)outlen, out))
		return -EINVAL;
	return 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int mt_password_hash(struct mt_random *rnd, const char *pw, uint32_t iter, char *out, size_t len)
{
	uint8_t salt[MT_PASSWORD_SALT], hash[MT_PASSWORD_HASH];
	char hs[2 * MT_PASSWORD_SALT + 1], hh[2 * MT_PASSWORD_HASH + 1];
	int ret = mt_random_fill(rnd, salt, sizeof(salt));
	int n;

	if (!ret)
		ret = mt_password_pbkdf2(pw, strlen(pw), salt, sizeof(salt), iter, hash,
					 sizeof(hash));
	if (ret)
		goto out_wipe;
	hex(hs, salt, sizeof(salt));
	hex(hh, hash, sizeof(hash));
	n = snprintf(out, len, MT_PASSWORD_SCHEME "$%u$%s$%s", (unsigned)iter, hs, hh);
	ret = n < 0 || (size_t)n >= len ? -ENOSPC : 0;
	mbedtls_platform_zeroize(hh, sizeof(hh));
out_wipe:
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return ret;
}

int mt_password_verify(const char *stored, const char *pw)
{
	uint8_t salt[MT_PASSWORD_SALT], want[MT_PASSWORD_HASH], got[MT_PASSWORD_HASH];
	uint8_t diff = 0;
	uint32_t iter;
	int ret = mt_password_parse(stored, &iter, salt, want);

	if (!ret)
		ret = mt_password_pbkdf2(pw, strlen(pw), salt, sizeof(salt), iter, got,
					 sizeof(got));
	if (ret)
		goto out_wipe;
	/* Every byte is compared, whatever the first difference. */
	for (size_t i = 0; i < sizeof(got); i++)
		diff |= (uint8_t)(got[i] ^ want[i]);
	ret = diff ? -EACCES : 0;
out_wipe:
	mbedtls_platform_zeroize(got, sizeof(got));
	mbedtls_platform_zeroize(want, sizeof(want));
	return ret;
}

const char *mt_password_refuse(const char *pw)
{
	size_t n = strlen(pw);

	if (n < MT_PASSWORD_MIN)
		return "too short: at least 8 characters";
	if (n > MT_PASSWORD_MAX)
		return "too long: at most 64 bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
			return "control characters are not allowed";
	return NULL;
}

unsigned mt_password_delay_s(unsigned failures)
{
	if (failures == 0)
		return 0;
	if (failures > 5)
		return MT_PASSWORD_DELAY_MAX_S;
	return 1u << (failures - 1);
}
