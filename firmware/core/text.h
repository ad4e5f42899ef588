/* Small text helpers for parsers and messages: UTF-8 validation, trimming,
 * clipping at a character boundary, bounded appends, edit distance. */
#ifndef MT_CORE_TEXT_H
#define MT_CORE_TEXT_H

#include <stddef.h>

/* How many leading bytes of s (n bytes) are text: valid UTF-8 (no overlong
 * forms, surrogates or code points past U+10FFFF) with no NUL and no control
 * character other than tab. n when all of it is. */
size_t mt_text_valid(const char *s, size_t n);

/* Moves *s and shrinks *n past leading and trailing spaces and tabs. */
void mt_text_trim(const char **s, size_t *n);

/* Copies n bytes of src into dst (cap bytes, at least 4), NUL-terminated; if
 * they do not fit, cuts at a UTF-8 character boundary and ends with "...". */
void mt_text_clip(char *dst, size_t cap, const char *src, size_t n);

/* Edit distance between a and b, counting a swap of neighbours as one edit
 * and ignoring ASCII case; -1 if either is 64 bytes or longer. */
int mt_text_distance(const char *a, const char *b);

/* An append-only string: like snprintf over many calls. used counts every
 * byte asked for, so it is the size needed even when buf (len bytes, may be
 * NULL with len 0) was too small; buf stays NUL-terminated. */
struct mt_text_buf {
	char *buf;
	size_t len;
	size_t used;
};

void mt_text_buf_init(struct mt_text_buf *b, char *buf, size_t len);
void mt_text_printf(struct mt_text_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
