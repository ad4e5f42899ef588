/* A baseline JPEG at the entropy level: its headers parsed, and its scan
 * walked MCU by MCU, decoding Huffman symbols only to find where each block
 * starts and ends and what its DC is. Nothing is dequantised or transformed.
 * Used to black whole MCUs of a camera's JPEG by copying the bits of every
 * other block unchanged (record/jpeg_mask.c).
 *
 * Only what cameras write is handled: baseline or extended sequential
 * Huffman (SOF0/SOF1), 8-bit, one scan holding every component (gray or
 * Y/Cb/Cr, sampling factors 1 or 2), with or without restart intervals.
 * Anything else (progressive, arithmetic, 12-bit, several scans, DNL) is
 * MT_EFORMAT, as is any malformed length, table, marker or code: the input
 * is untrusted (fuzzed by tests/fuzz/fuzz_jpeg_scan.c). */
#ifndef MT_CORE_JPEG_SCAN_H
#define MT_CORE_JPEG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_JPEG_MAX_COMPS 3
#define MT_JPEG_LOOKAHEAD 10 /* bits of a Huffman code found by one table look-up */

struct mt_jpeg_huff {
	/* Decoding: codes of up to MT_JPEG_LOOKAHEAD bits by look-up.
	 * fast: (code length << 8) | symbol; 0 for a longer (or no) code.
	 * skip: for an AC table, (code length + extra bits << 8) | step, step
	 * being run + 1, 16 for ZRL, 0xFF for EOB; 0 for the slow path. */
	uint16_t fast[1u << MT_JPEG_LOOKAHEAD];
	uint16_t skip[1u << MT_JPEG_LOOKAHEAD];
	/* For an AC table, every whole symbol whose code lies in the look-up
	 * bits, in one: (bits taken << 11) | (EOB last << 10) | positions
	 * advanced (at most 63); 0: none. */
	uint16_t multi[1u << MT_JPEG_LOOKAHEAD];
	int32_t maxcode[17]; /* per length, the largest code; -1: none */
	int32_t valoff[17];  /* vals[] index of a code of that length, minus the code */
	uint8_t vals[256];
	/* Encoding: code and length of each symbol; length 0: not in the table. */
	uint16_t code[256];
	uint8_t size[256];
	bool defined;
};

/* The geometry and tables of one JPEG, and a scratch buffer (the
 * un-stuffed bytes of a restart interval) that grows to the largest interval
 * seen and is kept for the next frame. */
struct mt_jpeg_scan {
	uint16_t width, height;
	unsigned ncomps; /* in the frame: 1 or 3 */
	unsigned hs[MT_JPEG_MAX_COMPS], vs[MT_JPEG_MAX_COMPS];
	unsigned tq[MT_JPEG_MAX_COMPS]; /* quantisation table of each */
	unsigned hmax, vmax;
	uint16_t dcq[4];     /* DC quantiser of each table; 0: not defined */
	unsigned restart;    /* MCUs per restart interval; 0: none */
	bool walkable;       /* SOF0/SOF1 and a scan the walker takes */
	unsigned std_tables; /* bit t: table t of T.81 K.3 loaded (DC0, AC0, DC1, AC1) */
	/* The scan, in its order: frame component, DC and AC tables. */
	unsigned scomp[MT_JPEG_MAX_COMPS], td[MT_JPEG_MAX_COMPS], ta[MT_JPEG_MAX_COMPS];
	uint32_t mcux, mcuy;     /* MCUs across and down */
	uint32_t map_cols;       /* columns of the MCU-sized block map */
	size_t scan_start;       /* offset of the entropy-coded data */
	bool jfif;               /* an APP0 JFIF segment was seen */
	uint8_t jfif_density[5]; /* its units, X and Y density */
	bool adobe;              /* an APP14 Adobe segment was seen */
	uint8_t adobe_seg[12];   /* its payload (no picture data in it) */
	struct mt_jpeg_huff dc[4], ac[4];
	uint8_t *scratch;
	size_t scratch_cap;
};

/* Empty, nothing allocated. Cannot fail; mt_jpeg_scan_free() is then safe. */
void mt_jpeg_scan_init(struct mt_jpeg_scan *s);
/* Frees the scratch buffer; safe twice. */
void mt_jpeg_scan_free(struct mt_jpeg_scan *s);

/* Reads the marker segments from SOI to the first SOS into s: geometry,
 * DC quantisers, tables. A Huffman table of id 0 or 1 the JPEG leaves out
 * (Motion-JPEG) is T.81 K.3's. A progressive JPEG (SOF2), or a scan the
 * walker does not take, is read up to there too (s->walkable false: the
 * scan fields are not set and the walks refuse it). 0, or MT_EFORMAT
 * (malformed headers, or neither sequential nor progressive 8-bit
 * Huffman). */
int mt_jpeg_scan_parse(struct mt_jpeg_scan *s, const uint8_t *jpeg, size_t len);

/* A copy of the JPEG parsed into s (the same jpeg and len) into out (cap
 * bytes, caller-owned) with the MCUs set in map black: luma DC that decodes
 * to 0, chroma DC 0, no AC. map is the grid of the JPEG's MCU size (8 *
 * hmax x 8 * vmax pixels), s->map_cols x s->mcuy bytes, 1 = masked; for a
 * one-component JPEG with factors above 1 each 8x8 block takes its cell.
 * Every other block's bits are copied unchanged; only the DC difference of
 * the first block of each component after a masked one is written again.
 * Restart intervals without a masked MCU are copied byte for byte. APPn
 * (but for a fresh JFIF APP0 without thumbnail and an Adobe APP14) and COM
 * segments are not copied: they may hold a thumbnail of the picture.
 * 0 with *outlen and *blocks (8x8 blocks blacked); MT_EFORMAT when the scan
 * is malformed or a code the output needs is not in the JPEG's tables;
 * -ENOSPC when out is too small (see mt_jpeg_scan_bound()); -ENOMEM. */
int mt_jpeg_scan_mask(struct mt_jpeg_scan *s, const uint8_t *jpeg, size_t len, const uint8_t *map,
		      uint8_t *out, size_t cap, size_t *outlen, uint64_t *blocks);

/* The luma DC of every 8x8 block of the JPEG parsed into s, as a 1/8-scale
 * decode (libjpeg's 1x1 IDCT) gives it: (DC * q + 4) >> 3, + 128, clamped.
 * y gets ceil(width / 8) x ceil(height / 8) pixels, rows stride bytes apart.
 * need (NULL: everything) is a map like mt_jpeg_scan_mask()'s, 1 = needed:
 * a restart interval with no needed MCU is skipped at its RST marker
 * without decoding, its pixels left as they were, and counted in *skipped.
 * 0; MT_EFORMAT when the scan is malformed or luma is not the full-size
 * component; -ENOMEM. */
int mt_jpeg_scan_dc(struct mt_jpeg_scan *s, const uint8_t *jpeg, size_t len, const uint8_t *need,
		    uint8_t *y, size_t stride, uint32_t *skipped);

/* Table t (0..3: DC 0, AC 0, DC 1, AC 1) of T.81 K.3 as a DHT entry (class
 * and id, 16 counts, symbols) into out (room for 179 bytes); its length. */
size_t mt_jpeg_std_table(unsigned t, uint8_t *out);

/* Room that always suffices for mt_jpeg_scan_mask() of a len-byte JPEG
 * parsed into s. */
size_t mt_jpeg_scan_bound(const struct mt_jpeg_scan *s, size_t len);

#endif
