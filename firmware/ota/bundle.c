/* OTA bundle heads: prefix, manifest text, signature, policy; see bundle.h. */
#include "ota/bundle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "hal/storage.h"

static const char *const verdicts[] = {
	[MT_BUNDLE_OK] = "ok",
	[MT_BUNDLE_MALFORMED] = "malformed bundle",
	[MT_BUNDLE_BAD_SIGNATURE] = "bad signature",
	[MT_BUNDLE_WRONG_BOARD] = "wrong board",
	[MT_BUNDLE_NOT_NEWER] = "version not newer than installed",
	[MT_BUNDLE_BELOW_FLOOR] = "version below the anti-rollback floor",
	[MT_BUNDLE_BASE_TOO_OLD] = "installed version below the bundle's minimum",
	[MT_BUNDLE_TRUNCATED] = "payload truncated",
	[MT_BUNDLE_OVERSIZED] = "payload longer than declared",
	[MT_BUNDLE_BAD_HASH] = "payload hash mismatch",
	[MT_BUNDLE_IO] = "cannot read the bundle",
};

const char *mt_bundle_verdict_str(enum mt_bundle_verdict v)
{
	return (unsigned)v < sizeof(verdicts) / sizeof(verdicts[0]) ? verdicts[v] : "unknown";
}

void mt_bundle_key_init(struct mt_bundle_key *k)
{
	mbedtls_pk_init(&k->pk);
}

int mt_bundle_key_load(struct mt_bundle_key *k, const uint8_t *pem, size_t len)
{
	mbedtls_pk_free(&k->pk);
	mbedtls_pk_init(&k->pk);
	if (mbedtls_pk_parse_public_key(&k->pk, pem, len) ||
	    !mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECDSA))
		return MT_ECORRUPT;
	return 0;
}

void mt_bundle_key_free(struct mt_bundle_key *k)
{
	if (k)
		mbedtls_pk_free(&k->pk);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void mt_bundle_prefix_write(uint8_t out[MT_BUNDLE_PREFIX_LEN], uint32_t mlen, uint32_t slen)
{
	memcpy(out, MT_BUNDLE_MAGIC, 4);
	put32(out + 4, mlen);
	put32(out + 8, slen);
}

int mt_bundle_head_len(const uint8_t *buf, size_t len, size_t *head_len)
{
	uint32_t mlen, slen;

	if (len < MT_BUNDLE_PREFIX_LEN || memcmp(buf, MT_BUNDLE_MAGIC, 4) != 0)
		return MT_EFORMAT;
	mlen = get32(buf + 4);
	slen = get32(buf + 8);
	if (mlen == 0 || mlen > MT_BUNDLE_MANIFEST_MAX || slen == 0 || slen > MT_BUNDLE_SIG_MAX)
		return MT_EFORMAT;
	*head_len = MT_BUNDLE_PREFIX_LEN + mlen + slen;
	return 0;
}

int mt_bundle_manifest_format(const struct mt_bundle_manifest *m, char *out, size_t cap)
{
	char hex[MT_SHA256_HEX_LEN + 1];
	int n;

	n = snprintf(out, cap,
		     "format=1\nboard=%s\nversion=%s\nmin_version=%s\nsize=%" PRIu64
		     "\nsha256=%s\ncreated=%" PRId64 "\n",
		     m->board, m->version, m->min_version, m->size, mt_sha256_hex(m->sha256, hex),
		     m->created);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* The value of the line "key=..." at *p, copied to out; advances *p. */
static int line(const char **p, const char *end, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key), vlen;
	const char *nl;

	if ((size_t)(end - *p) <= klen || memcmp(*p, key, klen) != 0 || (*p)[klen] != '=')
		return MT_EFORMAT;
	*p += klen + 1;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return MT_EFORMAT;
	vlen = (size_t)(nl - *p);
	if (vlen == 0 || vlen >= cap || memchr(*p, '\0', vlen))
		return MT_EFORMAT;
	memcpy(out, *p, vlen);
	out[vlen] = '\0';
	*p = nl + 1;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return MT_EFORMAT;
	*out = strtoull(s, &end, 10);
	return *end ? MT_EFORMAT : 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return MT_EFORMAT;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return MT_EFORMAT;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return 0;
}

int mt_bundle_manifest_parse(const char *text, size_t len, struct mt_bundle_manifest *m)
{
	const char *p = text, *end = text + len;
	char fmt[4], size[24], hex[MT_SHA256_HEX_LEN + 1], created[24];
	struct mt_version v;
	uint64_t c;

	memset(m, 0, sizeof(*m));
	if (line(&p, end, "format", fmt, sizeof(fmt)) || strcmp(fmt, "1") != 0 ||
	    line(&p, end, "board", m->board, sizeof(m->board)) ||
	    line(&p, end, "version", m->version, sizeof(m->version)) ||
	    line(&p, end, "min_version", m->min_version, sizeof(m->min_version)) ||
	    line(&p, end, "size", size, sizeof(size)) ||
	    line(&p, end, "sha256", hex, sizeof(hex)) ||
	    line(&p, end, "created", created, sizeof(created)) || p != end)
		return MT_EFORMAT;
	if (mt_version_parse(m->version, &v) || mt_version_parse(m->min_version, &v) ||
	    parse_u64(size, &m->size) || parse_hex(hex, m->sha256, MT_SHA256_LEN) ||
	    parse_u64(created, &c) || c > INT64_MAX)
		return MT_EFORMAT;
	m->created = (int64_t)c;
	return 0;
}

static enum mt_bundle_verdict say(enum mt_bundle_verdict v, char *why, size_t cap,
				  const char *detail)
{
	if (cap)
		snprintf(why, cap, "%s%s%s", mt_bundle_verdict_str(v), detail ? ": " : "",
			 detail ? detail : "");
	return v;
}

enum mt_bundle_verdict mt_bundle_judge(const struct mt_bundle_manifest *m,
				       const struct mt_bundle_policy *policy, char *why, size_t cap)
{
	char d[160];
	int err = 0;

	if (!policy->board) /* a check of the bundle alone (mt-bundle verify) */
		return say(MT_BUNDLE_OK, why, cap, "signature checked, no box policy");
	if (strcmp(m->board, policy->board) != 0) {
		snprintf(d, sizeof(d), "bundle for %s, this box is %s", m->board, policy->board);
		return say(MT_BUNDLE_WRONG_BOARD, why, cap, d);
	}
	if (policy->floor && policy->floor[0] &&
	    (mt_version_cmp_str(m->version, policy->floor, &err) < 0 || err)) {
		snprintf(d, sizeof(d), "%s < floor %s", m->version, policy->floor);
		return say(err ? MT_BUNDLE_MALFORMED : MT_BUNDLE_BELOW_FLOOR, why, cap, d);
	}
	if (mt_version_cmp_str(m->version, policy->installed, &err) <= 0 || err) {
		snprintf(d, sizeof(d), "%s, installed %s", m->version, policy->installed);
		return say(err ? MT_BUNDLE_MALFORMED : MT_BUNDLE_NOT_NEWER, why, cap, d);
	}
	if (mt_version_cmp_str(policy->installed, m->min_version, &err) < 0 || err) {
		snprintf(d, sizeof(d), "installed %s, needs %s", policy->installed, m->min_version);
		return say(err ? MT_BUNDLE_MALFORMED : MT_BUNDLE_BASE_TOO_OLD, why, cap, d);
	}
	snprintf(d, sizeof(d), "%s %s for %s", m->version, "accepted", m->board);
	return say(MT_BUNDLE_OK, why, cap, d);
}

enum mt_bundle_verdict mt_bundle_head_check(const uint8_t *head, size_t head_len,
					    struct mt_bundle_key *key,
					    const struct mt_bundle_policy *policy,
					    struct mt_bundle_manifest *m, char *why, size_t cap)
{
	uint8_t digest[MT_SHA256_LEN];
	size_t need;
	uint32_t mlen;

	memset(m, 0, sizeof(*m));
	if (mt_bundle_head_len(head, head_len, &need) || need != head_len)
		return say(MT_BUNDLE_MALFORMED, why, cap, "bad prefix");
	mlen = get32(head + 4);
	if (mt_sha256(head + MT_BUNDLE_PREFIX_LEN, mlen, digest) ||
	    mbedtls_pk_verify(&key->pk, MBEDTLS_MD_SHA256, digest, sizeof(digest),
			      head + MT_BUNDLE_PREFIX_LEN + mlen,
			      head_len - MT_BUNDLE_PREFIX_LEN - mlen))
		return say(MT_BUNDLE_BAD_SIGNATURE, why, cap, "not signed by the update key");
	if (mt_bundle_manifest_parse((const char *)head + MT_BUNDLE_PREFIX_LEN, mlen, m))
		return say(MT_BUNDLE_MALFORMED, why, cap, "signed manifest does not parse");
	return mt_bundle_judge(m, policy, why, cap);
}

/* Hashes the payload (size bytes after skip) of the open file fd. */
static int hash_payload(struct mt_storage *st, int fd, size_t skip, uint64_t size,
			uint8_t out[MT_SHA256_LEN])
{
	uint8_t buf[4096];
	struct mt_sha256 h;
	uint64_t left = size;
	int ret = 0;

	mt_sha256_init(&h);
	while (skip) {
		ssize_t n = mt_storage_read(st, fd, buf, skip < sizeof(buf) ? skip : sizeof(buf));

		if (n <= 0) {
			ret = n ? (int)n : -EIO;
			goto out_free;
		}
		skip -= (size_t)n;
	}
	while (left) {
		ssize_t n = mt_storage_read(st, fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n <= 0) {
			ret = n ? (int)n : -EIO;
			goto out_free;
		}
		mt_sha256_update(&h, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	ret = mt_sha256_finish(&h, out);
out_free:
	mt_sha256_free(&h);
	return ret;
}

enum mt_bundle_verdict mt_bundle_verify_file(struct mt_storage *st, const char *path,
					     struct mt_bundle_key *key,
					     const struct mt_bundle_policy *policy,
					     struct mt_bundle_manifest *m, size_t *head_len,
					     char *why, size_t cap)
{
	uint8_t head[MT_BUNDLE_HEAD_MAX], digest[MT_SHA256_LEN];
	enum mt_bundle_verdict v;
	uint64_t fsize;
	size_t hlen, got = 0;
	int fd, ret;

	memset(m, 0, sizeof(*m));
	if (mt_storage_size(st, path, &fsize) || mt_storage_open(st, path, MT_O_READ, &fd))
		return say(MT_BUNDLE_IO, why, cap, path);
	while (got < sizeof(head)) {
		ssize_t n = mt_storage_read(st, fd, head + got, sizeof(head) - got);

		if (n < 0) {
			v = say(MT_BUNDLE_IO, why, cap, mt_strerror((int)n));
			goto out_close;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (mt_bundle_head_len(head, got, &hlen) || hlen > got) {
		v = say(MT_BUNDLE_MALFORMED, why, cap, "bad or short head");
		goto out_close;
	}
	v = mt_bundle_head_check(head, hlen, key, policy, m, why, cap);
	if (v)
		goto out_close;
	if (fsize < hlen + m->size) {
		v = say(MT_BUNDLE_TRUNCATED, why, cap, NULL);
		goto out_close;
	}
	if (fsize > hlen + m->size) {
		v = say(MT_BUNDLE_OVERSIZED, why, cap, NULL);
		goto out_close;
	}
	/* start again from the top: the hal has no seek */
	mt_storage_close(st, fd);
	if (mt_storage_open(st, path, MT_O_READ, &fd))
		return say(MT_BUNDLE_IO, why, cap, path);
	ret = hash_payload(st, fd, hlen, m->size, digest);
	if (ret)
		v = say(MT_BUNDLE_IO, why, cap, mt_strerror(ret));
	else if (memcmp(digest, m->sha256, sizeof(digest)) != 0)
		v = say(MT_BUNDLE_BAD_HASH, why, cap, NULL);
	if (head_len)
		*head_len = hlen;
out_close:
	mt_storage_close(st, fd);
	return v;
}
