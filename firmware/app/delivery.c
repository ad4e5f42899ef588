/* Delivery in the recorder: see delivery.h. */
#include "app/delivery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"
#include "evidence/keystore.h"
#include "hal/clock.h"
#include "hal/storage.h"
#include "net/enroll.h"

MT_LOG_MODULE("delivery");

static int delivery_main(struct mt_thread *self, void *arg)
{
	struct mt_delivery *d = arg;

	while (!mt_thread_should_stop(self)) {
		int r;

		mt_thread_beat(self);
		pthread_mutex_lock(&d->lock);
		r = mt_uploader_step(&d->up);
		pthread_mutex_unlock(&d->lock);
		atomic_store(&d->idle, r == 0);
		/* a live clip's next fragment: looked for 10 times a second */
		if (r <= 0)
			mt_clock_sleep_us(d->clock, 100000);
	}
	return 0;
}

void mt_delivery_start(struct mt_delivery *d, struct mt_board *b, const struct mt_config *cfg)
{
	struct mt_uploader_config uc;
	int ret;

	memset(d, 0, sizeof(*d));
	d->clock = b->clock;
	snprintf(d->url, sizeof(d->url), "%s", mt_config_str(cfg, MT_CONFIG_STATION_URL));
	snprintf(d->keys, sizeof(d->keys), "%s", mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS));
	snprintf(d->spool, sizeof(d->spool), "%s", mt_config_str(cfg, MT_CONFIG_SPOOL_PATH));
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
					  .kbps = (uint32_t)mt_config_int(cfg,
									  MT_CONFIG_STATION_KBPS) };
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
	pthread_mutex_init(&d->lock, NULL);
	mt_thread_init(&d->t, b->clock);
	if (mt_thread_start(&d->t, "mt-upload", delivery_main, d)) {
		snprintf(d->why, sizeof(d->why), "cannot start the uploader thread");
		pthread_mutex_destroy(&d->lock);
		mt_uploader_close(&d->up);
		mt_drbg_free(&d->drbg);
		return;
	}
	d->on = true;
	MT_INF("uploading to %s", d->url);
}

void mt_delivery_follow(struct mt_delivery *d, struct mt_spool *sp)
{
	if (!d || !d->on)
		return;
	/* waits for a step in progress: it may be using the old spool */
	pthread_mutex_lock(&d->lock);
	mt_uploader_follow(&d->up, sp);
	pthread_mutex_unlock(&d->lock);
}

void mt_delivery_finish(struct mt_delivery *d, int drain_s)
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
	pthread_mutex_destroy(&d->lock);
	mt_uploader_close(&d->up);
	mt_drbg_free(&d->drbg);
}

int mt_delivery_enroll(struct mt_board *b, struct mt_config *cfg, const char *config_path,
		       const char *url, const char *code, const char *fingerprint)
{
	struct mt_keystore ks;
	struct mt_drbg drbg;
	struct mt_config_error err;
	char id[MT_ENROLL_ID_MAX], why[200];
	const char *keys = mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS);
	int ret;

	if (!b->net) {
		fprintf(stderr, "matthan: enroll: this board has no network driver\n");
		return 1;
	}
	mt_drbg_init(&drbg);
	mt_keystore_init(&ks);
	ret = mt_drbg_seed(&drbg, b->random, "matthan-enroll");
	if (!ret) {
		mt_storage_mkdir(b->storage, keys);
		ret = mt_keystore_open(&ks, b->storage, keys, &drbg);
	}
	if (ret) {
		fprintf(stderr, "matthan: enroll: evidence key in %s: %s\n", keys,
			mt_strerror(ret));
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
			       .name = mt_config_str(cfg, MT_CONFIG_DEVICE_LOCATION) };

	ret = mt_enroll_run(&e, id, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "matthan: enroll: %s\n", why);
		goto out;
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
out:
	mt_keystore_free(&ks);
	mt_drbg_free(&drbg);
	return ret ? 1 : 0;
}
