/* mt-verify: small helpers shared by the checks. */
#include "vutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbedtls_compat.h"

void vr_set(struct vr_result *r, enum vr_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Reads all of path (at most max bytes). 0, -ENOENT, or -1 on anything else. */
int read_file(const char *path, size_t max, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;

	*out = NULL;
	*len = 0;
	if (!f)
		return errno == ENOENT ? -ENOENT : -1;
	for (;;) {
		size_t got;

		if (used == cap) {
			unsigned char *nb;

			/* one byte past max shows that the file is bigger */
			cap = cap > max ? 0 : cap ? cap * 2 : 4096;
			cap = cap > max + 1 ? max + 1 : cap;
			nb = cap ? realloc(buf, cap + 1) : NULL;
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + used, 1, cap - used, f);
		used += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[used] = 0;
	*out = buf;
	*len = used;
	return 0;
}

int sig_ok(const struct vr_key *k, const void *data, size_t len, const unsigned char *sig,
	   size_t sig_len)
{
	unsigned char digest[32];

	mbedtls_sha256(data, len, digest, 0);
	return mbedtls_pk_verify((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, digest,
				 sizeof(digest), sig, sig_len) == 0;
}

/* n bytes of lowercase or uppercase hex at s into out; 0 or -1. */
int unhex(const char *s, size_t digits, unsigned char *out)
{
	if (!s || digits % 2 || strspn(s, "0123456789abcdefABCDEF") < digits)
		return -1;
	for (size_t i = 0; i < digits / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int json_hex32(const cJSON *obj, const char *key, unsigned char out[32])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) != 64)
		return -1;
	return unhex(v->valuestring, 64, out);
}

int json_u64(const cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}
