/* Canonical JSON writer: the bytes that are hashed and signed. */
#include "evidence/json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

void mt_json_init(struct mt_json *j)
{
	memset(j, 0, sizeof(*j));
}

void mt_json_free(struct mt_json *j)
{
	if (!j)
		return;
	free(j->buf);
	mt_json_init(j);
}

static void put(struct mt_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *nbuf;

		while (cap < j->len + n + 1)
			cap *= 2;
		nbuf = realloc(j->buf, cap);
		if (!nbuf) {
			j->err = -ENOMEM;
			return;
		}
		j->buf = nbuf;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

void mt_json_raw(struct mt_json *j, const char *s, size_t n)
{
	put(j, s, n);
}

/* Before any value: the comma between array items; in an object a value
 * must follow its key. */
static void value_start(struct mt_json *j)
{
	if (j->depth > 0 && j->is_object[j->depth - 1]) {
		assert(j->after_key); /* programmer error: an object member without a key */
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		put(j, ",", 1);
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
}

static void open_container(struct mt_json *j, bool object)
{
	value_start(j);
	put(j, object ? "{" : "[", 1);
	if (j->depth == MT_JSON_DEPTH) {
		if (!j->err)
			j->err = -E2BIG;
		return;
	}
	j->is_object[j->depth] = object;
	j->need_comma[j->depth] = false;
	j->last_key[j->depth] = NULL;
	j->depth++;
}

static void close_container(struct mt_json *j, bool object)
{
	assert(j->depth > 0 && j->is_object[j->depth - 1] == object && !j->after_key);
	j->depth--;
	put(j, object ? "}" : "]", 1);
}

void mt_json_object_begin(struct mt_json *j)
{
	open_container(j, true);
}

void mt_json_object_end(struct mt_json *j)
{
	close_container(j, true);
}

void mt_json_array_begin(struct mt_json *j)
{
	open_container(j, false);
}

void mt_json_array_end(struct mt_json *j)
{
	close_container(j, false);
}

static void put_string(struct mt_json *j, const char *s, size_t n)
{
	size_t start = 0;

	if (mt_text_valid(s, n) != n) {
		if (!j->err)
			j->err = -EILSEQ;
		return;
	}
	put(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '"'  ? "\\\"" :
				  s[i] == '\\' ? "\\\\" :
				  s[i] == '\t' ? "\\t" :
						 NULL;

		if (!esc)
			continue;
		put(j, s + start, i - start);
		put(j, esc, 2);
		start = i + 1;
	}
	put(j, s + start, n - start);
	put(j, "\"", 1);
}

void mt_json_key(struct mt_json *j, const char *key)
{
	int d = j->depth - 1;

	assert(d >= 0 && j->is_object[d] && !j->after_key);
	/* Sorted keys make the order part of the format, not of our code. */
	assert(!j->last_key[d] || strcmp(j->last_key[d], key) < 0);
	for (const char *p = key; *p; p++)
		assert(*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\');
	j->last_key[d] = key;
	if (j->need_comma[d])
		put(j, ",", 1);
	j->need_comma[d] = true;
	put_string(j, key, strlen(key));
	put(j, ":", 1);
	j->after_key = true;
}

void mt_json_str(struct mt_json *j, const char *s)
{
	value_start(j);
	put_string(j, s, strlen(s));
}

void mt_json_int(struct mt_json *j, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	value_start(j);
	put(j, num, (size_t)n);
}

void mt_json_bool(struct mt_json *j, bool v)
{
	value_start(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void mt_json_null(struct mt_json *j)
{
	value_start(j);
	put(j, "null", 4);
}

void mt_json_hex(struct mt_json *j, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	value_start(j);
	put(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char two[2] = { digits[bytes[i] >> 4], digits[bytes[i] & 0x0f] };

		put(j, two, 2);
	}
	put(j, "\"", 1);
}

void mt_json_kstr(struct mt_json *j, const char *key, const char *s)
{
	mt_json_key(j, key);
	mt_json_str(j, s);
}

void mt_json_kint(struct mt_json *j, const char *key, int64_t v)
{
	mt_json_key(j, key);
	mt_json_int(j, v);
}

void mt_json_khex(struct mt_json *j, const char *key, const uint8_t *bytes, size_t n)
{
	mt_json_key(j, key);
	mt_json_hex(j, bytes, n);
}

int mt_json_finish(struct mt_json *j, char **out, size_t *len)
{
	int ret = j->err;

	*out = NULL;
	*len = 0;
	if (ret == 0 && j->depth != 0)
		ret = -EINVAL;
	if (ret == 0 && !j->buf) { /* nothing written: still a string */
		put(j, "", 0);
		ret = j->err;
	}
	if (ret == 0) {
		*out = j->buf;
		*len = j->len;
		j->buf = NULL;
	}
	mt_json_free(j);
	return ret;
}
