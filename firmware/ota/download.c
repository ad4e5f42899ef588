/* The agent's resumable download; see agent.h. The bundle is appended to
 * root/download.part, synced, and then root/download.journal (which bundle,
 * its size and the synced offset) is replaced, chunk by chunk. On a resume
 * the part's size is the offset when it is at least the journal's (bytes
 * past the journal were appended in order by us), else it starts over;
 * either way the payload hash decides at the end. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/clock.h"
#include "hal/storage.h"
#include "ota/agent.h"

#define TAG "ota"

struct dl {
	struct mt_ota *o;
	const struct mt_ota_offer *offer;
	char part[MT_OTA_ROOT_MAX + 32], journal[MT_OTA_ROOT_MAX + 32];
	uint64_t offset;
	size_t head_len; /* 0 until the head is checked */
	struct mt_bundle_manifest m;
	struct mt_sha256 h;
};

static int journal_write(struct dl *d)
{
	char text[MT_OTA_FILE_MAX + 80];
	int n = snprintf(text, sizeof(text), "file=%s\nsize=%" PRIu64 "\noffset=%" PRIu64 "\n",
			 d->offer->file, d->offer->size, d->offset);

	return mt_file_replace(d->o->cfg.st, d->journal, text, (size_t)n);
}

/* The offset to resume at: 0 unless the journal is for this very offer. */
static uint64_t resume_offset(struct dl *d)
{
	char file[MT_OTA_FILE_MAX];
	uint64_t size, off, have;
	uint8_t *buf;
	size_t len;
	int ok;

	if (mt_file_read_all(d->o->cfg.st, d->journal, 512, &buf, &len))
		return 0;
	ok = sscanf((char *)buf, "file=%95[^\n]\nsize=%" SCNu64 "\noffset=%" SCNu64, file, &size,
		    &off) == 3 &&
	     strcmp(file, d->offer->file) == 0 && size == d->offer->size;
	free(buf);
	if (!ok || mt_storage_size(d->o->cfg.st, d->part, &have) || have < off || have > size)
		return 0;
	return have;
}

static void discard(struct dl *d)
{
	mt_storage_remove(d->o->cfg.st, d->part);
	mt_storage_remove(d->o->cfg.st, d->journal);
	mt_storage_sync_dir(d->o->cfg.st, d->o->cfg.root);
}

/* Reads [from, to) of the part file, hashing the bytes from hash_from on,
 * or copying the first bytes into head (cap) when head is not NULL. */
static int read_part(struct dl *d, uint64_t to, uint8_t *head, size_t cap, uint64_t hash_from)
{
	struct mt_storage *st = d->o->cfg.st;
	uint8_t buf[4096];
	uint64_t pos = 0;
	int fd, ret = 0;

	if (mt_storage_open(st, d->part, MT_O_READ, &fd))
		return -EIO;
	while (pos < to) {
		size_t want = to - pos < sizeof(buf) ? (size_t)(to - pos) : sizeof(buf);
		ssize_t n = mt_storage_read(st, fd, buf, want);

		if (n <= 0) {
			ret = n ? (int)n : -EIO;
			break;
		}
		if (head && pos < cap)
			memcpy(head + pos, buf, (size_t)n < cap - pos ? (size_t)n : cap - pos);
		if (!head && pos + (uint64_t)n > hash_from) {
			size_t skip = pos >= hash_from ? 0 : (size_t)(hash_from - pos);

			mt_sha256_update(&d->h, buf + skip, (size_t)n - skip);
		}
		pos += (uint64_t)n;
	}
	mt_storage_close(st, fd);
	return ret;
}

static int refuse(struct dl *d, enum mt_bundle_verdict v, const char *why)
{
	struct mt_ota *o = d->o;

	o->verdict = v;
	if (why)
		snprintf(o->why, sizeof(o->why), "%s", why);
	mt_log_write(MT_LOG_WRN, TAG, "refused %s: %s", d->offer->file, o->why);
	discard(d);
	return MT_ECORRUPT;
}

/* Once the head is all there: judge it, then hash what payload we have. */
static int try_head(struct dl *d)
{
	struct mt_ota *o = d->o;
	uint8_t head[MT_BUNDLE_HEAD_MAX];
	char floor[MT_VERSION_MAX];
	size_t hlen;
	enum mt_bundle_verdict v;
	int ret;

	if (d->head_len || d->offset < MT_BUNDLE_PREFIX_LEN)
		return 0;
	ret = read_part(d, d->offset < sizeof(head) ? d->offset : sizeof(head), head, sizeof(head),
			0);
	if (ret)
		return ret;
	if (mt_bundle_head_len(head, MT_BUNDLE_PREFIX_LEN, &hlen))
		return refuse(d, MT_BUNDLE_MALFORMED, "malformed bundle: bad prefix");
	if (d->offset < hlen)
		return 0;
	ret = mt_ota_floor(o, floor);
	if (ret)
		return ret;
	struct mt_bundle_policy p = { o->cfg.board, o->cfg.version, floor };

	v = mt_bundle_head_check(head, hlen, o->cfg.key, &p, &d->m, o->why, sizeof(o->why));
	if (v)
		return refuse(d, v, NULL);
	if (d->offer->size < hlen + d->m.size)
		return refuse(d, MT_BUNDLE_TRUNCATED, "payload truncated: the file is shorter");
	if (d->offer->size > hlen + d->m.size)
		return refuse(d, MT_BUNDLE_OVERSIZED, "payload longer than declared");
	d->head_len = hlen;
	return read_part(d, d->offset, NULL, 0, hlen);
}

static void pace(struct mt_ota *o, size_t n)
{
	int64_t now, due;

	if (!o->cfg.kbps || !o->cfg.clock)
		return;
	now = mt_clock_mono_us(o->cfg.clock);
	if (!o->rate_start_us || now - o->rate_start_us > 10000000) {
		o->rate_start_us = now;
		o->rate_bytes = 0;
	}
	o->rate_bytes += n;
	due = o->rate_start_us + (int64_t)(o->rate_bytes * 8000 / o->cfg.kbps);
	if (due > now)
		mt_clock_sleep_us(o->cfg.clock, due - now);
}

static int append(struct dl *d, const uint8_t *buf, size_t len)
{
	struct mt_storage *st = d->o->cfg.st;
	int fd, ret;

	ret = mt_storage_open(st, d->part, MT_O_WRITE | MT_O_CREATE | MT_O_APPEND, &fd);
	if (ret)
		return ret;
	ret = mt_file_write_all(st, fd, buf, len);
	if (!ret)
		ret = mt_storage_sync(st, fd);
	mt_storage_close(st, fd);
	if (ret)
		return ret;
	/* a new part file's name must be durable before the journal points at it */
	if (d->offset == 0) {
		char dir[MT_OTA_ROOT_MAX + 32];

		ret = mt_file_dirname(d->part, dir, sizeof(dir));
		if (!ret)
			ret = mt_storage_sync_dir(st, dir);
	}
	if (ret)
		return ret;
	d->offset += len;
	return journal_write(d);
}

static int fetch_rest(struct dl *d, uint8_t *buf, size_t chunk)
{
	struct mt_ota *o = d->o;

	while (d->offset < d->offer->size) {
		uint64_t left = d->offer->size - d->offset, total = 0;
		size_t got = 0;
		int ret;

		o->stats.requests++;
		ret = o->cfg.fetch->get(o->cfg.fetch->ctx, d->offer->file, d->offset,
					left < chunk ? (size_t)left : chunk, buf, &got, &total);
		if (ret == -ERANGE || (!ret && total < d->offer->size) || (!ret && got == 0))
			return refuse(d, MT_BUNDLE_TRUNCATED,
				      "payload truncated: the file ended early");
		if (!ret && total > d->offer->size)
			return refuse(d, MT_BUNDLE_OVERSIZED, "payload longer than declared");
		if (ret) {
			o->stats.link_errors++;
			snprintf(o->why, sizeof(o->why), "download stopped at %" PRIu64 ": %s",
				 d->offset, mt_strerror(ret));
			return ret;
		}
		o->stats.fetched += got;
		if (d->head_len)
			mt_sha256_update(&d->h, buf, got);
		ret = append(d, buf, got);
		if (!ret)
			ret = try_head(d);
		if (ret)
			return ret;
		pace(o, got);
	}
	return 0;
}

int mt_ota_download(struct mt_ota *o, const struct mt_ota_offer *offer)
{
	size_t chunk = o->cfg.chunk ? o->cfg.chunk : MT_OTA_CHUNK;
	uint8_t digest[MT_SHA256_LEN], *buf;
	struct dl *d;
	int ret = -ENOMEM;

	d = calloc(1, sizeof(*d));
	buf = malloc(chunk);
	if (!d || !buf)
		goto out_free;
	d->o = o;
	d->offer = offer;
	mt_sha256_init(&d->h);
	o->verdict = MT_BUNDLE_OK;
	if (mt_ota_path(o, "download.part", d->part, sizeof(d->part)) ||
	    mt_ota_path(o, "download.journal", d->journal, sizeof(d->journal))) {
		ret = -ENAMETOOLONG;
		goto out_hash;
	}
	d->offset = resume_offset(d);
	if (d->offset == 0)
		discard(d);
	o->stats.resumed_from = d->offset;
	if (d->offset)
		mt_log_write(MT_LOG_INF, TAG, "resuming %s at %" PRIu64 " of %" PRIu64, offer->file,
			     d->offset, offer->size);
	ret = try_head(d);
	if (!ret)
		ret = fetch_rest(d, buf, chunk);
	if (ret)
		goto out_hash;
	ret = mt_sha256_finish(&d->h, digest);
	if (!ret && (!d->head_len || memcmp(digest, d->m.sha256, sizeof(digest)) != 0))
		ret = refuse(d, MT_BUNDLE_BAD_HASH, "payload hash mismatch");
	if (!ret)
		mt_log_write(MT_LOG_INF, TAG, "downloaded %s (%s, %" PRIu64 " bytes)", offer->file,
			     d->m.version, offer->size);
out_hash:
	mt_sha256_free(&d->h);
out_free:
	free(buf);
	free(d);
	return ret;
}
