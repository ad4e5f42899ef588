/* The scan walk of jpeg_scan.h: masks MCUs of a parsed baseline JPEG by
 * copying bit strings. Each restart interval (the whole scan when there are
 * none) that holds a masked MCU is un-stuffed into the scratch buffer and
 * walked block by block; one that holds none is copied byte for byte. The
 * output is written with its own bit writer, which stuffs 0xFF bytes. */
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/jpeg_scan.h"

#define LA MT_JPEG_LOOKAHEAD
/* Zero bytes after an un-stuffed interval: a block is at most 27 + 63 * 26
 * bits (210 bytes) and is checked against the end once walked, and a
 * look-up reads 8 bytes. */
#define PAD 256

struct wr {
	uint8_t *o;
	size_t n, cap;
	uint64_t acc;  /* the last nacc bits are pending */
	unsigned nacc; /* < 32 between calls */
	bool full;
};

struct walk {
	const struct mt_jpeg_scan *s;
	struct wr *w;
	const uint8_t *src; /* un-stuffed interval, PAD zero bytes after */
	size_t nbits, pos, copy_from;
	int32_t inpred[MT_JPEG_MAX_COMPS], outpred[MT_JPEG_MAX_COMPS];
	int32_t black[MT_JPEG_MAX_COMPS];
	uint64_t blocks;
};

static inline uint64_t peek64(const uint8_t *b, size_t pos)
{
	uint64_t v;

	memcpy(&v, b + (pos >> 3), 8);
	return __builtin_bswap64(v) << (pos & 7);
}

static void wr_byte(struct wr *w, uint8_t b)
{
	if (w->cap - w->n < 2) {
		w->full = true;
		return;
	}
	w->o[w->n++] = b;
	if (b == 0xFF)
		w->o[w->n++] = 0;
}

static inline void wr_bits(struct wr *w, uint32_t bits, unsigned nb)
{
	w->acc = w->acc << nb | bits;
	w->nacc += nb;
	if (w->nacc < 32)
		return;
	w->nacc -= 32;
	uint32_t x = (uint32_t)(w->acc >> w->nacc);

	/* No 0xFF byte in x (no zero byte in ~x): four bytes at once. */
	if (w->cap - w->n >= 4 && !((~x - 0x01010101u) & x & 0x80808080u)) {
		x = __builtin_bswap32(x);
		memcpy(w->o + w->n, &x, 4);
		w->n += 4;
		return;
	}
	for (int sh = 24; sh >= 0; sh -= 8)
		wr_byte(w, (uint8_t)(x >> sh));
}

/* Pads with 1 bits to a byte boundary and writes out what is pending. */
static void wr_align(struct wr *w)
{
	if (w->nacc % 8)
		wr_bits(w, (1u << (8 - w->nacc % 8)) - 1, 8 - w->nacc % 8);
	while (w->nacc) {
		w->nacc -= 8;
		wr_byte(w, (uint8_t)(w->acc >> w->nacc));
	}
}

/* Bytes written as they are (markers, stuffed data); the writer is aligned. */
static void wr_raw(struct wr *w, const void *p, size_t len)
{
	if (w->cap - w->n < len) {
		w->full = true;
		return;
	}
	memcpy(w->o + w->n, p, len);
	w->n += len;
}

static void copy_bits(struct walk *k, size_t from, size_t to)
{
	for (; to - from >= 32; from += 32)
		wr_bits(k->w, (uint32_t)(peek64(k->src, from) >> 32), 32);
	if (to > from)
		wr_bits(k->w, (uint32_t)(peek64(k->src, from) >> (64 - (to - from))),
			(unsigned)(to - from));
}

/* A code longer than the look-up (T.81 F.2.2.3). */
static int slow_decode(const struct mt_jpeg_huff *h, uint64_t w, unsigned *len, unsigned *sym)
{
	for (unsigned l = 1; l <= 16; l++) {
		int32_t code = (int32_t)(w >> (64 - l));

		if (code <= h->maxcode[l]) {
			int32_t i = h->valoff[l] + code;

			if (i < 0 || i > 255)
				return MT_EFORMAT;
			*len = l, *sym = h->vals[i];
			return 0;
		}
	}
	return MT_EFORMAT;
}

/* The AC table's skip entry for a code found the slow way. */
static unsigned slow_skip(const struct mt_jpeg_huff *h, uint64_t w)
{
	unsigned len, sym, r, sz;

	if (slow_decode(h, w, &len, &sym))
		return 0;
	r = sym >> 4, sz = sym & 15;
	if (sz)
		return sz <= 10 ? (len + sz) << 8 | (r + 1) : 0;
	if (r == 15)
		return len << 8 | 16;
	return r ? 0 : (len << 8 | 0xFF);
}

static int put_dc(struct walk *k, const struct mt_jpeg_huff *h, int32_t diff)
{
	uint32_t mag = (uint32_t)(diff < 0 ? -diff : diff);
	unsigned sz = mag ? 32 - (unsigned)__builtin_clz(mag) : 0;

	if (sz > 11 || !h->size[sz])
		return MT_EFORMAT; /* the camera's table cannot say it */
	wr_bits(k->w, h->code[sz], h->size[sz]);
	if (sz)
		wr_bits(k->w, (uint32_t)(diff < 0 ? diff - 1 : diff) & ((1u << sz) - 1), sz);
	return 0;
}

/* Decodes one block of scan component i from k->pos to its end: k->pos
 * moves there, k->inpred[i] becomes its DC; *ac_start is where its AC
 * begins. Only the DC's value is decoded; AC symbols are skipped. */
static int decode_block(struct walk *k, unsigned i, size_t *ac_start)
{
	const struct mt_jpeg_huff *dc = &k->s->dc[k->s->td[i]], *ac = &k->s->ac[k->s->ta[i]];
	size_t pos = k->pos;
	/* A window of the next bits in a register: avail of them are valid
	 * (at least 57 after a load); a symbol takes at most 16 + 11. */
	uint64_t w = peek64(k->src, pos);
	unsigned avail = 64 - (unsigned)(pos & 7);
	unsigned e = dc->fast[w >> (64 - LA)], len, sz, n;
	int32_t diff = 0;

	if (e)
		len = e >> 8, sz = e & 0xFF;
	else if (slow_decode(dc, w, &len, &sz))
		return MT_EFORMAT;
	if (sz > 11)
		return MT_EFORMAT;
	if (sz) {
		uint32_t v = (uint32_t)(w << len >> (64 - sz));

		diff = v < (1u << (sz - 1)) ? (int32_t)v - (int32_t)(1u << sz) + 1 : (int32_t)v;
	}
	len += sz;
	pos += len, w <<= len, avail -= len;
	*ac_start = pos;
	for (n = 1; n < 64;) {
		if (avail < 26) {
			w = peek64(k->src, pos);
			avail = 64 - (unsigned)(pos & 7);
		}
		e = ac->multi[w >> (64 - LA)];
		/* Several symbols at once, if they all stay in this block. */
		if (e && n + (e & 0x3FF) < 64) {
			len = e >> 11;
			pos += len, w <<= len, avail -= len;
			n += e & 0x3FF;
			if (e & 0x400)
				break;
			continue;
		}
		e = ac->skip[w >> (64 - LA)];
		if (!e && !(e = slow_skip(ac, w)))
			return MT_EFORMAT;
		len = e >> 8;
		pos += len, w <<= len, avail -= len;
		if ((e & 0xFF) == 0xFF)
			break;
		n += e & 0xFF;
	}
	if (n > 64 || pos > k->nbits)
		return MT_EFORMAT;
	k->pos = pos;
	k->inpred[i] += diff;
	if (k->inpred[i] > 4096 || k->inpred[i] < -4096)
		return MT_EFORMAT; /* beyond any 8-bit DC */
	return 0;
}

/* One block of scan component i: decoded to its end; then blacked, or its
 * DC written again if the DC before it in the output is not the input's. */
static int walk_block(struct walk *k, unsigned i, bool masked)
{
	const struct mt_jpeg_huff *dc = &k->s->dc[k->s->td[i]], *ac = &k->s->ac[k->s->ta[i]];
	size_t start = k->pos, ac_start;
	int32_t was = k->inpred[i];

	if (decode_block(k, i, &ac_start))
		return MT_EFORMAT;
	if (masked) {
		copy_bits(k, k->copy_from, start);
		k->copy_from = k->pos;
		k->blocks++;
		if (put_dc(k, dc, k->black[i] - k->outpred[i]))
			return MT_EFORMAT;
		k->outpred[i] = k->black[i];
		if (!ac->size[0])
			return MT_EFORMAT; /* no EOB code */
		wr_bits(k->w, ac->code[0], ac->size[0]);
		return 0;
	}
	if (k->outpred[i] != was) {
		copy_bits(k, k->copy_from, start);
		k->copy_from = ac_start;
		if (put_dc(k, dc, k->inpred[i] - k->outpred[i]))
			return MT_EFORMAT;
	}
	k->outpred[i] = k->inpred[i];
	return 0;
}

static bool mcu_masked(const struct mt_jpeg_scan *s, const uint8_t *map, uint32_t m)
{
	uint32_t bx = m % s->mcux, by = m / s->mcux;
	unsigned c = s->scomp[0];

	if (s->ncomps > 1)
		return map[(size_t)by * s->map_cols + bx];
	return map[(size_t)(by / s->vs[c]) * s->map_cols + bx / s->hs[c]];
}

/* Un-stuffs n bytes (every 0xFF in them is followed by 0x00) into scratch. */
static int unstuff(struct mt_jpeg_scan *s, const uint8_t *p, size_t n, size_t *out)
{
	size_t k = 0;

	if (s->scratch_cap < n + PAD) {
		uint8_t *b = realloc(s->scratch, n + PAD);

		if (!b)
			return -ENOMEM;
		s->scratch = b, s->scratch_cap = n + PAD;
	}
	while (n) {
		const uint8_t *ff = memchr(p, 0xFF, n);
		size_t run = ff ? (size_t)(ff - p) + 1 : n;

		memcpy(s->scratch + k, p, run);
		k += run;
		run += ff ? 1 : 0; /* the stuffed 0x00 */
		p += run, n -= run;
	}
	memset(s->scratch + k, 0, PAD);
	*out = k;
	return 0;
}

static int walk_interval(struct walk *k, const uint8_t *p, size_t n, const uint8_t *map, uint32_t a,
			 uint32_t b)
{
	const struct mt_jpeg_scan *s = k->s;
	size_t len;
	int ret = unstuff((struct mt_jpeg_scan *)s, p, n, &len);

	if (ret)
		return ret;
	k->src = s->scratch, k->nbits = len * 8, k->pos = k->copy_from = 0;
	memset(k->inpred, 0, sizeof(k->inpred));
	memset(k->outpred, 0, sizeof(k->outpred));
	for (uint32_t m = a; m < b; m++) {
		bool masked = mcu_masked(s, map, m);

		for (unsigned i = 0; i < s->ncomps; i++) {
			unsigned c = s->scomp[i];
			unsigned nb = s->ncomps == 1 ? 1 : s->hs[c] * s->vs[c];

			for (unsigned j = 0; j < nb; j++)
				if ((ret = walk_block(k, i, masked)))
					return ret;
		}
	}
	/* Bits past the last block (the input's padding) are not copied. */
	copy_bits(k, k->copy_from, k->pos);
	wr_align(k->w);
	return 0;
}

/* The end of the entropy-coded bytes from p: the first 0xFF not followed by
 * 0x00; *code is the marker after it (and its fill bytes), *next past it. */
static int find_marker(const uint8_t *d, size_t p, size_t n, size_t *end, unsigned *code,
		       size_t *next)
{
	for (;;) {
		const uint8_t *ff = p < n ? memchr(d + p, 0xFF, n - p) : NULL;

		if (!ff)
			return MT_EFORMAT;
		p = (size_t)(ff - d);
		if (p + 1 < n && d[p + 1] == 0x00) {
			p += 2;
			continue;
		}
		*end = p;
		while (p < n && d[p] == 0xFF)
			p++;
		if (p == n)
			return MT_EFORMAT;
		*code = d[p], *next = p + 1;
		return 0;
	}
}

/* The restart intervals of the scan (one when there are none). */
static uint32_t intervals(const struct mt_jpeg_scan *s, uint32_t *ri)
{
	uint32_t total = s->mcux * s->mcuy;

	*ri = s->restart ? s->restart : total;
	return total ? (total + *ri - 1) / *ri : 0;
}

struct interval {
	uint32_t a, b;     /* its MCUs */
	size_t start, end; /* its bytes */
	bool any;          /* map (NULL: every MCU) sets one of its MCUs */
};

/* Interval i of nint, from byte *p, which moves past the marker after it
 * (RSTn in sequence, EOI after the last). */
static int next_interval(const struct mt_jpeg_scan *s, const uint8_t *d, size_t n, uint32_t i,
			 uint32_t nint, const uint8_t *map, size_t *p, struct interval *iv)
{
	uint32_t ri, total = s->mcux * s->mcuy;
	unsigned code;
	size_t next;

	intervals(s, &ri);
	iv->a = i * ri, iv->b = total - iv->a < ri ? total : iv->a + ri;
	if (find_marker(d, *p, n, &iv->end, &code, &next) ||
	    code != (i + 1 == nint ? 0xD9u : 0xD0u + (i & 7)))
		return MT_EFORMAT;
	iv->start = *p, *p = next;
	iv->any = !map;
	for (uint32_t m = iv->a; m < iv->b && !iv->any; m++)
		iv->any = mcu_masked(s, map, m);
	return 0;
}

/* A DHT segment with the T.81 K.3 tables the JPEG relied on. */
static void write_std_dht(const struct mt_jpeg_scan *s, struct wr *w)
{
	uint8_t seg[4 + 416];
	size_t n = 4, len;

	for (unsigned t = 0; t < 4; t++)
		if (s->std_tables & 1u << t) {
			len = mt_jpeg_std_table(t, seg + n);
			n += len;
		}
	seg[0] = 0xFF, seg[1] = 0xC4, seg[2] = (uint8_t)((n - 2) >> 8), seg[3] = (uint8_t)(n - 2);
	wr_raw(w, seg, n);
}

static void write_headers(const struct mt_jpeg_scan *s, const uint8_t *d, struct wr *w)
{
	static const uint8_t soi[2] = { 0xFF, 0xD8 };
	size_t i = 2;

	wr_raw(w, soi, 2);
	if (s->jfif) {
		uint8_t app0[18] = { 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1 };

		memcpy(app0 + 11, s->jfif_density, 5); /* thumbnail 0 x 0 */
		wr_raw(w, app0, sizeof(app0));
	}
	if (s->adobe) {
		const uint8_t app14[4] = { 0xFF, 0xEE, 0, 14 };

		wr_raw(w, app14, 4);
		wr_raw(w, s->adobe_seg, 12);
	}
	/* The segments were checked by mt_jpeg_scan_parse(). */
	while (i < s->scan_start) {
		unsigned m = d[i + 1];
		size_t len;

		if (m == 0xFF) {
			i++;
			continue;
		}
		len = 2 + ((size_t)d[i + 2] << 8 | d[i + 3]);
		if (m == 0xDA && s->std_tables)
			write_std_dht(s, w);
		if (!(m >= 0xE0 && m <= 0xEF) && m != 0xFE)
			wr_raw(w, d + i, len);
		i += len;
	}
}

int mt_jpeg_scan_mask(struct mt_jpeg_scan *s, const uint8_t *d, size_t n, const uint8_t *map,
		      uint8_t *out, size_t cap, size_t *outlen, uint64_t *blocks)
{
	struct wr w = { .o = out, .cap = cap };
	struct walk k = { .s = s, .w = &w };
	uint32_t ri, nint = intervals(s, &ri);
	size_t p = s->scan_start;
	static const uint8_t eoi[2] = { 0xFF, 0xD9 };

	if (!s->walkable || !nint || s->scan_start > n)
		return MT_EFORMAT; /* not parsed, progressive, or not this JPEG */

	for (unsigned i = 0; i < s->ncomps; i++)
		if (s->scomp[i] == 0) /* luma: 8 * -128, rounded away from 0 */
			k.black[i] = -(int32_t)((1024 + s->dcq[s->tq[0]] - 1) / s->dcq[s->tq[0]]);
	write_headers(s, d, &w);
	for (uint32_t i = 0; i < nint; i++) {
		struct interval iv;
		int ret = next_interval(s, d, n, i, nint, map, &p, &iv);

		if (ret)
			return ret;
		if (!iv.any)
			wr_raw(&w, d + iv.start, iv.end - iv.start);
		else if ((ret = walk_interval(&k, d + iv.start, iv.end - iv.start, map, iv.a,
					      iv.b)))
			return ret;
		if (i + 1 < nint) {
			const uint8_t rst[2] = { 0xFF, (uint8_t)(0xD0 + (i & 7)) };

			wr_raw(&w, rst, 2);
		}
	}
	wr_raw(&w, eoi, 2);
	if (w.full)
		return -ENOSPC;
	*outlen = w.n;
	*blocks = k.blocks;
	return 0;
}

/* One restart interval's luma DCs into the thumbnail. */
static int dc_interval(struct walk *k, const uint8_t *p, size_t n, uint32_t a, uint32_t b,
		       uint8_t *y, size_t stride)
{
	const struct mt_jpeg_scan *s = k->s;
	unsigned hs = s->ncomps == 1 ? 1 : s->hs[0], vs = s->ncomps == 1 ? 1 : s->vs[0];
	uint32_t tw = (s->width + 7u) / 8, th = (s->height + 7u) / 8;
	int32_t q = s->dcq[s->tq[0]];
	size_t len, ac_start;
	int ret = unstuff((struct mt_jpeg_scan *)s, p, n, &len);

	if (ret)
		return ret;
	k->src = s->scratch, k->nbits = len * 8, k->pos = 0;
	memset(k->inpred, 0, sizeof(k->inpred));
	for (uint32_t m = a; m < b; m++) {
		uint32_t mx = m % s->mcux, my = m / s->mcux;

		for (unsigned i = 0; i < s->ncomps; i++) {
			unsigned c = s->scomp[i];
			unsigned nb = s->ncomps == 1 ? 1 : s->hs[c] * s->vs[c];

			for (unsigned j = 0; j < nb; j++) {
				uint32_t bx = mx * hs + j % hs, by = my * vs + j / hs;
				int32_t v;

				if ((ret = decode_block(k, i, &ac_start)))
					return ret;
				if (c || bx >= tw || by >= th)
					continue;
				/* libjpeg's 1x1 IDCT: DESCALE(DC * q, 3) + 128, clamped */
				v = ((k->inpred[i] * q + 4) >> 3) + 128;
				y[by * stride + bx] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	return 0;
}

int mt_jpeg_scan_dc(struct mt_jpeg_scan *s, const uint8_t *d, size_t n, const uint8_t *need,
		    uint8_t *y, size_t stride, uint32_t *skipped)
{
	struct walk k = { .s = s };
	uint32_t ri, nint = intervals(s, &ri);
	size_t p = s->scan_start;

	if (!s->walkable || !nint || s->scan_start > n)
		return MT_EFORMAT;
	if (s->hs[0] != s->hmax || s->vs[0] != s->vmax)
		return MT_EFORMAT; /* luma is not the full-size component */
	*skipped = 0;
	for (uint32_t i = 0; i < nint; i++) {
		struct interval iv;
		int ret = next_interval(s, d, n, i, nint, need, &p, &iv);

		if (ret)
			return ret;
		if (!iv.any)
			(*skipped)++;
		else if ((ret = dc_interval(&k, d + iv.start, iv.end - iv.start, iv.a, iv.b, y,
					    stride)))
			return ret;
	}
	return 0;
}
