/* mt-station: the tus 1.0.0 endpoint; see tus.h. */
#include "tus.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "util.h"

#define EXTENSIONS "creation,creation-defer-length,termination"

void mt_tus_path(const struct mt_station *st, const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "%s/uploads/%s", st->data, id);
}

static unsigned disk_status(int err)
{
	return err == ENOSPC || err == EDQUOT ? 507 : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static enum MHD_Result options(struct mt_req *r)
{
	char max[24];

	snprintf(max, sizeof(max), "%" PRIu64, r->st->max_size);
	return mt_srv_reply(r, MHD_HTTP_NO_CONTENT, NULL, "Tus-Version", "1.0.0", "Tus-Extension",
			    EXTENSIONS, "Tus-Max-Size", max, MT_HDR_END);
}

/* The new upload's empty file, durable. 0 or -errno. */
static int create_file(struct mt_station *st, const char *id)
{
	char path[MT_PATH_MAX], dir[MT_PATH_MAX];
	int fd, ret = 0;

	mt_tus_path(st, id, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		ret = -errno;
	close(fd);
	mt_util_dirname(path, dir, sizeof(dir));
	if (ret == 0)
		ret = mt_util_fsync_dir(dir);
	if (ret)
		unlink(path);
	return ret;
}

static enum MHD_Result create(struct mt_req *r)
{
	struct mt_station *st = r->st;
	const char *len_h = mt_srv_header(r, "Upload-Length");
	const char *defer = mt_srv_header(r, "Upload-Defer-Length");
	const char *meta = mt_srv_header(r, "Upload-Metadata");
	char filename[128] = "", kind[16] = "", seq_s[24] = "", id[33], location[48];
	uint64_t length = 0, seq = 0;
	uint8_t rnd[16];
	int ret, has_seq;

	if ((len_h != NULL) == (defer != NULL) || (defer && strcmp(defer, "1") != 0))
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
				     "give Upload-Length or Upload-Defer-Length: 1");
	if (len_h && mt_parse_u64(len_h, UINT64_MAX, &length))
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "bad Upload-Length");
	if (length > st->max_size)
		return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE,
				     "Upload-Length over Tus-Max-Size %" PRIu64, st->max_size);
	if (mt_parse_tus_metadata(meta, "filename", filename, sizeof(filename)) < 0 ||
	    mt_parse_tus_metadata(meta, "kind", kind, sizeof(kind)) < 0 ||
	    (has_seq = mt_parse_tus_metadata(meta, "seq", seq_s, sizeof(seq_s))) < 0 ||
	    (has_seq && mt_parse_u64(seq_s, INT64_MAX, &seq)))
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "bad Upload-Metadata");
	if (mt_util_random(rnd, sizeof(rnd)))
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no randomness");
	mt_util_hex(rnd, sizeof(rnd), id);
	ret = create_file(st, id);
	if (ret)
		return mt_srv_reject(r, disk_status(-ret), "cannot create the upload: %s",
				     strerror(-ret));
	mt_db_lock(&st->db);
	ret = mt_db_exec(
		&st->db,
		"INSERT INTO uploads(id, device_id, length, upload_offset, state, filename,"
		" kind, seq, created_ms, updated_ms) VALUES(?, ?, ?, 0, 'open', ?, ?, ?, ?, ?)",
		"ssnssnii", id, r->device, len_h ? (int64_t)length : (int64_t)-1, filename, kind,
		has_seq ? (int64_t)seq : (int64_t)-1, mt_util_now_ms(), mt_util_now_ms());
	if (ret >= 0 && len_h && length == 0)
		ret = mt_db_exec(&st->db, "UPDATE uploads SET state = 'complete' WHERE id = ?", "s",
				 id);
	mt_db_unlock(&st->db);
	if (ret < 0) {
		char path[MT_PATH_MAX];

		mt_tus_path(st, id, path, sizeof(path));
		unlink(path);
		return mt_srv_reject(r, ret == -ENOSPC ? 507 : 500, "cannot record the upload");
	}
	snprintf(location, sizeof(location), "/files/%s", id);
	return mt_srv_reply(r, MHD_HTTP_CREATED, NULL, "Location", location, MT_HDR_END);
}

/* The request's upload, owned by the asking device: 1, or a reply. */
static int lookup(struct mt_req *r, const char *id, struct mt_db_upload *u, enum MHD_Result *ret)
{
	int found;

	mt_db_lock(&r->st->db);
	found = mt_db_upload_find(&r->st->db, u, "id = ? AND device_id = ?", "ss", id, r->device);
	mt_db_unlock(&r->st->db);
	if (found < 0)
		*ret = mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database unreadable");
	else if (found == 0)
		*ret = mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such upload %s", id);
	else if (strcmp(u->state, "deleted") == 0)
		*ret = mt_srv_reject(r, MHD_HTTP_GONE, "upload %s was terminated", id);
	return found == 1 && !r->done;
}

static enum MHD_Result head(struct mt_req *r, const struct mt_db_upload *u)
{
	char off[24], len[24];

	snprintf(off, sizeof(off), "%" PRId64, u->offset);
	snprintf(len, sizeof(len), "%" PRId64, u->length);
	if (u->length < 0)
		return mt_srv_reply(r, MHD_HTTP_OK, NULL, "Upload-Offset", off,
				    "Upload-Defer-Length", "1", "Cache-Control", "no-store",
				    MT_HDR_END);
	return mt_srv_reply(r, MHD_HTTP_OK, NULL, "Upload-Offset", off, "Upload-Length", len,
			    "Cache-Control", "no-store", MT_HDR_END);
}

static enum MHD_Result terminate(struct mt_req *r, const struct mt_db_upload *u)
{
	struct mt_station *st = r->st;
	char path[MT_PATH_MAX], dir[MT_PATH_MAX];
	int ret = 0, busy;

	if (strcmp(u->state, "committed") == 0)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN,
				     "upload %s is part of a committed clip: never deleted", u->id);
	mt_db_lock(&st->db);
	busy = mt_srv_busy_take(st, u->id);
	if (!busy) {
		ret = mt_db_exec(
			&st->db,
			"UPDATE uploads SET state = 'deleted', updated_ms = ? WHERE id = ?", "is",
			mt_util_now_ms(), u->id);
		mt_srv_busy_drop(st, u->id);
	}
	mt_db_unlock(&st->db);
	if (busy)
		return mt_srv_reject(r, MHD_HTTP_CONFLICT, "upload %s is busy (a PATCH is running)",
				     u->id);
	if (ret < 0)
		return mt_srv_reject(r, ret == -ENOSPC ? 507 : 500, "cannot record the deletion");
	mt_tus_path(st, u->id, path, sizeof(path));
	unlink(path);
	mt_util_dirname(path, dir, sizeof(dir));
	mt_util_fsync_dir(dir);
	return mt_srv_reply(r, MHD_HTTP_NO_CONTENT, NULL, MT_HDR_END);
}

/* A PATCH's headers: the offset must be the station's, a deferred length
 * may be given once, the body must fit. Then the file is opened. */
static enum MHD_Result patch_begin(struct mt_req *r, struct mt_db_upload *u)
{
	struct mt_station *st = r->st;
	const char *ct = mt_srv_header(r, "Content-Type");
	const char *off_h = mt_srv_header(r, "Upload-Offset");
	const char *len_h = mt_srv_header(r, "Upload-Length");
	const char *cl_h = mt_srv_header(r, "Content-Length");
	uint64_t off, len = 0, cl = 0;
	char path[MT_PATH_MAX];
	int ret = 0;

	if (!ct || strcmp(ct, "application/offset+octet-stream") != 0)
		return mt_srv_reject(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "Content-Type must be application/offset+octet-stream");
	if (!off_h || mt_parse_u64(off_h, INT64_MAX, &off))
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "missing or bad Upload-Offset");
	if ((len_h && mt_parse_u64(len_h, INT64_MAX, &len)) ||
	    (cl_h && mt_parse_u64(cl_h, INT64_MAX, &cl)))
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
				     "bad Upload-Length or Content-Length");
	if (strcmp(u->state, "committed") == 0)
		return mt_srv_reject(r, MHD_HTTP_FORBIDDEN, "upload %s is part of a committed clip",
				     u->id);
	if ((int64_t)off != u->offset)
		return mt_srv_reject(r, MHD_HTTP_CONFLICT,
				     "Upload-Offset %" PRIu64 " is not the station's %" PRId64, off,
				     u->offset);
	if (len_h && u->length >= 0 && (int64_t)len != u->length)
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST,
				     "Upload-Length %" PRIu64 " differs from the known %" PRId64,
				     len, u->length);
	if (len_h && ((int64_t)len < u->offset || len > st->max_size))
		return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE,
				     "Upload-Length %" PRIu64 " below the offset or over %" PRIu64,
				     len, st->max_size);
	if (len_h && u->length < 0)
		/* a clip uploaded while it was recorded: this much came before it closed */
		mt_util_log("upload %s (%s of %s): length %" PRIu64 " given at offset %" PRId64
			    " (deferred until now)",
			    u->id, u->filename, r->device, len, u->offset);
	if (len_h)
		u->length = (int64_t)len;
	if ((u->length >= 0 && off + cl > (uint64_t)u->length) || off + cl > st->max_size)
		return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE,
				     "%" PRIu64 " bytes at %" PRIu64
				     " run past the upload's length",
				     cl, off);
	mt_db_lock(&st->db);
	if (mt_srv_busy_take(st, u->id))
		ret = -EBUSY;
	else if (len_h)
		ret = mt_db_exec(
			&st->db,
			"UPDATE uploads SET length = ?, state = CASE WHEN upload_offset = ?"
			" THEN 'complete' ELSE state END, updated_ms = ? WHERE id = ?",
			"iiis", u->length, u->length, mt_util_now_ms(), u->id);
	if (ret < 0 && ret != -EBUSY)
		mt_srv_busy_drop(st, u->id);
	mt_db_unlock(&st->db);
	if (ret == -EBUSY)
		return mt_srv_reject(r, MHD_HTTP_CONFLICT,
				     "upload %s is busy (another PATCH is running)", u->id);
	if (ret < 0)
		return mt_srv_reject(r, ret == -ENOSPC ? 507 : 500, "cannot record Upload-Length");
	r->holds_busy = 1;
	snprintf(r->upload, sizeof(r->upload), "%s", u->id);
	r->start = u->offset;
	r->length = u->length;
	mt_tus_path(st, u->id, path, sizeof(path));
	r->fd = open(path, O_WRONLY | O_CLOEXEC);
	/* bytes past the durable offset (a station that died mid-PATCH) go */
	if (r->fd < 0 || ftruncate(r->fd, r->start) != 0 || lseek(r->fd, r->start, SEEK_SET) < 0)
		return mt_srv_reject(r, disk_status(errno), "cannot open upload %s: %s", u->id,
				     strerror(errno));
	return MHD_YES;
}

enum MHD_Result mt_tus_begin(struct mt_req *r)
{
	const char *m = r->method, *id = r->url + (r->url[6] == '/' ? 7 : 6);
	const char *ver = mt_srv_header(r, "Tus-Resumable");
	struct mt_db_upload u;
	enum MHD_Result ret = MHD_YES;

	if (strcmp(m, "OPTIONS") == 0)
		return options(r);
	if (!ver || strcmp(ver, "1.0.0") != 0)
		return mt_srv_reply(r, MHD_HTTP_PRECONDITION_FAILED,
				    "{\"error\":\"Tus-Resumable: 1.0.0 is required\"}",
				    "Tus-Version", "1.0.0", MT_HDR_END);
	if (*id == 0)
		return strcmp(m, "POST") == 0 ?
			       create(r) :
			       mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST on /files/");
	if (strlen(id) != MT_UPLOAD_ID_LEN || strspn(id, "0123456789abcdef") != MT_UPLOAD_ID_LEN)
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such upload");
	if (strcmp(m, "HEAD") != 0 && strcmp(m, "PATCH") != 0 && strcmp(m, "DELETE") != 0)
		return mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use HEAD, PATCH or DELETE");
	if (!lookup(r, id, &u, &ret))
		return ret;
	if (strcmp(m, "HEAD") == 0)
		return head(r, &u);
	if (strcmp(m, "DELETE") == 0)
		return terminate(r, &u);
	return patch_begin(r, &u);
}

void mt_tus_data(struct mt_req *r, const char *data, size_t size)
{
	/* a chunked body has no Content-Length: its end is checked here */
	int64_t limit = r->length >= 0 ? r->length : (int64_t)r->st->max_size;

	if (r->fd < 0 || r->write_errno)
		return;
	if (r->start + r->written + (int64_t)size > limit) {
		r->write_errno = EFBIG;
		return;
	}
	while (size > 0) {
		ssize_t n = write(r->fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->write_errno = errno;
			return;
		}
		data += n;
		size -= (size_t)n;
		r->written += n;
	}
}

/* Makes start + written durable and records it. 0 or -errno; on failure
 * the file is cut back to start. (lock not held) */
static int settle(struct mt_req *r)
{
	struct mt_station *st = r->st;
	int64_t off = r->start + r->written;
	int ret = 0;

	if (r->write_errno)
		ret = -r->write_errno;
	else if (r->written > 0 && fsync(r->fd) != 0)
		ret = -errno;
	mt_db_lock(&st->db);
	if (ret == 0 && r->written > 0)
		ret = mt_db_exec(
			&st->db,
			"UPDATE uploads SET upload_offset = ?, state = CASE WHEN length = ?"
			" THEN 'complete' ELSE 'open' END, updated_ms = ? WHERE id = ?",
			"iiis", off, off, mt_util_now_ms(), r->upload);
	mt_srv_busy_drop(st, r->upload);
	r->holds_busy = 0;
	mt_db_unlock(&st->db);
	if (ret < 0) {
		/* the recorded offset did not move: neither may the file */
		if (ftruncate(r->fd, r->start) == 0)
			fsync(r->fd);
	}
	close(r->fd);
	r->fd = -1;
	return ret < 0 ? ret : 0;
}

enum MHD_Result mt_tus_end(struct mt_req *r)
{
	char off[24];
	int ret;

	if (strcmp(r->method, "PATCH") != 0 || r->fd < 0)
		return mt_srv_reject(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no upload open");
	ret = settle(r);
	if (ret == -EFBIG)
		return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE,
				     "body runs past the upload's length");
	if (ret)
		return mt_srv_reject(r, disk_status(-ret), "cannot store upload %s: %s", r->upload,
				     strerror(-ret));
	snprintf(off, sizeof(off), "%" PRId64, r->start + r->written);
	return mt_srv_reply(r, MHD_HTTP_NO_CONTENT, NULL, "Upload-Offset", off, MT_HDR_END);
}

void mt_tus_finish(struct mt_req *r, bool completed)
{
	if (r->fd < 0) {
		if (r->holds_busy) {
			mt_db_lock(&r->st->db);
			mt_srv_busy_drop(r->st, r->upload);
			mt_db_unlock(&r->st->db);
		}
		return;
	}
	/* The PATCH ended before its body did (link lost, device gone,
	 * station stopping): what arrived is kept, as tus expects. */
	if (settle(r) == 0)
		mt_util_log("upload %s: PATCH cut short after %" PRId64 " bytes; offset %" PRId64
			    " kept",
			    r->upload, r->written, r->start + r->written);
	(void)completed;
}

void mt_tus_recover(struct mt_station *st)
{
	sqlite3_stmt *q;

	mt_db_lock(&st->db);
	if (sqlite3_prepare_v2(st->db.h,
			       "SELECT id, upload_offset FROM uploads WHERE state IN ('open',"
			       " 'complete')",
			       -1, &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(q, 0);
			int64_t off = sqlite3_column_int64(q, 1);
			char path[MT_PATH_MAX];
			struct stat sb;

			mt_tus_path(st, id, path, sizeof(path));
			if (stat(path, &sb) != 0) {
				mt_util_log("upload %s: its file is missing", id);
			} else if (sb.st_size > off) {
				if (truncate(path, off) == 0)
					mt_util_log("upload %s: %lld unacknowledged bytes dropped",
						    id, (long long)(sb.st_size - off));
			} else if (sb.st_size < off) {
				mt_util_log("upload %s: file shorter than its offset %" PRId64, id,
					    off);
			}
		}
		sqlite3_finalize(q);
	}
	mt_db_unlock(&st->db);
}
