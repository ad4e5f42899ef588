/* mt-verify: helpers shared by its checks. */
#ifndef MT_VERIFY_VUTIL_H
#define MT_VERIFY_VUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "verify.h"

/* Sets r's status and its reason (printf-style). */
void vr_set(struct vr_result *r, enum vr_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads all of path (at most max bytes) into *out (free() it; NUL after the
 * data). 0, -ENOENT, or -1. */
int read_file(const char *path, size_t max, unsigned char **out, size_t *len);

/* 1 if sig is k's ECDSA-SHA256 signature of the len bytes at data. */
int sig_ok(const struct vr_key *k, const void *data, size_t len, const unsigned char *sig,
	   size_t sig_len);

/* digits hex characters at s into digits / 2 bytes at out. 0 or -1. */
int unhex(const char *s, size_t digits, unsigned char *out);

/* A 64-digit hex member of obj as 32 bytes; an integer member. 0 or -1. */
int json_hex32(const cJSON *obj, const char *key, unsigned char out[32]);
int json_u64(const cJSON *obj, const char *key, uint64_t *out);

#endif
