/* Checkpoint records of the hash chain. */
#include "evidence/checkpoint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/json.h"

int mt_checkpoint_format(const struct mt_checkpoint *ck, char **out, size_t *len)
{
	struct mt_json j;

	mt_json_init(&j);
	mt_json_object_begin(&j);
	mt_json_kint(&j, "bytes", (int64_t)ck->bytes);
	mt_json_kstr(&j, "camera_id", ck->id->camera_id);
	mt_json_khex(&j, "chain_sha256", ck->chain, MT_SHA256_LEN);
	mt_json_kint(&j, "clip_seq", (int64_t)ck->id->clip_seq);
	mt_json_kstr(&j, "device_id", ck->id->device_id);
	mt_json_kstr(&j, "format", MT_CHECKPOINT_FORMAT);
	mt_json_kint(&j, "fragments", ck->fragments);
	mt_json_khex(&j, "key_id", ck->key_id, MT_SHA256_LEN);
	mt_json_kint(&j, "media_us", ck->media_us);
	mt_json_khex(&j, "prev_manifest_sha256", ck->id->prev_manifest_sha256, MT_SHA256_LEN);
	mt_json_kint(&j, "record", ck->record);
	mt_json_object_end(&j);
	return mt_json_finish(&j, out, len);
}

int mt_checkpoint_line(struct mt_signer *s, const struct mt_checkpoint *ck, char **out, size_t *len)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t sig[MT_SIGNER_SIG_MAX];
	size_t json_len, sig_len, n;
	char *json, *line;
	int ret;

	*out = NULL;
	*len = 0;
	ret = mt_checkpoint_format(ck, &json, &json_len);
	if (ret)
		return ret;
	ret = mt_signer_sign(s, json, json_len, sig, sizeof(sig), &sig_len);
	if (ret)
		goto out_free_json;
	n = json_len + 1 + 2 * sig_len + 1;
	line = realloc(json, n + 1);
	if (!line) {
		ret = -ENOMEM;
		goto out_free_json;
	}
	json = line;
	line[json_len] = '\t';
	for (size_t i = 0; i < sig_len; i++) {
		line[json_len + 1 + 2 * i] = digits[sig[i] >> 4];
		line[json_len + 2 + 2 * i] = digits[sig[i] & 0x0f];
	}
	line[n - 1] = '\n';
	line[n] = 0;
	*out = line;
	*len = n;
	return 0;

out_free_json:
	free(json);
	return ret;
}
