/* A canonical JSON writer for what matthan signs (manifests, checkpoint
 * records): the same values always give the same bytes. No whitespace, keys
 * of an object in byte order (asserted), integers only (no floats, no
 * exponents), strings as UTF-8 with only '"', '\\' and tab escaped (any other
 * control character, and invalid UTF-8, is refused). docs/evidence.md. */
#ifndef MT_EVIDENCE_JSON_H
#define MT_EVIDENCE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_JSON_DEPTH 8

struct mt_json {
	char *buf; /* owned; NUL-terminated while err == 0 */
	size_t len, cap;
	int err; /* first failure: -ENOMEM, -EILSEQ (bad text), -E2BIG (depth) */
	int depth;
	bool need_comma[MT_JSON_DEPTH];
	bool is_object[MT_JSON_DEPTH];
	bool after_key;                      /* a key was written: a value comes next */
	const char *last_key[MT_JSON_DEPTH]; /* borrowed: keys must outlive the object */
};

/* An empty document in caller-owned j. Cannot fail. */
void mt_json_init(struct mt_json *j);

void mt_json_object_begin(struct mt_json *j);
void mt_json_object_end(struct mt_json *j);
void mt_json_array_begin(struct mt_json *j);
void mt_json_array_end(struct mt_json *j);

/* The next member's name. Keys of one object must come in strictly
 * increasing strcmp() order and be plain ASCII; key must live until the
 * object ends (a string literal). */
void mt_json_key(struct mt_json *j, const char *key);

void mt_json_str(struct mt_json *j, const char *s);
void mt_json_int(struct mt_json *j, int64_t v);
void mt_json_bool(struct mt_json *j, bool v);
void mt_json_null(struct mt_json *j);
/* n bytes as lowercase hex in a string ("sha256sum" style). */
void mt_json_hex(struct mt_json *j, const uint8_t *bytes, size_t n);

/* key + value in one call. */
void mt_json_kstr(struct mt_json *j, const char *key, const char *s);
void mt_json_kint(struct mt_json *j, const char *key, int64_t v);
void mt_json_khex(struct mt_json *j, const char *key, const uint8_t *bytes, size_t n);

/* Appends raw bytes (a newline after the document). */
void mt_json_raw(struct mt_json *j, const char *s, size_t n);

/* Hands the document to the caller: *out (free() it) holds *len bytes and a
 * NUL. 0, the first error (and *out NULL), or -EINVAL if an object or array
 * is still open. j is empty afterwards. */
int mt_json_finish(struct mt_json *j, char **out, size_t *len);

/* Drops the document. NULL and a second call are fine. */
void mt_json_free(struct mt_json *j);

#endif
