/* Spool: closing a clip that a power cut (or a failed writer) left open.
 * The clip file is walked box by box; the prefix up to its last whole
 * fragment is kept (renamed when it is the whole file, copied when a torn
 * fragment follows: the only rewrite the spool ever does, and only after a
 * cut); the checkpoint records already on flash are kept and continued;
 * the manifest says "power_loss" (or why the writer stopped) and links to
 * the previous clip. A clip with no whole fragment is voided: its files go,
 * and its number is used by the next clip, so the chain has no gap. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "evidence/evidence.h"
#include "evidence/spool_int.h"
#include "hal/storage.h"

MT_LOG_MODULE("spool");

#define CHUNK (64 * 1024)

struct scan {
	uint64_t size;     /* bytes read: the file's size */
	uint64_t good;     /* end of the last whole fragment */
	uint32_t frags;    /* whole fragments */
	int64_t media_end; /* media time at the end of the last one */
};

static int read_exact(struct mt_storage *st, int fd, void *buf, size_t len, uint64_t *pos)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = mt_storage_read(st, fd, p, len);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
		*pos += (uint64_t)n;
	}
	return 0;
}

/* One top-level box at the reader: moov and moof read whole and parsed,
 * the rest skipped. 0, -ENODATA when the file ends inside it, MT_EFORMAT. */
static int walk_box(struct mt_storage *st, int fd, uint8_t *buf, uint64_t *pos,
		    struct mt_bmff_track *t, struct mt_bmff_fragment *f, uint32_t *type)
{
	struct mt_bmff_box b;
	uint64_t left;
	int ret = read_exact(st, fd, buf, 8, pos);

	if (ret == 0)
		ret = mt_bmff_box_header(buf, 8, &b);
	if (ret == -EAGAIN) {
		ret = read_exact(st, fd, buf + 8, 8, pos);
		if (ret == 0)
			ret = mt_bmff_box_header(buf, 16, &b);
	}
	if (ret)
		return ret;
	*type = b.type;
	left = b.size - b.header;
	if (b.type == MT_BMFF_TYPE('m', 'o', 'o', 'v') ||
	    b.type == MT_BMFF_TYPE('m', 'o', 'o', 'f')) {
		if (b.size > CHUNK)
			return MT_EFORMAT; /* far bigger than the muxer makes */
		ret = read_exact(st, fd, buf + b.header, (size_t)left, pos);
		if (ret)
			return ret;
		return b.type == MT_BMFF_TYPE('m', 'o', 'o', 'v') ?
			       mt_bmff_moov_info(buf, (size_t)b.size, t) :
			       mt_bmff_moof_info(buf, (size_t)b.size, t, f);
	}
	while (left > 0 && ret == 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		ret = read_exact(st, fd, buf, n, pos);
		left -= n;
	}
	return ret;
}

/* Reads fd to its end, counting the bytes into *size. */
static int count_rest(struct mt_storage *st, int fd, uint8_t *buf, uint64_t *size)
{
	for (;;) {
		ssize_t n = mt_storage_read(st, fd, buf, CHUNK);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		*size += (uint64_t)n;
	}
}

/* Finds the end of the last whole fragment of the clip at path. */
static int scan_clip(struct mt_storage *st, const char *path, struct scan *s)
{
	struct mt_bmff_track t = { 0 };
	struct mt_bmff_fragment f = { 0 };
	uint8_t *buf = malloc(CHUNK + 16);
	int fd, ret, in_frag = 0, have_mdat = 0;
	uint32_t type = 0;

	memset(s, 0, sizeof(*s));
	if (!buf)
		return -ENOMEM;
	ret = mt_storage_open(st, path, MT_O_READ, &fd);
	if (ret)
		goto out_free;
	for (;;) {
		ret = walk_box(st, fd, buf, &s->size, &t, &f, &type);
		if (ret == -ENODATA || ret == MT_EFORMAT || ret == -EAGAIN) {
			ret = 0; /* the torn end: what came before stands */
			break;
		}
		if (ret)
			break;
		if (type == MT_BMFF_TYPE('m', 'o', 'o', 'f')) {
			if (!t.timescale)
				break; /* a fragment before any moov: nothing to trust */
			in_frag = 1;
			have_mdat = 0;
		} else if (type == MT_BMFF_TYPE('m', 'd', 'a', 't') && in_frag) {
			if (!have_mdat) {
				s->frags++;
				s->media_end = mt_bmff_ticks_to_us(f.decode_time + f.duration,
								   t.timescale);
			}
			have_mdat = 1;
		}
		if (in_frag && have_mdat)
			s->good = s->size;
	}
	if (ret == 0)
		ret = count_rest(st, fd, buf, &s->size);
	mt_storage_close(st, fd);
out_free:
	free(buf);
	return ret;
}

/* The first len bytes of from into a new file to (synced). */
static int copy_prefix(struct mt_storage *st, const char *from, const char *to, uint64_t len)
{
	uint8_t *buf = malloc(CHUNK);
	uint64_t pos = 0;
	int in, out, ret = -ENOMEM;

	if (!buf)
		return ret;
	ret = mt_storage_open(st, from, MT_O_READ, &in);
	if (ret)
		goto out_free;
	ret = mt_storage_open(st, to, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &out);
	if (ret)
		goto out_close_in;
	while (ret == 0 && pos < len) {
		size_t n = len - pos < CHUNK ? (size_t)(len - pos) : CHUNK;

		ret = read_exact(st, in, buf, n, &pos);
		if (ret == 0)
			ret = mt_file_write_all(st, out, buf, n);
	}
	if (ret == 0)
		ret = mt_storage_sync(st, out);
	if (mt_storage_close(st, out) && ret == 0)
		ret = -EIO;
out_close_in:
	mt_storage_close(st, in);
out_free:
	free(buf);
	return ret;
}

/* Checkpoint records already on flash: how many whole ones, and the media
 * time of the last. Lines after the first bad one (torn), or covering more
 * than the kept bytes, are cut off by rewriting the small file. */
static int read_checkpoints(struct mt_storage *st, const char *path, uint64_t kept,
			    uint32_t *records, int64_t *last_us)
{
	uint8_t *data;
	size_t len, at = 0, good = 0;
	int ret = mt_file_read_all(st, path, 16 * 1024 * 1024, &data, &len);

	*records = 0;
	*last_us = 0;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	while (at < len) {
		char *nl = memchr(data + at, '\n', len - at), *rec, *m, *b;
		long long media;
		unsigned long long bytes, num;

		if (!nl)
			break;
		*nl = 0;
		rec = strstr((char *)data + at, "\"record\":");
		m = strstr((char *)data + at, "\"media_us\":");
		b = strstr((char *)data + at, "\"bytes\":");
		if (!rec || !m || !b || sscanf(rec + 9, "%llu", &num) != 1 ||
		    sscanf(m + 11, "%lld", &media) != 1 || sscanf(b + 8, "%llu", &bytes) != 1 ||
		    num != *records + 1 || bytes > kept)
			break;
		(*records)++;
		*last_us = media;
		at = (size_t)(nl - (char *)data) + 1;
		good = at;
	}
	for (size_t i = 0; i < good; i++) /* put the newlines back */
		if (data[i] == 0)
			data[i] = '\n';
	ret = 0;
	if (good < len) {
		MT_WRN("%s: torn checkpoint record cut off", path);
		ret = mt_file_replace(st, path, data, good);
	}
	free(data);
	return ret;
}

static int void_clip(struct mt_spool *sp, struct spool_clip *c)
{
	struct mt_journal_rec r = { .type = MT_JOURNAL_VOID, .seq = c->seq };
	uint64_t seq = c->seq;
	int ret = spool_remove_files(sp, seq);

	if (ret == 0 && c->has_open)
		ret = spool_journal(sp, &r);
	if (ret)
		return ret;
	MT_WRN("clip %" PRIu64 ": no whole fragment on flash; voided (its number is reused)", seq);
	sp->st.voided++;
	spool_drop(sp, seq);
	return 0;
}

/* The manifest is there but not journaled (a cut after it was written):
 * sign it if its signature is missing, then journal it. */
static int finish_manifest(struct mt_spool *sp, struct spool_clip *c, unsigned files)
{
	char path[MT_SPOOL_PATH_MAX + 32], reason[MT_JOURNAL_WORD_MAX] = "power_loss", *r;
	uint8_t *doc, sha[MT_SHA256_LEN];
	size_t len;
	int ret = spool_name(sp, c->seq, "json", path, sizeof(path));

	if (ret == 0)
		ret = mt_file_read_all(&sp->wc.dev, path, MT_MANIFEST_MAX, &doc, &len);
	if (ret)
		return ret;
	ret = mt_sha256(doc, len, sha);
	if (ret == 0 && !(files & SF_SIG)) {
		uint8_t sig[MT_SIGNER_SIG_MAX];
		size_t sig_len;

		ret = mt_signer_sign(sp->cfg.signer, doc, len, sig, sizeof(sig), &sig_len);
		if (ret == 0)
			ret = spool_name(sp, c->seq, "sig", path, sizeof(path));
		if (ret == 0)
			ret = mt_file_replace(&sp->wc.dev, path, sig, sig_len);
	}
	r = strstr((char *)doc, "\"end_reason\":\"");
	if (r)
		sscanf(r + 14, "%23[a-z0-9_]", reason);
	free(doc);
	return ret ? ret : spool_sealed(sp, c, reason, sha);
}

/* A whole .mp4 without a manifest: seal it from the file. */
static int seal_file(struct mt_spool *sp, struct spool_clip *c, const char *reason)
{
	/* base and file outlive the call that fills them: cfg points at them */
	// cppcheck-suppress variableScope
	char base[MT_SPOOL_PATH_MAX + 32], file[64], mp4[MT_SPOOL_PATH_MAX + 32],
		ckpt[MT_SPOOL_PATH_MAX + 32];
	struct mt_manifest_info info;
	struct mt_seal_config cfg;
	struct mt_evidence_id id;
	uint8_t sha[MT_SHA256_LEN];
	struct scan s;
	uint32_t records;
	int64_t last_us;
	int ret = spool_name(sp, c->seq, "mp4", mp4, sizeof(mp4));

	if (ret == 0)
		ret = spool_name(sp, c->seq, "ckpt", ckpt, sizeof(ckpt));
	if (ret == 0)
		ret = scan_clip(&sp->wc.dev, mp4, &s);
	if (ret == 0 && s.good != s.size)
		ret = MT_ECORRUPT; /* a finished name on a torn file: not ours */
	if (ret == 0)
		ret = read_checkpoints(&sp->wc.dev, ckpt, s.good, &records, &last_us);
	if (ret == 0)
		ret = spool_seal_config(sp, c->seq, &cfg, &id, base, file, sizeof(file));
	if (ret)
		return ret;
	spool_info(sp, c, INT64_MIN, s.media_end, reason, &info);
	ret = mt_evidence_seal_resume(mp4, &cfg, records, last_us, &info, sha);
	return ret ? ret : spool_sealed(sp, c, reason, sha);
}

/* The .part holds the truth while it exists: its whole fragments become
 * the .mp4 (a stale .mp4 from a cut copy is replaced). */
static int finish_part(struct mt_spool *sp, struct spool_clip *c, int *voided)
{
	char part[MT_SPOOL_PATH_MAX + 32], mp4[MT_SPOOL_PATH_MAX + 32];
	struct scan s;
	int ret = spool_name(sp, c->seq, "mp4.part", part, sizeof(part));

	*voided = 0;
	if (ret == 0)
		ret = spool_name(sp, c->seq, "mp4", mp4, sizeof(mp4));
	if (ret == 0)
		ret = scan_clip(&sp->wc.dev, part, &s);
	if (ret)
		return ret;
	if (s.frags == 0) {
		*voided = 1;
		return void_clip(sp, c);
	}
	if (s.good == s.size) {
		ret = mt_storage_rename(&sp->wc.dev, part, mp4);
	} else {
		MT_WRN("clip %" PRIu64 ": torn fragment after byte %" PRIu64 " dropped", c->seq,
		       s.good);
		ret = copy_prefix(&sp->wc.dev, part, mp4, s.good);
		if (ret == 0)
			ret = mt_storage_sync_dir(&sp->wc.dev, sp->dir);
		if (ret == 0)
			ret = mt_storage_remove(&sp->wc.dev, part);
	}
	return ret ? ret : mt_storage_sync_dir(&sp->wc.dev, sp->dir);
}

int spool_close_clip(struct mt_spool *sp, struct spool_clip *c, const char *reason)
{
	unsigned files = spool_probe(sp, c->seq);
	uint64_t seq = c->seq;
	int ret = 0, voided = 0;

	if (files & SF_TMP)
		spool_remove_tmp(sp, seq);
	if (files & SF_PART) {
		ret = finish_part(sp, c, &voided);
		if (ret || voided)
			return ret;
		files = spool_probe(sp, seq);
	}
	if (!(files & SF_MP4))
		return void_clip(sp, c);
	if (files & SF_JSON)
		ret = finish_manifest(sp, c, files);
	else
		ret = seal_file(sp, c, reason);
	if (ret) {
		MT_ERR("clip %" PRIu64 ": not closed: %s", seq, mt_strerror(ret));
		return ret;
	}
	MT_WRN("clip %" PRIu64 ": closed after it was cut short (%s)", seq, c->reason);
	sp->st.recovered++;
	if (files & SF_RCPT) /* cannot be: a receipt needs a manifest first */
		sp->st.journal_inconsistent++;
	return 0;
}
