/* Test certificates: see pki.h. */
#define _GNU_SOURCE /* vasprintf */
#include "pki.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

void pki_sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
	free(cmd);
}

void pki_make(const char *dir)
{
	pki_sh("cd %s && for ca in ca other; do "
	       "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	       "-keyout $ca.key -out $ca.pem -days 3650 -subj /CN=$ca 2>/dev/null; done && "
	       "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key "
	       "-out srv.csr -subj /CN=localhost 2>/dev/null && "
	       "printf 'subjectAltName=DNS:localhost\\n' >srv.ext && "
	       "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	       "-out srv.pem -days 365 -extfile srv.ext 2>/dev/null && "
	       "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dev.key "
	       "-out dev.csr -subj /CN=mt-0123456789abcdef 2>/dev/null && "
	       "openssl x509 -req -in dev.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	       "-out dev.pem -days 365 2>/dev/null && "
	       "openssl x509 -in ca.pem -outform der | sha256sum | cut -c1-64 >ca.fp",
	       dir);
}

uint8_t *pki_slurp(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	long n;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = 0;
	*len = (size_t)n + 1;
	fclose(f);
	return b;
}
