/* The stored form of the console password, "pbkdf2-sha256$ITER$SALT$HASH"
 * (ITER decimal, SALT 16 and HASH 32 bytes in lowercase hex), parsed in one
 * place for the configuration's check (core) and the console's verify. */
#ifndef MT_CORE_PASSWORD_FORMAT_H
#define MT_CORE_PASSWORD_FORMAT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MT_PASSWORD_SCHEME   "pbkdf2-sha256"
#define MT_PASSWORD_SALT     16
#define MT_PASSWORD_HASH     32
#define MT_PASSWORD_ITER_MAX 10000000u
/* scheme $ 8 digits $ 32 hex $ 64 hex, and the NUL */
#define MT_PASSWORD_STORED_MAX (sizeof(MT_PASSWORD_SCHEME) + 1 + 8 + 1 + 32 + 1 + 64 + 1)

static inline int mt_password_hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' :
			ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
						 -1;

		if (v < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return 0;
}

/* 0 with the parts, or -EINVAL. Any pointer but s may be NULL. */
static inline int mt_password_parse(const char *s, uint32_t *iter, uint8_t *salt, uint8_t *hash)
{
	uint8_t sb[MT_PASSWORD_SALT], hb[MT_PASSWORD_HASH];
	size_t n = sizeof(MT_PASSWORD_SCHEME) - 1, digits = 0;
	uint32_t it = 0;

	if (strncmp(s, MT_PASSWORD_SCHEME "$", n + 1) != 0)
		return -EINVAL;
	s += n + 1;
	for (; *s >= '0' && *s <= '9' && digits < 8; s++, digits++)
		it = it * 10 + (uint32_t)(*s - '0');
	if (!digits || it == 0 || it > MT_PASSWORD_ITER_MAX || *s != '$')
		return -EINVAL;
	s++;
	if (strlen(s) != 2 * MT_PASSWORD_SALT + 1 + 2 * MT_PASSWORD_HASH ||
	    s[2 * MT_PASSWORD_SALT] != '$' || mt_password_hex(s, sb, sizeof(sb)) ||
	    mt_password_hex(s + 2 * MT_PASSWORD_SALT + 1, hb, sizeof(hb)))
		return -EINVAL;
	if (iter)
		*iter = it;
	if (salt)
		memcpy(salt, sb, sizeof(sb));
	if (hash)
		memcpy(hash, hb, sizeof(hb));
	return 0;
}

#endif
