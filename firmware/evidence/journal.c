/* The spool's journal: records as checked text lines, appended and synced. */
#include "evidence/journal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "hal/storage.h"

#define CHECK_HEX 8

static const char *const type_names[MT_JOURNAL_NTYPES] = {
	[MT_JOURNAL_BASE] = "base",       [MT_JOURNAL_OPEN] = "open",
	[MT_JOURNAL_SEALED] = "sealed",   [MT_JOURNAL_VOID] = "void",
	[MT_JOURNAL_RECEIPT] = "receipt", [MT_JOURNAL_EVICT] = "evict",
	[MT_JOURNAL_LOST] = "lost",       [MT_JOURNAL_REFUSED] = "refused",
};

const char *mt_journal_type_name(enum mt_journal_type t)
{
	return (unsigned)t < MT_JOURNAL_NTYPES ? type_names[t] : "?";
}

/* A word is written bare, so it must not need quoting. */
static int word_ok(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || n >= MT_JOURNAL_WORD_MAX)
		return 0;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9') || *w == '_'))
			return 0;
	return 1;
}

struct out {
	char *buf;
	size_t cap, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + (o->used < o->cap ? o->used : o->cap),
		      o->used < o->cap ? o->cap - o->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static void put_hex(struct out *o, const char *key, const uint8_t *b, size_t n)
{
	char hex[2 * MT_SHA256_LEN + 1];

	mt_sha256_hex(b, hex);
	put(o, " %s=%.*s", key, (int)(2 * n), hex);
}

static void put_fields(struct out *o, const struct mt_journal_rec *r)
{
	const struct mt_manifest_time *t = &r->start;

	switch (r->type) {
	case MT_JOURNAL_BASE:
		put(o, " next=%" PRIu64, r->seq);
		put_hex(o, "manifest", r->manifest_sha256, MT_SHA256_LEN);
		put(o, " lost=%" PRIu64 " refused=%" PRIu64 " evicted=%" PRIu64, r->lost_total,
		    r->refused_total, r->evicted_total);
		break;
	case MT_JOURNAL_OPEN:
		put(o, " seq=%" PRIu64 " codec=%s w=%" PRIu32 " h=%" PRIu32 " mono=%" PRId64,
		    r->seq, r->codec, r->width, r->height, t->mono_us);
		if (t->utc_ok)
			put(o, " utc=%" PRId64 " sync=%d unc=%" PRId64, t->utc.unix_us,
			    t->utc.sync == MT_CLOCK_SYNCED, t->utc.uncertainty_us);
		else
			put(o, " utc=-");
		break;
	case MT_JOURNAL_SEALED:
		put(o, " seq=%" PRIu64 " bytes=%" PRIu64 " reason=%s", r->seq, r->bytes, r->reason);
		put_hex(o, "manifest", r->manifest_sha256, MT_SHA256_LEN);
		break;
	case MT_JOURNAL_EVICT:
	case MT_JOURNAL_LOST:
		put(o, " seq=%" PRIu64 " bytes=%" PRIu64, r->seq, r->bytes);
		break;
	case MT_JOURNAL_REFUSED:
		put(o, " seq=%" PRIu64 " mono=%" PRId64, r->seq, r->mono_us);
		break;
	default:
		put(o, " seq=%" PRIu64, r->seq);
		break;
	}
}

int mt_journal_format(const struct mt_journal_rec *rec, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	uint8_t sum[MT_SHA256_LEN];
	char hex[2 * MT_SHA256_LEN + 1];
	int ret;

	if ((unsigned)rec->type >= MT_JOURNAL_NTYPES)
		return -EINVAL;
	if ((rec->type == MT_JOURNAL_OPEN && !word_ok(rec->codec)) ||
	    (rec->type == MT_JOURNAL_SEALED && !word_ok(rec->reason)))
		return -EINVAL;
	put(&o, "%s", type_names[rec->type]);
	put_fields(&o, rec);
	if (o.used + 3 + CHECK_HEX > cap) /* " #", the check, "\n" */
		return -ENAMETOOLONG;
	ret = mt_sha256(buf, o.used, sum);
	if (ret)
		return ret;
	mt_sha256_hex(sum, hex);
	put(&o, " #%.*s\n", CHECK_HEX, hex);
	return o.used < cap ? (int)o.used : -ENAMETOOLONG;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end || errno ? -1 : 0;
}

static int parse_i64(const char *v, int64_t *out)
{
	char *end;

	if (!*v)
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return *end || errno ? -1 : 0;
}

static int parse_word(const char *v, char *out)
{
	if (!word_ok(v))
		return -1;
	strcpy(out, v); /* word_ok() bounded it */
	return 0;
}

static int parse_hex(const char *v, uint8_t out[MT_SHA256_LEN])
{
	if (strlen(v) != 2 * MT_SHA256_LEN)
		return -1;
	for (size_t i = 0; i < MT_SHA256_LEN; i++) {
		unsigned x;

		if (sscanf(v + 2 * i, "%2x", &x) != 1)
			return -1;
		out[i] = (uint8_t)x;
	}
	return 0;
}

/* One key=value into rec. */
static int field(struct mt_journal_rec *r, const char *k, const char *v)
{
	struct mt_manifest_time *t = &r->start;
	uint64_t u;

	if (!strcmp(k, "seq") || !strcmp(k, "next"))
		return parse_u64(v, &r->seq);
	if (!strcmp(k, "bytes"))
		return parse_u64(v, &r->bytes);
	if (!strcmp(k, "codec"))
		return parse_word(v, r->codec);
	if (!strcmp(k, "reason"))
		return parse_word(v, r->reason);
	if (!strcmp(k, "manifest"))
		return parse_hex(v, r->manifest_sha256);
	if (!strcmp(k, "lost"))
		return parse_u64(v, &r->lost_total);
	if (!strcmp(k, "refused"))
		return parse_u64(v, &r->refused_total);
	if (!strcmp(k, "evicted"))
		return parse_u64(v, &r->evicted_total);
	if (!strcmp(k, "mono")) {
		t->mono_us = 0;
		return parse_i64(v, &r->mono_us) ? -1 : (t->mono_us = r->mono_us, 0);
	}
	if (!strcmp(k, "utc")) {
		t->utc_ok = strcmp(v, "-") != 0;
		return t->utc_ok ? parse_i64(v, &t->utc.unix_us) : 0;
	}
	if (!strcmp(k, "unc"))
		return parse_i64(v, &t->utc.uncertainty_us);
	if (!strcmp(k, "w") || !strcmp(k, "h") || !strcmp(k, "sync")) {
		if (parse_u64(v, &u) || u > UINT32_MAX)
			return -1;
		if (k[0] == 'w')
			r->width = (uint32_t)u;
		else if (k[0] == 'h')
			r->height = (uint32_t)u;
		else
			t->utc.sync = u ? MT_CLOCK_SYNCED : MT_CLOCK_UNSYNCED;
		return 0;
	}
	return -1;
}

int mt_journal_parse(const char *line, size_t len, struct mt_journal_rec *rec)
{
	char buf[MT_JOURNAL_LINE_MAX], *tok, *save = NULL, want[2 * MT_SHA256_LEN + 1];
	uint8_t sum[MT_SHA256_LEN];
	size_t body;
	int first = 1;

	memset(rec, 0, sizeof(*rec));
	if (len < 3 + CHECK_HEX || len >= sizeof(buf) ||
	    memcmp(line + len - CHECK_HEX - 2, " #", 2) != 0)
		return MT_ECORRUPT;
	body = len - CHECK_HEX - 2;
	if (mt_sha256(line, body, sum))
		return MT_ECORRUPT;
	mt_sha256_hex(sum, want);
	if (memcmp(want, line + len - CHECK_HEX, CHECK_HEX) != 0)
		return MT_ECORRUPT;
	memcpy(buf, line, body);
	buf[body] = 0;
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (first) {
			unsigned t;

			for (t = 0; t < MT_JOURNAL_NTYPES && strcmp(tok, type_names[t]); t++)
				;
			if (t == MT_JOURNAL_NTYPES)
				return MT_ECORRUPT;
			rec->type = (enum mt_journal_type)t;
			first = 0;
			continue;
		}
		if (!eq)
			return MT_ECORRUPT;
		*eq = 0;
		if (field(rec, tok, eq + 1))
			return MT_ECORRUPT;
	}
	return first ? MT_ECORRUPT : 0;
}

int mt_journal_read(struct mt_storage *st, const char *path, mt_journal_cb cb, void *arg,
		    struct mt_journal_scan *scan)
{
	struct mt_journal_scan s = { 0 };
	struct mt_journal_rec rec;
	uint8_t *data;
	size_t len, at = 0;
	int ret = mt_file_read_all(st, path, SIZE_MAX / 2, &data, &len);

	if (ret == -ENOENT) { /* no journal yet: an empty one */
		ret = 0;
		goto out;
	}
	if (ret)
		return ret;
	s.bytes = len;
	s.torn_tail = len > 0 && data[len - 1] != '\n';
	while (at < len && ret == 0) {
		uint8_t *nl = memchr(data + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - data) : len;

		if (end == at) { /* an empty line: the "\n" ending a torn one */
			at++;
			continue;
		}
		if (mt_journal_parse((const char *)data + at, end - at, &rec) == 0) {
			s.records++;
			ret = cb ? cb(arg, &rec) : 0;
		} else {
			s.bad++;
		}
		at = end + 1;
	}
	free(data);
out:
	if (scan)
		*scan = s;
	return ret;
}

void mt_journal_init(struct mt_journal *j)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

void mt_journal_free(struct mt_journal *j)
{
	if (j->fd >= 0)
		mt_storage_close(j->st, j->fd);
	j->fd = -1;
}

int mt_journal_open(struct mt_journal *j, struct mt_storage *st, const char *path,
		    const struct mt_journal_scan *scan)
{
	int ret;

	mt_journal_free(j);
	j->st = st;
	if (snprintf(j->path, sizeof(j->path), "%s", path) >= (int)sizeof(j->path))
		return -ENAMETOOLONG;
	ret = mt_storage_open(st, path, MT_O_WRITE | MT_O_CREATE | MT_O_APPEND, &j->fd);
	if (ret) {
		j->fd = -1;
		return ret;
	}
	j->need_nl = scan && scan->torn_tail;
	j->bytes = scan ? scan->bytes : 0;
	if (!scan || scan->bytes == 0) { /* maybe a new name: make it durable */
		char dir[sizeof(j->path)];

		ret = mt_file_dirname(path, dir, sizeof(dir));
		if (ret == 0)
			ret = mt_storage_sync_dir(st, dir);
	}
	return ret;
}

int mt_journal_append(struct mt_journal *j, const struct mt_journal_rec *rec)
{
	char line[MT_JOURNAL_LINE_MAX + 1];
	int n, ret;

	if (j->fd < 0)
		return -EBADF;
	line[0] = '\n'; /* ends a torn line, so this record stands alone */
	n = mt_journal_format(rec, line + 1, sizeof(line) - 1);
	if (n < 0)
		return n;
	ret = mt_file_write_all(j->st, j->fd, line + !j->need_nl, (size_t)n + j->need_nl);
	if (ret == 0)
		ret = mt_storage_sync(j->st, j->fd);
	if (ret)
		return ret;
	j->bytes += (size_t)n + j->need_nl;
	j->writes += (size_t)n + j->need_nl;
	j->need_nl = 0;
	return 0;
}

int mt_journal_rewrite(struct mt_journal *j, const struct mt_journal_rec *recs, size_t n)
{
	char *buf = malloc(n * MT_JOURNAL_LINE_MAX + 1);
	struct mt_journal_scan scan = { .bytes = j->bytes };
	size_t used = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n && ret == 0; i++) {
		int len = mt_journal_format(&recs[i], buf + used, MT_JOURNAL_LINE_MAX);

		if (len < 0)
			ret = len;
		else
			used += (size_t)len;
	}
	mt_journal_free(j);
	if (ret == 0)
		ret = mt_file_replace(j->st, j->path, buf, used);
	free(buf);
	if (ret == 0) {
		j->writes += used;
		scan.bytes = used;
	}
	/* on failure the old journal is still there: go on appending to it */
	scan.torn_tail = j->need_nl;
	return ret ? (mt_journal_open(j, j->st, j->path, &scan), ret) :
		     mt_journal_open(j, j->st, j->path, &scan);
}
