/* Test support: NIST .rsp reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rsp.h"

FILE *rsp_open(const char *rel)
{
	const char *dir = getenv("MT_VECTORS");
	char path[4096];
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

void rsp_free(struct rsp_record *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->value[i]);
	}
	r->n = 0;
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

int rsp_next(FILE *f, struct rsp_record *r)
{
	char *line = NULL;
	size_t cap = 0;

	rsp_free(r);
	while (getline(&line, &cap, f) >= 0) {
		char *s = trim(line);
		char *eq;

		if (*s == '#' || *s == '[')
			continue;
		if (*s == '\0') {
			if (r->n > 0)
				break;
			continue;
		}
		eq = strchr(s, '=');
		assert_non_null(eq);
		assert_true(r->n < RSP_MAX_FIELDS);
		*eq = '\0';
		r->key[r->n] = strdup(trim(s));
		r->value[r->n] = strdup(trim(eq + 1));
		r->n++;
	}
	free(line);
	return r->n > 0;
}

const char *rsp_get(const struct rsp_record *r, const char *key, int nth)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0 && nth-- == 0)
			return r->value[i];
	return NULL;
}

uint8_t *rsp_hex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out = malloc(n / 2 + 1); /* + 1: never malloc(0) */

	assert_non_null(out);
	assert_int_equal(n % 2, 0);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	*len = n / 2;
	return out;
}
