/* Console line history in a fixed ring. */
#include "console/history.h"

#include <string.h>

#include "core/text.h"

void mt_history_init(struct mt_history *h)
{
	memset(h, 0, sizeof(*h));
}

void mt_history_add(struct mt_history *h, const char *line, size_t len)
{
	const char *t = line;
	size_t n = len;
	char cut[MT_HISTORY_LINE_MAX];
	const char *newest = mt_history_get(h, 1);

	mt_text_trim(&t, &n);
	if (n == 0)
		return;
	if (len < sizeof(cut)) {
		memcpy(cut, line, len);
		cut[len] = '\0';
	} else {
		mt_text_clip(cut, sizeof(cut), line, len);
	}
	if (newest && strcmp(newest, cut) == 0)
		return;
	memcpy(h->lines[h->next], cut, sizeof(cut));
	h->next = (h->next + 1) % MT_HISTORY_LINES;
	if (h->count < MT_HISTORY_LINES)
		h->count++;
}

const char *mt_history_get(const struct mt_history *h, unsigned n)
{
	if (n == 0 || n > h->count)
		return NULL;
	return h->lines[(h->next + MT_HISTORY_LINES - n) % MT_HISTORY_LINES];
}
