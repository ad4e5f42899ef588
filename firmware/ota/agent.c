/* The OTA agent's check, install, commit and rollback; the download is in
 * download.c. See agent.h. */
#include "ota/agent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/slot.h"
#include "hal/storage.h"
#include "net/jsonget.h"
#include "ota/slots.h"

#define TAG "ota"

void mt_ota_init(struct mt_ota *o, const struct mt_ota_config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->cfg = *cfg;
}

int mt_ota_path(const struct mt_ota *o, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", o->cfg.root, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int mt_ota_floor(struct mt_ota *o, char out[MT_VERSION_MAX])
{
	char path[MT_OTA_ROOT_MAX + 16];
	struct mt_version v;
	uint8_t *buf;
	size_t len;
	int ret;

	out[0] = '\0';
	ret = mt_ota_path(o, "floor", path, sizeof(path));
	if (!ret)
		ret = mt_file_read_all(o->cfg.st, path, MT_VERSION_MAX - 1, &buf, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	snprintf(out, MT_VERSION_MAX, "%s", (char *)buf);
	free(buf);
	return mt_version_parse(out, &v) ? MT_ECORRUPT : 0;
}

static bool safe_name(const char *s)
{
	if (!s[0] || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

int mt_ota_check(struct mt_ota *o, struct mt_ota_offer *offer)
{
	char doc[2048], board[MT_BUNDLE_BOARD_MAX], floor[MT_VERSION_MAX];
	uint64_t total = 0;
	size_t got = 0;
	int64_t size;
	int ret, err;

	memset(offer, 0, sizeof(*offer));
	ret = o->cfg.fetch->get(o->cfg.fetch->ctx, "latest.json", 0, sizeof(doc) - 1,
				(uint8_t *)doc, &got, &total);
	if (ret)
		return ret;
	if (total != got)
		return MT_EFORMAT;
	doc[got] = '\0';
	if (mt_json_get_str(doc, got, "board", board, sizeof(board)) ||
	    mt_json_get_str(doc, got, "version", offer->version, sizeof(offer->version)) ||
	    mt_json_get_str(doc, got, "file", offer->file, sizeof(offer->file)) ||
	    mt_json_get_int(doc, got, "size", &size) || size <= 0 || !safe_name(offer->file))
		return MT_EFORMAT;
	offer->size = (uint64_t)size;
	ret = mt_ota_floor(o, floor);
	if (ret)
		return ret;
	if (strcmp(board, o->cfg.board) != 0)
		return 0;
	if (mt_version_cmp_str(offer->version, o->cfg.version, &err) <= 0 || err)
		return err ? MT_EFORMAT : 0;
	if (floor[0] && mt_version_cmp_str(offer->version, floor, &err) < 0)
		return 0;
	mt_log_write(MT_LOG_INF, TAG, "offered %s (%s, %" PRIu64 " bytes), running %s",
		     offer->version, offer->file, offer->size, o->cfg.version);
	return 1;
}

/* Copies size bytes from offset skip of src into dst (created), hashing. */
static int copy_payload(struct mt_storage *st, const char *src, size_t skip, uint64_t size,
			const char *dst, uint8_t digest[MT_SHA256_LEN])
{
	uint8_t buf[4096];
	struct mt_sha256 h;
	uint64_t pos = 0;
	int in, out, ret;

	ret = mt_storage_open(st, src, MT_O_READ, &in);
	if (ret)
		return ret;
	ret = mt_storage_open(st, dst, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &out);
	if (ret)
		goto out_close_in;
	mt_sha256_init(&h);
	while (!ret && pos < skip + size) {
		ssize_t n = mt_storage_read(st, in, buf, sizeof(buf));

		if (n <= 0) {
			ret = n ? (int)n : -EIO;
			break;
		}
		size_t from = pos >= skip                      ? 0 :
			      (size_t)(skip - pos) < (size_t)n ? skip - pos :
								 (size_t)n;

		pos += (uint64_t)n;
		mt_sha256_update(&h, buf + from, (size_t)n - from);
		ret = mt_file_write_all(st, out, buf + from, (size_t)n - from);
	}
	if (!ret)
		ret = mt_storage_sync(st, out);
	if (!ret)
		ret = mt_sha256_finish(&h, digest);
	mt_sha256_free(&h);
	mt_storage_close(st, out);
out_close_in:
	mt_storage_close(st, in);
	return ret;
}

static int refuse(struct mt_ota *o, enum mt_bundle_verdict v)
{
	char part[MT_OTA_ROOT_MAX + 32];

	o->verdict = v;
	mt_log_write(MT_LOG_WRN, TAG, "install refused: %s", o->why);
	if (!mt_ota_path(o, "download.part", part, sizeof(part)))
		mt_storage_remove(o->cfg.st, part);
	if (!mt_ota_path(o, "download.journal", part, sizeof(part)))
		mt_storage_remove(o->cfg.st, part);
	mt_storage_sync_dir(o->cfg.st, o->cfg.root);
	return MT_ECORRUPT;
}

/* Writes the verified payload and its version into slot folder dir. */
static int fill_slot(struct mt_ota *o, const char *part, size_t head_len,
		     const struct mt_bundle_manifest *m, const char *dir)
{
	char tmp[MT_OTA_ROOT_MAX + 32], bin[MT_OTA_ROOT_MAX + 32], ver[MT_OTA_ROOT_MAX + 32];
	uint8_t digest[MT_SHA256_LEN];
	struct mt_storage *st = o->cfg.st;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s/matthan.new", dir);
	snprintf(bin, sizeof(bin), "%s/matthan", dir);
	snprintf(ver, sizeof(ver), "%s/version", dir);
	ret = copy_payload(st, part, head_len, m->size, tmp, digest);
	if (!ret && memcmp(digest, m->sha256, sizeof(digest)) != 0)
		ret = MT_ECORRUPT;
	if (!ret)
		ret = mt_storage_rename(st, tmp, bin);
	if (!ret)
		ret = mt_file_replace(st, ver, m->version, strlen(m->version));
	if (!ret)
		ret = mt_storage_sync_dir(st, dir);
	/* read back what flash holds, not what we meant to write */
	if (!ret)
		ret = mt_sha256_file(st, bin, digest);
	if (!ret && memcmp(digest, m->sha256, sizeof(digest)) != 0)
		ret = MT_ECORRUPT;
	return ret;
}

int mt_ota_install(struct mt_ota *o)
{
	char part[MT_OTA_ROOT_MAX + 32], floor[MT_VERSION_MAX], dir[MT_OTA_ROOT_MAX + 8];
	struct mt_bundle_manifest m;
	struct mt_slot_state s;
	enum mt_bundle_verdict v;
	size_t head_len = 0;
	char target;
	int ret;

	ret = mt_ota_path(o, "download.part", part, sizeof(part));
	if (!ret)
		ret = mt_ota_floor(o, floor);
	if (!ret)
		ret = mt_slot_load(o->cfg.slot, &s);
	if (ret)
		return ret;
	if (s.trial == o->cfg.running) {
		snprintf(o->why, sizeof(o->why), "slot %c is on trial: commit or roll back first",
			 o->cfg.running);
		return -EBUSY;
	}
	struct mt_bundle_policy p = { o->cfg.board, o->cfg.version, floor };

	v = mt_bundle_verify_file(o->cfg.st, part, o->cfg.key, &p, &m, &head_len, o->why,
				  sizeof(o->why));
	if (v == MT_BUNDLE_IO) /* no download, or flash failing: keep what is there */
		return -ENOENT;
	if (v)
		return refuse(o, v);
	target = mt_slots_other(o->cfg.running);
	ret = mt_slot_dir(o->cfg.slot, target, dir, sizeof(dir));
	if (ret)
		return ret;
	/* never leave a slot on trial while its files are being replaced */
	if (s.trial == target) {
		s.trial = 0;
		s.tries = 0;
		ret = mt_slot_store(o->cfg.slot, &s);
		if (ret)
			return ret;
	}
	ret = fill_slot(o, part, head_len, &m, dir);
	if (ret) {
		snprintf(o->why, sizeof(o->why), "writing slot %c: %s", target, mt_strerror(ret));
		return ret;
	}
	mt_slots_arm(&s, target, o->cfg.tries ? o->cfg.tries : MT_SLOTS_TRIES_DEFAULT);
	ret = mt_slot_store(o->cfg.slot, &s);
	if (ret)
		return ret;
	mt_log_write(MT_LOG_INF, TAG, "installed %s into slot %c, on trial for %u boots", m.version,
		     target, (unsigned)s.tries);
	mt_storage_remove(o->cfg.st, part);
	if (!mt_ota_path(o, "download.journal", part, sizeof(part)))
		mt_storage_remove(o->cfg.st, part);
	mt_storage_sync_dir(o->cfg.st, o->cfg.root);
	return 0;
}

int mt_ota_commit(struct mt_ota *o)
{
	char floor[MT_VERSION_MAX], path[MT_OTA_ROOT_MAX + 16];
	struct mt_slot_state s;
	int ret, err;

	ret = mt_slot_load(o->cfg.slot, &s);
	if (ret)
		return ret;
	if (s.trial == o->cfg.running) {
		mt_slots_commit(&s, o->cfg.running);
		ret = mt_slot_store(o->cfg.slot, &s);
		if (ret)
			return ret;
		mt_log_write(MT_LOG_INF, TAG, "committed slot %c (%s)", o->cfg.running,
			     o->cfg.version);
	} else if (s.active != o->cfg.running) {
		return -EINVAL; /* a fallback run: nothing to commit */
	}
	/* the floor after the state: a cut in between is mended by the next commit */
	ret = mt_ota_floor(o, floor);
	if (ret)
		return ret;
	if (floor[0] && mt_version_cmp_str(floor, o->cfg.version, &err) >= 0 && !err)
		return 0;
	ret = mt_ota_path(o, "floor", path, sizeof(path));
	return ret ? ret : mt_file_replace(o->cfg.st, path, o->cfg.version, strlen(o->cfg.version));
}

int mt_ota_health_failed(struct mt_ota *o, const char *why)
{
	struct mt_slot_state s;
	int ret = mt_slot_load(o->cfg.slot, &s);

	if (ret)
		return ret;
	if (s.trial != o->cfg.running)
		return -EINVAL;
	snprintf(s.note, sizeof(s.note), "%s %s", o->cfg.version, why);
	mt_log_write(MT_LOG_WRN, TAG, "slot %c (%s) failed its health check: %s, %u tries left",
		     o->cfg.running, o->cfg.version, why, (unsigned)s.tries);
	return mt_slot_store(o->cfg.slot, &s);
}

int mt_ota_rollback(struct mt_ota *o, const char *why)
{
	struct mt_slot_state s;
	int ret = mt_slot_load(o->cfg.slot, &s);

	if (ret)
		return ret;
	if (!s.trial)
		return -ENOENT;
	mt_slots_abandon(&s, why);
	return mt_slot_store(o->cfg.slot, &s);
}

int mt_ota_take_note(struct mt_ota *o, char *out, size_t cap)
{
	struct mt_slot_state s;
	int ret = mt_slot_load(o->cfg.slot, &s);

	if (ret)
		return ret;
	if (!s.note[0] || s.trial)
		return 0;
	snprintf(out, cap, "%s", s.note);
	s.note[0] = '\0';
	ret = mt_slot_store(o->cfg.slot, &s);
	return ret ? ret : 1;
}
