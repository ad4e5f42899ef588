/* Flat JSON member lookup: see jsonget.h (RFC 8259 grammar for the parts
 * used: an object of string, number, true/false/null members). */
#include "net/jsonget.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/errors.h"

struct cur {
	const char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A string at c->p (at its quote) decoded into out (when out), its length in *n. */
static int string(struct cur *c, char *out, size_t max, size_t *n)
{
	size_t k = 0;
	bool over = false;

	if (c->p >= c->end || *c->p != '"')
		return MT_EFORMAT;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned ch = (unsigned char)*c->p++;

		if (ch < 0x20)
			return MT_EFORMAT;
		if (ch == '\\') {
			if (c->p >= c->end)
				return MT_EFORMAT;
			switch (*c->p++) {
			case '"':
				ch = '"';
				break;
			case '\\':
				ch = '\\';
				break;
			case '/':
				ch = '/';
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'n':
				ch = '\n';
				break;
			case 'r':
				ch = '\r';
				break;
			case 't':
				ch = '\t';
				break;
			case 'u': {
				unsigned v = 0;

				for (int i = 0; i < 4; i++) {
					int h = c->p < c->end ? hexval(*c->p++) : -1;

					if (h < 0)
						return MT_EFORMAT;
					v = v * 16 + (unsigned)h;
				}
				/* only ASCII is expected from the station; NUL never */
				if (v == 0 || v > 0x7f)
					return MT_EFORMAT;
				ch = v;
				break;
			}
			default:
				return MT_EFORMAT;
			}
		}
		if (out) {
			if (k + 1 < max)
				out[k] = (char)ch;
			else
				over = true;
		}
		k++;
	}
	if (c->p >= c->end)
		return MT_EFORMAT;
	c->p++;
	if (out && max)
		out[k < max ? k : max - 1] = '\0';
	*n = k;
	return over ? -ENOSPC : 0;
}

static int scalar(struct cur *c)
{
	const char *s = c->p;

	if (c->p < c->end && (*c->p == '{' || *c->p == '['))
		return MT_EFORMAT; /* nested values are not expected */
	while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ' ' && *c->p != '\n' &&
	       *c->p != '\r' && *c->p != '\t')
		c->p++;
	return c->p > s ? 0 : MT_EFORMAT;
}

/* Finds key; leaves c->p at its value. */
static int find(const char *doc, size_t len, const char *key, struct cur *c)
{
	char name[64];
	bool found = false;
	const char *at = NULL;

	c->p = doc;
	c->end = doc + len;
	ws(c);
	if (c->p >= c->end || *c->p++ != '{')
		return MT_EFORMAT;
	ws(c);
	if (c->p < c->end && *c->p == '}')
		return -ENOENT;
	for (;;) {
		size_t n;
		int ret;

		ws(c);
		ret = string(c, name, sizeof(name), &n);
		if (ret == MT_EFORMAT)
			return ret;
		ws(c);
		if (c->p >= c->end || *c->p++ != ':')
			return MT_EFORMAT;
		ws(c);
		if (ret == 0 && strcmp(name, key) == 0) {
			if (found)
				return MT_EFORMAT; /* a duplicate key is ambiguous */
			found = true;
			at = c->p;
		}
		ret = c->p < c->end && *c->p == '"' ? string(c, NULL, 0, &n) : scalar(c);
		if (ret)
			return ret;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '}')
			break;
		return MT_EFORMAT;
	}
	c->p++;
	ws(c);
	if (c->p != c->end)
		return MT_EFORMAT;
	if (!found)
		return -ENOENT;
	c->p = at;
	return 0;
}

int mt_json_get_str(const char *doc, size_t len, const char *key, char *out, size_t max)
{
	struct cur c;
	size_t n;
	int ret = find(doc, len, key, &c);

	if (ret)
		return ret;
	if (*c.p != '"')
		return -ENOENT;
	return string(&c, out, max, &n);
}

int mt_json_get_int(const char *doc, size_t len, const char *key, int64_t *out)
{
	struct cur c;
	int64_t v = 0;
	bool neg = false;
	int ret = find(doc, len, key, &c);

	if (ret)
		return ret;
	if (*c.p == '-') {
		neg = true;
		c.p++;
	}
	if (c.p >= c.end || *c.p < '0' || *c.p > '9')
		return -ENOENT;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return MT_EFORMAT;
		v = v * 10 + (*c.p++ - '0');
	}
	*out = neg ? -v : v;
	return 0;
}
