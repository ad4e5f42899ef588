/* Sealer: hash chain, checkpoint records, manifest and signature. */
#include "evidence/seal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/log.h"
#include "evidence/checkpoint.h"
#include "hal/storage.h"

MT_LOG_MODULE("seal");

void mt_seal_init(struct mt_seal *s)
{
	memset(s, 0, sizeof(*s));
	s->ckpt_fd = -1;
	mt_chain_init(&s->chain);
}

void mt_seal_free(struct mt_seal *s)
{
	if (!s)
		return;
	if (s->ckpt_fd >= 0)
		mt_storage_close(s->cfg.st, s->ckpt_fd);
	s->ckpt_fd = -1;
	mt_chain_free(&s->chain);
}

static int sidecar(const struct mt_seal *s, const char *ext, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s.%s", s->cfg.base, ext);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int mt_seal_open(struct mt_seal *s, const struct mt_seal_config *cfg)
{
	int ret;

	mt_seal_free(s);
	mt_seal_init(s);
	s->cfg = *cfg;
	ret = sidecar(s, "ckpt", s->ckpt_path, sizeof(s->ckpt_path));
	if (ret == 0)
		ret = mt_signer_key_id(cfg->signer, s->key_id);
	return ret;
}

int mt_seal_resume(struct mt_seal *s, uint32_t records, int64_t last_us)
{
	int ret;

	if (records == 0)
		return 0;
	ret = mt_storage_open(s->cfg.st, s->ckpt_path, MT_O_WRITE | MT_O_APPEND, &s->ckpt_fd);
	if (ret) {
		s->ckpt_fd = -1;
		return ret;
	}
	s->checkpoints = records;
	s->last_ckpt_us = last_us;
	s->have_start = 1;
	return 0;
}

int mt_seal_init_segment(struct mt_seal *s, const void *data, size_t len)
{
	return mt_chain_init_segment(&s->chain, data, len);
}

int mt_seal_fragment_update(struct mt_seal *s, const void *data, size_t len)
{
	return mt_chain_update(&s->chain, data, len);
}

/* Appends one signed record for the chain as it stands, and syncs it. The
 * first record creates the file, whose name is made durable too. */
static int checkpoint(struct mt_seal *s)
{
	const struct mt_chain *c = &s->chain;
	const struct mt_checkpoint ck = {
		.id = &s->cfg.id,
		.key_id = s->key_id,
		.record = s->checkpoints + 1,
		.fragments = (uint32_t)c->n,
		/* the init segment and these fragments: never a trailer (an
		 * mfra fed before the last record) */
		.bytes = c->frags[c->n - 1].offset + c->frags[c->n - 1].bytes,
		.media_us = c->frags[c->n - 1].end_us,
		.chain = c->head,
	};
	char dir[MT_SEAL_PATH_MAX], *line;
	size_t len;
	int ret, created = s->ckpt_fd < 0;

	ret = mt_checkpoint_line(s->cfg.signer, &ck, &line, &len);
	if (ret)
		return ret;
	if (created) {
		ret = mt_storage_open(s->cfg.st, s->ckpt_path,
				      MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC | MT_O_APPEND,
				      &s->ckpt_fd);
		if (ret)
			goto out_free_line;
	}
	ret = mt_file_write_all(s->cfg.st, s->ckpt_fd, line, len);
	if (ret == 0)
		ret = mt_storage_sync(s->cfg.st, s->ckpt_fd);
	if (ret == 0 && created) {
		ret = mt_file_dirname(s->ckpt_path, dir, sizeof(dir));
		if (ret == 0)
			ret = mt_storage_sync_dir(s->cfg.st, dir);
	}
	if (ret == 0) {
		s->checkpoints++;
		s->last_ckpt_us = ck.media_us;
	}
out_free_line:
	free(line);
	return ret;
}

int mt_seal_fragment_end(struct mt_seal *s, uint32_t frames, int64_t start_us, int64_t end_us)
{
	int ret = mt_chain_end_fragment(&s->chain, frames, start_us, end_us);

	if (ret)
		return ret;
	if (!s->have_start) {
		s->last_ckpt_us = start_us;
		s->have_start = 1;
	}
	if (s->cfg.checkpoint_us > 0 && end_us - s->last_ckpt_us >= s->cfg.checkpoint_us)
		ret = checkpoint(s);
	return ret;
}

int mt_seal_fragment(struct mt_seal *s, const void *data, size_t len, uint32_t frames,
		     int64_t start_us, int64_t end_us)
{
	int ret = mt_seal_fragment_update(s, data, len);

	return ret ? ret : mt_seal_fragment_end(s, frames, start_us, end_us);
}

int mt_seal_trailer(struct mt_seal *s, const void *data, size_t len)
{
	return mt_chain_trailer(&s->chain, data, len);
}

int mt_seal_finish(struct mt_seal *s, const struct mt_manifest_info *info,
		   uint8_t manifest_sha256[MT_SHA256_LEN])
{
	const struct mt_chain *c = &s->chain;
	struct mt_manifest m = {
		.id = &s->cfg.id,
		.key_id = s->key_id,
		.clip_file = s->cfg.clip_file,
		.chain = c,
		.checkpoint_us = s->cfg.checkpoint_us,
		.info = info,
	};
	char path[MT_SEAL_PATH_MAX], *doc = NULL;
	uint8_t sig[MT_SIGNER_SIG_MAX];
	size_t len, sig_len;
	int ret = 0;

	/* The tail of the clip since the last checkpoint gets one too, so the
	 * checkpoints alone cover the whole clip. */
	if (s->cfg.checkpoint_us > 0 && c->n > 0 && c->frags[c->n - 1].end_us > s->last_ckpt_us)
		ret = checkpoint(s);
	if (ret)
		return ret;
	if (s->ckpt_fd >= 0) { /* records are synced; a failed close still means a failing card */
		ret = mt_storage_close(s->cfg.st, s->ckpt_fd);
		s->ckpt_fd = -1;
		if (ret)
			return ret;
	}
	m.checkpoints = s->checkpoints;
	ret = mt_manifest_format(&m, &doc, &len);
	if (ret)
		return ret;
	ret = mt_signer_sign(s->cfg.signer, doc, len, sig, sizeof(sig), &sig_len);
	if (ret == 0)
		ret = sidecar(s, "json", path, sizeof(path));
	if (ret == 0)
		ret = mt_file_replace(s->cfg.st, path, doc, len);
	if (ret == 0)
		ret = sidecar(s, "sig", path, sizeof(path));
	if (ret == 0)
		ret = mt_file_replace(s->cfg.st, path, sig, sig_len);
	if (ret == 0 && manifest_sha256)
		ret = mt_sha256(doc, len, manifest_sha256);
	if (ret)
		MT_ERR("%s: manifest not written: %d", s->cfg.base, ret);
	free(doc);
	return ret;
}
