/* The console password (docs/console.md): PBKDF2-HMAC-SHA256 with a random
 * salt, stored as "pbkdf2-sha256$ITER$SALT$HASH" in console.password and
 * checked in constant time; the growing delay after failed logins. There is
 * no default password: none is set until the installer sets one. */
#ifndef MT_CONSOLE_PASSWORD_H
#define MT_CONSOLE_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/password_format.h"

struct mt_random;

#define MT_PASSWORD_MIN         8  /* bytes */
#define MT_PASSWORD_MAX         64 /* bytes; a longer line is refused */
#define MT_PASSWORD_DELAY_MAX_S 30

/* PBKDF2-HMAC-SHA256 of pw with salt, iter rounds, into out (outlen bytes).
 * 0 or -EINVAL. */
int mt_password_pbkdf2(const void *pw, size_t plen, const uint8_t *salt, size_t slen, uint32_t iter,
		       uint8_t *out, size_t outlen);

/* The stored form of pw with a fresh salt from rnd: 0 and out (len bytes,
 * MT_PASSWORD_STORED_MAX is enough), -ENOSPC, -EINVAL, or the random
 * device's error. */
int mt_password_hash(struct mt_random *rnd, const char *pw, uint32_t iter, char *out, size_t len);

/* 0 when pw matches stored, -EACCES when not, -EINVAL when stored is not a
 * stored password. The hashes are compared in constant time. */
int mt_password_verify(const char *stored, const char *pw);

/* Why pw cannot be a password (too short, too long, control characters),
 * or NULL. */
const char *mt_password_refuse(const char *pw);

/* Seconds to wait after the failures-th failure in a row: 0 for none, then
 * 1, 2, 4, 8, 16, and 30 from the sixth on. */
unsigned mt_password_delay_s(unsigned failures);

#endif
