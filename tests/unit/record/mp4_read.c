/* Test-side fMP4 reader: boxes by size and type, nothing assumed. */
#include "mp4_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The child box of type t inside [p, p + len), or NULL. */
static const uint8_t *child(const uint8_t *p, size_t len, const char *t, size_t *clen)
{
	size_t i = 0;

	while (i + 8 <= len) {
		uint32_t sz = be32(p + i);

		if (sz < 8 || sz > len - i)
			return NULL;
		if (memcmp(p + i + 4, t, 4) == 0) {
			*clen = sz - 8;
			return p + i + 8;
		}
		i += sz;
	}
	return NULL;
}

/* Follows a path of nested boxes ("moov/trak/mdia"). */
static const uint8_t *path(const uint8_t *p, size_t len, const char *pth, size_t *clen)
{
	while (p && *pth) {
		p = child(p, len, pth, &len);
		pth += 4;
		if (*pth == '/')
			pth++;
	}
	*clen = len;
	return p;
}

static int read_moov(const uint8_t *moov, size_t len, struct mp4_file *out)
{
	size_t l;
	const uint8_t *b = path(moov, len, "trak/mdia/mdhd", &l);

	if (!b || l < 24)
		return -1;
	out->timescale = be32(b + 12);
	b = path(moov, len, "trak/mdia/minf/stbl/stsd", &l);
	if (!b || l < 8 + 8 + 36 || be32(b + 4) != 1)
		return -1;
	memcpy(out->entry, b + 12, 4);
	out->entry[4] = 0;
	out->width = (uint16_t)(b[8 + 8 + 24] << 8 | b[8 + 8 + 25]);
	out->height = (uint16_t)(b[8 + 8 + 26] << 8 | b[8 + 8 + 27]);
	return path(moov, len, "mvex/trex", &l) ? 0 : -1;
}

static int read_moof(const uint8_t *buf, size_t len, uint64_t moof_off, struct mp4_file *out)
{
	const uint8_t *moof = buf + moof_off + 8, *b;
	size_t mlen = be32(buf + moof_off) - 8, l;
	uint32_t seq, n, flags, data_off;
	uint64_t dts, pos;

	b = path(moof, mlen, "mfhd", &l);
	if (!b || l < 8)
		return -1;
	seq = be32(b + 4);
	b = path(moof, mlen, "traf/tfdt", &l);
	if (!b || l < 12 || b[0] != 1)
		return -1;
	dts = be64(b + 4);
	b = path(moof, mlen, "traf/tfhd", &l);
	if (!b || l < 8 || (be32(b) & 0xffffff) != 0x020000)
		return -1;
	b = path(moof, mlen, "traf/trun", &l);
	if (!b || l < 12)
		return -1;
	flags = be32(b) & 0xffffff;
	n = be32(b + 4);
	data_off = be32(b + 8);
	if (flags != 0x701 || l != 12 + (size_t)n * 12 || out->n + n > MP4_MAX_SAMPLES)
		return -1;
	pos = moof_off + data_off;
	for (uint32_t i = 0; i < n; i++) {
		struct mp4_sample *s = &out->s[out->n++];

		s->duration = be32(b + 12 + i * 12);
		s->size = be32(b + 16 + i * 12);
		s->flags = be32(b + 20 + i * 12);
		s->offset = pos;
		s->dts = dts;
		s->fragment = seq;
		pos += s->size;
		dts += s->duration;
	}
	return pos <= len ? 0 : -1;
}

int mp4_read(const uint8_t *buf, size_t len, struct mp4_file *out, const char **why)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	*why = "box sizes do not tile the file";
	while (i + 8 <= len && out->nboxes < MP4_MAX_BOXES) {
		uint32_t sz = be32(buf + i);

		if (sz < 8 || sz > len - i)
			return -1;
		memcpy(out->types[out->nboxes], buf + i + 4, 4);
		out->box_off[out->nboxes++] = i;
		if (memcmp(buf + i + 4, "moov", 4) == 0 && read_moov(buf + i + 8, sz - 8, out)) {
			*why = "moov unreadable";
			return -1;
		}
		if (memcmp(buf + i + 4, "moof", 4) == 0 && read_moof(buf, len, i, out)) {
			*why = "moof unreadable or its samples past the end";
			return -1;
		}
		i += sz;
	}
	if (i != len)
		return -1;
	return 0;
}

uint8_t *mp4_slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}
