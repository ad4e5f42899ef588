/* Evidence for the recorder: key, spool, clip writer hooks. */
#include "app/sealing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/board.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/storage.h"
#include "record/clip.h"

MT_LOG_MODULE("sealing");

void mt_sealing_init(struct mt_sealing *s)
{
	memset(s, 0, sizeof(*s));
	mt_drbg_init(&s->drbg);
	mt_keystore_init(&s->keys);
	mt_spool_init(&s->spool);
}

int mt_sealing_export_key(struct mt_sealing *s, struct mt_storage *st, const char *path)
{
	char pem[MT_SIGNER_PUB_PEM_MAX];
	uint8_t *old = NULL;
	size_t len, old_len;
	int ret = mt_signer_public_pem(mt_keystore_signer(&s->keys), pem, sizeof(pem), &len);

	if (ret)
		return ret;
	/* the same key every start: rewrite nothing (flash wear) */
	if (mt_file_read_all(st, path, sizeof(pem), &old, &old_len) == 0 && old_len == len &&
	    memcmp(old, pem, len) == 0)
		ret = 0;
	else
		ret = mt_file_replace(st, path, pem, len);
	free(old);
	return ret;
}

static int fail(struct mt_sealing *s, int ret, const char *what)
{
	s->err = ret;
	snprintf(s->why, sizeof(s->why), "%s: %s", what, mt_strerror(ret));
	MT_ERR("clips will NOT be signed: %s", s->why);
	return ret;
}

int mt_sealing_open(struct mt_sealing *s, struct mt_board *b, const struct mt_config *cfg,
		    struct mt_clip_writer *w, uint32_t width, uint32_t height)
{
	const char *keys = mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS);
	struct mt_spool_config sc = {
		.st = b->storage,
		.dir = mt_config_str(cfg, MT_CONFIG_SPOOL_PATH),
		.clock = b->clock,
		.device_id = mt_config_str(cfg, MT_CONFIG_DEVICE_ID),
		.camera_id = "cam0",
		.firmware = MT_VERSION,
		.location = mt_config_str(cfg, MT_CONFIG_DEVICE_LOCATION),
		.checkpoint_us = mt_config_int(cfg, MT_CONFIG_EVIDENCE_CHECKPOINT_S) * 1000000,
		.capacity = (uint64_t)mt_config_int(cfg, MT_CONFIG_SPOOL_MIB) << 20,
		.evict_unsent = mt_config_bool(cfg, MT_CONFIG_SPOOL_EVICT_UNSENT),
	};
	char pub[MT_KEYSTORE_PATH_MAX + sizeof(MT_SEALING_PUB_FILE) + 1];
	int ret;

	if (!b->random)
		return fail(s, -ENODEV, "the board has no random source");
	ret = mt_drbg_seed(&s->drbg, b->random, sc.device_id);
	if (ret)
		return fail(s, ret, "seeding the DRBG");
	ret = mt_keystore_open(&s->keys, b->storage, keys, &s->drbg);
	if (ret)
		return fail(s, ret, keys);
	snprintf(pub, sizeof(pub), "%s/" MT_SEALING_PUB_FILE, keys);
	if (mt_sealing_export_key(s, b->storage, pub))
		MT_WRN("%s: public key not exported", pub);
	sc.signer = mt_keystore_signer(&s->keys);
	ret = mt_spool_open(&s->spool, &sc);
	if (ret)
		return fail(s, ret, sc.dir);
	/* the writer writes through the spool's counting storage */
	w->st = mt_spool_storage(&s->spool);
	mt_spool_rec_bind(&s->rec, &s->spool, w, width, height);
	s->on = 1;
	return 0;
}

void mt_sealing_free(struct mt_sealing *s)
{
	if (!s)
		return;
	mt_spool_free(&s->spool);
	mt_keystore_free(&s->keys);
	mt_drbg_free(&s->drbg);
	s->on = 0;
}
