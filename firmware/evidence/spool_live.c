/* Spool: sealing the clip being recorded, piece by piece, as the clip
 * writer writes and syncs it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"
#include "evidence/spool_int.h"
#include "hal/clock.h"
#include "hal/storage.h"

MT_LOG_MODULE("spool");

#define MOOF_MAX (1024 * 1024) /* 256 samples need about 3 KiB */

int spool_seal_config(struct mt_spool *sp, uint64_t seq, struct mt_seal_config *cfg,
		      struct mt_evidence_id *id, char *base, char *file, size_t cap)
{
	int n = snprintf(base, MT_SPOOL_PATH_MAX + 32, "%s/clip-%06" PRIu64, sp->dir, seq);

	if (n < 0 || n >= MT_SPOOL_PATH_MAX + 32)
		return -ENAMETOOLONG;
	n = snprintf(file, cap, "clip-%06" PRIu64 ".mp4", seq);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	*id = (struct mt_evidence_id){ .device_id = sp->cfg.device_id,
				       .camera_id = sp->cfg.camera_id,
				       .clip_seq = seq };
	memcpy(id->prev_manifest_sha256, sp->last_manifest, MT_SHA256_LEN);
	*cfg = (struct mt_seal_config){ .st = &sp->wc.dev,
					.signer = sp->cfg.signer,
					.base = base,
					.clip_file = file,
					.id = *id,
					.checkpoint_us = sp->cfg.checkpoint_us };
	return 0;
}

/* The clock's view of a past moment mono_us. */
static void moment(struct mt_clock *clock, int64_t mono_us, struct mt_manifest_time *t)
{
	memset(t, 0, sizeof(*t));
	t->mono_us = mono_us;
	if (clock && mt_clock_utc(clock, &t->utc) == 0) {
		t->utc.unix_us -= mt_clock_mono_us(clock) - mono_us;
		t->utc_ok = 1;
	}
}

void spool_info(const struct mt_spool *sp, const struct spool_clip *c, int64_t end_mono_us,
		int64_t media_end_us, const char *reason, struct mt_manifest_info *info)
{
	const struct mt_journal_rec *o = &c->open;

	memset(info, 0, sizeof(*info));
	info->codec = c->has_open ? o->codec : "unknown";
	info->width = o->width;
	info->height = o->height;
	info->start = o->start;         /* zeros, "none", if the open record was lost */
	if (end_mono_us == INT64_MIN) { /* after a cut: the start plus the media */
		info->end = o->start;
		info->end.mono_us += media_end_us;
		info->end.utc.unix_us += media_end_us;
	} else {
		moment(sp->cfg.clock, end_mono_us, &info->end);
	}
	info->firmware = sp->cfg.firmware;
	info->location = sp->cfg.location;
	info->end_reason = reason;
	info->lost_clips = sp->pend_lost;
	info->lost_count = sp->pend_lost_count;
	info->nlost = sp->pend_lost_count < MT_MANIFEST_LOST ? (size_t)sp->pend_lost_count :
							       MT_MANIFEST_LOST;
	info->refused = sp->pend_refused;
}

/* A clip left behind by a failed close: it must be sealed before the next
 * clip, whose manifest links to it. */
static int close_orphan(struct mt_spool *sp)
{
	struct spool_clip *c;
	int ret;

	if (!sp->orphan_seq)
		return 0;
	c = spool_find(sp, sp->orphan_seq);
	ret = c ? spool_close_clip(sp, c, "write_error") : 0;
	if (ret == 0)
		sp->orphan_seq = 0;
	return ret;
}

static void rec_reset(struct mt_spool *sp)
{
	mt_seal_free(&sp->rec.seal);
	sp->rec.active = sp->rec.init_done = sp->rec.full = sp->rec.err = 0;
	sp->rec.len = sp->rec.want = 0;
	sp->rec.bytes = sp->rec.durable = sp->rec.piece_end = 0;
}

int mt_spool_clip_begin(struct mt_spool *sp, uint64_t *seq)
{
	struct mt_seal_config cfg;
	struct mt_evidence_id id;
	int ret;

	pthread_mutex_lock(&sp->lock);
	ret = sp->rec.active ? -EBUSY : close_orphan(sp);
	if (ret == 0)
		ret = spool_make_room(sp, sp->cfg.reserve);
	if (ret == -ENOSPC) {
		struct mt_journal_rec r = { .type = MT_JOURNAL_REFUSED, .seq = sp->next_seq };

		r.mono_us = sp->cfg.clock ? mt_clock_mono_us(sp->cfg.clock) : 0;
		MT_ERR("spool full of unsent clips: event not recorded (spool.evict_unsent is off)");
		if (spool_journal(sp, &r) == 0) {
			sp->st.refused++;
			sp->pend_refused++;
		}
	}
	if (ret == 0) {
		rec_reset(sp);
		ret = spool_seal_config(sp, sp->next_seq, &cfg, &id, sp->rec.base, sp->rec.file,
					sizeof(sp->rec.file));
	}
	if (ret == 0)
		ret = mt_seal_open(&sp->rec.seal, &cfg);
	if (ret == 0) {
		sp->rec.active = 1;
		sp->rec.seq = sp->next_seq;
		*seq = sp->rec.seq;
	}
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

static int keep(struct mt_spool *sp, const uint8_t *p, size_t len)
{
	if (sp->rec.len + len > sp->rec.cap) {
		size_t ncap = (sp->rec.len + len) * 2;
		uint8_t *n = realloc(sp->rec.buf, ncap);

		if (!n)
			return -ENOMEM;
		sp->rec.buf = n;
		sp->rec.cap = ncap;
	}
	memcpy(sp->rec.buf + sp->rec.len, p, len);
	sp->rec.len += len;
	return 0;
}

/* Collects the open fragment's moof, whole, for its times: its size is in
 * its first 8 bytes (the muxer writes no largesize moof). Returns the
 * bytes of p it took. */
static int collect_moof(struct mt_spool *sp, const uint8_t *p, size_t len)
{
	size_t i = 0;
	int ret = 0;

	while (ret == 0 && i < len && (sp->rec.len < 8 || sp->rec.len < sp->rec.want)) {
		size_t need = sp->rec.len < 8 ? 8 - sp->rec.len : sp->rec.want - sp->rec.len;
		size_t n = len - i < need ? len - i : need;
		struct mt_bmff_box b;

		ret = keep(sp, p + i, n);
		i += n;
		if (ret || sp->rec.len != 8 || sp->rec.want)
			continue;
		ret = mt_bmff_box_header(sp->rec.buf, 8, &b);
		if (ret == 0 && (b.type != MT_BMFF_TYPE('m', 'o', 'o', 'f') || b.size > MOOF_MAX))
			ret = MT_EFORMAT;
		if (ret == 0)
			sp->rec.want = (size_t)b.size;
	}
	return ret;
}

void mt_spool_clip_data(struct mt_spool *sp, const void *buf, size_t len)
{
	pthread_mutex_lock(&sp->lock);
	if (sp->rec.active && !sp->rec.err) {
		sp->rec.bytes += len;
		sp->st.payload_bytes += len;
		if (!sp->rec.init_done) {
			sp->rec.err = keep(sp, buf, len);
		} else {
			sp->rec.err = collect_moof(sp, buf, len);
			if (!sp->rec.err)
				sp->rec.err = mt_seal_fragment_update(&sp->rec.seal, buf, len);
		}
	}
	pthread_mutex_unlock(&sp->lock);
}

/* The init segment: chained, the .part's name made durable, the clip
 * journaled with what a recovery needs to write its manifest. */
static int first_piece(struct mt_spool *sp, const struct mt_spool_piece *p)
{
	struct mt_journal_rec *o = &sp->rec.open;
	struct spool_clip *c;
	size_t at = 0;
	int ret = mt_seal_init_segment(&sp->rec.seal, sp->rec.buf, sp->rec.len);

	while (ret == 0 && at + 8 <= sp->rec.len) { /* find the moov */
		struct mt_bmff_box b;

		ret = mt_bmff_box_header(sp->rec.buf + at, sp->rec.len - at, &b);
		if (ret == 0 && b.size > sp->rec.len - at)
			ret = MT_EFORMAT;
		if (ret == 0 && b.type == MT_BMFF_TYPE('m', 'o', 'o', 'v'))
			ret = mt_bmff_moov_info(sp->rec.buf + at, (size_t)b.size, &sp->rec.track);
		at += (size_t)b.size;
	}
	if (ret == 0 && !sp->rec.track.timescale)
		ret = MT_EFORMAT;
	if (ret == 0)
		ret = mt_storage_sync_dir(&sp->wc.dev, sp->dir);
	if (ret)
		return ret;
	memset(o, 0, sizeof(*o));
	o->type = MT_JOURNAL_OPEN;
	o->seq = sp->rec.seq;
	snprintf(o->codec, sizeof(o->codec), "%s", p->codec);
	o->width = p->width;
	o->height = p->height;
	moment(sp->cfg.clock, p->first_mono_us, &o->start);
	ret = spool_journal(sp, o);
	if (ret)
		return ret;
	c = spool_add(sp, sp->rec.seq);
	if (!c)
		return -ENOMEM;
	c->state = MT_SPOOL_RECORDING;
	c->open = *o;
	c->has_open = 1;
	sp->rec.init_done = 1;
	sp->rec.len = 0;
	return 0;
}

static int next_piece(struct mt_spool *sp)
{
	struct mt_bmff_fragment f;
	uint32_t ts = sp->rec.track.timescale;
	int ret;

	if (sp->rec.len < sp->rec.want || !sp->rec.want)
		return MT_EFORMAT; /* a fragment without its moof */
	ret = mt_bmff_moof_info(sp->rec.buf, sp->rec.want, &sp->rec.track, &f);
	if (ret == 0)
		ret = mt_seal_fragment_end(&sp->rec.seal, f.samples,
					   mt_bmff_ticks_to_us(f.decode_time, ts),
					   mt_bmff_ticks_to_us(f.decode_time + f.duration, ts));
	sp->rec.len = sp->rec.want = 0;
	return ret;
}

int mt_spool_clip_piece(struct mt_spool *sp, const struct mt_spool_piece *p)
{
	int ret, fragment;

	pthread_mutex_lock(&sp->lock);
	fragment = sp->rec.init_done;

	ret = !sp->rec.active ? -EBADF : sp->rec.err;
	if (ret == 0)
		ret = fragment ? next_piece(sp) : first_piece(sp, p);
	if (ret == 0) {
		/* Room for one more fragment like this one, or the clip ends
		 * here: what is written stays, and the spool keeps its size. */
		uint64_t next = sp->rec.bytes - sp->rec.piece_end;

		sp->rec.piece_end = sp->rec.bytes;
		/* Synced by the writer, chained here: safe. An init segment
		 * alone holds no frame, so it is not counted as safe. */
		if (fragment)
			sp->rec.durable = sp->rec.bytes;
		if (spool_make_room(sp, fragment ? next : 0) == -ENOSPC) {
			MT_ERR("clip %" PRIu64 ": spool full of unsent clips: clip ended early",
			       sp->rec.seq);
			sp->rec.full = 1;
			ret = -ENOSPC;
		}
	} else {
		sp->rec.err = ret;
	}
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

int mt_spool_clip_end(struct mt_spool *sp, const struct mt_spool_clip_end *e)
{
	const char *reason = e->reason ? e->reason : "event_end";
	struct mt_manifest_info info;
	struct spool_clip *c;
	uint8_t sha[MT_SHA256_LEN];
	int ret;

	pthread_mutex_lock(&sp->lock);
	c = sp->rec.active ? spool_find(sp, sp->rec.seq) : NULL;
	ret = !c ? -EBADF : sp->rec.err;
	if (ret == 0) {
		spool_info(sp, c, e->last_mono_us, 0, reason, &info);
		info.motion = e->motion;
		ret = mt_seal_finish(&sp->rec.seal, &info, sha);
	}
	if (ret == 0)
		ret = spool_sealed(sp, c, reason, sha);
	if (ret == 0) {
		sp->st.sealed++;
	} else if (c) {
		mt_seal_free(&sp->rec.seal);
		sp->rec.active = 0;
		if (spool_close_clip(sp, c, reason))
			sp->orphan_seq = sp->rec.seq;
	}
	rec_reset(sp);
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

void mt_spool_clip_abort(struct mt_spool *sp, const char *reason)
{
	pthread_mutex_lock(&sp->lock);
	if (sp->rec.active) {
		struct spool_clip *c;

		if (sp->rec.full)
			reason = "spool_full";
		c = spool_find(sp, sp->rec.seq);
		mt_seal_free(&sp->rec.seal); /* its checkpoint file stays, and is continued */
		sp->rec.active = 0;
		if (!c && !(c = spool_add(sp, sp->rec.seq)))
			sp->orphan_seq = sp->rec.seq;
		else if (spool_close_clip(sp, c, reason))
			sp->orphan_seq = sp->rec.seq;
	}
	rec_reset(sp);
	pthread_mutex_unlock(&sp->lock);
}
