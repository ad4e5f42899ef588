/* Reading the station's small JSON answers on the box without a JSON
 * library: the value of one top-level member of an object, as a string
 * (escapes decoded, \u0000 refused) or an integer. Strict: a document that
 * is not a well-formed object of scalar members fails. */
#ifndef MT_NET_JSONGET_H
#define MT_NET_JSONGET_H

#include <stddef.h>
#include <stdint.h>

/* The string member key of doc[0..len) into out (NUL-terminated, at most
 * max - 1 bytes). 0, -ENOENT (absent or not a string), -ENOSPC (too long) or
 * MT_EFORMAT (doc is not a flat JSON object). */
int mt_json_get_str(const char *doc, size_t len, const char *key, char *out, size_t max);

/* The integer member key. 0, -ENOENT or MT_EFORMAT. */
int mt_json_get_int(const char *doc, size_t len, const char *key, int64_t *out);

#endif
