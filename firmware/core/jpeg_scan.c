/* Baseline JPEG headers and Huffman tables (see jpeg_scan.h); the scan walk
 * is in jpeg_walk.c. Every length, count and index from the input is
 * checked before use. */
#include "core/jpeg_scan.h"

#include <stdlib.h>
#include <string.h>

#include "core/errors.h"

#define LA MT_JPEG_LOOKAHEAD

/* The Huffman tables of T.81 K.3 as a DHT payload (DC 0, AC 0, DC 1, AC 1),
 * as libjpeg writes them: Motion-JPEG frames of many cameras leave DHT out
 * and rely on these (a decoder loads them for a table the frame lacks). */
static const uint8_t std_dht[416] = {
	0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10,
	0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01,
	0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51,
	0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
	0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a,
	0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
	0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
	0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
	0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
	0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5,
	0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
	0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0x01, 0x00,
	0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x11, 0x00, 0x02,
	0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
	0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
	0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52,
	0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19,
	0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
	0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
	0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82,
	0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
	0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5,
	0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
	0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
	0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
};

void mt_jpeg_scan_init(struct mt_jpeg_scan *s)
{
	memset(s, 0, sizeof(*s));
}

void mt_jpeg_scan_free(struct mt_jpeg_scan *s)
{
	free(s->scratch);
	mt_jpeg_scan_init(s);
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The multi-symbol look-up of an AC table from its one-symbol ones. */
static void build_multi(struct mt_jpeg_huff *h)
{
	const unsigned mask = (1u << LA) - 1;

	for (unsigned idx = 0; idx <= mask; idx++) {
		unsigned used = 0, steps = 0, eob = 0, count = 0;

		while (used < LA) {
			unsigned sub = (idx << used) & mask, e = h->skip[sub];
			unsigned code_len = h->fast[sub] >> 8, st = e & 0xFF;

			if (!e || code_len > LA - used)
				break; /* not whole in the look-up bits */
			if (st == 0xFF) {
				used += e >> 8, eob = 1, count++;
				break;
			}
			if (steps + st > 63)
				break;
			steps += st, used += e >> 8, count++;
		}
		h->multi[idx] = count ? (uint16_t)(used << 11 | eob << 10 | steps) : 0;
	}
}

/* Canonical codes from BITS and HUFFVAL (T.81 C.2), refused as libjpeg
 * refuses them: a length overfull, or a code of all ones. */
static int build_huff(struct mt_jpeg_huff *h, bool ac, const uint8_t *bits, const uint8_t *vals,
		      unsigned n)
{
	uint32_t code = 0;
	unsigned k = 0;

	memset(h, 0, sizeof(*h));
	memcpy(h->vals, vals, n);
	for (unsigned l = 1; l <= 16; l++) {
		h->valoff[l] = (int32_t)k - (int32_t)code;
		for (unsigned i = 0; i < bits[l - 1]; i++, k++, code++) {
			uint8_t sym = vals[k];

			if (code >= (1u << l) - 1)
				return MT_EFORMAT; /* overfull, or the all-ones code */
			h->code[sym] = (uint16_t)code, h->size[sym] = (uint8_t)l;
			if (l > LA)
				continue;
			unsigned first = code << (LA - l), count = 1u << (LA - l);
			unsigned r = sym >> 4, sz = sym & 15;
			uint16_t skip = 0;

			if (ac && sym == 0x00)
				skip = (uint16_t)(l << 8 | 0xFF);
			else if (ac && sym == 0xF0)
				skip = (uint16_t)(l << 8 | 16);
			else if (ac && sz && sz <= 10)
				skip = (uint16_t)((l + sz) << 8 | (r + 1));
			for (unsigned j = 0; j < count; j++) {
				h->fast[first + j] = (uint16_t)(l << 8 | sym);
				h->skip[first + j] = skip;
			}
		}
		h->maxcode[l] = bits[l - 1] ? (int32_t)code - 1 : -1;
		code <<= 1;
	}
	if (ac)
		build_multi(h);
	h->defined = true;
	return 0;
}

static int parse_dht(struct mt_jpeg_scan *s, const uint8_t *p, size_t len)
{
	while (len) {
		unsigned tc, th, n = 0;

		if (len < 17)
			return MT_EFORMAT;
		tc = p[0] >> 4, th = p[0] & 15;
		if (tc > 1 || th > 3)
			return MT_EFORMAT;
		for (unsigned i = 1; i <= 16; i++)
			n += p[i];
		if (n > 256 || len < 17 + n)
			return MT_EFORMAT;
		if (build_huff(tc ? &s->ac[th] : &s->dc[th], tc, p + 1, p + 17, n))
			return MT_EFORMAT;
		p += 17 + n, len -= 17 + n;
	}
	return 0;
}

static int parse_dqt(struct mt_jpeg_scan *s, const uint8_t *p, size_t len)
{
	while (len) {
		unsigned pq = p[0] >> 4, tq = p[0] & 15;
		size_t n = pq ? 129 : 65;

		if (pq > 1 || tq > 3 || len < n)
			return MT_EFORMAT;
		/* Entry 0 in zig-zag order is the DC quantiser. */
		s->dcq[tq] = (uint16_t)(pq ? be16(p + 1) : p[1]);
		p += n, len -= n;
	}
	return 0;
}

static int parse_sof(struct mt_jpeg_scan *s, const uint8_t *p, size_t len)
{
	unsigned blocks = 0;

	if (len < 6 || p[0] != 8)
		return MT_EFORMAT; /* 8-bit samples only */
	s->height = (uint16_t)be16(p + 1);
	s->width = (uint16_t)be16(p + 3);
	s->ncomps = p[5];
	if (!s->width || !s->height) /* 0: a DNL marker would say */
		return MT_EFORMAT;
	if ((s->ncomps != 1 && s->ncomps != 3) || len != 6 + 3 * s->ncomps)
		return MT_EFORMAT;
	s->hmax = s->vmax = 1;
	for (unsigned c = 0; c < s->ncomps; c++) {
		const uint8_t *q = p + 6 + 3 * c;

		s->hs[c] = q[1] >> 4, s->vs[c] = q[1] & 15, s->tq[c] = q[2];
		if (!s->hs[c] || !s->vs[c] || s->hs[c] > 2 || s->vs[c] > 2 || s->tq[c] > 3)
			return MT_EFORMAT;
		for (unsigned d = 0; d < c; d++)
			if (p[6 + 3 * d] == q[0])
				return MT_EFORMAT; /* two components with one id */
		s->hmax = s->hs[c] > s->hmax ? s->hs[c] : s->hmax;
		s->vmax = s->vs[c] > s->vmax ? s->vs[c] : s->vmax;
		blocks += s->hs[c] * s->vs[c];
	}
	(void)blocks; /* at most 3 * 4 = 12 with factors up to 2 */
	return 0;
}

size_t mt_jpeg_std_table(unsigned t, uint8_t *out)
{
	const uint8_t *p = std_dht;
	size_t n = 0;

	for (unsigned k = 0; k <= t; k++) {
		p += n;
		n = 17;
		for (unsigned i = 1; i <= 16; i++)
			n += p[i];
	}
	memcpy(out, p, n);
	return n;
}

/* Table tc/th for the scan: the JPEG's own, or for id 0 or 1 T.81 K.3's
 * (recorded in std_tables, to be written out). 0 or MT_EFORMAT. */
static int need_table(struct mt_jpeg_scan *s, unsigned tc, unsigned th)
{
	const uint8_t *p = std_dht;
	struct mt_jpeg_huff *h = tc ? &s->ac[th] : &s->dc[th];

	if (h->defined)
		return 0;
	for (unsigned t = 0; t < 4; t++) {
		unsigned n = 0;

		for (unsigned i = 1; i <= 16; i++)
			n += p[i];
		if (p[0] == (tc << 4 | th)) {
			s->std_tables |= 1u << t;
			return build_huff(h, tc, p + 1, p + 17, n);
		}
		p += 17 + n;
	}
	return MT_EFORMAT;
}

/* The SOS header; sof points at the SOF payload to match component ids. */
static int parse_sos(struct mt_jpeg_scan *s, const uint8_t *sof, const uint8_t *p, size_t len)
{
	unsigned ns;

	if (len < 1)
		return MT_EFORMAT;
	ns = p[0];
	/* One scan with every component; a gray JPEG's scan has one. */
	if (ns != s->ncomps || len != 1 + 2 * ns + 3)
		return MT_EFORMAT;
	for (unsigned i = 0; i < ns; i++) {
		unsigned id = p[1 + 2 * i], c;

		for (c = 0; c < s->ncomps && sof[6 + 3 * c] != id; c++)
			;
		if (c == s->ncomps)
			return MT_EFORMAT;
		for (unsigned j = 0; j < i; j++)
			if (s->scomp[j] == c)
				return MT_EFORMAT;
		s->scomp[i] = c;
		s->td[i] = p[2 + 2 * i] >> 4, s->ta[i] = p[2 + 2 * i] & 15;
		if (s->td[i] > 3 || s->ta[i] > 3 || need_table(s, 0, s->td[i]) ||
		    need_table(s, 1, s->ta[i]))
			return MT_EFORMAT;
	}
	p += 1 + 2 * ns;
	if (p[0] != 0 || p[1] != 63 || p[2] != 0)
		return MT_EFORMAT; /* Ss, Se, Ah/Al of a sequential scan */
	if (ns == 1) {
		/* Not interleaved: an MCU is one block of the component. */
		unsigned c = s->scomp[0];
		uint32_t cw = ((uint32_t)s->width * s->hs[c] + s->hmax - 1) / s->hmax;
		uint32_t ch = ((uint32_t)s->height * s->vs[c] + s->vmax - 1) / s->vmax;

		s->mcux = (cw + 7) / 8, s->mcuy = (ch + 7) / 8;
	} else {
		s->mcux = (s->width + 8 * s->hmax - 1) / (8 * s->hmax);
		s->mcuy = (s->height + 8 * s->vmax - 1) / (8 * s->vmax);
	}
	s->map_cols = (s->width + 8 * s->hmax - 1) / (8 * s->hmax);
	return 0;
}

static void parse_app(struct mt_jpeg_scan *s, unsigned m, const uint8_t *p, size_t len)
{
	if (m == 0xE0 && len >= 14 && !memcmp(p, "JFIF", 5)) {
		s->jfif = true;
		memcpy(s->jfif_density, p + 7, 5);
	} else if (m == 0xEE && len == 12 && !memcmp(p, "Adobe", 5)) {
		s->adobe = true;
		memcpy(s->adobe_seg, p, 12);
	}
}

int mt_jpeg_scan_parse(struct mt_jpeg_scan *s, const uint8_t *d, size_t n)
{
	const uint8_t *sof = NULL;
	size_t i = 2;

	bool seq = false;

	s->ncomps = 0, s->restart = 0, s->jfif = s->adobe = s->walkable = false;
	s->std_tables = 0;
	s->mcux = s->mcuy = 0; /* not parsed: mt_jpeg_scan_mask() refuses */
	memset(s->dcq, 0, sizeof(s->dcq));
	for (unsigned t = 0; t < 4; t++)
		s->dc[t].defined = s->ac[t].defined = false;
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return MT_EFORMAT;
	for (;;) {
		unsigned m;
		size_t len;
		int ret = 0;

		if (i + 4 > n || d[i] != 0xFF)
			return MT_EFORMAT;
		m = d[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		len = be16(d + i + 2);
		if (len < 2 || len > n - i - 2)
			return MT_EFORMAT;
		const uint8_t *p = d + i + 4;

		len -= 2;
		if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
			if (sof)
				return MT_EFORMAT;
			ret = parse_sof(s, p, len), sof = p;
			seq = m != 0xC2;
		} else if (m == 0xC4) {
			ret = parse_dht(s, p, len);
		} else if (m == 0xDB) {
			ret = parse_dqt(s, p, len);
		} else if (m == 0xDD) {
			if (len != 2)
				return MT_EFORMAT;
			s->restart = be16(p);
		} else if (m == 0xDA) {
			s->scan_start = i + 4 + len;
			if (!sof)
				return MT_EFORMAT;
			for (unsigned c = 0; c < s->ncomps; c++)
				if (!s->dcq[s->tq[c]])
					return MT_EFORMAT;
			/* A progressive JPEG, or a scan the walker does not
			 * take, is left to a transform. */
			if (seq)
				s->walkable = parse_sos(s, sof, p, len) == 0;
			return 0;
		} else if (m >= 0xE0 && m <= 0xEF) {
			parse_app(s, m, p, len);
		} else if (m != 0xFE) {
			/* progressive, lossless, arithmetic, DAC, DNL, EOI, ... */
			return MT_EFORMAT;
		}
		if (ret)
			return ret;
		i += 4 + len;
	}
}

size_t mt_jpeg_scan_bound(const struct mt_jpeg_scan *s, size_t len)
{
	uint64_t blocks = 0;

	for (unsigned i = 0; i < s->ncomps; i++)
		blocks += s->ncomps == 1 ? 1 : s->hs[s->scomp[i]] * s->vs[s->scomp[i]];
	blocks *= (uint64_t)s->mcux * s->mcuy;
	/* A black block is at most 43 bits and a re-written DC 27; a copy
	 * shifted by a few bits can make a 0xFF byte (stuffed) of any byte
	 * pair: twice everything, plus the headers written. */
	return (size_t)(2 * (len + blocks * 12) + 64);
}
