/* mt-verify: the checks of one clip (docs/evidence.md, "Verifying"). */
#include "verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mbedtls/x509_crt.h>

#include "checkpoints.h"
#include "clipfile.h"
#include "fragments.h"
#include "vutil.h"
#include "core/mbedtls_compat.h"

int vr_key_load(struct vr_key *k, const char *path, int is_cert, char *err, size_t errlen)
{
	unsigned char der[256];
	int n;

	mbedtls_pk_init(&k->pk);
	if (is_cert) {
		mbedtls_x509_crt crt;

		mbedtls_x509_crt_init(&crt);
		n = mbedtls_x509_crt_parse_file(&crt, path);
		if (n == 0)
			n = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof(der));
		mbedtls_x509_crt_free(&crt);
		if (n > 0)
			n = mbedtls_pk_parse_public_key(&k->pk, der + sizeof(der) - n, (size_t)n);
		else
			n = -1;
	} else {
		n = mbedtls_pk_parse_public_keyfile(&k->pk, path);
	}
	if (n != 0 || !mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECDSA)) {
		snprintf(err, errlen, "%s: not an EC %s", path,
			 is_cert ? "certificate" : "public key");
		return -1;
	}
	n = mbedtls_pk_write_pubkey_der(&k->pk, der, sizeof(der));
	if (n <= 0) {
		snprintf(err, errlen, "%s: cannot encode the key", path);
		return -1;
	}
	mbedtls_sha256(der + sizeof(der) - n, (size_t)n, k->key_id, 0);
	return 0;
}

void vr_key_free(struct vr_key *k)
{
	mbedtls_pk_free(&k->pk);
}

void vr_result_free(struct vr_result *r)
{
	free(r->manifest_frags);
	r->manifest_frags = NULL;
}

/* "<base>.<ext>" for clip_path "<base>.mp4". */
static void sidecar(const char *clip_path, const char *ext, char *out, size_t cap)
{
	const char *dot = strrchr(clip_path, '.'), *slash = strrchr(clip_path, '/');
	size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - clip_path) : strlen(clip_path);

	snprintf(out, cap, "%.*s.%s", (int)n, clip_path, ext);
}

#define MANIFEST_MAX (16 * 1024 * 1024)
#define SIG_MAX      1024

/* No signed manifest (a power cut before the clip was closed): what the
 * checkpoint records prove. */
static void by_checkpoints(const struct vr_key *k, const struct vf_clip *clip, int have_json,
			   const char *ckpt_path, struct vr_result *r)
{
	int ret = vr_check_checkpoints(k, ckpt_path, clip, r);

	if (ret < 0)
		return;
	if (ret == 1)
		vr_set(r, VR_FAIL, have_json ? "missing signature" : "missing manifest");
	else if (r->ckpt_ok == 0)
		vr_set(r, VR_FAIL, "no manifest, and none of %u checkpoints verifies",
		       r->ckpt_total);
	else
		vr_set(r, VR_PARTIAL, "no manifest: proven up to checkpoint %u", r->ckpt_ok);
}

/* The signed manifest's fragment hashes into r. 0 or -1 (FAIL set). */
static int manifest_fragments(const cJSON *doc, struct vr_result *r)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "fragments"), *f;
	size_t n = 0;

	if (!cJSON_IsArray(list)) {
		vr_set(r, VR_FAIL, "malformed manifest (fragments)");
		return -1;
	}
	r->n_manifest_frags = (size_t)cJSON_GetArraySize(list);
	r->manifest_frags = calloc(r->n_manifest_frags + 1, 32);
	if (!r->manifest_frags) {
		vr_set(r, VR_FAIL, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(f, list)
	{
		if (json_hex32(f, "sha256", r->manifest_frags[n++])) {
			vr_set(r, VR_FAIL, "malformed manifest (fragment %zu)", n);
			return -1;
		}
	}
	return 0;
}

/* The manifest's own chain value must follow from its fragment list. */
static int manifest_chain_ok(const cJSON *doc, const uint8_t init[32], const struct vr_result *r)
{
	unsigned char want[32], c[32], both[64];

	if (json_hex32(doc, "chain_sha256", want))
		return 0;
	memcpy(c, init, 32);
	for (size_t i = 0; i < r->n_manifest_frags; i++) {
		memcpy(both, c, 32);
		memcpy(both + 32, r->manifest_frags[i], 32);
		mbedtls_sha256(both, sizeof(both), c, 0);
	}
	return memcmp(c, want, 32) == 0;
}

/* The checks of a manifest whose signature is good. */
static void signed_manifest(const struct vr_key *k, const struct vf_clip *clip, const cJSON *doc,
			    const char *ckpt_path, struct vr_result *r)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *init = cJSON_GetObjectItemCaseSensitive(doc, "init");
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(doc, "clip");
	unsigned char id[32], init_sha[32], file_sha[32];
	uint64_t file_bytes;

	if (!cJSON_IsString(format) || strcmp(format->valuestring, "matthan-manifest-1") != 0 ||
	    json_hex32(doc, "key_id", id) || json_u64(doc, "clip_seq", &r->seq) ||
	    json_hex32(doc, "prev_manifest_sha256", r->prev) ||
	    json_hex32(init, "sha256", init_sha) || json_hex32(file, "sha256", file_sha) ||
	    json_u64(file, "bytes", &file_bytes)) {
		vr_set(r, VR_FAIL, "malformed manifest");
		return;
	}
	r->have_seq = 1;
	if (memcmp(id, k->key_id, 32) != 0) {
		vr_set(r, VR_FAIL, "wrong key (the manifest names another)");
		return;
	}
	if (manifest_fragments(doc, r))
		return;
	if (!manifest_chain_ok(doc, init_sha, r)) {
		vr_set(r, VR_FAIL, "malformed manifest (chain does not follow from its fragments)");
		return;
	}
	if (memcmp(init_sha, clip->init_sha256, 32) != 0) {
		vr_set(r, VR_FAIL,
		       clip->n == 0 && clip->truncated ? "truncated in the init segment" :
							 "altered init segment");
		return;
	}
	if (vr_compare_fragments((const uint8_t(*)[32])r->manifest_frags, r->n_manifest_frags, clip,
				 r))
		return;
	if (memcmp(file_sha, clip->sha256, 32) != 0 || file_bytes != clip->bytes) {
		vr_set(r, VR_FAIL, "altered trailer (after the last fragment)");
		return;
	}
	if (vr_check_checkpoints(k, ckpt_path, clip, r) < 0)
		return;
	vr_set(r, VR_OK, "manifest and every fragment verified");
}

static void verify_manifest(const struct vr_key *k, const struct vf_clip *clip,
			    const char *json_path, const char *sig_path, const char *ckpt_path,
			    struct vr_result *r)
{
	unsigned char *json = NULL, *sig = NULL, id[32];
	size_t json_len = 0, sig_len = 0;
	int rj = read_file(json_path, MANIFEST_MAX, &json, &json_len);
	int rs = read_file(sig_path, SIG_MAX, &sig, &sig_len);
	cJSON *doc = NULL;

	if (rj == -ENOENT || rs == -ENOENT) {
		by_checkpoints(k, clip, rj == 0, ckpt_path, r);
		goto out;
	}
	if (rj || rs) {
		vr_set(r, VR_FAIL, "cannot read %s", rj ? json_path : sig_path);
		goto out;
	}
	doc = cJSON_ParseWithLength((const char *)json, json_len);
	if (!sig_ok(k, json, json_len, sig, sig_len)) {
		/* Every manifest ends with "}\n": one that does not was cut. */
		if (doc && json_hex32(doc, "key_id", id) == 0 && memcmp(id, k->key_id, 32) != 0)
			vr_set(r, VR_FAIL, "wrong key");
		else if (json_len < 2 || memcmp(json + json_len - 2, "}\n", 2) != 0)
			vr_set(r, VR_FAIL, "truncated manifest");
		else
			vr_set(r, VR_FAIL, "bad signature");
		goto out;
	}
	mbedtls_sha256(json, json_len, r->manifest_sha256, 0);
	r->have_manifest = 1;
	if (!doc)
		vr_set(r, VR_FAIL, "malformed manifest");
	else
		signed_manifest(k, clip, doc, ckpt_path, r);
out:
	cJSON_Delete(doc);
	free(json);
	free(sig);
}

void vr_verify_clip(const struct vr_key *k, const char *clip_path, struct vr_result *r)
{
	char err[160], json_path[4096], sig_path[4096], ckpt_path[4096];
	struct vf_clip clip;

	memset(r, 0, sizeof(*r));
	if (vf_clip_read(clip_path, &clip, err, sizeof(err))) {
		vr_set(r, VR_FAIL, "%s", err);
		return;
	}
	sidecar(clip_path, "json", json_path, sizeof(json_path));
	sidecar(clip_path, "sig", sig_path, sizeof(sig_path));
	sidecar(clip_path, "ckpt", ckpt_path, sizeof(ckpt_path));
	verify_manifest(k, &clip, json_path, sig_path, ckpt_path, r);
	vf_clip_free(&clip);
}
