/* ISO BMFF box walking for the evidence sealer (ISO/IEC 14496-12). */
#include "evidence/bmff.h"

#include <errno.h>
#include <string.h>

#include "core/errors.h"

#define TYPE(s) MT_BMFF_TYPE((s)[0], (s)[1], (s)[2], (s)[3])

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

int mt_bmff_box_header(const uint8_t *p, size_t avail, struct mt_bmff_box *b)
{
	uint64_t size;

	if (avail < 8)
		return -EAGAIN;
	size = be32(p);
	b->type = be32(p + 4);
	b->header = 8;
	if (size == 1) {
		if (avail < 16)
			return -EAGAIN;
		size = be64(p + 8);
		b->header = 16;
	}
	if (size < b->header)
		return MT_EFORMAT;
	b->size = size;
	return 0;
}

/* The payload of the first child of type in [p, p + len), or NULL. */
static const uint8_t *child(const uint8_t *p, size_t len, uint32_t type, size_t *out_len)
{
	while (len >= 8) {
		struct mt_bmff_box b;

		if (mt_bmff_box_header(p, len, &b) || b.size > len)
			return NULL;
		if (b.type == type) {
			*out_len = (size_t)b.size - b.header;
			return p + b.header;
		}
		p += b.size;
		len -= (size_t)b.size;
	}
	return NULL;
}

/* Follows a path of box types ("trak", "mdia", ...) down from a payload. */
static const uint8_t *path(const uint8_t *p, size_t len, const char *const *types, size_t *out)
{
	for (; *types && p; types++)
		p = child(p, len, TYPE(*types), &len);
	*out = len;
	return p;
}

int mt_bmff_moov_info(const uint8_t *moov, size_t len, struct mt_bmff_track *t)
{
	static const char *const mdhd_path[] = { "trak", "mdia", "mdhd", NULL };
	static const char *const trex_path[] = { "mvex", "trex", NULL };
	struct mt_bmff_box b;
	const uint8_t *p;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (mt_bmff_box_header(moov, len, &b) || b.type != TYPE("moov") || b.size > len)
		return MT_EFORMAT;
	p = path(moov + b.header, (size_t)b.size - b.header, mdhd_path, &n);
	/* version 0: created, modified (32 bits each); 1: 64 bits each */
	if (!p || n < 4 || n < (p[0] == 1 ? 24u : 16u))
		return MT_EFORMAT;
	t->timescale = be32(p + (p[0] == 1 ? 20 : 12));
	p = path(moov + b.header, (size_t)b.size - b.header, trex_path, &n);
	if (p && n >= 24)
		t->default_duration = be32(p + 12);
	return t->timescale ? 0 : MT_EFORMAT;
}

/* The sample count and total duration of one trun payload. */
static int trun_info(const uint8_t *p, size_t n, uint32_t def_duration, uint32_t *samples,
		     uint64_t *duration)
{
	uint32_t flags, count, stride = 0;
	size_t off = 8;

	if (n < 8)
		return MT_EFORMAT;
	flags = be32(p) & 0xffffff;
	count = be32(p + 4);
	off += (flags & 0x001) ? 4 : 0; /* data_offset */
	off += (flags & 0x004) ? 4 : 0; /* first_sample_flags */
	for (uint32_t bit = 0x100; bit <= 0x800; bit <<= 1)
		stride += (flags & bit) ? 4 : 0;
	if (off > n || (uint64_t)count * stride > n - off)
		return MT_EFORMAT;
	*samples += count;
	if (!(flags & 0x100)) {
		*duration += (uint64_t)count * def_duration;
		return 0;
	}
	for (uint32_t i = 0; i < count; i++)
		*duration += be32(p + off + (size_t)i * stride);
	return 0;
}

int mt_bmff_moof_info(const uint8_t *moof, size_t len, const struct mt_bmff_track *t,
		      struct mt_bmff_fragment *f)
{
	struct mt_bmff_box b;
	const uint8_t *body, *traf, *p;
	size_t body_len, traf_len, n;
	uint32_t def_duration = t->default_duration;

	memset(f, 0, sizeof(*f));
	if (mt_bmff_box_header(moof, len, &b) || b.type != TYPE("moof") || b.size > len)
		return MT_EFORMAT;
	body = moof + b.header;
	body_len = (size_t)b.size - b.header;
	p = child(body, body_len, TYPE("mfhd"), &n);
	if (!p || n < 8)
		return MT_EFORMAT;
	f->sequence = be32(p + 4);
	traf = child(body, body_len, TYPE("traf"), &traf_len);
	if (!traf)
		return MT_EFORMAT;
	p = child(traf, traf_len, TYPE("tfhd"), &n);
	if (!p || n < 8)
		return MT_EFORMAT;
	{
		uint32_t flags = be32(p) & 0xffffff;
		size_t off = 8 + ((flags & 0x01) ? 8 : 0) + ((flags & 0x02) ? 4 : 0);

		if ((flags & 0x08) && n >= off + 4)
			def_duration = be32(p + off);
	}
	p = child(traf, traf_len, TYPE("tfdt"), &n);
	if (p && n >= 8)
		f->decode_time = p[0] == 1 && n >= 12 ? be64(p + 4) : be32(p + 4);
	/* every trun of the track fragment, in order */
	while (traf_len >= 8) {
		if (mt_bmff_box_header(traf, traf_len, &b) || b.size > traf_len)
			return MT_EFORMAT;
		if (b.type == TYPE("trun") && trun_info(traf + b.header, (size_t)b.size - b.header,
							def_duration, &f->samples, &f->duration))
			return MT_EFORMAT;
		traf += b.size;
		traf_len -= (size_t)b.size;
	}
	return 0;
}

int64_t mt_bmff_ticks_to_us(uint64_t ticks, uint32_t timescale)
{
	if (timescale == 0)
		return 0;
	return (int64_t)(ticks / timescale * 1000000 + ticks % timescale * 1000000 / timescale);
}
