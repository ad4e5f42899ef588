/* Fragmented MP4 writer for one video track: the init segment (ftyp + moov
 * with mvex) goes out with the first sample, then one moof + mdat per
 * fragment, so every prefix of the output that ends on a fragment boundary
 * is a playable file. H.264 is written as 'avc1' (avcC from the stream's
 * SPS/PPS; samples 4-byte length-prefixed, SPS/PPS/AUD left out), MJPEG as
 * 'jpeg' samples. Decode times come from the capture timestamps (90 kHz),
 * so a variable frame rate plays as it was captured.
 *
 * Samples are not copied: a fragment holds a reference to each of its
 * frames until it is cut, then the header bytes and the frames' own buffers
 * go to the write callback. The caller decides where fragments end, by
 * calling mt_fmp4_cut(), with mt_fmp4_cut_due() as the usual policy. */
#ifndef MT_RECORD_FMP4_H
#define MT_RECORD_FMP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "core/h264.h"

#define MT_FMP4_TIMESCALE   90000
#define MT_FMP4_MAX_SAMPLES 256 /* default per-fragment limit */
#define MT_FMP4_PARAM_MAX   255 /* bytes of an SPS or a PPS we keep */
#define MT_FMP4_NO_NEXT     INT64_MIN

/* One piece of the output, told to on_fragment once all its bytes went to
 * write(): the init segment (seq 0, samples 0, times 0) or a fragment. */
struct mt_fmp4_fragment {
	uint32_t seq;     /* 0: init segment; 1, 2, ...: the moof's sequence number */
	uint64_t offset;  /* of its first byte in the output */
	uint64_t length;  /* bytes: ftyp+moov, or moof+mdat */
	uint32_t samples; /* frames in it */
	int64_t first_us; /* capture time of its first and last frame */
	int64_t last_us;
};

/* Writes all len bytes (buf is only read during the call); 0 or a negative
 * error. After an error the writer writes nothing more. */
typedef int (*mt_fmp4_write_fn)(void *arg, const void *buf, size_t len);

/* A piece is complete in the output (the place to sync, hash or upload).
 * A non-zero return fails the call that wrote the piece, with that value. */
typedef int (*mt_fmp4_fragment_fn)(void *arg, const struct mt_fmp4_fragment *frag);

struct mt_fmp4_config {
	enum mt_pixfmt format; /* MT_FMT_MJPEG or MT_FMT_H264 */
	uint16_t width;        /* 0 and 0: the first frame's (JPEG SOF or SPS) */
	uint16_t height;
	uint32_t max_samples; /* per fragment; 0: MT_FMP4_MAX_SAMPLES */
	int64_t frame_us;     /* last sample's duration when no delta is known; 0: 40 ms */
	mt_fmp4_write_fn write;
	void *write_arg;
	mt_fmp4_fragment_fn on_fragment; /* may be NULL */
	void *fragment_arg;
};

/* Frames that were not written, each with a decision logged (once per run of
 * repeats) and counted here; the output stays a valid file. */
struct mt_fmp4_stats {
	uint64_t samples;      /* written, or held for the next fragment */
	uint64_t fragments;    /* moof + mdat written */
	uint64_t bytes;        /* all bytes written, init segment included */
	uint64_t wrong_format; /* f->format is not the configured one: dropped */
	uint64_t empty;        /* zero bytes, or an access unit with no slice: dropped */
	uint64_t malformed;    /* no JPEG structure / no Annex-B start code: dropped */
	uint64_t wrong_size;   /* picture size (or H.264 SPS/PPS) unlike the first frame's */
	uint64_t no_config;    /* H.264 before an IDR with SPS and PPS: dropped */
	uint64_t ts_clamped;   /* timestamp not after the previous one: moved 1 tick after it */
};

/* When to cut: before a frame that would make the fragment longer than
 * max_us, hold more than max_samples, or (key_cut) before a keyframe. */
struct mt_fmp4_policy {
	int64_t max_us;
	uint32_t max_samples;
	bool key_cut;
};

struct mt_fmp4_sample; /* private */
struct mt_fmp4_span;
struct mt_fmp4_trun_entry;

struct mt_fmp4 {
	const struct mt_fmp4_config *cfg; /* borrowed, outlives the writer */
	struct mt_fmp4_stats stats;
	/* private */
	int err; /* first write/callback error: sticky */
	bool started, need_idr, foreign;
	uint16_t width, height;
	int64_t t0_us;
	uint64_t last_dts, last_delta;
	uint64_t offset;
	uint32_t seq, max_samples, n;
	struct mt_fmp4_sample *samples;
	struct mt_fmp4_span *spans;
	uint32_t nspans, spans_cap;
	struct mt_fmp4_trun_entry *trun;
	uint8_t *hdr; /* fragment header buffer */
	size_t hdr_cap;
	uint8_t sps[MT_FMP4_PARAM_MAX], pps[MT_FMP4_PARAM_MAX];
	size_t sps_len, pps_len;
	struct mt_h264_sps sps_info;
};

/* cfg must outlive the writer. Cannot fail; free() is then safe. */
void mt_fmp4_init(struct mt_fmp4 *m, const struct mt_fmp4_config *cfg);

/* Allocates the fragment tables. 0, -EINVAL (format or callback), -ENOMEM. */
int mt_fmp4_open(struct mt_fmp4 *m);

/* Adds f to the open fragment, taking a reference that is dropped when the
 * fragment is cut or the writer freed. Writes the init segment with the
 * first sample. 0 when added; MT_EFORMAT when the frame was dropped (see
 * the stats; the output is unaffected); -ENOBUFS when the fragment already
 * holds max_samples (cut first); or the sticky write error. */
int mt_fmp4_add(struct mt_fmp4 *m, struct mt_frame *f);

/* Writes the open fragment (nothing if it is empty) and drops its frames.
 * next_us is the capture time of the frame that will follow, which gives
 * the last sample its exact duration; MT_FMP4_NO_NEXT at the end (it gets
 * the previous sample's duration). 0 or the sticky error. */
int mt_fmp4_cut(struct mt_fmp4 *m, int64_t next_us);

/* Should the open fragment be cut before next is added? */
bool mt_fmp4_cut_due(const struct mt_fmp4 *m, const struct mt_fmp4_policy *p,
		     const struct mt_frame *next);

/* The usual policy: H.264 one fragment per GOP (cut before each keyframe,
 * at most 10 s); MJPEG about one fragment per second. */
void mt_fmp4_policy_default(struct mt_fmp4_policy *p, enum mt_pixfmt format);

/* Samples in the open fragment, not written yet. */
uint32_t mt_fmp4_pending(const struct mt_fmp4 *m);

/* Drops the frames of a fragment not cut (they are not written) and frees
 * the tables. NULL and twice are fine. */
void mt_fmp4_free(struct mt_fmp4 *m);

#endif
