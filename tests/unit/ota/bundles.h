/* Test bundles made in memory and signed with tests/vectors/ota keys, and
 * a fetcher serving one file from memory with a link that can be cut. */
#ifndef MT_TEST_OTA_BUNDLES_H
#define MT_TEST_OTA_BUNDLES_H

#include <stddef.h>
#include <stdint.h>

#include "ota/agent.h"

struct tb {
	uint8_t *data;
	size_t len;
	size_t head_len;
};

/* A bundle of payload (len bytes) signed by the vector key named key
 * ("update" or "other"). Fails the test on error; free data with free(). */
void tb_make(struct tb *b, const char *key, const char *board, const char *version,
	     const char *min_version, const uint8_t *payload, size_t len);

/* Loads tests/vectors/ota/<name>.pub.pem into k. */
void tb_key(struct mt_bundle_key *k, const char *name);

struct tb_server {
	struct mt_ota_fetch fetch;
	const struct tb *bundle;
	const char *file; /* its name */
	char latest[256]; /* latest.json */
	int cut_after;    /* fail every request after this many (0: never) */
	int requests;
	uint64_t sent;
};

void tb_server_init(struct tb_server *s, const struct tb *b, const char *file, const char *board,
		    const char *version);

#endif
