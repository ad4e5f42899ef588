/* mt-station: commit, verification, chain and receipt; see commit.h.
 *
 * Order of work, so that nothing stored is lost and a repeated commit is
 * harmless: (1) a clips row 'received' and the uploads marked committed,
 * in one transaction; (2) the files renamed into the clip's folder (a
 * rename: no copy, no new space) and the folders synced; (3) verified;
 * (4) the verdict, chain status and receipt recorded. A station that dies
 * anywhere in between finds the row 'received' on the device's next
 * commit and goes on from (2). A failed clip keeps its files. */
#include "commit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mbedtls/base64.h>

#include "core/config.h" /* MT_DEVICE_ID_UNENROLLED */
#include "core/mbedtls_compat.h"
#include "parse.h"
#include "tus.h"
#include "util.h"
#include "verify.h"

enum {
	CLIP,
	MANIFEST,
	SIGNATURE,
	CHECKPOINTS,
	NFILES
};

static const char *const roles[NFILES] = { "clip", "manifest", "signature", "checkpoints" };
static const char *const exts[NFILES] = { "mp4", "json", "sig", "ckpt" };

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

void mt_commit_receipt_text(char *out, size_t cap, const char *device, int64_t seq,
			    const char *manifest_sha256, int64_t received_ms, const char *status)
{
	snprintf(out, cap,
		 "matthan-receipt-v1\ndevice=%s\nseq=%" PRId64 "\nmanifest_sha256=%s\n"
		 "received_at=%" PRId64 "\nstatus=%s\n",
		 device, seq, manifest_sha256, received_ms, status);
}

static enum MHD_Result reply_receipt(struct mt_req *r, const struct mt_db_clip *c)
{
	unsigned char b64r[1024], b64s[512];
	size_t nr, ns;
	char body[1700];

	if (mbedtls_base64_encode(b64r, sizeof(b64r), &nr, (const unsigned char *)c->receipt,
				  strlen(c->receipt)) ||
	    mbedtls_base64_encode(b64s, sizeof(b64s), &ns, c->receipt_sig, c->receipt_sig_len))
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "cannot encode the receipt");
	snprintf(body, sizeof(body), "{\"receipt\":\"%s\",\"signature\":\"%s\"}", b64r, b64s);
	return mt_srv_reply(r, MHD_HTTP_OK, body, "Cache-Control", "no-store", MT_HDR_END);
}

/* The commit's request body: seq and the upload ids (ids[i][0] == 0 when
 * that file is absent). 0, or a reply. */
static enum MHD_Result parse_body(struct mt_req *r, int64_t *seq, char ids[NFILES][33])
{
	cJSON *doc = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
	const cJSON *s = doc ? cJSON_GetObjectItemCaseSensitive(doc, "seq") : NULL;
	enum MHD_Result ret = MHD_YES;

	if (!cJSON_IsNumber(s) || s->valuedouble < 1 || s->valuedouble > 9007199254740992.0 ||
	    s->valuedouble != (double)(int64_t)s->valuedouble) {
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "seq must be a whole number from 1");
		goto out;
	}
	*seq = (int64_t)s->valuedouble;
	for (int i = 0; i < NFILES; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, roles[i]);

		ids[i][0] = 0;
		if (!v || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsString(v) || mt_parse_upload_id(v->valuestring, ids[i])) {
			ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "%s is not an upload URL",
					    roles[i]);
			goto out;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0) {
				ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
						    "%s and %s name one upload", roles[j],
						    roles[i]);
				goto out;
			}
	}
	if (!ids[CLIP][0] || !ids[MANIFEST][0] != !ids[SIGNATURE][0] ||
	    (!ids[MANIFEST][0] && !ids[CHECKPOINTS][0]))
		ret = mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
				    "give clip, and manifest with signature, or checkpoints");
out:
	cJSON_Delete(doc);
	return ret;
}

/* Every named upload is the device's and complete, and none belongs to
 * another clip. (lock) 0, or a reply. */
static enum MHD_Result check_uploads(struct mt_req *r, char ids[NFILES][33], int64_t clip_id)
{
	for (int i = 0; i < NFILES; i++) {
		struct mt_db_upload u;
		int found;

		if (!ids[i][0])
			continue;
		found = mt_db_upload_find(&r->st->db, &u, "id = ? AND device_id = ?", "ss", ids[i],
					  r->device);
		if (found < 0)
			return mt_srv_reject(r, 500, "database unreadable");
		if (found == 0 || strcmp(u.state, "deleted") == 0)
			return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "%s: no such upload %s",
					     roles[i], ids[i]);
		if (strcmp(u.state, "open") == 0)
			return mt_srv_reject(r, MHD_HTTP_CONFLICT,
					     "%s: upload %s is not complete (%" PRId64
					     " of %" PRId64 " bytes)",
					     roles[i], ids[i], u.offset, u.length);
		if (strcmp(u.state, "committed") == 0 && u.clip_id != clip_id)
			return mt_srv_reject(r, MHD_HTTP_CONFLICT,
					     "%s: upload %s already belongs to clip %" PRId64,
					     roles[i], ids[i], u.clip_id);
	}
	return MHD_YES;
}

/* Step (1): the clip's row and its uploads marked committed. (lock) */
static int record_received(struct mt_req *r, int64_t seq, char ids[NFILES][33],
			   struct mt_db_clip *c)
{
	struct mt_db *db = &r->st->db;
	char dir[128];
	int64_t id;
	int ret = mt_db_exec(db, "BEGIN IMMEDIATE", NULL);

	if (ret >= 0)
		ret = mt_db_exec(
			db,
			"INSERT INTO clips(device_id, seq, dir, clip_upload, manifest_upload,"
			" signature_upload, checkpoints_upload, state, received_ms)"
			" VALUES(?, ?, '', ?, ?, ?, ?, 'received', ?)",
			"sissssi", r->device, seq, ids[CLIP],
			ids[MANIFEST][0] ? ids[MANIFEST] : NULL,
			ids[SIGNATURE][0] ? ids[SIGNATURE] : NULL,
			ids[CHECKPOINTS][0] ? ids[CHECKPOINTS] : NULL, mt_util_now_ms());
	id = sqlite3_last_insert_rowid(db->h);
	snprintf(dir, sizeof(dir), "clips/%s/%06" PRId64 "-%" PRId64, r->device, seq, id);
	if (ret >= 0)
		ret = mt_db_exec(db, "UPDATE clips SET dir = ? WHERE id = ?", "si", dir, id);
	for (int i = 0; i < NFILES && ret >= 0; i++)
		if (ids[i][0])
			ret = mt_db_exec(db,
					 "UPDATE uploads SET state = 'committed', clip_id = ?,"
					 " updated_ms = ? WHERE id = ?",
					 "iis", id, mt_util_now_ms(), ids[i]);
	if (ret >= 0)
		ret = mt_db_exec(db, "COMMIT", NULL);
	if (ret < 0) {
		mt_db_exec(db, "ROLLBACK", NULL);
		return ret;
	}
	return mt_db_clip_find(db, c, "id = ?", "i", id) == 1 ? 0 : -EIO;
}

/* Step (2): the upload files into the clip's folder. 0 or -errno. */
static int move_files(struct mt_station *st, const struct mt_db_clip *c, char *clip_path,
		      size_t cap)
{
	char dir[2048], from[MT_PATH_MAX], to[MT_PATH_MAX];
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", st->data, c->dir);
	ret = mt_util_mkdirs(dir, 0755);
	if (ret)
		return ret;
	for (int i = 0; i < NFILES; i++) {
		if (!c->uploads[i][0])
			continue;
		mt_tus_path(st, c->uploads[i], from, sizeof(from));
		snprintf(to, sizeof(to), "%s/clip-%06" PRId64 ".%s", dir, c->seq, exts[i]);
		if (rename(from, to) != 0 && (errno != ENOENT || access(to, F_OK) != 0))
			return -errno;
		if (i == CLIP)
			snprintf(clip_path, cap, "%s", to);
	}
	ret = mt_util_fsync_dir(dir);
	if (ret == 0) {
		snprintf(from, sizeof(from), "%s/uploads", st->data);
		ret = mt_util_fsync_dir(from);
	}
	return ret;
}

/* The device id a clip's signed data names: the manifest's, or (a clip
 * cut short) its first checkpoint record's. */
static void signed_device(const char *clip_path, int has_manifest, char *out, size_t cap)
{
	char path[MT_PATH_MAX], *text, *tab;
	size_t len, n = strlen(clip_path);
	cJSON *doc;
	const cJSON *v;

	out[0] = 0;
	snprintf(path, sizeof(path), "%.*s.%s", (int)(n - 4), clip_path,
		 has_manifest ? "json" : "ckpt");
	if (mt_util_read_file(path, 16 * 1024 * 1024, &text, &len))
		return;
	tab = has_manifest ? NULL : strchr(text, '\t');
	doc = cJSON_ParseWithLength(text, tab ? (size_t)(tab - text) : len);
	v = cJSON_GetObjectItemCaseSensitive(doc, "device_id");
	if (cJSON_IsString(v))
		snprintf(out, cap, "%s", v->valuestring);
	cJSON_Delete(doc);
	free(text);
}

/* The SHA-256 (hex) of a file. 0 or -1. */
static int file_sha256(const char *path, char hex[65])
{
	char *text;
	size_t len;
	uint8_t sha[32];

	if (mt_util_read_file(path, 64 * 1024 * 1024, &text, &len))
		return -1;
	mbedtls_sha256((unsigned char *)text, len, sha, 0);
	free(text);
	mt_util_hex(sha, sizeof(sha), hex);
	return 0;
}

struct verdict {
	char state[12]; /* OK, PARTIAL, FAILED; then GAP or REPLAY from the chain */
	char reason[256];
	char manifest[65];
	char prev[65];
};

/* Step (3): mt-verify's checks of the clip with the device's evidence
 * certificate, then the signed device id and sequence number against the
 * TLS identity and the commit. No lock: hashing a clip takes a while. */
static void verify(struct mt_req *r, const struct mt_db_clip *c, const char *clip_path,
		   struct verdict *v)
{
	char path[MT_PATH_MAX], err[200], dev[64];
	struct vr_result res;
	struct vr_key key;
	size_t n = strlen(clip_path);
	bool before;

	snprintf(v->state, sizeof(v->state), "FAILED");
	snprintf(path, sizeof(path), "%s/devices/%s/evidence.crt", r->st->data, r->device);
	if (vr_key_load(&key, path, 1, err, sizeof(err))) {
		vr_key_free(&key);
		snprintf(v->reason, sizeof(v->reason), "no evidence certificate: %s", err);
		return;
	}
	vr_verify_clip(&key, clip_path, &res);
	vr_key_free(&key);
	if (res.status == VR_FAIL) {
		snprintf(v->reason, sizeof(v->reason), "%s", res.reason);
		goto out;
	}
	signed_device(clip_path, res.have_manifest, dev, sizeof(dev));
	/* A clip sealed before the box was enrolled names no device yet; its
	 * signature, just checked with this device's evidence certificate,
	 * says whose it is: the key the box had before enrollment is the one
	 * this station certified for it. */
	before = strcmp(dev, MT_DEVICE_ID_UNENROLLED) == 0;
	if (!before && strcmp(dev, r->device) != 0) {
		snprintf(v->reason, sizeof(v->reason), "signed by device \"%s\", not by %s", dev,
			 r->device);
		goto out;
	}
	if (!res.have_seq || res.seq != (uint64_t)c->seq) {
		snprintf(v->reason, sizeof(v->reason),
			 "signed as sequence %" PRIu64 ", committed as %" PRId64, res.seq, c->seq);
		goto out;
	}
	if (res.have_manifest) {
		mt_util_hex(res.manifest_sha256, 32, v->manifest);
	} else {
		snprintf(path, sizeof(path), "%.*s.ckpt", (int)(n - 4), clip_path);
		if (file_sha256(path, v->manifest)) {
			snprintf(v->reason, sizeof(v->reason), "cannot read the checkpoints");
			goto out;
		}
	}
	mt_util_hex(res.prev, 32, v->prev);
	snprintf(v->state, sizeof(v->state), "%s", res.status == VR_PARTIAL ? "PARTIAL" : "OK");
	snprintf(v->reason, sizeof(v->reason), "%s%s%s", before ? "sealed before enrollment" : "",
		 before && res.reason[0] ? "; " : "", res.reason);
out:
	vr_result_free(&res);
}

/* Step (4a): the clip's place in its device's chain. A replay (the
 * sequence number is stored already) outranks a gap (the previous clip is
 * missing, or this one does not name its manifest), which outranks a clip
 * cut short. (lock) */
static void chain_status(struct mt_station *st, const struct mt_db_clip *c, struct verdict *v)
{
	struct mt_db_clip o;
	int found;

	if (mt_db_clip_find(&st->db, &o,
			    "device_id = ? AND seq = ? AND id != ? AND state IN"
			    " ('OK', 'GAP', 'REPLAY', 'PARTIAL')",
			    "sii", c->device, c->seq, c->id) == 1) {
		snprintf(v->state, sizeof(v->state), "REPLAY");
		snprintf(v->reason, sizeof(v->reason),
			 "sequence %" PRId64 " is stored already (clip %" PRId64
			 ", manifest %.16s...)",
			 c->seq, o.id, o.manifest_sha256);
		return;
	}
	if (c->seq == 1) {
		if (strcmp(v->prev, ZERO64) != 0) {
			snprintf(v->state, sizeof(v->state), "GAP");
			snprintf(v->reason, sizeof(v->reason),
				 "sequence 1 names a previous manifest");
		}
		return;
	}
	found = mt_db_clip_find(&st->db, &o,
				"device_id = ? AND seq = ? AND state IN ('OK', 'GAP', 'PARTIAL')",
				"si", c->device, c->seq - 1);
	if (found != 1) {
		snprintf(v->state, sizeof(v->state), "GAP");
		snprintf(v->reason, sizeof(v->reason),
			 "gap in chain: no sequence %" PRId64 " at the station", c->seq - 1);
	} else if (strcmp(v->prev, o.manifest_sha256) != 0 &&
		   /* a clip cut short had no manifest: the next one names the
		    * manifest before it, as the cut clip's checkpoints do */
		   !(strcmp(o.state, "PARTIAL") == 0 && strcmp(v->prev, o.prev_sha256) == 0)) {
		snprintf(v->state, sizeof(v->state), "GAP");
		snprintf(v->reason, sizeof(v->reason),
			 "chain broken: does not follow sequence %" PRId64 " (clip %" PRId64 ")",
			 c->seq - 1, o.id);
	}
}

/* Step (4b): the signed receipt, recorded with the verdict. (lock) */
static int receipt(struct mt_station *st, struct mt_db_clip *c, const struct verdict *v)
{
	int ret;

	mt_commit_receipt_text(c->receipt, sizeof(c->receipt), c->device, c->seq, v->manifest,
			       c->received_ms, v->state);
	ret = mt_pki_sign(&st->receipt_key, c->receipt, strlen(c->receipt), &st->rng,
			  c->receipt_sig, &c->receipt_sig_len);
	if (ret)
		return -EIO;
	return mt_db_exec(&st->db,
			  "UPDATE clips SET state = ?, reason = ?, manifest_sha256 = ?,"
			  " prev_sha256 = ?, verified_ms = ?, receipt = ?, receipt_sig = ?"
			  " WHERE id = ?",
			  "ssssisbi", v->state, v->reason, v->manifest, v->prev, mt_util_now_ms(),
			  c->receipt, c->receipt_sig, (int)c->receipt_sig_len, c->id);
}

/* The receipt beside the clip, for people and openssl (the database has
 * the authoritative copy). */
static void save_receipt(struct mt_station *st, const struct mt_db_clip *c)
{
	char path[MT_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/receipt.txt", st->data, c->dir);
	if (mt_util_write_file(path, c->receipt, strlen(c->receipt), 0644) == 0) {
		snprintf(path, sizeof(path), "%s/%s/receipt.sig", st->data, c->dir);
		mt_util_write_file(path, c->receipt_sig, c->receipt_sig_len, 0644);
	}
}

/* A byte-identical copy of a receipted clip (same manifest hash, and the
 * manifest pins every byte): the copy's files go, the first receipt is
 * the answer. (lock) 1 if it was one (*orig set), 0 if not. */
static int duplicate(struct mt_station *st, const struct mt_db_clip *c, const struct verdict *v,
		     struct mt_db_clip *orig)
{
	char path[MT_PATH_MAX];

	if (mt_db_clip_find(&st->db, orig,
			    "device_id = ? AND manifest_sha256 = ? AND id != ? AND receipt IS NOT"
			    " NULL",
			    "ssi", c->device, v->manifest, c->id) != 1)
		return 0;
	if (mt_db_exec(&st->db,
		       "UPDATE clips SET state = 'DUPLICATE', reason = ?, manifest_sha256 = ?,"
		       " duplicate_of = ?, verified_ms = ? WHERE id = ?",
		       "ssiii", "a copy of a receipted clip", v->manifest, orig->id,
		       mt_util_now_ms(), c->id) < 0)
		return 0;
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s/clip-%06" PRId64 ".%s", st->data, c->dir,
			 c->seq, exts[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", st->data, c->dir);
	rmdir(path);
	return 1;
}

/* The row of this commit's clip, made if new (step 1), or a reply for a
 * clip already judged. (lock) */
static enum MHD_Result find_or_record(struct mt_req *r, int64_t seq, char ids[NFILES][33],
				      struct mt_db_clip *c)
{
	struct mt_db *db = &r->st->db;
	enum MHD_Result ret;
	int found = mt_db_clip_find(db, c, "clip_upload = ? AND device_id = ?", "ss", ids[CLIP],
				    r->device);

	if (found < 0)
		return mt_srv_reject(r, 500, "database unreadable");
	if (found == 1) {
		if (c->duplicate_of)
			found = mt_db_clip_find(db, c, "id = ?", "i", c->duplicate_of);
		if (found == 1 && c->receipt[0])
			return reply_receipt(r, c); /* the same receipt again */
		if (strcmp(c->state, "FAILED") == 0)
			return mt_srv_reject(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
					     "verification failed: %s (clip %" PRId64 ", kept)",
					     c->reason, c->id);
		return MHD_YES; /* 'received': a commit cut short goes on */
	}
	ret = check_uploads(r, ids, 0);
	if (r->done)
		return ret;
	found = record_received(r, seq, ids, c);
	if (found)
		return mt_srv_reject(r, found == -ENOSPC ? 507 : 500, "cannot record the clip");
	return MHD_YES;
}

enum MHD_Result mt_commit_end(struct mt_req *r)
{
	struct mt_station *st = r->st;
	char ids[NFILES][33], busy[40], clip_path[MT_PATH_MAX];
	struct mt_db_clip c, orig;
	struct verdict v;
	enum MHD_Result ret;
	int64_t seq = 0;
	int err;

	memset(&c, 0, sizeof(c));
	ret = parse_body(r, &seq, ids);
	if (r->done)
		return ret;
	mt_db_lock(&st->db);
	ret = find_or_record(r, seq, ids, &c);
	snprintf(busy, sizeof(busy), "clip-%" PRId64, c.id);
	if (!r->done && mt_srv_busy_take(st, busy))
		ret = mt_srv_reject(r, MHD_HTTP_CONFLICT, "clip %" PRId64 " is being committed",
				    c.id);
	mt_db_unlock(&st->db);
	if (r->done)
		return ret;

	err = move_files(st, &c, clip_path, sizeof(clip_path));
	if (err) {
		ret = mt_srv_reject(r, err == -ENOSPC || err == -EDQUOT ? 507 : 500,
				    "cannot store clip %" PRId64 ": %s", c.id, strerror(-err));
		goto out_busy;
	}
	verify(r, &c, clip_path, &v);

	mt_db_lock(&st->db);
	if (strcmp(v.state, "FAILED") == 0) {
		mt_db_exec(&st->db,
			   "UPDATE clips SET state = 'FAILED', reason = ?, verified_ms = ?"
			   " WHERE id = ?",
			   "sii", v.reason, mt_util_now_ms(), c.id);
		mt_db_unlock(&st->db);
		ret = mt_srv_reject(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
				    "tampered clip %s seq %" PRId64 ": verification failed: %s"
				    " (kept as clip %" PRId64 ", marked FAILED)",
				    r->device, seq, v.reason, c.id);
		goto out_busy;
	}
	if (strcmp(v.state, "OK") == 0 && duplicate(st, &c, &v, &orig)) {
		mt_db_unlock(&st->db);
		mt_util_log("clip %s seq %" PRId64 ": a copy of clip %" PRId64
			    ", answered with its receipt",
			    r->device, seq, orig.id);
		ret = reply_receipt(r, &orig);
		goto out_busy;
	}
	chain_status(st, &c, &v);
	err = receipt(st, &c, &v);
	mt_db_unlock(&st->db);
	if (err < 0) {
		ret = mt_srv_reject(r, err == -ENOSPC ? 507 : 500, "cannot record the receipt");
		goto out_busy;
	}
	save_receipt(st, &c);
	if (strcmp(v.state, "OK") == 0)
		mt_util_log("clip %s seq %" PRId64 ": OK, stored as %s, receipted", r->device, seq,
			    c.dir);
	else
		mt_util_log("clip %s seq %" PRId64 ": %s%s, stored as %s, receipted: %s", r->device,
			    seq, strcmp(v.state, "REPLAY") == 0 ? "replayed clip " : "", v.state,
			    c.dir, v.reason);
	ret = reply_receipt(r, &c);
out_busy:
	mt_db_lock(&st->db);
	mt_srv_busy_drop(st, busy);
	mt_db_unlock(&st->db);
	return ret;
}
