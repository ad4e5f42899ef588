/* ISO BMFF box serialisation: big-endian fields into a bounded buffer; a
 * box's size is patched in when it is closed. An overflow is remembered and
 * makes the whole result 0, so callers check once. */
#include "record/fmp4_box.h"

#include <string.h>

struct out {
	uint8_t *p;
	size_t cap;
	size_t len;
	int overflow;
	size_t open[8]; /* start of each box not yet closed */
	int depth;
};

static void put(struct out *o, const void *data, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, data, n);
	o->len += n;
}

static void put8(struct out *o, uint32_t v)
{
	uint8_t b = (uint8_t)v;

	put(o, &b, 1);
}

static void put16(struct out *o, uint32_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(o, b, 2);
}

static void put32(struct out *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(o, b, 4);
}

static void put64(struct out *o, uint64_t v)
{
	put32(o, (uint32_t)(v >> 32));
	put32(o, (uint32_t)v);
}

static void zeros(struct out *o, size_t n)
{
	while (n--)
		put8(o, 0);
}

static void box(struct out *o, const char type[4])
{
	if (o->depth == (int)(sizeof(o->open) / sizeof(o->open[0]))) {
		o->overflow = 1;
		return;
	}
	o->open[o->depth++] = o->len;
	put32(o, 0);
	put(o, type, 4);
}

/* A FullBox: version and flags after the type. */
static void fullbox(struct out *o, const char type[4], uint8_t version, uint32_t flags)
{
	box(o, type);
	put32(o, (uint32_t)version << 24 | flags);
}

static void end(struct out *o)
{
	size_t start, size;

	if (o->depth == 0) {
		o->overflow = 1;
		return;
	}
	start = o->open[--o->depth];
	if (o->overflow)
		return;
	size = o->len - start;
	o->p[start] = (uint8_t)(size >> 24);
	o->p[start + 1] = (uint8_t)(size >> 16);
	o->p[start + 2] = (uint8_t)(size >> 8);
	o->p[start + 3] = (uint8_t)size;
}

static size_t result(const struct out *o)
{
	return o->overflow || o->depth ? 0 : o->len;
}

/* The unity matrix of mvhd and tkhd. */
static void matrix(struct out *o)
{
	static const uint32_t m[9] = { 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000 };

	for (int i = 0; i < 9; i++)
		put32(o, m[i]);
}

static void ftyp(struct out *o, const struct mt_fmp4_track *t)
{
	box(o, "ftyp");
	put(o, "isom", 4);
	put32(o, 0x200);
	put(o, "isomiso6mp41", 12);
	if (t->format == MT_FMT_H264)
		put(o, "avc1", 4);
	end(o);
}

static void mvhd(struct out *o)
{
	fullbox(o, "mvhd", 0, 0);
	zeros(o, 8);       /* creation and modification time: not known to be UTC */
	put32(o, 1000);    /* timescale */
	put32(o, 0);       /* duration: in the fragments */
	put32(o, 0x10000); /* rate 1.0 */
	put16(o, 0x100);   /* volume 1.0 */
	zeros(o, 10);
	matrix(o);
	zeros(o, 24);
	put32(o, MT_FMP4_TRACK_ID + 1); /* next_track_ID */
	end(o);
}

static void tkhd(struct out *o, const struct mt_fmp4_track *t)
{
	fullbox(o, "tkhd", 0, 3); /* enabled, in movie */
	zeros(o, 8);
	put32(o, MT_FMP4_TRACK_ID);
	zeros(o, 4);
	put32(o, 0); /* duration */
	zeros(o, 8);
	zeros(o, 8); /* layer, alternate group, volume 0 (video), reserved */
	matrix(o);
	put32(o, (uint32_t)t->width << 16);
	put32(o, (uint32_t)t->height << 16);
	end(o);
}

static void avcc(struct out *o, const struct mt_fmp4_track *t)
{
	const struct mt_h264_sps *s = &t->sps_info;

	box(o, "avcC");
	put8(o, 1);
	put8(o, t->sps[1]); /* profile, constraint flags and level as in the SPS */
	put8(o, t->sps[2]);
	put8(o, t->sps[3]);
	put8(o, 0xfc | 3); /* 4-byte NAL lengths */
	put8(o, 0xe0 | 1);
	put16(o, (uint32_t)t->sps_len);
	put(o, t->sps, t->sps_len);
	put8(o, 1);
	put16(o, (uint32_t)t->pps_len);
	put(o, t->pps, t->pps_len);
	if (s->profile_idc == 100 || s->profile_idc == 110 || s->profile_idc == 122 ||
	    s->profile_idc == 144) {
		/* 14496-15 5.3.3.1.2: the extension the high profiles carry */
		put8(o, 0xfc | s->chroma_format_idc);
		put8(o, 0xf8 | (uint32_t)(s->bit_depth_luma - 8));
		put8(o, 0xf8 | (uint32_t)(s->bit_depth_chroma - 8));
		put8(o, 0);
	}
	end(o);
}

static void sample_entry(struct out *o, const struct mt_fmp4_track *t)
{
	static const char jpeg_name[] = "Photo - JPEG", avc_name[] = "matthan AVC";
	const char *name = t->format == MT_FMT_H264 ? avc_name : jpeg_name;
	uint8_t compressor[32] = { 0 };

	compressor[0] = (uint8_t)strlen(name);
	memcpy(compressor + 1, name, strlen(name));
	box(o, t->format == MT_FMT_H264 ? "avc1" : "jpeg");
	zeros(o, 6);
	put16(o, 1); /* data_reference_index */
	zeros(o, 16);
	put16(o, t->width);
	put16(o, t->height);
	put32(o, 0x480000); /* 72 dpi */
	put32(o, 0x480000);
	put32(o, 0);
	put16(o, 1); /* frame_count */
	put(o, compressor, sizeof(compressor));
	put16(o, 0x18);   /* depth: colour */
	put16(o, 0xffff); /* pre_defined -1 */
	if (t->format == MT_FMT_H264)
		avcc(o, t);
	end(o);
}

/* The sample table is empty: the samples are in the fragments. */
static void stbl(struct out *o, const struct mt_fmp4_track *t)
{
	box(o, "stbl");
	fullbox(o, "stsd", 0, 0);
	put32(o, 1);
	sample_entry(o, t);
	end(o);
	fullbox(o, "stts", 0, 0);
	put32(o, 0);
	end(o);
	fullbox(o, "stsc", 0, 0);
	put32(o, 0);
	end(o);
	fullbox(o, "stsz", 0, 0);
	put32(o, 0);
	put32(o, 0);
	end(o);
	fullbox(o, "stco", 0, 0);
	put32(o, 0);
	end(o);
	end(o);
}

static void mdia(struct out *o, const struct mt_fmp4_track *t)
{
	box(o, "mdia");
	fullbox(o, "mdhd", 0, 0);
	zeros(o, 8);
	put32(o, t->timescale);
	put32(o, 0);
	put16(o, 0x55c4); /* "und" */
	put16(o, 0);
	end(o);
	fullbox(o, "hdlr", 0, 0);
	put32(o, 0);
	put(o, "vide", 4);
	zeros(o, 12);
	put(o, "VideoHandler", 13);
	end(o);
	box(o, "minf");
	fullbox(o, "vmhd", 0, 1);
	zeros(o, 8);
	end(o);
	box(o, "dinf");
	fullbox(o, "dref", 0, 0);
	put32(o, 1);
	fullbox(o, "url ", 0, 1); /* the media is in this file */
	end(o);
	end(o);
	end(o);
	stbl(o, t);
	end(o);
	end(o);
}

size_t mt_fmp4_box_init(uint8_t *out, size_t cap, const struct mt_fmp4_track *t)
{
	struct out o = { .p = out, .cap = cap };

	if (t->format == MT_FMT_H264 &&
	    (t->sps_len < 4 || t->sps_len > 255 || t->pps_len < 1 || t->pps_len > 255))
		return 0;
	ftyp(&o, t);
	box(&o, "moov");
	mvhd(&o);
	box(&o, "trak");
	tkhd(&o, t);
	mdia(&o, t);
	end(&o);
	box(&o, "mvex");
	fullbox(&o, "trex", 0, 0);
	put32(&o, MT_FMP4_TRACK_ID);
	put32(&o, 1); /* default_sample_description_index */
	zeros(&o, 12);
	end(&o);
	end(&o);
	end(&o);
	return result(&o);
}

size_t mt_fmp4_box_fragment(uint8_t *out, size_t cap, uint32_t seq, uint64_t base_dts,
			    const struct mt_fmp4_trun_entry *s, uint32_t n, uint64_t mdat_payload)
{
	struct out o = { .p = out, .cap = cap };
	uint64_t moof_len = MT_FMP4_FRAG_FIXED - 8 + (uint64_t)n * MT_FMP4_FRAG_PER_SAMP;

	if (mdat_payload > UINT32_MAX - 8)
		return 0;
	box(&o, "moof");
	fullbox(&o, "mfhd", 0, 0);
	put32(&o, seq);
	end(&o);
	box(&o, "traf");
	fullbox(&o, "tfhd", 0, 0x020000); /* default-base-is-moof */
	put32(&o, MT_FMP4_TRACK_ID);
	end(&o);
	fullbox(&o, "tfdt", 1, 0);
	put64(&o, base_dts);
	end(&o);
	/* data-offset, sample-duration, -size and -flags present */
	fullbox(&o, "trun", 0, 0x000701);
	put32(&o, n);
	put32(&o, (uint32_t)(moof_len + 8)); /* from the moof's start to the mdat's data */
	for (uint32_t i = 0; i < n; i++) {
		put32(&o, s[i].duration);
		put32(&o, s[i].size);
		put32(&o, s[i].flags);
	}
	end(&o);
	end(&o);
	end(&o);
	put32(&o, (uint32_t)(mdat_payload + 8));
	put(&o, "mdat", 4);
	return result(&o);
}
