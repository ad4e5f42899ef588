/* Manifest: the canonical JSON description of a clip. */
#include "evidence/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "evidence/json.h"

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm): no libc
 * time zone or locale involved, the same on every board. */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void mt_manifest_utc_string(int64_t unix_us, char out[28])
{
	int64_t secs = unix_us / 1000000, us = unix_us % 1000000, days, y;
	unsigned m, d, sod;
	char tmp[80];
	int n;

	if (us < 0) {
		us += 1000000;
		secs--;
	}
	days = secs / 86400;
	if (secs % 86400 < 0)
		days--;
	sod = (unsigned)(secs - days * 86400);
	civil(days, &y, &m, &d);
	if (y < 0 || y > 9999) { /* out of RFC 3339's range: say so, do not wrap */
		memcpy(out, "out-of-range", 13);
		return;
	}
	/* every field is in range here, so this is 27 characters; the larger
	 * buffer is for the compiler, which cannot see that */
	n = snprintf(tmp, sizeof(tmp), "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%06dZ", y, m, d,
		     sod / 3600, sod / 60 % 60, sod % 60, (int)us);
	memcpy(out, n == 27 ? tmp : "out-of-range", n == 27 ? 28 : 13);
}

void mt_manifest_write_time(struct mt_json *j, const struct mt_manifest_time *t)
{
	const char *sync = "none";

	if (t->utc_ok)
		sync = t->utc.sync == MT_CLOCK_SYNCED &&
				       t->utc.unix_us >= MT_MANIFEST_UTC_FLOOR_US ?
			       "synced" :
			       "unsynced";
	mt_json_object_begin(j);
	mt_json_kint(j, "mono_us", t->mono_us);
	mt_json_kstr(j, "sync", sync);
	mt_json_key(j, "uncertainty_us");
	if (t->utc_ok && t->utc.uncertainty_us >= 0)
		mt_json_int(j, t->utc.uncertainty_us);
	else
		mt_json_null(j);
	mt_json_key(j, "unix_us");
	if (t->utc_ok)
		mt_json_int(j, t->utc.unix_us);
	else
		mt_json_null(j);
	mt_json_key(j, "utc");
	if (t->utc_ok) {
		char utc[28];

		mt_manifest_utc_string(t->utc.unix_us, utc);
		mt_json_str(j, utc);
	} else {
		mt_json_null(j);
	}
	mt_json_object_end(j);
}

static void write_fragments(struct mt_json *j, const struct mt_chain *c)
{
	mt_json_key(j, "fragments");
	mt_json_array_begin(j);
	for (size_t i = 0; i < c->n; i++) {
		const struct mt_chain_fragment *f = &c->frags[i];

		mt_json_object_begin(j);
		mt_json_kint(j, "bytes", (int64_t)f->bytes);
		mt_json_kint(j, "end_us", f->end_us);
		mt_json_kint(j, "frames", f->frames);
		mt_json_kint(j, "offset", (int64_t)f->offset);
		mt_json_khex(j, "sha256", f->sha256, MT_SHA256_LEN);
		mt_json_kint(j, "start_us", f->start_us);
		mt_json_object_end(j);
	}
	mt_json_array_end(j);
}

static void write_motion(struct mt_json *j, const struct mt_manifest_motion *mo)
{
	mt_json_key(j, "motion");
	mt_json_object_begin(j);
	mt_json_key(j, "boxes");
	mt_json_array_begin(j);
	for (size_t i = 0; i < mo->nboxes; i++) {
		mt_json_object_begin(j);
		mt_json_kint(j, "h", mo->boxes[i].h);
		mt_json_kint(j, "w", mo->boxes[i].w);
		mt_json_kint(j, "x", mo->boxes[i].x);
		mt_json_kint(j, "y", mo->boxes[i].y);
		mt_json_object_end(j);
	}
	mt_json_array_end(j);
	mt_json_kint(j, "peak_score", mo->peak_score);
	mt_json_key(j, "zones");
	mt_json_array_begin(j);
	for (size_t i = 0; i < mo->nzones; i++)
		mt_json_str(j, mo->zones[i]);
	mt_json_array_end(j);
	mt_json_object_end(j);
}

static void write_lost(struct mt_json *j, const struct mt_manifest_info *in)
{
	if (!in->lost_count && !in->refused)
		return;
	mt_json_key(j, "lost");
	mt_json_object_begin(j);
	mt_json_key(j, "clips");
	mt_json_array_begin(j);
	for (size_t i = 0; i < in->nlost; i++)
		mt_json_int(j, (int64_t)in->lost_clips[i]);
	mt_json_array_end(j);
	mt_json_kint(j, "count", (int64_t)in->lost_count);
	mt_json_kint(j, "refused", (int64_t)in->refused);
	mt_json_object_end(j);
}

int mt_manifest_format(const struct mt_manifest *m, char **out, size_t *len)
{
	const struct mt_manifest_info *in = m->info;
	const struct mt_chain *c = m->chain;
	uint8_t file_sha[MT_SHA256_LEN];
	struct mt_json j;
	int ret;

	*out = NULL;
	*len = 0;
	if (c->err)
		return c->err;
	if (!c->started || c->open_bytes || in->motion.nboxes > MT_MANIFEST_BOXES ||
	    in->motion.nzones > MT_MANIFEST_ZONES || in->nlost > MT_MANIFEST_LOST ||
	    in->nlost > in->lost_count)
		return -EINVAL;
	ret = mt_chain_file_sha256(c, file_sha);
	if (ret)
		return ret;

	mt_json_init(&j);
	mt_json_object_begin(&j);
	mt_json_kstr(&j, "camera_id", m->id->camera_id);
	mt_json_khex(&j, "chain_sha256", c->head, MT_SHA256_LEN);
	mt_json_key(&j, "checkpoints");
	mt_json_object_begin(&j);
	mt_json_kint(&j, "count", m->checkpoints);
	mt_json_kint(&j, "interval_us", m->checkpoint_us);
	mt_json_object_end(&j);
	mt_json_key(&j, "clip");
	mt_json_object_begin(&j);
	mt_json_kint(&j, "bytes", (int64_t)c->bytes);
	mt_json_kstr(&j, "file", m->clip_file);
	mt_json_khex(&j, "sha256", file_sha, MT_SHA256_LEN);
	mt_json_object_end(&j);
	mt_json_kint(&j, "clip_seq", (int64_t)m->id->clip_seq);
	mt_json_kstr(&j, "codec", in->codec);
	mt_json_kstr(&j, "device_id", m->id->device_id);
	mt_json_key(&j, "end");
	mt_manifest_write_time(&j, &in->end);
	mt_json_kstr(&j, "end_reason", in->end_reason);
	mt_json_kstr(&j, "firmware", in->firmware);
	mt_json_kstr(&j, "format", MT_MANIFEST_FORMAT);
	write_fragments(&j, c);
	mt_json_kint(&j, "frames", c->frames);
	mt_json_kint(&j, "height", in->height);
	mt_json_key(&j, "init");
	mt_json_object_begin(&j);
	mt_json_kint(&j, "bytes", (int64_t)c->init_bytes);
	mt_json_khex(&j, "sha256", c->init_sha256, MT_SHA256_LEN);
	mt_json_object_end(&j);
	mt_json_khex(&j, "key_id", m->key_id, MT_SHA256_LEN);
	mt_json_kstr(&j, "location", in->location);
	write_lost(&j, in);
	write_motion(&j, &in->motion);
	mt_json_khex(&j, "prev_manifest_sha256", m->id->prev_manifest_sha256, MT_SHA256_LEN);
	mt_json_key(&j, "start");
	mt_manifest_write_time(&j, &in->start);
	mt_json_kint(&j, "width", in->width);
	mt_json_object_end(&j);
	mt_json_raw(&j, "\n", 1);
	return mt_json_finish(&j, out, len);
}
