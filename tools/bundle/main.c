/* mt-bundle: builds, signs, checks and publishes OTA bundles (docs/ota.md).
 *
 *   mt-bundle create --key KEY --board B --version V --min-version M PAYLOAD OUT
 *   mt-bundle verify --pubkey PUB [--board B --installed V [--floor F]] BUNDLE
 *   mt-bundle publish --data DIR BUNDLE
 *
 * create signs with the station's update key (DIR/keys/update.key); verify
 * is the firmware's own check (ota/bundle.h), the same code the box runs;
 * publish copies a bundle into mt-station's static OTA tree and replaces
 * DIR/ota/<board>/latest.json, so `mt-station serve` offers it. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "core/errors.h"
#include "core/file.h"
#include "evidence/drbg.h"
#include "linux/linux_random.h"
#include "linux/posix_storage.h"
#include "ota/bundle.h"

static struct mt_posix_storage st;

static int usage_error(const char *msg)
{
	fprintf(stderr, "mt-bundle: %s (see --help)\n", msg);
	return 2;
}

static void usage(void)
{
	printf("usage: mt-bundle create --key KEY --board B --version V --min-version M "
	       "PAYLOAD OUT\n"
	       "       mt-bundle verify --pubkey PUB [--board B --installed V [--floor F]] "
	       "BUNDLE\n"
	       "       mt-bundle publish --data DIR BUNDLE\n"
	       "Builds an OTA bundle (signed manifest + payload), checks one as a box would,\n"
	       "or publishes one in mt-station's OTA tree (DIR/ota/<board>/). See docs/ota.md.\n");
}

struct opts {
	const char *key, *pubkey, *board, *version, *min_version, *installed, *floor, *data;
};

static int sign(const char *keyfile, const char *text, size_t len, uint8_t *sig, size_t *slen)
{
	struct mt_linux_random rnd;
	struct mt_drbg drbg;
	mbedtls_pk_context pk;
	uint8_t digest[MT_SHA256_LEN], *pem = NULL;
	size_t pem_len = 0;
	int ret = 1;

	mt_linux_random_init(&rnd);
	mt_drbg_init(&drbg);
	mbedtls_pk_init(&pk);
	if (mt_drbg_seed(&drbg, &rnd.dev, "mt-bundle"))
		goto out;
	if (mt_file_read_all(&st.dev, keyfile, 16384, &pem, &pem_len) ||
	    mbedtls_pk_parse_key(&pk, pem, pem_len + 1, NULL, 0, mt_drbg_random, &drbg) ||
	    !mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA)) {
		fprintf(stderr, "mt-bundle: %s is not an ECDSA private key (PEM)\n", keyfile);
		goto out;
	}
	if (mt_sha256(text, len, digest) ||
	    mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, digest, sizeof(digest), sig,
			    MBEDTLS_PK_SIGNATURE_MAX_SIZE, slen, mt_drbg_random, &drbg) ||
	    *slen > MT_BUNDLE_SIG_MAX) {
		fprintf(stderr, "mt-bundle: signing failed\n");
		goto out;
	}
	ret = 0;
out:
	if (pem)
		mbedtls_platform_zeroize(pem, pem_len);
	free(pem);
	mbedtls_pk_free(&pk);
	mt_drbg_free(&drbg);
	return ret;
}

static int create(const struct opts *o, const char *payload, const char *out)
{
	uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE], prefix[MT_BUNDLE_PREFIX_LEN], buf[65536];
	struct mt_bundle_manifest m = { 0 };
	struct mt_version v;
	char text[MT_BUNDLE_MANIFEST_MAX + 1];
	size_t slen = 0;
	FILE *in, *f;
	int n, ret = 1;

	if (!o->key || !o->board || !o->version || !o->min_version)
		return usage_error("create needs --key, --board, --version and --min-version");
	if (mt_version_parse(o->version, &v) || mt_version_parse(o->min_version, &v))
		return usage_error("versions are dotted integers, like 1.4.2");
	if (strlen(o->board) >= sizeof(m.board))
		return usage_error("board name too long");
	snprintf(m.board, sizeof(m.board), "%s", o->board);
	snprintf(m.version, sizeof(m.version), "%s", o->version);
	snprintf(m.min_version, sizeof(m.min_version), "%s", o->min_version);
	m.created = (int64_t)time(NULL);
	if (mt_sha256_file(&st.dev, payload, m.sha256) ||
	    mt_storage_size(&st.dev, payload, &m.size)) {
		fprintf(stderr, "mt-bundle: cannot read %s\n", payload);
		return 1;
	}
	n = mt_bundle_manifest_format(&m, text, sizeof(text));
	if (n < 0 || sign(o->key, text, (size_t)n, sig, &slen))
		return 1;
	mt_bundle_prefix_write(prefix, (uint32_t)n, (uint32_t)slen);
	in = fopen(payload, "rb");
	f = fopen(out, "wb");
	if (!in || !f) {
		fprintf(stderr, "mt-bundle: cannot open %s\n", in ? out : payload);
		goto out_close;
	}
	if (fwrite(prefix, 1, sizeof(prefix), f) != sizeof(prefix) ||
	    fwrite(text, 1, (size_t)n, f) != (size_t)n || fwrite(sig, 1, slen, f) != slen)
		goto out_close;
	for (size_t k; (k = fread(buf, 1, sizeof(buf), in)) > 0;)
		if (fwrite(buf, 1, k, f) != k)
			goto out_close;
	ret = ferror(in) ? 1 : 0;
out_close:
	if (in)
		fclose(in);
	if (f && fclose(f))
		ret = 1;
	if (ret)
		fprintf(stderr, "mt-bundle: writing %s failed\n", out);
	else
		printf("%s: %s %s for %s, payload %" PRIu64 " bytes\n", out, "bundle", m.version,
		       m.board, m.size);
	return ret;
}

static int verify(const struct opts *o, const char *path)
{
	struct mt_bundle_key key;
	struct mt_bundle_manifest m;
	enum mt_bundle_verdict v;
	char why[240];
	uint8_t *pem;
	size_t len;

	if (!o->pubkey)
		return usage_error("verify needs --pubkey");
	if (mt_file_read_all(&st.dev, o->pubkey, 8192, &pem, &len)) {
		fprintf(stderr, "mt-bundle: cannot read %s\n", o->pubkey);
		return 1;
	}
	mt_bundle_key_init(&key);
	if (mt_bundle_key_load(&key, pem, len + 1)) {
		free(pem);
		fprintf(stderr, "mt-bundle: %s is not an ECDSA public key (PEM)\n", o->pubkey);
		return 1;
	}
	free(pem);
	if (!o->board != !o->installed) {
		mt_bundle_key_free(&key);
		return usage_error("give --board and --installed together, or neither");
	}
	/* without a box's view (no --board), only the signature, sizes and hash */
	struct mt_bundle_policy p = { o->board, o->installed, o->floor };
	v = mt_bundle_verify_file(&st.dev, path, &key, &p, &m, NULL, why, sizeof(why));
	mt_bundle_key_free(&key);
	if (v) {
		fprintf(stderr, "mt-bundle: %s: REFUSED: %s\n", path, why);
		return 1;
	}
	printf("%s: OK: board=%s version=%s min_version=%s size=%" PRIu64 "\n", path, m.board,
	       m.version, m.min_version, m.size);
	return 0;
}

/* Reads the (unverified) manifest: publish trusts its caller's bundle. */
static int peek(const char *path, struct mt_bundle_manifest *m)
{
	uint8_t head[MT_BUNDLE_HEAD_MAX];
	size_t n, hlen;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -ENOENT;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (mt_bundle_head_len(head, n, &hlen) || hlen > n)
		return MT_EFORMAT;
	return mt_bundle_manifest_parse((const char *)head + MT_BUNDLE_PREFIX_LEN,
					((size_t)head[4] << 24 | (size_t)head[5] << 16 |
					 (size_t)head[6] << 8 | head[7]),
					m);
}

static int publish(const struct opts *o, const char *path)
{
	char dir[4096], dst[4300], latest[4300], name[128], json[512];
	struct mt_bundle_manifest m;
	uint8_t *data;
	uint64_t size;
	size_t len;
	int n;

	if (!o->data)
		return usage_error("publish needs --data");
	if (peek(path, &m)) {
		fprintf(stderr, "mt-bundle: %s is not a bundle\n", path);
		return 1;
	}
	for (const char *c = m.board; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *c))
			return usage_error("board name has characters a URL path cannot carry");
	snprintf(dir, sizeof(dir), "%s/ota", o->data);
	mt_storage_mkdir(&st.dev, dir);
	snprintf(dir, sizeof(dir), "%s/ota/%s", o->data, m.board);
	mt_storage_mkdir(&st.dev, dir);
	snprintf(name, sizeof(name), "%s-%s.mtb", m.board, m.version);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	snprintf(latest, sizeof(latest), "%s/latest.json", dir);
	if (mt_file_read_all(&st.dev, path, 1u << 30, &data, &len)) {
		fprintf(stderr, "mt-bundle: cannot read %s\n", path);
		return 1;
	}
	size = len;
	/* the bundle first, then latest.json pointing at it: never a dangling offer */
	if (mt_file_replace(&st.dev, dst, data, len)) {
		free(data);
		fprintf(stderr, "mt-bundle: cannot write %s\n", dst);
		return 1;
	}
	free(data);
	n = snprintf(json, sizeof(json),
		     "{\"board\":\"%s\",\"version\":\"%s\",\"file\":\"%s\",\"size\":%" PRIu64 "}\n",
		     m.board, m.version, name, size);
	if (mt_file_replace(&st.dev, latest, json, (size_t)n)) {
		fprintf(stderr, "mt-bundle: cannot write %s\n", latest);
		return 1;
	}
	printf("published %s as %s\n", m.version, dst);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "board", required_argument, NULL, 'b' },
		{ "version", required_argument, NULL, 'v' },
		{ "min-version", required_argument, NULL, 'm' },
		{ "installed", required_argument, NULL, 'i' },
		{ "floor", required_argument, NULL, 'f' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argc > 1 ? argv[1] : "";
	struct opts o = { 0 };
	int c;

	mt_posix_storage_init(&st);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage();
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("mt-bundle %s\n", MT_VERSION);
		return 0;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key = optarg;
			break;
		case 'p':
			o.pubkey = optarg;
			break;
		case 'b':
			o.board = optarg;
			break;
		case 'v':
			o.version = optarg;
			break;
		case 'm':
			o.min_version = optarg;
			break;
		case 'i':
			o.installed = optarg;
			break;
		case 'f':
			o.floor = optarg;
			break;
		case 'd':
			o.data = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return usage_error("unknown option");
		}
	}
	if (strcmp(cmd, "create") == 0 && argc - optind == 2)
		return create(&o, argv[optind], argv[optind + 1]);
	if (strcmp(cmd, "verify") == 0 && argc - optind == 1)
		return verify(&o, argv[optind]);
	if (strcmp(cmd, "publish") == 0 && argc - optind == 1)
		return publish(&o, argv[optind]);
	return usage_error("give a command: create, verify or publish, with its files");
}
