/* Camera control list parsing: see controls.h. */
#include "core/controls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

const char *mt_controls_parse(const char *text, struct mt_capture_control *out, uint32_t max,
			      uint32_t *n, char *why, size_t len)
{
	uint32_t at = *n;
	const char *p = text;

	for (;;) {
		struct mt_capture_control c = { .name = "" };
		size_t k = 0;
		long long v;
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (name_char(*p) && k + 1 < sizeof(c.name))
			c.name[k++] = *p++;
		if (!k || name_char(*p)) {
			snprintf(why, len,
				 "control %.*s: a name is lower-case letters, digits and _ "
				 "(at most %zu)",
				 (int)(k + 1), p - k, sizeof(c.name) - 1);
			return why;
		}
		while (*p == ' ')
			p++;
		if (*p != '=') {
			snprintf(why, len, "control %s: expected name=value", c.name);
			return why;
		}
		p++;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || errno || v < INT32_MIN || v > INT32_MAX) {
			snprintf(why, len, "control %s: value is not a 32-bit integer", c.name);
			return why;
		}
		c.value = (int32_t)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p && *p != ',') {
			snprintf(why, len, "control %s: expected \",\" after the value", c.name);
			return why;
		}
		if (at == max) {
			snprintf(why, len, "more than %u camera controls", max);
			return why;
		}
		out[at++] = c;
		if (*p == ',')
			p++;
	}
	*n = at;
	return NULL;
}
