/* Spool tests' shared world: see test_fault_spool_util.h. */
#include "test_fault_spool_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chainmode.h"
#include "core/errors.h"
#include "core/file.h"
#include "support.h"
#include "verify.h"

#define FRAME_CACHE 1800

static struct mt_frame *cache[FRAME_CACHE];

struct mt_frame *sw_frame(int n, int64_t ts_us)
{
	struct mt_frame *f;

	assert_true(n > 0 && n < FRAME_CACHE);
	if (!cache[n])
		cache[n] = mt_test_footage_frame(n); /* kept for the whole run */
	f = mt_frame_alloc(cache[n]->size);
	assert_non_null(f);
	memcpy(f->data, cache[n]->data, cache[n]->size);
	f->size = cache[n]->size;
	f->format = cache[n]->format;
	f->flags = cache[n]->flags;
	f->ts_us = ts_us;
	return f;
}

void sw_frames_free(void)
{
	for (int i = 0; i < FRAME_CACHE; i++) {
		mt_frame_put(cache[i]);
		cache[i] = NULL;
	}
}

void sw_keys_init(struct sw_keys *k)
{
	size_t len;

	mt_mem_storage_init(&k->ms);
	mt_fake_random_init(&k->rnd, 7);
	mt_drbg_init(&k->drbg);
	mt_keystore_init(&k->ks);
	assert_int_equal(mt_drbg_seed(&k->drbg, &k->rnd.dev, "spool-test"), 0);
	assert_int_equal(mt_keystore_open(&k->ks, &k->ms.dev, "keys", &k->drbg), 0);
	assert_int_equal(
		mt_signer_public_pem(mt_keystore_signer(&k->ks), k->pem, sizeof(k->pem), &len), 0);
}

void sw_keys_free(struct sw_keys *k)
{
	mt_keystore_free(&k->ks);
	mt_drbg_free(&k->drbg);
	mt_fake_random_free(&k->rnd);
	mt_mem_storage_free(&k->ms);
}

void sw_init(struct sw *s, struct sw_keys *k, uint64_t capacity, int evict_unsent)
{
	memset(s, 0, sizeof(*s));
	mt_mem_storage_init(&s->ms);
	mt_manual_clock_init(&s->clock);
	s->keys = k;
	s->capacity = capacity;
	s->evict_unsent = evict_unsent;
}

int sw_open(struct sw *s)
{
	const struct mt_spool_config cfg = {
		.st = &s->ms.dev,
		.dir = SW_DIR,
		.signer = mt_keystore_signer(&s->keys->ks),
		.clock = &s->clock.dev,
		.device_id = "EP-0042",
		.camera_id = "cam0",
		.firmware = "test",
		.location = "Chợ Ea Pốk",
		.checkpoint_us = 2000000,
		.capacity = s->capacity,
		.evict_unsent = s->evict_unsent,
	};
	int ret;

	assert_false(s->is_open);
	mt_spool_init(&s->sp);
	mt_clip_writer_init(&s->w, mt_spool_storage(&s->sp), SW_DIR);
	s->is_open = 1;
	ret = mt_spool_open(&s->sp, &cfg);
	if (ret)
		return ret;
	ret = mt_clip_writer_open(&s->w);
	if (ret)
		return ret;
	mt_spool_rec_bind(&s->bind, &s->sp, &s->w, 320, 240);
	return 0;
}

void sw_close(struct sw *s)
{
	if (!s->is_open)
		return;
	mt_clip_writer_free(&s->w);
	mt_spool_free(&s->sp);
	s->is_open = 0;
}

void sw_free(struct sw *s)
{
	sw_close(s);
	mt_mem_storage_free(&s->ms);
}

int sw_event(struct sw *s, int first, int n, int64_t at_us, uint32_t *seq, void (*after)(void *arg),
	     void *arg)
{
	int ret;

	*seq = 0;
	mt_manual_clock_set(&s->clock, at_us);
	ret = mt_clip_begin(&s->w, at_us);
	if (ret)
		return ret;
	*seq = s->w.cur.seq;
	for (int i = 0; i < n; i++) {
		int64_t ts = at_us + (int64_t)i * 100000;
		struct mt_frame *f = sw_frame(first + i, ts);

		mt_manual_clock_set(&s->clock, ts);
		ret = mt_clip_append(&s->w, f);
		mt_frame_put(f);
		if (after)
			after(arg);
		if (ret) {
			mt_clip_writer_free(&s->w); /* as the recorder does */
			return ret;
		}
	}
	ret = mt_clip_end(&s->w, &(struct mt_clip_info){ 0 });
	if (after)
		after(arg);
	return ret;
}

uint8_t *sw_read(struct sw *s, const char *path, size_t *len)
{
	uint8_t *buf;

	assert_int_equal(mt_file_read_all(&s->ms.dev, path, 64 << 20, &buf, len), 0);
	return buf;
}

struct dump {
	struct sw *s;
	const char *dir;
};

static int dump_one(void *arg, const char *name)
{
	struct dump *d = arg;
	char from[256], to[4096];
	uint8_t *buf;
	size_t len;
	FILE *fp;

	snprintf(from, sizeof(from), SW_DIR "/%s", name);
	snprintf(to, sizeof(to), "%s/%s", d->dir, name);
	buf = sw_read(d->s, from, &len);
	fp = fopen(to, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	free(buf);
	return 0;
}

void sw_dump(struct sw *s, const char *dir)
{
	struct dump d = { s, dir };
	char path[4096];
	FILE *fp;

	assert_int_equal(mt_storage_list(&s->ms.dev, SW_DIR, dump_one, &d), 0);
	snprintf(path, sizeof(path), "%s/evidence.pub.pem", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(s->keys->pem, fp);
	assert_int_equal(fclose(fp), 0);
}

size_t sw_verify_dir(const char *dir, int allow_partial, size_t *partial)
{
	struct vr_clip_list list = { 0 };
	struct vr_key key;
	char err[512], path[4096];
	size_t n;

	*partial = 0;
	snprintf(path, sizeof(path), "%s/evidence.pub.pem", dir);
	if (vr_key_load(&key, path, 0, err, sizeof(err)))
		fail_msg("%s", err);
	if (vr_list_dir(dir, &list, err, sizeof(err))) {
		vr_key_free(&key);
		if (strstr(err, "no clips"))
			return 0;
		fail_msg("%s", err);
	}
	for (size_t i = 0; i < list.n; i++)
		vr_verify_clip(&key, list.clips[i].path, &list.clips[i].r);
	vr_check_chain(&list);
	for (size_t i = 0; i < list.n; i++) {
		const struct vr_result *r = &list.clips[i].r;

		if (r->status == VR_PARTIAL && allow_partial)
			(*partial)++;
		else if (r->status != VR_OK)
			fail_msg("%s: %s %s", list.clips[i].path,
				 r->status == VR_PARTIAL ? "PARTIAL" : "FAIL", r->reason);
	}
	n = list.n;
	vr_clip_list_free(&list);
	vr_key_free(&key);
	return n;
}
