/* Spool: open and recovery, the clip table, eviction, the uploader's calls. */
#include "evidence/spool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "evidence/spool_int.h"
#include "hal/storage.h"

MT_LOG_MODULE("spool");

/* Every file a clip may have: ours, and the uploader's (net/uploader.h:
 * the receipt and its signature, its offsets journal). */
static const char *const exts[] = { "mp4",      "mp4.part", "json",   "sig",         "ckpt",
				    "rcpt",     "rcpt.sig", "up",     "json.tmp",    "sig.tmp",
				    "rcpt.tmp", "ckpt.tmp", "up.tmp", "rcpt.sig.tmp" };
static const unsigned ext_flags[] = { SF_MP4, SF_PART, SF_JSON, SF_SIG, SF_CKPT, SF_RCPT, SF_RSIG,
				      SF_UP,  SF_TMP,  SF_TMP,  SF_TMP, SF_TMP,  SF_TMP,  SF_TMP };

void mt_spool_init(struct mt_spool *sp)
{
	memset(sp, 0, sizeof(*sp));
	pthread_mutex_init(&sp->lock, NULL);
	mt_journal_init(&sp->journal);
	mt_seal_init(&sp->rec.seal);
	sp->next_seq = 1;
	sp->opened = 1; /* the mutex lives until mt_spool_free() */
}

void mt_spool_free(struct mt_spool *sp)
{
	if (!sp)
		return;
	mt_seal_free(&sp->rec.seal);
	mt_journal_free(&sp->journal);
	free(sp->rec.buf);
	sp->rec.buf = NULL;
	free(sp->clips);
	sp->clips = NULL;
	sp->n = sp->cap = 0;
	if (sp->opened)
		pthread_mutex_destroy(&sp->lock);
	sp->opened = 0;
}

struct mt_storage *mt_spool_storage(struct mt_spool *sp)
{
	return &sp->wc.dev;
}

/* ---- the clip table, kept in sequence order ---- */

struct spool_clip *spool_find(struct mt_spool *sp, uint64_t seq)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->clips[i].seq == seq)
			return &sp->clips[i];
	return NULL;
}

struct spool_clip *spool_add(struct mt_spool *sp, uint64_t seq)
{
	struct spool_clip *c = spool_find(sp, seq);
	size_t at = sp->n;

	if (c)
		return c;
	if (sp->n == sp->cap) {
		size_t ncap = sp->cap ? sp->cap * 2 : 16;
		struct spool_clip *n = realloc(sp->clips, ncap * sizeof(*n));

		if (!n)
			return NULL;
		sp->clips = n;
		sp->cap = ncap;
	}
	while (at > 0 && sp->clips[at - 1].seq > seq)
		at--;
	memmove(&sp->clips[at + 1], &sp->clips[at], (sp->n - at) * sizeof(*c));
	sp->n++;
	c = &sp->clips[at];
	memset(c, 0, sizeof(*c));
	c->seq = seq;
	return c;
}

void spool_drop(struct mt_spool *sp, uint64_t seq)
{
	struct spool_clip *c = spool_find(sp, seq);
	size_t at;

	if (!c)
		return;
	at = (size_t)(c - sp->clips);
	memmove(c, c + 1, (sp->n - at - 1) * sizeof(*c));
	sp->n--;
}

int spool_name(const struct mt_spool *sp, uint64_t seq, const char *ext, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/clip-%06" PRIu64 ".%s", sp->dir, seq, ext);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

uint64_t spool_used(const struct mt_spool *sp)
{
	uint64_t used = sp->journal.bytes + (sp->rec.active ? sp->rec.bytes : 0);

	for (size_t i = 0; i < sp->n; i++)
		used += sp->clips[i].bytes;
	return used;
}

void spool_measure(struct mt_spool *sp, struct spool_clip *c)
{
	static const char *const kept[] = { "mp4", "json", "sig", "ckpt", "rcpt", "rcpt.sig", "up" };
	char path[MT_SPOOL_PATH_MAX + 32];
	uint64_t size;

	c->bytes = 0;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (spool_name(sp, c->seq, kept[i], path, sizeof(path)) ||
		    mt_storage_size(&sp->wc.dev, path, &size))
			continue;
		c->bytes += size;
		if (i == 0)
			c->clip_bytes = size;
	}
}

void spool_remove_tmp(struct mt_spool *sp, uint64_t seq)
{
	char path[MT_SPOOL_PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ext_flags[i] == SF_TMP && spool_name(sp, seq, exts[i], path, sizeof(path)) == 0)
			mt_storage_remove(&sp->wc.dev, path);
}

unsigned spool_probe(struct mt_spool *sp, uint64_t seq)
{
	char path[MT_SPOOL_PATH_MAX + 32];
	unsigned files = 0;
	uint64_t size;

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (spool_name(sp, seq, exts[i], path, sizeof(path)) == 0 &&
		    mt_storage_size(&sp->wc.dev, path, &size) == 0)
			files |= ext_flags[i];
	return files;
}

int spool_remove_files(struct mt_spool *sp, uint64_t seq)
{
	char path[MT_SPOOL_PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		int ret = spool_name(sp, seq, exts[i], path, sizeof(path));
		if (ret == 0)
			ret = mt_storage_remove(&sp->wc.dev, path);
		if (ret && ret != -ENOENT)
			return ret;
	}
	return mt_storage_sync_dir(&sp->wc.dev, sp->dir);
}

/* ---- the journal ---- */

/* The journal as it would be rewritten now: a base record, then what is
 * known of each clip on flash. Only called with no loss pending (right
 * after a seal), so the base's totals say everything. */
static int compact(struct mt_spool *sp)
{
	struct mt_journal_rec *recs = calloc(1 + 3 * sp->n, sizeof(*recs));
	size_t n = 0;
	int ret;

	if (!recs)
		return -ENOMEM;
	recs[n] = (struct mt_journal_rec){ .type = MT_JOURNAL_BASE,
					   .seq = sp->next_seq,
					   .lost_total = sp->st.lost,
					   .refused_total = sp->st.refused,
					   .evicted_total = sp->st.evicted };
	memcpy(recs[n++].manifest_sha256, sp->last_manifest, MT_SHA256_LEN);
	for (size_t i = 0; i < sp->n; i++) {
		const struct spool_clip *c = &sp->clips[i];

		if (c->state == MT_SPOOL_RECORDING)
			continue;
		if (c->has_open)
			recs[n++] = c->open;
		recs[n] = (struct mt_journal_rec){ .type = MT_JOURNAL_SEALED,
						   .seq = c->seq,
						   .bytes = c->clip_bytes };
		snprintf(recs[n].reason, sizeof(recs[n].reason), "%s", c->reason);
		memcpy(recs[n++].manifest_sha256, c->manifest, MT_SHA256_LEN);
		if (c->state == MT_SPOOL_RECEIPTED)
			recs[n++] = (struct mt_journal_rec){ .type = MT_JOURNAL_RECEIPT,
							     .seq = c->seq };
	}
	ret = mt_journal_rewrite(&sp->journal, recs, n);
	free(recs);
	if (ret == 0)
		MT_INF("journal compacted: %zu records", n);
	return ret;
}

int spool_journal(struct mt_spool *sp, const struct mt_journal_rec *rec)
{
	int ret = mt_journal_append(&sp->journal, rec);

	if (ret)
		MT_ERR("journal: %s record for clip %" PRIu64 " not written: %s",
		       mt_journal_type_name(rec->type), rec->seq, mt_strerror(ret));
	return ret;
}

int spool_sealed(struct mt_spool *sp, struct spool_clip *c, const char *reason,
		 const uint8_t sha[MT_SHA256_LEN])
{
	struct mt_journal_rec r = { .type = MT_JOURNAL_SEALED, .seq = c->seq };
	int ret;

	spool_measure(sp, c);
	r.bytes = c->clip_bytes;
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	memcpy(r.manifest_sha256, sha, MT_SHA256_LEN);
	ret = spool_journal(sp, &r);
	if (ret)
		return ret;
	c->j_sealed = 1;
	c->state = MT_SPOOL_SEALED;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	memcpy(c->manifest, sha, MT_SHA256_LEN);
	memcpy(sp->last_manifest, sha, MT_SHA256_LEN);
	if (c->seq >= sp->next_seq)
		sp->next_seq = c->seq + 1;
	sp->pend_lost_count = 0;
	sp->pend_refused = 0;
	if (sp->journal.bytes > MT_SPOOL_JOURNAL_MAX && compact(sp))
		MT_WRN("journal not compacted; it goes on growing");
	return 0;
}

/* ---- eviction ---- */

static struct spool_clip *oldest(struct mt_spool *sp, enum mt_spool_state state)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->clips[i].state == state &&
		    !(sp->rec.active && sp->clips[i].seq == sp->rec.seq))
			return &sp->clips[i];
	return NULL;
}

/* Journaled first, removed after: a power cut in between leaves a journal
 * that says what recovery must finish removing, never a silent gap. */
static int evict(struct mt_spool *sp, struct spool_clip *c)
{
	int unsent = c->state != MT_SPOOL_RECEIPTED;
	struct mt_journal_rec r = { .type = unsent ? MT_JOURNAL_LOST : MT_JOURNAL_EVICT,
				    .seq = c->seq,
				    .bytes = c->clip_bytes };
	uint64_t seq = c->seq;
	int ret = spool_journal(sp, &r);

	if (ret)
		return ret;
	if (unsent) {
		MT_ERR("spool full: clip %" PRIu64 " evicted before the station had it (LOST)",
		       seq);
		if (sp->pend_lost_count < MT_MANIFEST_LOST)
			sp->pend_lost[sp->pend_lost_count] = seq;
		sp->pend_lost_count++;
		sp->st.lost++;
	} else {
		MT_INF("spool full: receipted clip %" PRIu64 " evicted", seq);
		sp->st.evicted++;
	}
	spool_drop(sp, seq);
	ret = spool_remove_files(sp, seq);
	if (ret)
		MT_ERR("clip %" PRIu64 ": files not removed: %s", seq, mt_strerror(ret));
	return ret;
}

/* Receipts the uploader kept since (net/uploader.c writes the files): a
 * clip with both .rcpt and .rcpt.sig is delivered. */
static int note_receipts(struct mt_spool *sp)
{
	for (size_t i = 0; i < sp->n; i++) {
		struct spool_clip *c = &sp->clips[i];
		struct mt_journal_rec r = { .type = MT_JOURNAL_RECEIPT, .seq = c->seq };
		int ret;

		if (c->state != MT_SPOOL_SEALED ||
		    (spool_probe(sp, c->seq) & SF_RECEIPT) != SF_RECEIPT)
			continue;
		ret = spool_journal(sp, &r);
		if (ret)
			return ret;
		c->j_receipt = 1;
		c->state = MT_SPOOL_RECEIPTED;
		spool_measure(sp, c);
		sp->st.receipts++;
	}
	return 0;
}

int spool_make_room(struct mt_spool *sp, uint64_t need)
{
	if (spool_used(sp) + need > sp->cfg.capacity && note_receipts(sp))
		return -EIO;
	while (spool_used(sp) + need > sp->cfg.capacity) {
		struct spool_clip *c = oldest(sp, MT_SPOOL_RECEIPTED);
		int ret;

		if (!c && sp->cfg.evict_unsent)
			c = oldest(sp, MT_SPOOL_SEALED);
		if (!c)
			return -ENOSPC;
		ret = evict(sp, c);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- open: journal replay, the files, recovery ---- */

/* Journal replay: floor is the first number not covered by a compacted
 * base, max_sealed the highest clip sealed so far. */
struct replay_ctx {
	struct mt_spool *sp;
	uint64_t floor, max_sealed;
};

/* Clips are sealed in order, one number after another. */
static int out_of_order(struct replay_ctx *x, uint64_t seq)
{
	uint64_t want = x->max_sealed + 1 > x->floor ? x->max_sealed + 1 : x->floor;

	return seq >= x->floor && seq != want;
}

static int replay(void *arg, const struct mt_journal_rec *r)
{
	struct replay_ctx *x = arg;
	struct mt_spool *sp = x->sp;
	struct spool_clip *c = NULL;
	int bad = 0;

	if (r->type == MT_JOURNAL_BASE) {
		bad = x->max_sealed != 0 || x->floor != 1;
		sp->next_seq = r->seq > sp->next_seq ? r->seq : sp->next_seq;
		x->floor = r->seq;
		memcpy(sp->last_manifest, r->manifest_sha256, MT_SHA256_LEN);
		sp->st.lost = r->lost_total;
		sp->st.refused = r->refused_total;
		sp->st.evicted = r->evicted_total;
		goto out;
	}
	if (r->type == MT_JOURNAL_REFUSED) {
		sp->st.refused++;
		sp->pend_refused++;
		return 0;
	}
	if (r->type == MT_JOURNAL_OPEN) {
		c = spool_add(sp, r->seq);
		if (!c)
			return -ENOMEM;
		bad = c->j_sealed || c->gone || r->seq < sp->next_seq;
		c->open = *r;
		c->has_open = 1;
		goto out;
	}
	c = spool_find(sp, r->seq);
	switch (r->type) {
	case MT_JOURNAL_SEALED:
		if (!c && !(c = spool_add(sp, r->seq)))
			return -ENOMEM;
		/* sequence numbers are sealed in order, one after another */
		bad = c->j_sealed || out_of_order(x, r->seq);
		if (r->seq > x->max_sealed)
			x->max_sealed = r->seq;
		c->j_sealed = 1;
		c->state = MT_SPOOL_SEALED;
		c->clip_bytes = r->bytes;
		snprintf(c->reason, sizeof(c->reason), "%s", r->reason);
		memcpy(c->manifest, r->manifest_sha256, MT_SHA256_LEN);
		memcpy(sp->last_manifest, r->manifest_sha256, MT_SHA256_LEN);
		if (r->seq >= sp->next_seq)
			sp->next_seq = r->seq + 1;
		sp->pend_lost_count = 0;
		sp->pend_refused = 0;
		break;
	case MT_JOURNAL_VOID:
		bad = !c || c->j_sealed;
		if (c && !c->j_sealed)
			spool_drop(sp, r->seq);
		break;
	case MT_JOURNAL_RECEIPT:
		bad = !c || !c->j_sealed || c->gone;
		if (c)
			c->j_receipt = 1;
		if (c)
			c->state = MT_SPOOL_RECEIPTED;
		break;
	case MT_JOURNAL_EVICT:
	case MT_JOURNAL_LOST:
		bad = !c || !c->j_sealed || c->gone ||
		      (r->type == MT_JOURNAL_EVICT && !c->j_receipt);
		if (c)
			c->gone = 1;
		if (r->type == MT_JOURNAL_EVICT) {
			sp->st.evicted++;
		} else {
			if (sp->pend_lost_count < MT_MANIFEST_LOST)
				sp->pend_lost[sp->pend_lost_count] = r->seq;
			sp->pend_lost_count++;
			sp->st.lost++;
		}
		break;
	default:
		bad = 1;
		break;
	}
out:
	if (bad) {
		sp->st.journal_inconsistent++;
		MT_ERR("journal: %s record for clip %" PRIu64 " contradicts the ones before",
		       mt_journal_type_name(r->type), r->seq);
	}
	return 0;
}

static int note_file(void *arg, const char *name)
{
	struct mt_spool *sp = arg;
	struct spool_clip *c;
	unsigned long long seq;
	char *end;

	if (strncmp(name, "clip-", 5) != 0 || name[5] < '0' || name[5] > '9')
		return 0;
	seq = strtoull(name + 5, &end, 10);
	if (*end != '.' || seq == 0)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcmp(end + 1, exts[i]) != 0)
			continue;
		c = spool_add(sp, seq);
		if (!c)
			return -ENOMEM;
		c->files |= ext_flags[i];
	}
	return 0;
}

/* A clip the journal says was sealed: its files must be there. */
static int check_sealed(struct mt_spool *sp, struct spool_clip *c)
{
	const unsigned need = SF_MP4 | SF_JSON | SF_SIG;

	if ((c->files & need) != need || (c->files & SF_PART)) {
		MT_ERR("clip %" PRIu64 ": journaled as sealed but its files are not all there",
		       c->seq);
		sp->st.journal_inconsistent++;
	}
	if (c->files & SF_TMP)
		spool_remove_tmp(sp, c->seq);
	if ((c->files & SF_RECEIPT) == SF_RECEIPT && !c->j_receipt) {
		struct mt_journal_rec r = { .type = MT_JOURNAL_RECEIPT, .seq = c->seq };
		int ret = spool_journal(sp, &r);

		if (ret)
			return ret;
		c->j_receipt = 1;
		c->state = MT_SPOOL_RECEIPTED;
	}
	spool_measure(sp, c);
	return 0;
}

static int recover(struct mt_spool *sp)
{
	int ret = 0;

	for (size_t i = 0; i < sp->n && ret == 0;) {
		struct spool_clip *c = &sp->clips[i];
		uint64_t seq = c->seq;

		if (c->gone) { /* an eviction a power cut interrupted */
			spool_drop(sp, seq);
			ret = spool_remove_files(sp, seq);
			continue;
		}
		if (c->j_sealed)
			ret = check_sealed(sp, c);
		else
			ret = spool_close_clip(sp, c, "power_loss");
		/* the clip may have been voided (dropped): find where we are */
		for (i = 0; i < sp->n && sp->clips[i].seq <= seq; i++)
			;
	}
	return ret;
}

int mt_spool_open(struct mt_spool *sp, const struct mt_spool_config *cfg)
{
	struct replay_ctx x = { .sp = sp, .floor = 1 };
	struct mt_journal_scan scan;
	char path[MT_SPOOL_PATH_MAX + 32];
	int ret;

	sp->cfg = *cfg;
	if (snprintf(sp->dir, sizeof(sp->dir), "%s", cfg->dir) >= (int)sizeof(sp->dir))
		return -ENAMETOOLONG;
	if (!sp->cfg.reserve)
		sp->cfg.reserve = sp->cfg.capacity / 8;
	mt_wcount_init(&sp->wc, cfg->st);
	ret = mt_storage_mkdir(&sp->wc.dev, sp->dir);
	if (ret && ret != -EEXIST)
		goto out_err;
	/* the folder itself must survive a power cut, not only its files */
	ret = mt_file_dirname(sp->dir, path, sizeof(path));
	if (ret == 0)
		ret = mt_storage_sync_dir(&sp->wc.dev, path);
	if (ret)
		goto out_err;
	snprintf(path, sizeof(path), "%s/" MT_JOURNAL_FILE, sp->dir);
	ret = mt_journal_read(&sp->wc.dev, path, replay, &x, &scan);
	if (ret == 0)
		ret = mt_journal_open(&sp->journal, &sp->wc.dev, path, &scan);
	if (ret == 0)
		ret = mt_storage_list(&sp->wc.dev, sp->dir, note_file, sp);
	if (ret)
		goto out_err;
	sp->st.journal_records = scan.records;
	sp->st.journal_bad = scan.bad;
	if (scan.bad)
		MT_WRN("journal: %" PRIu64 " torn or damaged lines skipped", scan.bad);
	ret = recover(sp);
	if (ret)
		goto out_err;
	MT_INF("spool %s: %zu clips, next %" PRIu64 ", %" PRIu64 " closed after a power cut, "
	       "%" PRIu64 " lost and %" PRIu64 " events refused so far",
	       sp->dir, sp->n, sp->next_seq, sp->st.recovered, sp->st.lost, sp->st.refused);
	return 0;

out_err:
	MT_ERR("spool %s: %s", sp->dir, mt_strerror(ret));
	return ret;
}

/* ---- the uploader ---- */

static void entry(const struct mt_spool *sp, const struct spool_clip *c, struct mt_spool_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = c->seq;
	e->state = c->state;
	e->clip_bytes = c->state == MT_SPOOL_RECORDING ? sp->rec.durable : c->clip_bytes;
	e->bytes = c->state == MT_SPOOL_RECORDING ? sp->rec.durable : c->bytes;
	snprintf(e->reason, sizeof(e->reason), "%s", c->reason);
}

int mt_spool_next(struct mt_spool *sp, uint64_t after, struct mt_spool_entry *e)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&sp->lock);
	for (size_t i = 0; i < sp->n; i++) {
		if (sp->clips[i].seq > after) {
			entry(sp, &sp->clips[i], e);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

int mt_spool_path(struct mt_spool *sp, uint64_t seq, const char *ext, char *buf, size_t cap)
{
	struct spool_clip *c;
	int ret = -ENOENT;

	pthread_mutex_lock(&sp->lock);
	c = spool_find(sp, seq);
	if (c)
		ret = spool_name(
			sp, seq,
			c->state == MT_SPOOL_RECORDING && !strcmp(ext, "mp4") ? "mp4.part" : ext,
			buf, cap);
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

int mt_spool_receipt(struct mt_spool *sp, uint64_t seq, const void *receipt, size_t len,
		     const void *sig, size_t sig_len)
{
	struct mt_journal_rec r = { .type = MT_JOURNAL_RECEIPT, .seq = seq };
	char path[MT_SPOOL_PATH_MAX + 32];
	struct spool_clip *c;
	int ret;

	pthread_mutex_lock(&sp->lock);
	c = spool_find(sp, seq);
	ret = !c ? -ENOENT : c->state == MT_SPOOL_RECORDING ? -EBUSY : 0;
	if (ret == 0 && c->state == MT_SPOOL_RECEIPTED)
		goto out_unlock; /* the same receipt again: already kept */
	/* The receipt is on flash before the journal says so: recovery
	 * believes the files, never a record without them. */
	if (ret == 0)
		ret = spool_name(sp, seq, "rcpt", path, sizeof(path));
	if (ret == 0)
		ret = mt_file_replace(&sp->wc.dev, path, receipt, len);
	if (ret == 0)
		ret = spool_name(sp, seq, "rcpt.sig", path, sizeof(path));
	if (ret == 0)
		ret = mt_file_replace(&sp->wc.dev, path, sig, sig_len);
	if (ret == 0)
		ret = spool_journal(sp, &r);
	if (ret == 0) {
		c->j_receipt = 1;
		c->state = MT_SPOOL_RECEIPTED;
		c->bytes += len + sig_len;
		sp->st.receipts++;
	}
out_unlock:
	pthread_mutex_unlock(&sp->lock);
	return ret;
}

void mt_spool_get_stats(struct mt_spool *sp, struct mt_spool_stats *out)
{
	pthread_mutex_lock(&sp->lock);
	*out = sp->st;
	out->clips = sp->n;
	out->used_bytes = spool_used(sp);
	out->capacity = sp->cfg.capacity;
	out->next_seq = sp->next_seq;
	mt_wcount_get(&sp->wc, &out->written);
	pthread_mutex_unlock(&sp->lock);
}
