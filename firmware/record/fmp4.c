/* Fragmented MP4 writer: frames in, init segment and fragments out. */
#include "record/fmp4.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/jpeg.h"
#include "core/log.h"
#include "record/fmp4_box.h"

MT_LOG_MODULE("fmp4");

#define NAL_FILLER 12

/* A NAL unit of a sample, as an offset into its frame's buffer. */
struct mt_fmp4_span {
	uint32_t off;
	uint32_t len;
};

struct mt_fmp4_sample {
	struct mt_frame *f; /* one reference held */
	int64_t ts_us;
	uint64_t dts;
	uint32_t size; /* bytes in the mdat */
	uint32_t first_span, nspans;
	bool sync;
};

void mt_fmp4_init(struct mt_fmp4 *m, const struct mt_fmp4_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->need_idr = true;
	m->seq = 1;
}

int mt_fmp4_open(struct mt_fmp4 *m)
{
	const struct mt_fmp4_config *cfg = m->cfg;

	if ((cfg->format != MT_FMT_MJPEG && cfg->format != MT_FMT_H264) || !cfg->write)
		return -EINVAL;
	m->max_samples = cfg->max_samples ? cfg->max_samples : MT_FMP4_MAX_SAMPLES;
	m->width = cfg->width;
	m->height = cfg->height;
	m->hdr_cap = MT_FMP4_FRAG_FIXED + (size_t)m->max_samples * MT_FMP4_FRAG_PER_SAMP;
	m->samples = calloc(m->max_samples, sizeof(*m->samples));
	m->trun = calloc(m->max_samples, sizeof(*m->trun));
	m->hdr = malloc(m->hdr_cap);
	if (!m->samples || !m->trun || !m->hdr) {
		mt_fmp4_free(m);
		return -ENOMEM;
	}
	return 0;
}

/* All output goes through here, so offsets and the sticky error are exact. */
static int out(struct mt_fmp4 *m, const void *buf, size_t len)
{
	int ret;

	if (m->err)
		return m->err;
	ret = m->cfg->write(m->cfg->write_arg, buf, len);
	if (ret) {
		m->err = ret;
		return ret;
	}
	m->offset += len;
	m->stats.bytes += len;
	return 0;
}

static int piece_done(struct mt_fmp4 *m, const struct mt_fmp4_fragment *frag)
{
	int ret;

	if (m->err || !m->cfg->on_fragment)
		return m->err;
	ret = m->cfg->on_fragment(m->cfg->fragment_arg, frag);
	if (ret)
		m->err = ret;
	return ret;
}

/* A frame not written: count it, say why (the log folds repeats). */
static int drop(struct mt_fmp4 *m, uint64_t *counter, const struct mt_frame *f, const char *why)
{
	(*counter)++;
	MT_WRN("frame %llu at %lld us dropped: %s", (unsigned long long)f->seq, (long long)f->ts_us,
	       why);
	return MT_EFORMAT;
}

static int add_jpeg(struct mt_fmp4 *m, const struct mt_frame *f, struct mt_fmp4_sample *s)
{
	uint16_t w, h;

	if (mt_jpeg_probe(f->data, f->size, &w, &h))
		return drop(m, &m->stats.malformed, f, "not a well-formed JPEG");
	if (m->width && (w != m->width || h != m->height))
		return drop(m, &m->stats.wrong_size, f, "picture size differs from the clip's");
	m->width = w;
	m->height = h;
	s->size = (uint32_t)f->size;
	s->sync = true;
	return 0;
}

static bool same_param(const uint8_t *have, size_t have_len, const struct mt_h264_nal *nal)
{
	return nal->size == have_len && memcmp(nal->data, have, have_len) == 0;
}

static int push_span(struct mt_fmp4 *m, const struct mt_frame *f, const struct mt_h264_nal *nal)
{
	if (m->nspans == m->spans_cap) {
		uint32_t cap = m->spans_cap ? m->spans_cap * 2 : 64;
		struct mt_fmp4_span *p = realloc(m->spans, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->spans = p;
		m->spans_cap = cap;
	}
	m->spans[m->nspans].off = (uint32_t)(nal->data - f->data);
	m->spans[m->nspans].len = (uint32_t)nal->size;
	m->nspans++;
	return 0;
}

/* Parameter sets seen before the clip starts are kept for its avcC; after,
 * an access unit carrying different ones marks the stream foreign to the
 * clip's avcC until it carries ours again. */
static void note_params(struct mt_fmp4 *m, const struct mt_h264_nal *sps,
			const struct mt_h264_nal *pps, bool *foreign)
{
	if (!m->started) {
		if (sps && sps->size <= MT_FMP4_PARAM_MAX &&
		    mt_h264_parse_sps(sps->data, sps->size, &m->sps_info) == 0) {
			memcpy(m->sps, sps->data, sps->size);
			m->sps_len = sps->size;
		}
		if (pps && pps->size <= MT_FMP4_PARAM_MAX) {
			memcpy(m->pps, pps->data, pps->size);
			m->pps_len = pps->size;
		}
		return;
	}
	if ((sps && !same_param(m->sps, m->sps_len, sps)) ||
	    (pps && !same_param(m->pps, m->pps_len, pps)))
		*foreign = true;
	else if (sps || pps)
		*foreign = false;
}

static int add_h264(struct mt_fmp4 *m, const struct mt_frame *f, struct mt_fmp4_sample *s)
{
	struct mt_h264_nal nal, sps = { 0 }, pps = { 0 };
	bool has_sps = false, has_pps = false, vcl = false, idr = false;
	size_t pos = 0, size = 0;
	uint32_t first = m->nspans;
	int ret;

	if (!mt_h264_has_start_code(f->data, f->size)) {
		m->need_idr = true;
		return drop(m, &m->stats.malformed, f, "no Annex-B start code");
	}
	while (mt_h264_next_nal(f->data, f->size, &pos, &nal)) {
		if (nal.type == MT_H264_NAL_SPS && !has_sps) {
			sps = nal;
			has_sps = true;
		} else if (nal.type == MT_H264_NAL_PPS && !has_pps) {
			pps = nal;
			has_pps = true;
		} else if (nal.type != MT_H264_NAL_SPS && nal.type != MT_H264_NAL_PPS &&
			   nal.type != MT_H264_NAL_AUD && nal.type != NAL_FILLER) {
			ret = push_span(m, f, &nal);
			if (ret) {
				m->nspans = first;
				m->need_idr = true;
				return ret;
			}
			vcl = vcl || nal.type == MT_H264_NAL_SLICE || nal.type == MT_H264_NAL_IDR;
			idr = idr || nal.type == MT_H264_NAL_IDR;
			size += 4 + nal.size;
		}
	}
	note_params(m, has_sps ? &sps : NULL, has_pps ? &pps : NULL, &m->foreign);
	if (!vcl) {
		m->nspans = first;
		return drop(m, &m->stats.empty, f, "access unit without a slice");
	}
	if (m->foreign) {
		m->nspans = first;
		m->need_idr = true;
		return drop(m, &m->stats.wrong_size, f, "SPS/PPS differ from the clip's");
	}
	if (m->need_idr && (!idr || !m->sps_len || !m->pps_len)) {
		m->nspans = first;
		return drop(m, &m->stats.no_config, f,
			    "waiting for an IDR with SPS and PPS to start from");
	}
	m->need_idr = false;
	s->first_span = first;
	s->nspans = m->nspans - first;
	s->size = (uint32_t)size;
	s->sync = idr;
	return 0;
}

/* The first sample fixes the track: size, and for H.264 the avcC. */
static int start(struct mt_fmp4 *m, const struct mt_frame *f)
{
	struct mt_fmp4_track t = { .format = m->cfg->format, .timescale = MT_FMP4_TIMESCALE };
	struct mt_fmp4_fragment piece = { 0 };
	uint8_t init[4096];
	size_t len;
	int ret;

	if (t.format == MT_FMT_H264) {
		t.sps = m->sps;
		t.sps_len = m->sps_len;
		t.pps = m->pps;
		t.pps_len = m->pps_len;
		t.sps_info = m->sps_info;
		if (!m->width) {
			m->width = m->sps_info.width;
			m->height = m->sps_info.height;
		}
	}
	t.width = m->width;
	t.height = m->height;
	len = mt_fmp4_box_init(init, sizeof(init), &t);
	if (!len)
		return drop(m, &m->stats.malformed, f, "parameter sets do not fit an avcC");
	piece.offset = m->offset;
	ret = out(m, init, len);
	if (ret)
		return ret;
	piece.length = len;
	ret = piece_done(m, &piece);
	if (ret)
		return ret;
	m->started = true;
	m->t0_us = f->ts_us;
	return 0;
}

/* Capture time to 90 kHz ticks since the clip's first frame. */
static int64_t ticks(const struct mt_fmp4 *m, int64_t ts_us)
{
	int64_t d = ts_us - m->t0_us;

	return d >= 0 ? (d * 9 + 50) / 100 : -((-d * 9 + 50) / 100);
}

int mt_fmp4_add(struct mt_fmp4 *m, struct mt_frame *f)
{
	struct mt_fmp4_sample s = { 0 };
	uint32_t spans = m->nspans;
	int64_t dts;
	int ret;

	assert(m->samples); /* opened */
	if (m->err)
		return m->err;
	if (m->n == m->max_samples)
		return -ENOBUFS;
	if (f->format != m->cfg->format)
		return drop(m, &m->stats.wrong_format, f, "not the clip's format");
	if (f->size == 0 || f->size > UINT32_MAX / 2)
		return drop(m, &m->stats.empty, f, "zero bytes");
	ret = m->cfg->format == MT_FMT_H264 ? add_h264(m, f, &s) : add_jpeg(m, f, &s);
	if (!ret && !m->started)
		ret = start(m, f);
	if (ret) {
		m->nspans = spans;
		return ret;
	}

	dts = ticks(m, f->ts_us);
	if (m->stats.samples > 0 && dts <= (int64_t)m->last_dts) {
		m->stats.ts_clamped++;
		MT_WRN("frame %llu at %lld us: time not after the previous frame's; "
		       "written 1/90000 s after it",
		       (unsigned long long)f->seq, (long long)f->ts_us);
		dts = (int64_t)m->last_dts + 1;
	}
	if (m->stats.samples > 0)
		m->last_delta = (uint64_t)dts - m->last_dts;
	m->last_dts = (uint64_t)dts;
	s.f = mt_frame_get(f);
	s.ts_us = f->ts_us;
	s.dts = (uint64_t)dts;
	m->samples[m->n++] = s;
	m->stats.samples++;
	return 0;
}

/* Duration of the fragment's last sample. */
static uint32_t last_duration(const struct mt_fmp4 *m, int64_t next_us)
{
	uint64_t last = m->samples[m->n - 1].dts, d;

	if (next_us != MT_FMP4_NO_NEXT && ticks(m, next_us) > (int64_t)last)
		d = (uint64_t)ticks(m, next_us) - last;
	else if (m->last_delta)
		d = m->last_delta;
	else
		d = (uint64_t)ticks(m,
				    m->t0_us + (m->cfg->frame_us > 0 ? m->cfg->frame_us : 40000));
	if (d == 0)
		d = 1;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static int write_samples(struct mt_fmp4 *m)
{
	int ret = 0;

	for (uint32_t i = 0; i < m->n && !ret; i++) {
		const struct mt_fmp4_sample *s = &m->samples[i];

		if (m->cfg->format == MT_FMT_MJPEG) {
			ret = out(m, s->f->data, s->f->size);
			continue;
		}
		for (uint32_t k = 0; k < s->nspans && !ret; k++) {
			const struct mt_fmp4_span *sp = &m->spans[s->first_span + k];
			uint8_t len[4] = { (uint8_t)(sp->len >> 24), (uint8_t)(sp->len >> 16),
					   (uint8_t)(sp->len >> 8), (uint8_t)sp->len };

			ret = out(m, len, sizeof(len));
			if (!ret)
				ret = out(m, s->f->data + sp->off, sp->len);
		}
	}
	return ret;
}

static void release_samples(struct mt_fmp4 *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		mt_frame_put(m->samples[i].f);
	m->n = 0;
	m->nspans = 0;
}

int mt_fmp4_cut(struct mt_fmp4 *m, int64_t next_us)
{
	struct mt_fmp4_fragment piece;
	uint64_t payload = 0;
	size_t len;
	int ret;

	if (m->err || m->n == 0) {
		release_samples(m);
		return m->err;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		m->trun[i].duration =
			i + 1 < m->n ? (uint32_t)(m->samples[i + 1].dts - m->samples[i].dts) :
				       last_duration(m, next_us);
		m->trun[i].size = m->samples[i].size;
		m->trun[i].flags = m->samples[i].sync ? MT_FMP4_FLAGS_SYNC : MT_FMP4_FLAGS_NON_SYNC;
		payload += m->samples[i].size;
	}
	len = mt_fmp4_box_fragment(m->hdr, m->hdr_cap, m->seq, m->samples[0].dts, m->trun, m->n,
				   payload);
	piece = (struct mt_fmp4_fragment){ .seq = m->seq,
					   .offset = m->offset,
					   .length = len + payload,
					   .samples = m->n,
					   .first_us = m->samples[0].ts_us,
					   .last_us = m->samples[m->n - 1].ts_us };
	ret = len ? out(m, m->hdr, len) : -EFBIG;
	if (!ret)
		ret = write_samples(m);
	release_samples(m);
	if (ret) {
		m->err = ret;
		return ret;
	}
	m->seq++;
	m->stats.fragments++;
	return piece_done(m, &piece);
}

bool mt_fmp4_cut_due(const struct mt_fmp4 *m, const struct mt_fmp4_policy *p,
		     const struct mt_frame *next)
{
	if (m->n == 0)
		return false;
	if (m->n >= m->max_samples || (p->max_samples && m->n >= p->max_samples))
		return true;
	if (p->key_cut && (next->flags & MT_FRAME_KEY))
		return true;
	return next->ts_us - m->samples[0].ts_us >= p->max_us;
}

void mt_fmp4_policy_default(struct mt_fmp4_policy *p, enum mt_pixfmt format)
{
	p->max_samples = 0;
	p->key_cut = format == MT_FMT_H264;
	p->max_us = format == MT_FMT_H264 ? 10000000 : 1000000;
}

uint32_t mt_fmp4_pending(const struct mt_fmp4 *m)
{
	return m->n;
}

void mt_fmp4_free(struct mt_fmp4 *m)
{
	if (!m)
		return;
	if (m->samples)
		release_samples(m);
	free(m->samples);
	free(m->trun);
	free(m->hdr);
	free(m->spans);
	m->samples = NULL;
	m->trun = NULL;
	m->hdr = NULL;
	m->spans = NULL;
	m->spans_cap = 0;
}
