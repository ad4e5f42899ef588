/* Test support: reads NIST CAVP response files (.rsp), records of "Key = value"
 * lines separated by blank lines; '#' comments and "[...]" headers are skipped. */
#ifndef MT_TEST_RSP_H
#define MT_TEST_RSP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RSP_MAX_FIELDS 16

struct rsp_record {
	int n;
	char *key[RSP_MAX_FIELDS];
	char *value[RSP_MAX_FIELDS];
};

/* Opens $MT_VECTORS/<rel>; fails the test if it cannot. */
FILE *rsp_open(const char *rel);

/* Reads the next record into r (freeing what it held). 1, or 0 at the end. */
int rsp_next(FILE *f, struct rsp_record *r);

/* The value of the nth (0-based) field named key, or NULL. */
const char *rsp_get(const struct rsp_record *r, const char *key, int nth);

/* Decodes hex into a malloc'd buffer (the caller frees it); *len gets its size. */
uint8_t *rsp_hex(const char *hex, size_t *len);

void rsp_free(struct rsp_record *r);

#endif
