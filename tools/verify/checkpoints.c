/* mt-verify: checkpoint records (docs/evidence.md, "Checkpoint records"). */
#include "checkpoints.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbedtls_compat.h"
#include "vutil.h"

#define CKPT_MAX (64 * 1024 * 1024)

/* The chain value and byte count after the first n fragments of c. */
static void chain_after(const struct vf_clip *c, size_t n, unsigned char out[32], uint64_t *bytes)
{
	unsigned char both[64];

	memcpy(out, c->init_sha256, 32);
	*bytes = c->init_bytes;
	for (size_t i = 0; i < n; i++) {
		memcpy(both, out, 32);
		memcpy(both + 32, c->frags[i].sha256, 32);
		mbedtls_sha256(both, sizeof(both), out, 0);
		*bytes += c->frags[i].bytes;
	}
}

/* One record: 0 proven, 1 not provable (bytes missing), -1 FAIL set. */
static int check_record(const struct vr_key *k, const struct vf_clip *c, char *line, unsigned no,
			uint64_t *prev_frags, struct vr_result *r)
{
	char *tab = strchr(line, '\t');
	unsigned char sig[80], id[32], chain[32], want[32];
	uint64_t frags, bytes, seq, want_bytes, recno;
	size_t sig_digits;
	cJSON *doc;
	int ret = -1;

	if (!tab) {
		vr_set(r, VR_FAIL, "bad signature (checkpoint %u)", no);
		return -1;
	}
	*tab = 0;
	sig_digits = strlen(tab + 1);
	doc = cJSON_Parse(line);
	if (sig_digits > 2 * sizeof(sig) || unhex(tab + 1, sig_digits, sig) ||
	    !sig_ok(k, line, (size_t)(tab - line), sig, sig_digits / 2)) {
		if (doc && json_hex32(doc, "key_id", id) == 0 && memcmp(id, k->key_id, 32) != 0)
			vr_set(r, VR_FAIL, "wrong key (checkpoint %u)", no);
		else
			vr_set(r, VR_FAIL, "bad signature (checkpoint %u)", no);
		goto out;
	}
	if (!doc || json_u64(doc, "fragments", &frags) || json_u64(doc, "bytes", &bytes) ||
	    json_u64(doc, "clip_seq", &seq) || json_u64(doc, "record", &recno) ||
	    json_hex32(doc, "chain_sha256", chain) || json_hex32(doc, "prev_manifest_sha256", id)) {
		vr_set(r, VR_FAIL, "malformed checkpoint %u", no);
		goto out;
	}
	if (r->have_seq && (seq != r->seq || memcmp(id, r->prev, 32) != 0)) {
		vr_set(r, VR_FAIL, "checkpoint %u belongs to another clip (sequence %llu)", no,
		       (unsigned long long)seq);
		goto out;
	}
	if (!r->have_seq) {
		r->have_seq = 1;
		r->seq = seq;
		memcpy(r->prev, id, 32);
	}
	if (recno != no || frags <= *prev_frags) {
		vr_set(r, VR_FAIL, "checkpoint records out of order at %u", no);
		goto out;
	}
	if (frags > c->n || (frags == c->n && c->truncated)) {
		ret = 1; /* its bytes are not (all) in the file */
		goto out;
	}
	chain_after(c, (size_t)frags, want, &want_bytes);
	if (memcmp(want, chain, 32) != 0 || want_bytes != bytes) {
		if (frags == *prev_frags + 1)
			vr_set(r, VR_FAIL, "altered fragment %llu", (unsigned long long)frags);
		else
			vr_set(r, VR_FAIL, "altered fragment in %llu-%llu",
			       (unsigned long long)*prev_frags + 1, (unsigned long long)frags);
		goto out;
	}
	*prev_frags = frags;
	ret = 0;
out:
	cJSON_Delete(doc);
	return ret;
}

int vr_check_checkpoints(const struct vr_key *k, const char *ckpt_path, const struct vf_clip *c,
			 struct vr_result *r)
{
	unsigned char *text;
	size_t len;
	char *line, *nl;
	uint64_t prev_frags = 0;
	int ret = read_file(ckpt_path, CKPT_MAX, &text, &len), provable = 1;

	if (ret == -ENOENT)
		return 1;
	if (ret) {
		vr_set(r, VR_FAIL, "cannot read %s", ckpt_path);
		return -1;
	}
	/* A line without its newline was cut by a power loss: not a record. */
	for (line = (char *)text; (nl = memchr(line, '\n', len - (size_t)(line - (char *)text)));
	     line = nl + 1) {
		*nl = 0;
		r->ckpt_total++;
		if (!provable)
			continue;
		ret = check_record(k, c, line, r->ckpt_total, &prev_frags, r);
		if (ret < 0)
			break;
		if (ret == 0)
			r->ckpt_ok++;
		else
			provable = 0;
	}
	free(text);
	return ret < 0 ? -1 : 0;
}
