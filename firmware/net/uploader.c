/* Uploader: see uploader.h and docs/protocol.md. */
#include "net/uploader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "core/mbedtls_compat.h"
#include "evidence/drbg.h"
#include "evidence/json.h"
#include "evidence/spool.h"
#include "hal/clock.h"
#include "hal/storage.h"
#include "net/jsonget.h"

MT_LOG_MODULE("upload");

enum {
	F_CLIP,
	F_MANIFEST,
	F_SIG,
	F_CKPT,
	NFILES
};

static const char *const kind[NFILES] = { "clip", "manifest", "signature", "checkpoints" };
static const char *const ext[NFILES] = { "mp4", "json", "sig", "ckpt" };

#define BACKOFF_MIN_US 1000000

static void name_of(char *out, size_t len, const char *dir, uint64_t seq, const char *e)
{
	snprintf(out, len, "%s/clip-%06" PRIu64 ".%s", dir, seq, e);
}

static int load(struct mt_uploader *u, const char *name, uint8_t **buf, size_t *len)
{
	char path[MT_UPLOADER_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", u->cfg.keys_dir, name);
	return mt_file_read_all(u->cfg.st, path, 65536, buf, len);
}

int mt_uploader_open(struct mt_uploader *u, const struct mt_uploader_config *cfg)
{
	struct mt_tls_config tc;
	uint8_t *id = NULL, *rk = NULL;
	size_t len, rk_len;
	int ret;

	memset(u, 0, sizeof(*u));
	u->cfg = *cfg;
	mbedtls_pk_init(&u->receipt_key);
	if (mt_station_url_parse(cfg->url, &u->url))
		return -EINVAL;
	ret = load(u, "device.id", &id, &len);
	if (ret)
		return ret == -ENOENT ? -ENOENT : ret;
	snprintf(u->device_id, sizeof(u->device_id), "%.*s", (int)len, (char *)id);
	free(id);
	ret = load(u, "ca.pem", &u->ca, &u->ca_len);
	if (!ret)
		ret = load(u, "tls.crt", &u->cert, &u->cert_len);
	if (!ret)
		ret = load(u, "tls.key", &u->key, &u->key_len);
	if (!ret)
		ret = load(u, "receipt.pem", &rk, &rk_len);
	if (ret)
		goto fail;
	/* the PEM parsers want the terminating NUL counted */
	u->ca_len++;
	u->cert_len++;
	if (mbedtls_pk_parse_public_key(&u->receipt_key, rk, rk_len + 1)) {
		ret = MT_ECORRUPT;
		goto fail;
	}
	tc = (struct mt_tls_config){ .net = cfg->net,
				     .drbg = cfg->drbg,
				     .host = u->url.host,
				     .port = u->url.port,
				     .ca_pem = u->ca,
				     .ca_len = u->ca_len,
				     .cert_pem = u->cert,
				     .cert_len = u->cert_len,
				     .key_pem = u->key,
				     .key_len = u->key_len,
				     .timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 15000 };
	ret = mt_tls_client_new(&tc, &u->tls);
	if (ret) {
		ret = MT_ECORRUPT;
		goto fail;
	}
	mt_station_init(&u->station, u->tls, u->url.host, u->url.base);
	mt_station_set_clock(&u->station, u->cfg.clock);
	free(rk);
	return 0;
fail:
	free(rk);
	mt_uploader_close(u);
	return ret;
}

void mt_uploader_close(struct mt_uploader *u)
{
	if (u->tls)
		mt_tls_client_free(u->tls);
	u->tls = NULL;
	mbedtls_pk_free(&u->receipt_key);
	free(u->ca);
	free(u->cert);
	if (u->key)
		mbedtls_platform_zeroize(u->key, u->key_len);
	free(u->key);
	u->ca = u->cert = u->key = NULL;
}

/* ---- which clip ---- */

struct scan {
	uint64_t best;
	bool found;
	struct mt_uploader *u;
};

static bool exists(struct mt_uploader *u, uint64_t seq, const char *e)
{
	char path[MT_UPLOADER_PATH_MAX + 32];
	uint64_t size;

	name_of(path, sizeof(path), u->cfg.spool_dir, seq, e);
	return mt_storage_size(u->cfg.st, path, &size) == 0;
}

bool mt_uploader_delivered(struct mt_uploader *u, uint64_t seq)
{
	return exists(u, seq, "rcpt") && exists(u, seq, "rcpt.sig");
}

/* The oldest sealed clip without a receipt. */
static int pick(void *arg, const char *name)
{
	struct scan *s = arg;
	unsigned long long seq;
	char tail[8];

	if (sscanf(name, "clip-%6llu.%7s", &seq, tail) != 2 || strcmp(tail, "json") != 0)
		return 0;
	if ((!s->found || seq < s->best) && exists(s->u, seq, "mp4") && exists(s->u, seq, "sig") &&
	    !mt_uploader_delivered(s->u, seq)) {
		s->best = seq;
		s->found = true;
	}
	return 0;
}

/* ---- journal ---- */

static int journal_save(struct mt_uploader *u)
{
	char path[MT_UPLOADER_PATH_MAX + 32], text[1024];
	size_t n = 0;

	for (int i = 0; i < NFILES; i++) {
		const struct mt_upload_file *f = &u->f[i];

		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s %s %" PRId64 " %d %" PRId64 "\n", kind[i],
				      f->up.location[0] ? f->up.location : "-", f->up.offset,
				      f->done, f->up.length);
	}
	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "up");
	return mt_file_replace(u->cfg.st, path, text, n);
}

static void journal_load(struct mt_uploader *u)
{
	char path[MT_UPLOADER_PATH_MAX + 32];
	uint8_t *buf;
	size_t len;
	char *line, *save = NULL;

	memset(u->f, 0, sizeof(u->f));
	for (int i = 0; i < NFILES; i++)
		u->f[i].up.length = -1;
	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "up");
	if (mt_file_read_all(u->cfg.st, path, 4096, &buf, &len))
		return;
	for (line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char k[16], loc[MT_TUS_LOCATION_MAX];
		long long off, length = -1;
		int done;

		/* the length (5th field) is absent in journals of older builds */
		if (sscanf(line, "%15s %159s %lld %d %lld", k, loc, &off, &done, &length) < 4)
			continue;
		for (int i = 0; i < NFILES; i++) {
			if (strcmp(k, kind[i]) || strcmp(loc, "-") == 0)
				continue;
			snprintf(u->f[i].up.location, sizeof(u->f[i].up.location), "%s", loc);
			u->f[i].up.offset = off;
			u->f[i].up.length = length < 0 ? -1 : length;
			u->f[i].done = done;
			/* the station may hold more than the journal says */
			u->f[i].ask = !done;
		}
	}
	free(buf);
}

/* ---- sending a file ---- */

struct reader {
	struct mt_uploader *u;
	int fd;
	uint64_t sent; /* bytes handed to the link */
};

static void pace(struct mt_uploader *u, size_t n)
{
	int64_t now, due;

	if (!u->cfg.kbps)
		return;
	now = mt_clock_mono_us(u->cfg.clock);
	if (!u->rate_start_us || now - u->rate_start_us > 10000000) {
		u->rate_start_us = now;
		u->rate_bytes = 0;
	}
	u->rate_bytes += n;
	due = u->rate_start_us + (int64_t)(u->rate_bytes * 8000 / u->cfg.kbps);
	if (due > now)
		mt_clock_sleep_us(u->cfg.clock, due - now);
}

static ssize_t read_piece(void *ctx, uint8_t *buf, size_t len)
{
	struct reader *r = ctx;
	ssize_t n = mt_storage_read(r->u->cfg.st, r->fd, buf, len);

	if (n > 0) {
		pace(r->u, (size_t)n);
		r->sent += (uint64_t)n;
	}
	return n;
}

/* Opens path at offset: a seek, or (a storage without one) reading past
 * what was sent. A clip uploaded while it is recorded is opened again for
 * every fragment: without the seek that reads the clip over and over. */
static int open_at(struct mt_uploader *u, const char *path, int64_t offset, int *fd)
{
	uint8_t skip[4096];
	int ret = mt_storage_open(u->cfg.st, path, MT_O_READ, fd);

	if (!ret && offset > 0) {
		ret = mt_storage_seek(u->cfg.st, *fd, offset);
		if (ret == 0)
			return 0;
		if (ret != -ENOSYS) {
			mt_storage_close(u->cfg.st, *fd);
			return ret;
		}
		ret = 0;
	}
	while (!ret && offset > 0) {
		ssize_t n = mt_storage_read(u->cfg.st, *fd, skip,
					    offset < (int64_t)sizeof(skip) ? (size_t)offset :
									     sizeof(skip));

		if (n <= 0) {
			mt_storage_close(u->cfg.st, *fd);
			return n < 0 ? (int)n : -EIO;
		}
		offset -= n;
	}
	return ret;
}

/* The path of file i of the clip in progress: the spool's name (the .part
 * of a clip being recorded) when following one, else the sealed name. */
static int file_path(struct mt_uploader *u, int i, char *path, size_t cap)
{
	if (u->cfg.spool)
		return mt_spool_path(u->cfg.spool, u->seq, ext[i], path, cap);
	name_of(path, cap, u->cfg.spool_dir, u->seq, ext[i]);
	return 0;
}

/* The station holds more of a deferred clip upload than the device's final
 * file (a recovery cut the clip shorter): that upload cannot become this
 * clip. It is terminated and the clip starts over. */
static int start_over(struct mt_uploader *u, struct mt_upload_file *f, uint64_t size)
{
	int ret;

	MT_WRN("clip %" PRIu64 ": the station has %" PRId64 " bytes, the clip is %" PRIu64
	       " after recovery; uploading it again",
	       u->seq, f->up.offset, size);
	ret = mt_tus_delete(&u->station, &f->up);
	if (ret)
		return ret;
	memset(&f->up, 0, sizeof(f->up));
	f->up.length = -1;
	u->stats.restarts++;
	ret = journal_save(u);
	return ret ? ret : 1;
}

/* One PATCH (or the create before it) of file i. 1 when it moved, 0 when a
 * live clip has nothing new committed yet. */
static int send_piece(struct mt_uploader *u, int i)
{
	struct mt_upload_file *f = &u->f[i];
	char path[MT_UPLOADER_PATH_MAX + 32];
	bool live = i == F_CLIP && u->live, final;
	uint64_t size;
	struct reader rd = { u, -1, 0 };
	size_t len;
	int ret;

	ret = file_path(u, i, path, sizeof(path));
	if (!ret && live)
		size = u->live_bytes; /* synced and chained: what may go */
	else if (!ret)
		ret = mt_storage_size(u->cfg.st, path, &size);
	if (ret == -ENOENT && u->cfg.spool)
		return 0; /* renamed or removed under us: the spool says what next */
	if (ret)
		return ret;
	if (!f->up.location[0]) {
		char fname[40];

		snprintf(fname, sizeof(fname), "clip-%06" PRIu64 ".%s", u->seq, ext[i]);
		ret = mt_tus_create(&u->station, fname, kind[i], u->seq, live ? -1 : (int64_t)size,
				    &f->up);
		if (!ret && live) {
			u->stats.live_clips++;
			MT_INF("clip %" PRIu64 ": uploading while it is recorded", u->seq);
		}
		if (!ret)
			ret = journal_save(u);
		return ret ? ret : 1;
	}
	if (f->ask) {
		/* resuming: HEAD, then PATCH from the station's Upload-Offset */
		int64_t was = f->up.offset;

		ret = mt_tus_head(&u->station, &f->up);
		if (ret == -ESTALE) {
			MT_WRN("clip %" PRIu64 " %s: upload gone at the station; starting it again",
			       u->seq, kind[i]);
			memset(&f->up, 0, sizeof(f->up));
			f->up.length = -1;
		}
		if (ret && ret != -ESTALE)
			return ret;
		f->ask = false;
		if (f->up.offset != was || ret == -ESTALE)
			ret = journal_save(u);
		return ret ? ret : 1;
	}
	if ((uint64_t)f->up.offset > size) {
		if (live)
			return 0; /* cannot be: never more than was committed; wait */
		if (f->up.length < 0)
			return start_over(u, f, size);
		return -EPROTO; /* the station has more than the file: not ours */
	}
	if ((uint64_t)f->up.offset == size && (live || f->up.length >= 0)) {
		if (live)
			return 0; /* all that is committed is there */
		f->done = true;
		ret = journal_save(u);
		return ret ? ret : 1;
	}
	len = size - (uint64_t)f->up.offset > MT_UPLOADER_CHUNK ?
		      MT_UPLOADER_CHUNK :
		      (size_t)(size - (uint64_t)f->up.offset);
	/* a deferred length becomes known with the clip's last PATCH */
	final = !live && f->up.length < 0 && (uint64_t)f->up.offset + len == size;
	ret = open_at(u, path, f->up.offset, &rd.fd);
	if (ret == -ENOENT && u->cfg.spool)
		return 0;
	if (ret)
		return ret;
	int64_t before = f->up.offset;

	ret = mt_tus_patch(&u->station, &f->up, read_piece, &rd, len, final);
	mt_storage_close(u->cfg.st, rd.fd);
	if (f->up.offset > before) {
		/* ours: what this PATCH carried and the station kept (the HEAD
		 * after a 409 may move the offset further; resuming asks with
		 * HEAD first, so a 409 is rare) */
		uint64_t moved = (uint64_t)(f->up.offset - before);

		if (moved > rd.sent)
			moved = rd.sent;
		u->stats.bytes += moved;
		if (live)
			u->stats.live_bytes += moved;
	}
	if (ret == -ESTALE) {
		/* the station dropped the upload: start that file over */
		MT_WRN("clip %" PRIu64 " %s: upload gone at the station; starting it again", u->seq,
		       kind[i]);
		memset(&f->up, 0, sizeof(f->up));
		f->up.length = -1;
	}
	if (ret && ret != -ESTALE && f->up.offset == before)
		f->ask = true; /* the link failed and no HEAD said where it stands */
	if (!ret || ret == -ESTALE || f->up.offset != before) {
		int jr = journal_save(u);

		if (!ret)
			ret = jr;
	}
	return ret ? ret : 1;
}

/* ---- commit and receipt ---- */

static int check_receipt(struct mt_uploader *u, const char *text, size_t tlen, const uint8_t *sig,
			 size_t slen)
{
	char path[MT_UPLOADER_PATH_MAX + 32], want[256], hex[65];
	uint8_t *man, h[32];
	size_t mlen;
	int ret;

	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "json");
	ret = mt_file_read_all(u->cfg.st, path, 1 << 20, &man, &mlen);
	if (ret)
		return ret;
	ret = mbedtls_sha256(man, mlen, h, 0);
	free(man);
	if (ret)
		return -EIO;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(want, sizeof(want),
		 "matthan-receipt-v1\ndevice=%s\nseq=%" PRIu64 "\nmanifest_sha256=%s\n",
		 u->device_id, u->seq, hex);
	if (tlen < strlen(want) || memcmp(text, want, strlen(want)) != 0 ||
	    !strstr(text, "\nreceived_at=") || !strstr(text, "\nstatus=")) {
		snprintf(u->stats.last_why, sizeof(u->stats.last_why),
			 "receipt for clip %" PRIu64 " does not name this clip", u->seq);
		return -EBADMSG;
	}
	if (mbedtls_sha256((const uint8_t *)text, tlen, h, 0) ||
	    mbedtls_pk_verify(&u->receipt_key, MBEDTLS_MD_SHA256, h, 32, sig, slen)) {
		snprintf(u->stats.last_why, sizeof(u->stats.last_why),
			 "receipt for clip %" PRIu64 " has a bad signature", u->seq);
		return -EBADMSG;
	}
	return 0;
}

static int commit(struct mt_uploader *u)
{
	uint8_t body[2048], text[512], sig[160];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_json j;
	char b64[700], path[MT_UPLOADER_PATH_MAX + 32];
	size_t tlen, slen;
	int ret;

	if (!r)
		return -ENOMEM;
	mt_json_init(&j);
	mt_json_object_begin(&j);
	if (u->f[F_CKPT].done) {
		mt_json_key(&j, "checkpoints");
		mt_json_str(&j, u->f[F_CKPT].up.location);
	}
	mt_json_key(&j, "clip");
	mt_json_str(&j, u->f[F_CLIP].up.location);
	mt_json_key(&j, "manifest");
	mt_json_str(&j, u->f[F_MANIFEST].up.location);
	mt_json_key(&j, "seq");
	mt_json_int(&j, (int64_t)u->seq);
	mt_json_key(&j, "signature");
	mt_json_str(&j, u->f[F_SIG].up.location);
	mt_json_object_end(&j);
	struct mt_http_req req = { .method = "POST",
				   .path = "/clips/commit",
				   .headers = { "Content-Type: application/json", NULL },
				   .body = (const uint8_t *)j.buf,
				   .body_len = j.err ? 0 : j.len,
				   .resp_body = body,
				   .resp_body_max = sizeof(body) - 1,
				   .timeout_ms = 30000 };

	ret = j.err ? j.err : mt_station_request(&u->station, &req, r);
	free(j.buf);
	if (ret) {
		free(r);
		return ret == MT_EFORMAT ? ret : -EAGAIN;
	}
	body[r->body_len] = '\0';
	if (r->status != 200) {
		char err[100] = "";

		mt_json_get_str((char *)body, r->body_len, "error", err, sizeof(err));
		snprintf(u->stats.last_why, sizeof(u->stats.last_why),
			 "commit of clip %" PRIu64 " answered %d %s", u->seq, r->status, err);
		ret = r->status == 409 ? -EAGAIN : r->status == 422 ? -EBADMSG : -EPROTO;
		/* 409: an upload is not complete at the station: check them again */
		if (r->status == 409)
			for (int i = 0; i < NFILES; i++)
				u->f[i].done = false;
		free(r);
		return ret;
	}
	ret = mt_json_get_str((char *)body, r->body_len, "receipt", b64, sizeof(b64));
	if (!ret)
		ret = mbedtls_base64_decode(text, sizeof(text) - 1, &tlen, (unsigned char *)b64,
					    strlen(b64)) ?
			      MT_EFORMAT :
			      0;
	if (!ret)
		ret = mt_json_get_str((char *)body, r->body_len, "signature", b64, sizeof(b64));
	if (!ret)
		ret = mbedtls_base64_decode(sig, sizeof(sig), &slen, (unsigned char *)b64,
					    strlen(b64)) ?
			      MT_EFORMAT :
			      0;
	free(r);
	if (ret) {
		snprintf(u->stats.last_why, sizeof(u->stats.last_why),
			 "commit of clip %" PRIu64 ": malformed receipt", u->seq);
		u->stats.bad_receipts++;
		return MT_EFORMAT;
	}
	text[tlen] = '\0';
	ret = check_receipt(u, (char *)text, tlen, sig, slen);
	if (ret) {
		u->stats.bad_receipts++;
		return ret;
	}
	/* the signature file last: together they mean delivered */
	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "rcpt");
	ret = mt_file_replace(u->cfg.st, path, text, tlen);
	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "rcpt.sig");
	if (!ret)
		ret = mt_file_replace(u->cfg.st, path, sig, slen);
	if (ret)
		return ret;
	name_of(path, sizeof(path), u->cfg.spool_dir, u->seq, "up");
	mt_storage_remove(u->cfg.st, path);
	return 0;
}

/* ---- the step ---- */

static void failed(struct mt_uploader *u, int err)
{
	int64_t now = mt_clock_mono_us(u->cfg.clock);
	int64_t max = u->cfg.backoff_max_us ? u->cfg.backoff_max_us : 300000000;
	uint32_t jitter = 0;

	u->stats.failures++;
	u->stats.last_error = err;
	if (!u->stats.last_why[0] || err != -EBADMSG)
		snprintf(u->stats.last_why, sizeof(u->stats.last_why), "clip %" PRIu64 ": %s%s%s",
			 u->seq, mt_strerror(err), mt_tls_connected(u->tls) ? "" : " (",
			 mt_tls_connected(u->tls) ? "" : mt_tls_why(u->tls));
	if (!mt_tls_connected(u->tls))
		strncat(u->stats.last_why, ")",
			sizeof(u->stats.last_why) - strlen(u->stats.last_why) - 1);
	u->backoff_us = u->backoff_us ? u->backoff_us * 2 : BACKOFF_MIN_US;
	if (u->backoff_us > max)
		u->backoff_us = max;
	/* +-25 % so a ward's boxes do not retry in step after an outage */
	mt_drbg_random(u->cfg.drbg, (unsigned char *)&jitter, sizeof(jitter));
	u->next_try_us =
		now + u->backoff_us * 3 / 4 + (int64_t)(jitter % (uint32_t)(u->backoff_us / 2 + 1));
	MT_WRN("%s; next try in %" PRId64 " ms", u->stats.last_why, (u->next_try_us - now) / 1000);
}

void mt_uploader_retry_now(struct mt_uploader *u)
{
	u->next_try_us = 0;
	u->backoff_us = 0;
}

/* Following a spool: the oldest clip without a receipt, sealed or still
 * being recorded; and, for the clip in progress, what the spool says now
 * (live, and how many of its bytes are committed). 1 when there is a clip,
 * 0 when none. */
static int follow(struct mt_uploader *u)
{
	struct mt_spool_entry e;
	uint64_t after = u->active ? u->seq - 1 : 0;

	while (mt_spool_next(u->cfg.spool, after, &e) == 0) {
		if (u->active && e.seq != u->seq)
			break; /* ours is gone (voided, or evicted) */
		after = e.seq;
		if (!u->active &&
		    (e.state == MT_SPOOL_RECEIPTED || mt_uploader_delivered(u, e.seq)))
			continue;
		if (!u->active) {
			u->seq = e.seq;
			u->active = true;
			journal_load(u);
		}
		u->live = e.state == MT_SPOOL_RECORDING;
		u->live_bytes = e.clip_bytes;
		return 1;
	}
	if (u->active)
		MT_WRN("clip %" PRIu64 ": left the spool before it was delivered", u->seq);
	u->active = false;
	return 0;
}

void mt_uploader_follow(struct mt_uploader *u, struct mt_spool *sp)
{
	u->cfg.spool = sp;
	u->active = false; /* picked again from the new source */
	u->live = false;
}

int mt_uploader_step(struct mt_uploader *u)
{
	struct scan s = { .u = u };
	int64_t now = mt_clock_mono_us(u->cfg.clock);
	int ret;

	if (now < u->next_try_us)
		return -EAGAIN;
	if (u->cfg.spool) {
		if (!follow(u))
			return 0;
	} else if (!u->active) {
		ret = mt_storage_list(u->cfg.st, u->cfg.spool_dir, pick, &s);
		if (ret || !s.found)
			return 0;
		u->seq = s.best;
		u->active = true;
		u->live = false;
		journal_load(u);
	}
	if (!u->live)
		u->f[F_CKPT].done = u->f[F_CKPT].done || !exists(u, u->seq, "ckpt");
	ret = 0;
	for (int i = 0; i < NFILES; i++) {
		if (u->f[i].done)
			continue;
		ret = send_piece(u, i);
		if (ret == 0)
			return 0; /* a live clip's next fragment is not committed yet */
		break;
	}
	if (ret == 0) {
		u->stats.last_why[0] = '\0';
		ret = commit(u);
		if (!ret) {
			MT_INF("clip %" PRIu64 " delivered; receipt kept", u->seq);
			u->stats.delivered++;
			u->stats.last_seq = u->seq;
			u->stats.last_us = mt_clock_mono_us(u->cfg.clock);
			u->active = false;
			ret = 1;
		}
	}
	if (ret < 0) {
		failed(u, ret);
		return -EAGAIN;
	}
	u->backoff_us = 0;
	return 1;
}
