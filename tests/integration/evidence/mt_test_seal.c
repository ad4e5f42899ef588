/* mt-test-seal: seals existing fMP4 clips as one chain with the firmware's
 * sealer (mt_evidence_seal_clip), for the tamper test and the benchmark.
 *
 *   mt-test-seal [--key-seed N] [--checkpoint-ms MS] [--first-seq S]
 *                [--prev HEX] [--device ID] KEYDIR [CLIP...]
 *
 * With no clip it only makes the key (to send its CSR before any clip
 * exists). KEYDIR holds the evidence key (made on first use from a fake random seeded
 * with N, so "another device's key" is another seed); its public key is
 * written to KEYDIR/evidence.pub.pem. Clip i gets sequence S + i and the
 * previous clip's manifest hash; the last manifest's hash is printed. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "evidence/evidence.h"
#include "evidence/keystore.h"
#include "fake/fake_random.h"
#include "linux/posix_storage.h"

static int unhex32(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* "dir/clip-000012.mp4" -> base "dir/clip-000012", file "clip-000012.mp4" */
static void names(const char *clip, char *base, size_t cap, const char **file)
{
	const char *slash = strrchr(clip, '/'), *dot = strrchr(clip, '.');
	size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - clip) : strlen(clip);

	snprintf(base, cap, "%.*s", (int)n, clip);
	*file = slash ? slash + 1 : clip;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-seed", required_argument, NULL, 'k' },
		{ "checkpoint-ms", required_argument, NULL, 'c' },
		{ "first-seq", required_argument, NULL, 's' },
		{ "prev", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, seq = 1;
	const char *device = "EP-TEST";
	int64_t ckpt_us = 2000000;
	uint8_t prev[MT_SHA256_LEN] = { 0 };
	struct mt_posix_storage st;
	struct mt_fake_random rnd;
	struct mt_keystore ks;
	struct mt_drbg drbg;
	char pem[MT_SIGNER_PUB_PEM_MAX], path[512];
	size_t pem_len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'k')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'c')
			ckpt_us = strtoll(optarg, NULL, 0) * 1000;
		else if (opt == 's')
			seq = strtoull(optarg, NULL, 0);
		else if (opt == 'p' && unhex32(optarg, prev) == 0)
			continue;
		else if (opt == 'd')
			device = optarg;
		else
			return 2;
	}
	if (argc - optind < 1) {
		fprintf(stderr, "usage: mt-test-seal [options] KEYDIR [CLIP...]\n");
		return 2;
	}
	mt_posix_storage_init(&st);
	mt_fake_random_init(&rnd, seed);
	mt_drbg_init(&drbg);
	mt_keystore_init(&ks);
	ret = mt_drbg_seed(&drbg, &rnd.dev, "mt-test-seal");
	if (ret == 0)
		ret = mt_keystore_open(&ks, &st.dev, argv[optind], &drbg);
	if (ret == 0)
		ret = mt_signer_public_pem(mt_keystore_signer(&ks), pem, sizeof(pem), &pem_len);
	snprintf(path, sizeof(path), "%s/evidence.pub.pem", argv[optind]);
	if (ret == 0)
		ret = mt_file_replace(&st.dev, path, pem, pem_len);
	for (int i = optind + 1; ret == 0 && i < argc; i++) {
		static const struct mt_motion_box box = { 40, 60, 120, 80 };
		static const char *const zones[] = { "road" };
		const struct mt_manifest_info info = {
			.codec = "mjpeg",
			.width = 320,
			.height = 240,
			.start = { .mono_us = 1000000 * (int64_t)seq,
				   .utc_ok = 1,
				   .utc = { 1767225600000000LL + 60000000LL * (int64_t)seq,
					    MT_CLOCK_SYNCED, 20000 } },
			.end = { .mono_us = 1000000 * (int64_t)seq + 4000000,
				 .utc_ok = 1,
				 .utc = { 1767225604000000LL + 60000000LL * (int64_t)seq,
					  MT_CLOCK_SYNCED, 20000 } },
			.motion = { .peak_score = 87,
				    .boxes = &box,
				    .nboxes = 1,
				    .zones = zones,
				    .nzones = 1 },
			.firmware = MT_VERSION,
			.location = "test bench",
			.end_reason = "event_end",
		};
		char base[512];
		struct mt_seal_config cfg = {
			.st = &st.dev,
			.signer = mt_keystore_signer(&ks),
			.base = base,
			.id = { .device_id = device, .camera_id = "cam0", .clip_seq = seq },
			.checkpoint_us = ckpt_us,
		};

		names(argv[i], base, sizeof(base), &cfg.clip_file);
		memcpy(cfg.id.prev_manifest_sha256, prev, sizeof(prev));
		ret = mt_evidence_seal_clip(argv[i], &cfg, &info, prev);
		seq++;
	}
	if (ret == 0) {
		char hex[MT_SHA256_HEX_LEN + 1];

		printf("%s\n", mt_sha256_hex(prev, hex));
	} else {
		fprintf(stderr, "mt-test-seal: failed: %d\n", ret);
	}
	mt_keystore_free(&ks);
	mt_drbg_free(&drbg);
	mt_fake_random_free(&rnd);
	return ret ? 1 : 0;
}
