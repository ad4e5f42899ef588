/* mt-station: parsers of what clients send; see parse.h. */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

const char mt_parse_code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

int mt_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int mt_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		if (mt_parse_u64(close + 2, 65535, &port) ||
		    inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (mt_parse_u64(colon + 1, 65535, &port) ||
		    inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

/* The digits of s up to its end or a '-' as a number; *end past them. */
static int range_number(const char *s, const char **end, uint64_t *v)
{
	char buf[24];
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	*end = s + n;
	return mt_parse_u64(buf, UINT64_MAX, v);
}

enum mt_range mt_parse_range(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p;
	uint64_t a, b;

	if (!hdr || strncmp(hdr, "bytes=", 6) != 0 || strchr(hdr, ','))
		return MT_RANGE_NONE;
	p = hdr + 6;
	while (*p == ' ')
		p++;
	if (*p == '-') { /* suffix: the last b bytes */
		if (range_number(p + 1, &p, &b) || *p)
			return MT_RANGE_NONE;
		if (b == 0 || size == 0)
			return MT_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return MT_RANGE_PARTIAL;
	}
	if (range_number(p, &p, &a) || *p != '-')
		return MT_RANGE_NONE;
	p++;
	if (*p == 0) {
		b = UINT64_MAX;
	} else if (range_number(p, &p, &b) || *p || b < a) {
		return MT_RANGE_NONE;
	}
	if (a >= size)
		return MT_RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return MT_RANGE_PARTIAL;
}

static int b64_value(int c)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;

	return p ? (int)(p - set) : -1;
}

/* Standard base64 (padding optional) of the n characters at in. */
static int b64_decode(const char *in, size_t n, char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t len = 0;
	int bits = 0;

	while (n > 0 && in[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len + 1 >= cap)
				return -1;
			out[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[len] = 0;
	return memchr(out, 0, len) ? -1 : 0; /* a NUL inside would cut the value */
}

int mt_parse_tus_metadata(const char *hdr, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);

	if (!hdr)
		return 0;
	while (*hdr) {
		const char *end = strchr(hdr, ','), *sp;
		size_t n;

		while (*hdr == ' ')
			hdr++;
		n = end ? (size_t)(end - hdr) : strlen(hdr);
		sp = memchr(hdr, ' ', n);
		if ((sp ? (size_t)(sp - hdr) : n) == klen && memcmp(hdr, key, klen) == 0) {
			if (!sp)
				return 0;
			return b64_decode(sp + 1, n - (size_t)(sp + 1 - hdr), out, cap) ? -1 : 1;
		}
		if (!end)
			break;
		hdr = end + 1;
	}
	return 0;
}

int mt_parse_upload_id(const char *url, char *id)
{
	const char *p = NULL, *q = url;

	if (!url)
		return -1;
	while ((q = strstr(q, "/files/")) != NULL) {
		p = q + 7;
		q = p;
	}
	if (!p || strlen(p) != MT_UPLOAD_ID_LEN ||
	    strspn(p, "0123456789abcdef") != MT_UPLOAD_ID_LEN)
		return -1;
	memcpy(id, p, MT_UPLOAD_ID_LEN + 1);
	return 0;
}

int mt_parse_code(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		int c = toupper((unsigned char)*in);

		if (c == '-' || c == ' ')
			continue;
		if (n == MT_CODE_LEN || !strchr(mt_parse_code_alphabet, c) || c == 0)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = 0;
	return n == MT_CODE_LEN ? 0 : -1;
}

int mt_parse_safe_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 128 && s[0] != '.' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}
