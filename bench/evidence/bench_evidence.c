/* bench_evidence: what sealing costs per second of recording. Given a
 * fragmented MP4 clip (bench/evidence/run.sh makes a 1080p MJPEG one), it
 * times, in process CPU time:
 *   - hash:  the hash chain alone (each fragment's SHA-256, the chain step,
 *            the whole file's SHA-256), as the clip writer would feed it;
 *   - seal:  the live sealer end to end (hashing, a signed checkpoint every
 *            checkpoint seconds, the manifest and its signature, the
 *            sidecar files on an in-memory storage);
 *   - sign:  one ECDSA P-256 signature of a digest.
 * and prints them as key=value lines for run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/version.h>

#include "evidence/bmff.h"
#include "evidence/keystore.h"
#include "evidence/seal.h"
#include "fake/fake_random.h"
#include "fake/mem_storage.h"

struct frag {
	size_t off, len;
	uint32_t frames;
	int64_t start_us, end_us;
};

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Fragments of the clip (a moof up to the next moof or mfra). */
static size_t split(const uint8_t *d, size_t len, struct frag *out, size_t max, size_t *init)
{
	struct mt_bmff_track t = { 0 };
	size_t off = 0, n = 0;

	*init = 0;
	while (off + 8 <= len) {
		struct mt_bmff_box b;
		struct mt_bmff_fragment fr;

		if (mt_bmff_box_header(d + off, len - off, &b) || b.size > len - off)
			break;
		if (b.type == MT_BMFF_TYPE('m', 'o', 'o', 'v'))
			mt_bmff_moov_info(d + off, (size_t)b.size, &t);
		if (b.type == MT_BMFF_TYPE('m', 'o', 'o', 'f') && n < max &&
		    mt_bmff_moof_info(d + off, (size_t)b.size, &t, &fr) == 0) {
			if (n == 0)
				*init = off;
			out[n++] = (struct frag){
				.off = off,
				.frames = fr.samples,
				.start_us = mt_bmff_ticks_to_us(fr.decode_time, t.timescale),
				.end_us = mt_bmff_ticks_to_us(fr.decode_time + fr.duration,
							      t.timescale),
			};
		}
		if (b.type == MT_BMFF_TYPE('m', 'f', 'r', 'a'))
			break;
		off += (size_t)b.size;
		if (n > 0)
			out[n - 1].len = off - out[n - 1].off;
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct frag frags[100000];
	struct mt_mem_storage ms;
	struct mt_fake_random rnd;
	struct mt_drbg drbg;
	struct mt_keystore ks;
	const struct mt_manifest_info info = { .codec = "mjpeg",
					       .width = 1920,
					       .height = 1080,
					       .firmware = "bench",
					       .location = "",
					       .end_reason = "event_end" };
	size_t len, init, n;
	int reps = argc > 3 ? atoi(argv[3]) : 5, ckpts = 0;
	int64_t ckpt_us = (argc > 2 ? atoll(argv[2]) : 2) * 1000000LL;
	uint8_t *clip = argc > 1 ? slurp(argv[1], &len) : NULL, digest[MT_SHA256_LEN] = { 1 };
	uint8_t sig[MT_SIGNER_SIG_MAX];
	double t0, hash_s, seal_s, sign_s, media_s;
	size_t sig_len;

	if (!clip) {
		fprintf(stderr, "usage: bench_evidence CLIP.mp4 [CHECKPOINT_S] [REPEATS]\n");
		return 2;
	}
	n = split(clip, len, frags, sizeof(frags) / sizeof(frags[0]), &init);
	if (n == 0)
		return 1;
	media_s = (double)frags[n - 1].end_us / 1e6;
	mt_mem_storage_init(&ms);
	mt_fake_random_init(&rnd, 1);
	mt_drbg_init(&drbg);
	mt_keystore_init(&ks);
	if (mt_drbg_seed(&drbg, &rnd.dev, NULL) || mt_keystore_open(&ks, &ms.dev, "keys", &drbg))
		return 1;

	hash_s = seal_s = 1e9; /* best of reps: the least disturbed run */
	for (int r = 0; r < reps; r++) {
		struct mt_chain c;

		t0 = cpu_s();

		mt_chain_init(&c);
		mt_chain_init_segment(&c, clip, init);
		for (size_t i = 0; i < n; i++)
			mt_chain_add_fragment(&c, clip + frags[i].off, frags[i].len,
					      frags[i].frames, frags[i].start_us, frags[i].end_us);
		mt_chain_file_sha256(&c, digest);
		mt_chain_free(&c);
		hash_s = cpu_s() - t0 < hash_s ? cpu_s() - t0 : hash_s;
	}

	for (int r = 0; r < reps; r++) {
		struct mt_seal_config cfg = {
			.st = &ms.dev,
			.signer = mt_keystore_signer(&ks),
			.base = "clip-000001",
			.clip_file = "clip-000001.mp4",
			.id = { .device_id = "bench", .camera_id = "cam0", .clip_seq = 1 },
			.checkpoint_us = ckpt_us
		};
		struct mt_seal s;
		int ret;

		t0 = cpu_s();
		mt_seal_init(&s);
		ret = mt_seal_open(&s, &cfg);
		ret = ret ? ret : mt_seal_init_segment(&s, clip, init);
		for (size_t i = 0; ret == 0 && i < n; i++)
			ret = mt_seal_fragment(&s, clip + frags[i].off, frags[i].len,
					       frags[i].frames, frags[i].start_us, frags[i].end_us);
		ret = ret ? ret : mt_seal_finish(&s, &info, NULL);
		ckpts = (int)s.checkpoints;
		mt_seal_free(&s);
		if (ret)
			return 1;
		seal_s = cpu_s() - t0 < seal_s ? cpu_s() - t0 : seal_s;
	}

	t0 = cpu_s();
	for (int r = 0; r < 200; r++)
		mt_signer_sign_digest(mt_keystore_signer(&ks), digest, sig, sizeof(sig), &sig_len);
	sign_s = (cpu_s() - t0) / 200;

	printf("mbedtls=%s\n", MBEDTLS_VERSION_STRING);
	printf("bytes=%zu\nfragments=%zu\nmedia_s=%.3f\ncheckpoints=%d\n", len, n, media_s, ckpts);
	printf("hash_cpu_s=%.6f\nseal_cpu_s=%.6f\nsign_cpu_us=%.1f\n", hash_s, seal_s,
	       sign_s * 1e6);
	mt_keystore_free(&ks);
	mt_drbg_free(&drbg);
	mt_fake_random_free(&rnd);
	mt_mem_storage_free(&ms);
	free(clip);
	return 0;
}
