/* Runtime configuration: parse (all or nothing), check, format, atomic save. */
#include "core/config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/text.h"

#define WHY_MAX 128 /* room for a reason composed at run time */

static const struct mt_config_schema *sch(int k)
{
	return mt_config_schema((enum mt_config_key)k);
}

static int word_find(const char *const *words, const char *w)
{
	for (int i = 0; words[i]; i++)
		if (strcasecmp(words[i], w) == 0)
			return i;
	return -1;
}

static void set_default(struct mt_config *c, int k)
{
	const struct mt_config_schema *s = sch(k);

	if (s->type == MT_CONFIG_T_STR) {
		snprintf(c->v[k].s, sizeof(c->v[k].s), "%s", s->def_str);
	} else if (s->type == MT_CONFIG_T_ENUM && s->def_str) {
		c->v[k].i = word_find(s->words, s->def_str);
		assert(c->v[k].i >= 0); /* Kconfig offers only known words */
	} else {
		c->v[k].i = s->def_int;
	}
}

void mt_config_init(struct mt_config *c)
{
	memset(c, 0, sizeof(*c));
	for (int k = 0; k < MT_CONFIG_NKEYS; k++)
		set_default(c, k);
}

/* ---- typed access ---------------------------------------------------- */

int64_t mt_config_int(const struct mt_config *c, enum mt_config_key k)
{
	assert(mt_config_schema(k)->type != MT_CONFIG_T_STR);
	return c->v[k].i;
}

bool mt_config_bool(const struct mt_config *c, enum mt_config_key k)
{
	assert(mt_config_schema(k)->type == MT_CONFIG_T_BOOL);
	return c->v[k].i != 0;
}

const char *mt_config_str(const struct mt_config *c, enum mt_config_key k)
{
	const struct mt_config_schema *s = mt_config_schema(k);

	assert(s->type == MT_CONFIG_T_STR || s->type == MT_CONFIG_T_ENUM);
	return s->type == MT_CONFIG_T_STR ? c->v[k].s : s->words[c->v[k].i];
}

static enum mt_config_key key_of(const char *name)
{
	int k = mt_config_key_find(name);

	assert(k >= 0 && "unknown configuration key");
	return (enum mt_config_key)k;
}

int64_t mt_config_get_int(const struct mt_config *c, const char *key)
{
	return mt_config_int(c, key_of(key));
}

bool mt_config_get_bool(const struct mt_config *c, const char *key)
{
	return mt_config_bool(c, key_of(key));
}

const char *mt_config_get_str(const struct mt_config *c, const char *key)
{
	return mt_config_str(c, key_of(key));
}

static bool value_equal(const union mt_config_value *a, const union mt_config_value *b, int k)
{
	if (sch(k)->type == MT_CONFIG_T_STR)
		return strcmp(a->s, b->s) == 0;
	return a->i == b->i;
}

bool mt_config_equal(const struct mt_config *a, const struct mt_config *b)
{
	for (int k = 0; k < MT_CONFIG_NKEYS; k++)
		if (!value_equal(&a->v[k], &b->v[k], k))
			return false;
	return true;
}

bool mt_config_is_default(const struct mt_config *c, enum mt_config_key k)
{
	const struct mt_config_schema *s = mt_config_schema(k);
	union mt_config_value v;

	if (s->type == MT_CONFIG_T_STR)
		return strcmp(c->v[k].s, s->def_str) == 0;
	v.i = s->type == MT_CONFIG_T_ENUM && s->def_str ? word_find(s->words, s->def_str) :
							  s->def_int;
	return value_equal(&c->v[k], &v, k);
}

/* ---- errors ---------------------------------------------------------- */

static void err_reset(struct mt_config_error *e, const char *file)
{
	memset(e, 0, sizeof(*e));
	mt_text_clip(e->file, sizeof(e->file), file, strlen(file));
}

/* Fills e (key and val may be NULL) and returns MT_ECONFIG. */
static int err_set(struct mt_config_error *e, int line, const char *key, const char *val,
		   size_t vlen, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int err_set(struct mt_config_error *e, int line, const char *key, const char *val,
		   size_t vlen, const char *fmt, ...)
{
	va_list ap;

	e->line = line;
	if (key)
		mt_text_clip(e->key, sizeof(e->key), key, strlen(key));
	if (val)
		mt_text_clip(e->value, sizeof(e->value), val, vlen);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return MT_ECONFIG;
}

size_t mt_config_error_format(const struct mt_config_error *e, char *buf, size_t len)
{
	struct mt_text_buf o;

	mt_text_buf_init(&o, buf, len);
	if (e->file[0] && e->line)
		mt_text_printf(&o, "%s:%d: ", e->file, e->line);
	else if (e->file[0])
		mt_text_printf(&o, "%s: ", e->file);
	if (e->key[0] && e->value[0])
		mt_text_printf(&o, "%s = %s: ", e->key, e->value);
	else if (e->key[0])
		mt_text_printf(&o, "%s: ", e->key);
	mt_text_printf(&o, "%s", e->msg);
	return o.used;
}

/* Why n bytes at s are not a line of text, or NULL if they are. A NUL, a
 * control character or invalid UTF-8 means a corrupt or binary file. */
static const char *text_check(const char *s, size_t n, char *why)
{
	size_t at = mt_text_valid(s, n);
	unsigned char ch = (unsigned char)s[at < n ? at : 0];

	if (at == n)
		return NULL;
	if (ch == 0)
		return "NUL byte: file is corrupt or not text";
	if (ch < 0x20 || ch == 0x7f) {
		snprintf(why, WHY_MAX, "control character 0x%02x: file is corrupt or not text", ch);
		return why;
	}
	return "invalid UTF-8: file is corrupt or not text";
}

/* ---- values ---------------------------------------------------------- */

/* The text of a value without its optional quotes, unescaped into buf
 * (MT_CONFIG_STR_MAX + 1 bytes); *full is its length even when buf was too
 * small. NULL, or why it is malformed. */
static const char *unquote(const char *s, size_t n, char *buf, size_t *full)
{
	size_t out = 0, i;

	if (s[0] != '"') {
		out = n < MT_CONFIG_STR_MAX ? n : MT_CONFIG_STR_MAX;
		memcpy(buf, s, out);
		buf[out] = 0;
		*full = n;
		return NULL;
	}
	for (i = 1; i < n && s[i] != '"'; i++) {
		char ch = s[i];

		if (ch == '\\') {
			if (i + 1 >= n || (s[i + 1] != '"' && s[i + 1] != '\\'))
				return "unknown escape (only \\\" and \\\\ are known)";
			ch = s[++i];
		}
		if (out < MT_CONFIG_STR_MAX)
			buf[out] = ch;
		out++;
	}
	if (i >= n)
		return "unterminated quoted string";
	if (i != n - 1)
		return "text after the closing quote";
	buf[out < MT_CONFIG_STR_MAX ? out : MT_CONFIG_STR_MAX] = 0;
	*full = out;
	return NULL;
}

static const char *parse_int(const struct mt_config_schema *s, const char *t, int64_t *v, char *why)
{
	bool neg = false;
	uint64_t acc = 0;
	int64_t x;

	if (*t == '+' || *t == '-')
		neg = *t++ == '-';
	if (!*t)
		return "not a number";
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return "not a number";
		/* saturate: such a number is out of every range */
		acc = acc > (UINT64_MAX - 9) / 10 ? UINT64_MAX : acc * 10 + (uint64_t)(*t - '0');
	}
	x = acc > INT64_MAX ? INT64_MAX : (int64_t)acc;
	x = neg ? -x : x;
	if (x < s->min || x > s->max) {
		snprintf(why, WHY_MAX, "out of range %" PRId64 "..%" PRId64, s->min, s->max);
		return why;
	}
	*v = x;
	return NULL;
}

static const char *parse_bool(const char *t, int64_t *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	if (word_find(yes, t) >= 0)
		*v = 1;
	else if (word_find(no, t) >= 0)
		*v = 0;
	else
		return "not a boolean (true or false)";
	return NULL;
}

static const char *parse_enum(const struct mt_config_schema *s, const char *t, int64_t *v,
			      char *why)
{
	struct mt_text_buf o;
	int i = word_find(s->words, t);

	if (i >= 0) {
		*v = i;
		return NULL;
	}
	mt_text_buf_init(&o, why, WHY_MAX);
	mt_text_printf(&o, "not one of ");
	for (i = 0; s->words[i]; i++)
		mt_text_printf(&o, i ? "|%s" : "%s", s->words[i]);
	return why;
}

/* Parses the trimmed value text (n bytes) for key k into *v: NULL, or why
 * not (maybe written into why, WHY_MAX bytes). */
static const char *value_parse(int k, const char *t, size_t n, union mt_config_value *v, char *why)
{
	const struct mt_config_schema *s = sch(k);
	char buf[MT_CONFIG_STR_MAX + 1];
	const char *bad;
	size_t full;

	if (n == 0)
		return s->type == MT_CONFIG_T_STR ? "missing value (write \"\" for an empty one)" :
						    "missing value";
	bad = text_check(t, n, why);
	if (!bad)
		bad = unquote(t, n, buf, &full);
	if (bad)
		return bad;
	/* A word or number longer than buf was cut short there: it still
	 * matches no word and is still out of range. */
	switch (s->type) {
	case MT_CONFIG_T_STR:
		if (full > s->max_len) {
			snprintf(why, WHY_MAX, "too long (%zu bytes, limit %zu)", full, s->max_len);
			return why;
		}
		if (s->check && (bad = s->check(buf, why, WHY_MAX)))
			return bad;
		memcpy(v->s, buf, full + 1);
		return NULL;
	case MT_CONFIG_T_INT:
		return parse_int(s, buf, &v->i, why);
	case MT_CONFIG_T_BOOL:
		return parse_bool(buf, &v->i);
	case MT_CONFIG_T_ENUM:
		return parse_enum(s, buf, &v->i, why);
	}
	return "unknown type";
}

/* ---- keys ------------------------------------------------------------ */

/* The known key an unknown name most likely meant, or -1: a close spelling,
 * the one key it is the start of (a line cut short), or the one key whose
 * part after the dot it is ("fps"). */
static int suggest(const char *name)
{
	size_t n = strlen(name);
	int best = -1, best_d = 3, prefix = -1, nprefix = 0, tail = -1, ntail = 0;

	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		const char *known = sch(k)->name, *dot = strchr(known, '.');
		int d = mt_text_distance(name, known);

		if (d >= 0 && d < best_d && (size_t)d * 3 <= n) {
			best_d = d;
			best = k;
		}
		if (n >= 3 && strncmp(known, name, n) == 0) {
			prefix = k;
			nprefix++;
		}
		if (dot && strcmp(dot + 1, name) == 0) {
			tail = k;
			ntail++;
		}
	}
	if (best >= 0)
		return best;
	if (nprefix == 1)
		return prefix;
	return ntail == 1 ? tail : -1;
}

static int unknown_key(struct mt_config_error *e, int line, const char *key)
{
	int k = suggest(key);

	if (k >= 0)
		return err_set(e, line, key, NULL, 0, "unknown key (did you mean %s?)",
			       sch(k)->name);
	return err_set(e, line, key, NULL, 0, "unknown key");
}

/* ---- parse ----------------------------------------------------------- */

struct parse {
	struct mt_config tmp;
	int first_line[MT_CONFIG_NKEYS]; /* where each key was set; 0: not yet */
	struct mt_config_error *err;
	char why[WHY_MAX];
};

/* A line with no "=": one word is a key on its own, most likely a line cut
 * short, so it is named as a key; anything else is not a setting at all. */
static int no_equals(struct parse *ps, int line, const char *s, size_t n)
{
	char word[64];

	if (n < sizeof(word) && !memchr(s, ' ', n) && !memchr(s, '\t', n)) {
		memcpy(word, s, n);
		word[n] = 0;
		if (mt_config_key_find(word) < 0)
			return unknown_key(ps->err, line, word);
		return err_set(ps->err, line, word, NULL, 0, "missing \"= value\"");
	}
	mt_text_clip(word, 40, s, n);
	return err_set(ps->err, line, NULL, NULL, 0, "expected \"key = value\", not \"%s\"", word);
}

static int parse_line(struct parse *ps, int line, const char *s, size_t n)
{
	const char *eq, *bad, *val;
	char key[64];
	size_t klen, vlen;
	int k;

	if (n && s[n - 1] == '\r')
		n--;
	bad = text_check(s, n, ps->why);
	if (bad)
		return err_set(ps->err, line, NULL, NULL, 0, "%s", bad);
	mt_text_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	eq = memchr(s, '=', n);
	if (!eq)
		return no_equals(ps, line, s, n);
	klen = (size_t)(eq - s);
	mt_text_trim(&s, &klen);
	if (klen == 0)
		return err_set(ps->err, line, NULL, NULL, 0, "missing key before \"=\"");
	mt_text_clip(key, sizeof(key), s, klen);
	k = klen < sizeof(key) ? mt_config_key_find(key) : -ENOENT;
	if (k < 0)
		return unknown_key(ps->err, line, key);
	if (ps->first_line[k])
		return err_set(ps->err, line, key, NULL, 0, "duplicate key (first set on line %d)",
			       ps->first_line[k]);
	val = eq + 1;
	vlen = n - (size_t)(val - s);
	mt_text_trim(&val, &vlen);
	bad = value_parse(k, val, vlen, &ps->tmp.v[k], ps->why);
	if (bad) /* a secret is not echoed, even a wrong one */
		return err_set(ps->err, line, key, sch(k)->secret ? NULL : val, vlen, "%s", bad);
	ps->first_line[k] = line;
	return 0;
}

int mt_config_parse(struct mt_config *c, const char *name, const char *text, size_t len,
		    struct mt_config_error *err)
{
	const char *p = text, *end = text + len, *nl;
	struct mt_config_error dummy = { 0 };
	struct parse *ps;
	int line = 0, ret = 0;

	err = err ? err : &dummy;
	err_reset(err, name);
	if (len > MT_CONFIG_FILE_MAX) {
		err_set(err, 0, NULL, NULL, 0, "file too large (%zu bytes, limit %d)", len,
			MT_CONFIG_FILE_MAX);
		return -EFBIG;
	}
	/* Parsed into a copy, so a bad line leaves *c as it was. */
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		err_set(err, 0, NULL, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	mt_config_init(&ps->tmp);
	ps->err = err;
	/* A byte order mark, as some Windows editors write. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && !ret) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ret = parse_line(ps, ++line, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	if (!ret) {
		*c = ps->tmp;
		c->from_file = true;
	}
	free(ps);
	return ret;
}

int mt_config_load(struct mt_config *c, struct mt_storage *st, const char *path,
		   struct mt_config_error *err)
{
	struct mt_config_error dummy = { 0 };
	uint8_t *buf;
	size_t len;
	int ret;

	err = err ? err : &dummy;
	err_reset(err, path);
	ret = mt_file_read_all(st, path, MT_CONFIG_FILE_MAX, &buf, &len);
	if (ret == -ENOENT) {
		mt_config_init(c);
		return 0;
	}
	if (ret == -EFBIG)
		err_set(err, 0, NULL, NULL, 0, "file too large (limit %d bytes)",
			MT_CONFIG_FILE_MAX);
	else if (ret)
		err_set(err, 0, NULL, NULL, 0, "cannot read: %s", mt_strerror(ret));
	if (ret)
		return ret;
	ret = mt_config_parse(c, path, (const char *)buf, len, err);
	free(buf);
	return ret;
}

int mt_config_set(struct mt_config *c, const char *key, const char *text,
		  struct mt_config_error *err)
{
	struct mt_config_error dummy = { 0 };
	union mt_config_value v;
	size_t n = strlen(text);
	const char *bad;
	char why[WHY_MAX];
	int k;

	err = err ? err : &dummy;
	err_reset(err, "");
	k = mt_config_key_find(key);
	if (k < 0)
		return unknown_key(err, 0, key);
	mt_text_trim(&text, &n);
	bad = value_parse(k, text, n, &v, why);
	if (!bad) {
		c->v[k] = v;
		return 0;
	}
	/* Bytes that are not text, and secrets, are not echoed back. */
	if (mt_text_valid(text, n) != n || sch(k)->secret)
		return err_set(err, 0, key, NULL, 0, "%s", bad);
	return err_set(err, 0, key, text, n, "%s", bad);
}

/* ---- format and save ------------------------------------------------- */

static void value_out(struct mt_text_buf *o, const struct mt_config *c, int k)
{
	const struct mt_config_schema *s = sch(k);

	switch (s->type) {
	case MT_CONFIG_T_INT:
		mt_text_printf(o, "%" PRId64, c->v[k].i);
		break;
	case MT_CONFIG_T_BOOL:
		mt_text_printf(o, "%s", c->v[k].i ? "true" : "false");
		break;
	case MT_CONFIG_T_ENUM:
		mt_text_printf(o, "%s", s->words[c->v[k].i]);
		break;
	case MT_CONFIG_T_STR:
		mt_text_printf(o, "\"");
		for (const char *p = c->v[k].s; *p; p++)
			mt_text_printf(o, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		mt_text_printf(o, "\"");
		break;
	}
}

size_t mt_config_value_format(const struct mt_config *c, enum mt_config_key k, char *buf,
			      size_t len)
{
	struct mt_text_buf o;

	assert(k >= 0 && k < MT_CONFIG_NKEYS);
	mt_text_buf_init(&o, buf, len);
	value_out(&o, c, k);
	return o.used;
}

size_t mt_config_format(const struct mt_config *c, char *buf, size_t len)
{
	struct mt_text_buf o;

	mt_text_buf_init(&o, buf, len);
	mt_text_printf(&o, "# matthan runtime configuration, written by \"config save\".\n"
			   "# One \"key = value\" per line; a line starting with # is a comment.\n"
			   "# Keys commented out are at their default. See docs/config.md.\n");
	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		mt_text_printf(&o, "\n# %s\n%s%s = ", sch(k)->help,
			       mt_config_is_default(c, (enum mt_config_key)k) ? "# " : "",
			       sch(k)->name);
		value_out(&o, c, k);
		mt_text_printf(&o, "\n");
	}
	return o.used;
}

int mt_config_save(const struct mt_config *c, struct mt_storage *st, const char *path)
{
	size_t n = mt_config_format(c, NULL, 0);
	char *text;
	int ret;

	/* Every key at its longest still fits, so load can read it back. */
	assert(n <= MT_CONFIG_FILE_MAX);
	text = malloc(n + 1);
	if (!text)
		return -ENOMEM;
	mt_config_format(c, text, n + 1);
	ret = mt_file_replace(st, path, text, n);
	free(text);
	return ret;
}
