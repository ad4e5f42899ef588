/* Delivery in the recorder: see delivery.h. */
#include "app/delivery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console/console.h"
#include "core/errors.h"
#include "core/log.h"
#include "evidence/keystore.h"
#include "hal/clock.h"
#include "hal/storage.h"
#include "net/diag.h"
#include "net/enroll.h"

MT_LOG_MODULE("delivery");

/* After each step: what the console's status shows. */
static void publish(struct mt_delivery *d)
{
	pthread_mutex_lock(&d->lock);
	d->snap = d->up.stats;
	d->connected = mt_tls_connected(d->up.tls);
	d->retry_at_us = d->up.next_try_us;
	d->backing_off = d->up.next_try_us > mt_clock_mono_us(d->clock);
	d->sending = d->up.active;
	d->sending_seq = d->up.seq;
	pthread_mutex_unlock(&d->lock);
}

static int delivery_main(struct mt_thread *self, void *arg)
{
	struct mt_delivery *d = arg;

	while (!mt_thread_should_stop(self)) {
		int r;

		mt_thread_beat(self);
		pthread_mutex_lock(&d->step);
		if (atomic_exchange(&d->now, 0))
			mt_uploader_retry_now(&d->up);
		r = mt_uploader_step(&d->up);
		pthread_mutex_unlock(&d->step);
		atomic_store(&d->idle, r == 0);
		publish(d);
		/* a live clip's next fragment: looked for 10 times a second */
		if (r <= 0)
			mt_clock_sleep_us(d->clock, 100000);
	}
	return 0;
}

/* Starts the uploader on d->url; d->ctl held. */
static void start_locked(struct mt_delivery *d)
{
	struct mt_board *b = d->b;
	struct mt_uploader_config uc;
	int ret;

	d->why[0] = '\0';
	if (!d->url[0]) {
		snprintf(d->why, sizeof(d->why), "no station (station.url is empty)");
		return;
	}
	if (!b->net) {
		snprintf(d->why, sizeof(d->why), "this board has no network driver");
		return;
	}
	mt_drbg_init(&d->drbg);
	ret = mt_drbg_seed(&d->drbg, b->random, "matthan-delivery");
	uc = (struct mt_uploader_config){ .st = b->storage,
					  .net = b->net,
					  .drbg = &d->drbg,
					  .clock = b->clock,
					  .spool_dir = d->spool,
					  .keys_dir = d->keys,
					  .url = d->url,
					  .kbps = d->kbps };
	if (!ret)
		ret = mt_uploader_open(&d->up, &uc);
	if (ret) {
		snprintf(d->why, sizeof(d->why), "%s",
			 ret == -ENOENT ?
				 "not enrolled (run: matthan enroll URL CODE FINGERPRINT)" :
			 ret == -EINVAL ? "station.url is not https://host[:port]" :
					  mt_strerror(ret));
		mt_drbg_free(&d->drbg);
		MT_WRN("uploads off: %s", d->why);
		return;
	}
	if (d->follow) /* the thread is not running yet */
		mt_uploader_follow(&d->up, d->follow);
	mt_thread_init(&d->t, b->clock);
	if (mt_thread_start(&d->t, "mt-upload", delivery_main, d)) {
		snprintf(d->why, sizeof(d->why), "cannot start the uploader thread");
		mt_uploader_close(&d->up);
		mt_drbg_free(&d->drbg);
		return;
	}
	d->on = true;
	MT_INF("uploading to %s", d->url);
}

void mt_delivery_start(struct mt_delivery *d, struct mt_board *b, const struct mt_config *cfg)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->ctl, NULL);
	pthread_mutex_init(&d->step, NULL);
	pthread_mutex_init(&d->lock, NULL);
	d->clock = b->clock;
	d->b = b;
	d->kbps = (uint32_t)mt_config_int(cfg, MT_CONFIG_STATION_KBPS);
	snprintf(d->url, sizeof(d->url), "%s", mt_config_str(cfg, MT_CONFIG_STATION_URL));
	snprintf(d->keys, sizeof(d->keys), "%s", mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS));
	snprintf(d->spool, sizeof(d->spool), "%s", mt_config_str(cfg, MT_CONFIG_SPOOL_PATH));
	pthread_mutex_lock(&d->ctl);
	start_locked(d);
	pthread_mutex_unlock(&d->ctl);
}

void mt_delivery_follow(struct mt_delivery *d, struct mt_spool *sp)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->ctl);
	d->follow = sp;
	if (d->on) {
		/* waits for a step in progress: it may be using the old spool */
		pthread_mutex_lock(&d->step);
		mt_uploader_follow(&d->up, sp);
		pthread_mutex_unlock(&d->step);
	}
	pthread_mutex_unlock(&d->ctl);
}

/* d->ctl held. */
static void stop_locked(struct mt_delivery *d, int drain_s)
{
	int64_t until;

	if (!d->on)
		return;
	until = mt_clock_mono_us(d->clock) + (int64_t)drain_s * 1000000;
	atomic_store(&d->idle, 0);
	while (!atomic_load(&d->idle) && mt_clock_mono_us(d->clock) < until)
		mt_clock_sleep_us(d->clock, 100000);
	mt_thread_stop(&d->t);
	mt_thread_join(&d->t);
	mt_uploader_close(&d->up);
	mt_drbg_free(&d->drbg);
	d->on = false;
}

void mt_delivery_finish(struct mt_delivery *d, int drain_s)
{
	pthread_mutex_lock(&d->ctl);
	stop_locked(d, drain_s);
	d->finished = true;
	pthread_mutex_unlock(&d->ctl);
}

int mt_delivery_status(struct mt_delivery *d, struct mt_console_delivery *out)
{
	int64_t now = mt_clock_mono_us(d->clock);

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->ctl);
	out->on = d->on;
	snprintf(out->why, sizeof(out->why), "%s", d->why);
	snprintf(out->url, sizeof(out->url), "%.127s", d->url);
	pthread_mutex_unlock(&d->ctl);
	pthread_mutex_lock(&d->lock);
	out->connected = d->connected;
	out->backing_off = d->backing_off && d->retry_at_us > now;
	out->retry_in_us = out->backing_off ? d->retry_at_us - now : 0;
	out->sending = d->sending;
	out->sending_seq = d->sending_seq;
	out->delivered = d->snap.delivered;
	out->bytes = d->snap.bytes;
	out->failures = d->snap.failures;
	out->last_seq = d->snap.last_seq;
	out->last_age_us = d->snap.last_us ? now - d->snap.last_us : -1;
	snprintf(out->last_why, sizeof(out->last_why), "%s", d->snap.last_why);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int mt_delivery_upload_now(struct mt_delivery *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&d->ctl);
	if (d->on) {
		atomic_store(&d->now, 1);
		ret = 0;
	}
	pthread_mutex_unlock(&d->ctl);
	return ret;
}

int mt_delivery_test(struct mt_delivery *d, void (*say)(void *, const char *, const char *),
		     void *ctx)
{
	struct mt_drbg drbg;
	char url[256], keys[256];
	int ret;

	if (!d->b->net) {
		say(ctx, "station", "FAIL: this board has no network driver");
		return -ENODEV;
	}
	pthread_mutex_lock(&d->ctl);
	snprintf(url, sizeof(url), "%s", d->url);
	snprintf(keys, sizeof(keys), "%s", d->keys);
	pthread_mutex_unlock(&d->ctl);
	mt_drbg_init(&drbg);
	ret = mt_drbg_seed(&drbg, d->b->random, "matthan-station-test");
	if (!ret) {
		struct mt_diag_config dc = { .net = d->b->net,
					     .drbg = &drbg,
					     .st = d->b->storage,
					     .keys_dir = keys,
					     .url = url };

		ret = mt_station_diag(&dc, say, ctx);
	} else {
		say(ctx, "station", "FAIL: no randomness for TLS");
	}
	mt_drbg_free(&drbg);
	return ret;
}

/* Enrollment into keys: 0 and id, or an error and why. */
static int enroll_keys(struct mt_board *b, const char *keys, const char *name, const char *url,
		       const char *code, const char *fingerprint, char id[MT_ENROLL_ID_MAX],
		       char *why, size_t why_len)
{
	struct mt_keystore ks;
	struct mt_drbg drbg;
	int ret;

	if (!b->net) {
		snprintf(why, why_len, "this board has no network driver");
		return -ENODEV;
	}
	mt_drbg_init(&drbg);
	mt_keystore_init(&ks);
	ret = mt_drbg_seed(&drbg, b->random, "matthan-enroll");
	if (!ret) {
		mt_storage_mkdir(b->storage, keys);
		ret = mt_keystore_open(&ks, b->storage, keys, &drbg);
	}
	if (ret) {
		snprintf(why, why_len, "evidence key in %s: %s", keys, mt_strerror(ret));
		goto out;
	}
	struct mt_enroll e = { .net = b->net,
			       .drbg = &drbg,
			       .st = b->storage,
			       .keys_dir = keys,
			       .evidence = &ks,
			       .url = url,
			       .code = code,
			       .fingerprint = fingerprint,
			       .name = name };

	ret = mt_enroll_run(&e, id, why, why_len);
out:
	mt_keystore_free(&ks);
	mt_drbg_free(&drbg);
	return ret;
}

int mt_delivery_console_enroll(struct mt_delivery *d, const char *url, const char *code,
			       const char *fingerprint, const char *name, char *id, size_t id_len,
			       char *why, size_t why_len)
{
	char got[MT_ENROLL_ID_MAX];
	int ret;

	/* the uploader must not read the keys while they are replaced */
	pthread_mutex_lock(&d->ctl);
	if (d->finished) {
		snprintf(why, why_len, "the recorder is stopping");
		ret = -ESHUTDOWN;
		goto out;
	}
	stop_locked(d, 0);
	ret = enroll_keys(d->b, d->keys, name, url, code, fingerprint, got, why, why_len);
	if (!ret) {
		snprintf(id, id_len, "%s", got);
		snprintf(d->url, sizeof(d->url), "%s", url);
	}
	start_locked(d); /* on the new enrollment, or again on the old one */
out:
	pthread_mutex_unlock(&d->ctl);
	return ret;
}

int mt_delivery_enroll(struct mt_board *b, struct mt_config *cfg, const char *config_path,
		       const char *url, const char *code, const char *fingerprint)
{
	struct mt_config_error err;
	char id[MT_ENROLL_ID_MAX], why[200];
	int ret;

	ret = enroll_keys(b, mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS),
			  mt_config_str(cfg, MT_CONFIG_DEVICE_LOCATION), url, code, fingerprint, id,
			  why, sizeof(why));
	if (ret) {
		fprintf(stderr, "matthan: enroll: %s\n", why);
		return 1;
	}
	ret = mt_config_set(cfg, "station.url", url, &err);
	if (!ret)
		ret = mt_config_set(cfg, "device.id", id, &err);
	if (!ret)
		ret = mt_config_save(cfg, b->storage, config_path);
	if (ret)
		fprintf(stderr, "matthan: enroll: enrolled as %s, but %s could not be saved: %s\n",
			id, config_path, mt_strerror(ret));
	else
		printf("enrolled as %s with %s; saved in %s\n", id, url, config_path);
	return ret ? 1 : 0;
}
