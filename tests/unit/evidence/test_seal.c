/* Sealing: ISO BMFF parsing of a clip built here from real footage frames;
 * the live sealer's checkpoints (one per checkpoint_us of media, each line
 * signed and holding the chain value of the fragments before it); the same
 * manifest from sealing the finished file; a power cut at every storage call
 * of sealing leaves only whole, valid checkpoint lines and never a manifest
 * without its signature reported as done. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/file.h"
#include "core/mbedtls_compat.h"
#include "evidence/bmff.h"
#include "evidence/evidence.h"
#include "evidence/keystore.h"
#include "fake/fake_random.h"
#include "fake/mem_storage.h"
#include "support.h"

#define FRAGS     6
#define PER_FRAG  3 /* frames per fragment: 0.2 s at 15 fps */
#define TIMESCALE 15360
#define TICKS     1024   /* one frame at 15 fps */
#define CKPT_US   400000 /* a checkpoint every 0.4 s of media: 2 fragments */

/* ---- a small fMP4 writer for the test (not the product's muxer) ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	put(b, x, 4);
}

static void u64(struct buf *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}

/* Opens a box: returns where its size goes, patched by end(). */
static size_t begin(struct buf *b, const char *type)
{
	size_t at = b->len;

	u32(b, 0);
	put(b, type, 4);
	return at;
}

static void end(struct buf *b, size_t at)
{
	uint32_t n = (uint32_t)(b->len - at);
	uint8_t x[4] = { n >> 24, n >> 16, n >> 8, n };

	memcpy(b->p + at, x, 4);
}

static void init_segment(struct buf *b)
{
	size_t moov, trak, mdia, mdhd, mvex, trex, ftyp = begin(b, "ftyp");

	put(b, "isom\0\0\2\0isomiso6", 16);
	end(b, ftyp);
	moov = begin(b, "moov");
	trak = begin(b, "trak");
	mdia = begin(b, "mdia");
	mdhd = begin(b, "mdhd");
	u32(b, 0); /* version 0 */
	u32(b, 0);
	u32(b, 0);
	u32(b, TIMESCALE);
	u32(b, 0);
	u32(b, 0);
	end(b, mdhd);
	end(b, mdia);
	end(b, trak);
	mvex = begin(b, "mvex");
	trex = begin(b, "trex");
	u32(b, 0);
	u32(b, 1);
	u32(b, 1);
	u32(b, TICKS);
	u32(b, 0);
	u32(b, 0);
	end(b, trex);
	end(b, mvex);
	end(b, moov);
}

/* Fragment i: PER_FRAG real JPEG frames. With per_sample, trun carries
 * each sample's duration; otherwise trex's default applies. */
static void fragment(struct buf *b, int i, int per_sample)
{
	size_t moof = begin(b, "moof"), mfhd, traf, tfhd, tfdt, trun, mdat;
	struct mt_frame *fr[PER_FRAG];

	mfhd = begin(b, "mfhd");
	u32(b, 0);
	u32(b, (uint32_t)i + 1);
	end(b, mfhd);
	traf = begin(b, "traf");
	tfhd = begin(b, "tfhd");
	u32(b, 0x020000);
	u32(b, 1);
	end(b, tfhd);
	tfdt = begin(b, "tfdt");
	u32(b, 0x01000000);
	u64(b, (uint64_t)i * PER_FRAG * TICKS);
	end(b, tfdt);
	trun = begin(b, "trun");
	u32(b, per_sample ? 0x000301 : 0x000201);
	u32(b, PER_FRAG);
	u32(b, 0); /* data offset: not read by the sealer */
	for (int k = 0; k < PER_FRAG; k++) {
		fr[k] = mt_test_footage_frame(470 + i * PER_FRAG + k);
		if (per_sample)
			u32(b, TICKS);
		u32(b, (uint32_t)fr[k]->size);
	}
	end(b, trun);
	end(b, traf);
	end(b, moof);
	mdat = begin(b, "mdat");
	for (int k = 0; k < PER_FRAG; k++) {
		put(b, fr[k]->data, fr[k]->size);
		mt_frame_put(fr[k]);
	}
	end(b, mdat);
}

/* The whole test clip; offsets[i] is where fragment i starts, offsets[FRAGS]
 * the end. */
static struct buf make_clip(size_t offsets[FRAGS + 1], int per_sample)
{
	struct buf b = { 0 };

	init_segment(&b);
	for (int i = 0; i < FRAGS; i++) {
		offsets[i] = b.len;
		fragment(&b, i, per_sample);
	}
	offsets[FRAGS] = b.len;
	return b;
}

/* ---- fixture: a key in memory storage ---- */

struct fixture {
	struct mt_mem_storage ms;
	struct mt_fake_random rnd;
	struct mt_drbg drbg;
	struct mt_keystore ks;
	mbedtls_pk_context pub;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t der[MT_SIGNER_PUB_DER_MAX];
	size_t len;

	mt_mem_storage_init(&f->ms);
	mt_fake_random_init(&f->rnd, 11);
	mt_drbg_init(&f->drbg);
	mt_keystore_init(&f->ks);
	assert_int_equal(mt_drbg_seed(&f->drbg, &f->rnd.dev, NULL), 0);
	assert_int_equal(mt_keystore_open(&f->ks, &f->ms.dev, "keys", &f->drbg), 0);
	assert_int_equal(mt_signer_public_der(mt_keystore_signer(&f->ks), der, sizeof(der), &len),
			 0);
	mbedtls_pk_init(&f->pub);
	assert_int_equal(mbedtls_pk_parse_public_key(&f->pub, der, len), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mbedtls_pk_free(&f->pub);
	mt_keystore_free(&f->ks);
	mt_drbg_free(&f->drbg);
	mt_fake_random_free(&f->rnd);
	mt_mem_storage_free(&f->ms);
	free(f);
	return 0;
}

static const struct mt_manifest_info info = {
	.codec = "mjpeg",
	.width = 320,
	.height = 240,
	.start = { .mono_us = 1 },
	.end = { .mono_us = 2 },
	.firmware = "test",
	.location = "",
	.end_reason = "event_end",
};

static struct mt_seal_config config(struct fixture *f, const char *base)
{
	return (struct mt_seal_config){
		.st = &f->ms.dev,
		.signer = mt_keystore_signer(&f->ks),
		.base = base,
		.clip_file = "clip-000001.mp4",
		.id = { .device_id = "EP-1", .camera_id = "cam0", .clip_seq = 1 },
		.checkpoint_us = CKPT_US,
	};
}

static int sig_ok(struct fixture *f, const void *data, size_t len, const uint8_t *sig,
		  size_t sig_len)
{
	uint8_t d[MT_SHA256_LEN];

	assert_int_equal(mt_sha256(data, len, d), 0);
	return mbedtls_pk_verify(&f->pub, MBEDTLS_MD_SHA256, d, sizeof(d), sig, sig_len) == 0;
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Checks every line of a .ckpt text (len bytes): the JSON is signed, names
 * fragment counts 2, 4, 6..., and holds the chain value of that prefix of
 * clip. Returns the number of lines. */
static int check_records(struct fixture *f, const char *text, size_t len, const struct buf *clip,
			 const size_t offsets[FRAGS + 1])
{
	const char *line = text, *nl;
	int n = 0;

	while ((nl = memchr(line, '\n', len - (size_t)(line - text)))) {
		const char *tab = memchr(line, '\t', (size_t)(nl - line));
		uint8_t sig[MT_SIGNER_SIG_MAX], chain[MT_SHA256_LEN], step[64];
		size_t sig_len = (size_t)(nl - tab - 1) / 2;
		char want[64];
		const char *p;
		unsigned frags;

		assert_non_null(tab);
		assert_int_equal(unhex(tab + 1, sig_len, sig), 0);
		assert_true(sig_ok(f, line, (size_t)(tab - line), sig, sig_len));
		n++;
		p = strstr(line, "\"fragments\":");
		assert_true(p && p < tab);
		assert_int_equal(sscanf(p, "\"fragments\":%u", &frags), 1);
		assert_int_equal(frags, 2 * n);
		snprintf(want, sizeof(want), "\"record\":%d}", n);
		assert_memory_equal(tab - strlen(want), want, strlen(want));
		snprintf(want, sizeof(want), "\"bytes\":%zu,", offsets[frags]);
		assert_memory_equal(line + 1, want, strlen(want));
		/* the chain from first principles */
		assert_int_equal(mt_sha256(clip->p, offsets[0], chain), 0);
		for (unsigned i = 0; i < frags; i++) {
			memcpy(step, chain, 32);
			assert_int_equal(mt_sha256(clip->p + offsets[i],
						   offsets[i + 1] - offsets[i], step + 32),
					 0);
			assert_int_equal(mt_sha256(step, 64, chain), 0);
		}
		{
			char hex[MT_SHA256_HEX_LEN + 1], key[100];

			snprintf(key, sizeof(key), "\"chain_sha256\":\"%s\"",
				 mt_sha256_hex(chain, hex));
			p = strstr(line, key);
			assert_true(p && p < tab);
		}
		line = nl + 1;
	}
	return n;
}

static void test_bmff_parsing(void **state)
{
	size_t off[FRAGS + 1];

	for (int per_sample = 0; per_sample < 2; per_sample++) {
		struct buf b = make_clip(off, per_sample);
		struct mt_bmff_track t;
		struct mt_bmff_fragment fr;
		struct mt_bmff_box box;

		assert_int_equal(mt_bmff_box_header(b.p, b.len, &box), 0);
		assert_int_equal(box.type, MT_BMFF_TYPE('f', 't', 'y', 'p'));
		assert_int_equal(mt_bmff_moov_info(b.p + box.size, off[0] - box.size, &t), 0);
		assert_int_equal(t.timescale, TIMESCALE);
		assert_int_equal(t.default_duration, TICKS);
		for (int i = 0; i < FRAGS; i++) {
			assert_int_equal(mt_bmff_box_header(b.p + off[i], 8, &box), 0);
			assert_int_equal(mt_bmff_moof_info(b.p + off[i], (size_t)box.size, &t, &fr),
					 0);
			assert_int_equal(fr.sequence, i + 1);
			assert_int_equal(fr.samples, PER_FRAG);
			assert_int_equal(fr.decode_time, (uint64_t)i * PER_FRAG * TICKS);
			assert_int_equal(fr.duration, PER_FRAG * TICKS);
			/* cut short, it is no box */
			assert_int_equal(mt_bmff_moof_info(b.p + off[i], (size_t)box.size - 1, &t,
							   &fr),
					 MT_EFORMAT);
		}
		assert_int_equal(mt_bmff_box_header(b.p, 7, &box), -EAGAIN);
		assert_int_equal(mt_bmff_box_header((const uint8_t *)"\0\0\0\4abcd", 8, &box),
				 MT_EFORMAT);
		assert_int_equal(mt_bmff_ticks_to_us(TIMESCALE * 3ULL + TIMESCALE / 2, TIMESCALE),
				 3500000);
		free(b.p);
	}
}

static void test_live_seal_checkpoints_and_manifest(void **state)
{
	struct fixture *f = *state;
	size_t off[FRAGS + 1], len, sig_len;
	struct buf clip = make_clip(off, 0);
	struct mt_seal_config cfg = config(f, "clip-000001");
	uint8_t mhash[MT_SHA256_LEN], want[MT_SHA256_LEN], *doc, *sig, *text;
	struct mt_seal s;

	mt_seal_init(&s);
	assert_int_equal(mt_seal_open(&s, &cfg), 0);
	assert_int_equal(mt_seal_init_segment(&s, clip.p, off[0]), 0);
	for (int i = 0; i < FRAGS; i++) {
		/* in two pieces, as a muxer writes moof then mdat */
		size_t half = (off[i + 1] - off[i]) / 2;

		assert_int_equal(mt_seal_fragment_update(&s, clip.p + off[i], half), 0);
		assert_int_equal(mt_seal_fragment_update(&s, clip.p + off[i] + half,
							 off[i + 1] - off[i] - half),
				 0);
		assert_int_equal(
			mt_seal_fragment_end(&s, PER_FRAG, i * 200000LL, (i + 1) * 200000LL), 0);
		/* a checkpoint each 0.4 s: after fragments 2, 4 and 6, at once */
		assert_int_equal(s.checkpoints, (unsigned)(i + 1) / 2);
	}
	assert_int_equal(mt_seal_finish(&s, &info, mhash), 0);
	assert_int_equal(s.checkpoints, 3); /* no tail left for a last one */
	mt_seal_free(&s);
	mt_seal_free(&s);
	mt_seal_free(NULL);

	assert_int_equal(mt_file_read_all(&f->ms.dev, "clip-000001.ckpt", 1 << 20, &text, &len), 0);
	assert_int_equal(check_records(f, (char *)text, len, &clip, off), 3);
	free(text);
	assert_int_equal(mt_file_read_all(&f->ms.dev, "clip-000001.json", 1 << 20, &doc, &len), 0);
	assert_int_equal(mt_file_read_all(&f->ms.dev, "clip-000001.sig", 1024, &sig, &sig_len), 0);
	assert_true(sig_ok(f, doc, len, sig, sig_len));
	assert_int_equal(mt_sha256(doc, len, want), 0);
	assert_memory_equal(mhash, want, MT_SHA256_LEN);
	assert_non_null(
		strstr((char *)doc, "\"checkpoints\":{\"count\":3,\"interval_us\":400000}"));
	assert_non_null(strstr((char *)doc, "\"frames\":18,"));
	free(doc);
	free(sig);
	free(clip.p);
}

/* mt_evidence_seal_clip() over the finished file gives the very manifest
 * the live sealer gave (times from the moofs, frames from the truns), and
 * the same checkpoint lines but for their signatures. */
static void test_seal_file_matches_live(void **state)
{
	struct fixture *f = *state;
	size_t off[FRAGS + 1], len1, len2;
	struct buf clip = make_clip(off, 1);
	struct mt_seal_config live_cfg = config(f, "live"), file_cfg = config(f, "file");
	uint8_t h1[MT_SHA256_LEN], h2[MT_SHA256_LEN], *m1, *m2;
	struct mt_seal s;

	mt_seal_init(&s);
	assert_int_equal(mt_seal_open(&s, &live_cfg), 0);
	assert_int_equal(mt_seal_init_segment(&s, clip.p, off[0]), 0);
	for (int i = 0; i < FRAGS; i++)
		assert_int_equal(mt_seal_fragment(&s, clip.p + off[i], off[i + 1] - off[i],
						  PER_FRAG, i * 200000LL, (i + 1) * 200000LL),
				 0);
	assert_int_equal(mt_seal_finish(&s, &info, h1), 0);
	mt_seal_free(&s);

	assert_int_equal(mt_file_replace(&f->ms.dev, "clip.mp4", clip.p, clip.len), 0);
	assert_int_equal(mt_evidence_seal_clip("clip.mp4", &file_cfg, &info, h2), 0);
	assert_memory_equal(h1, h2, MT_SHA256_LEN);
	assert_int_equal(mt_file_read_all(&f->ms.dev, "live.json", 1 << 20, &m1, &len1), 0);
	assert_int_equal(mt_file_read_all(&f->ms.dev, "file.json", 1 << 20, &m2, &len2), 0);
	assert_int_equal(len1, len2);
	assert_memory_equal(m1, m2, len1);
	free(m1);
	free(m2);
	assert_int_equal(mt_file_read_all(&f->ms.dev, "file.ckpt", 1 << 20, &m2, &len2), 0);
	assert_int_equal(check_records(f, (char *)m2, len2, &clip, off), 3);
	free(m2);

	/* a clip cut short, or with no fragment, is not sealed */
	assert_int_equal(mt_file_replace(&f->ms.dev, "cut.mp4", clip.p, off[3] + 10), 0);
	assert_int_equal(mt_evidence_seal_clip("cut.mp4", &file_cfg, &info, NULL), MT_EFORMAT);
	assert_int_equal(mt_file_replace(&f->ms.dev, "init.mp4", clip.p, off[0]), 0);
	assert_int_equal(mt_evidence_seal_clip("init.mp4", &file_cfg, &info, NULL), MT_EFORMAT);
	assert_int_equal(mt_evidence_seal_clip("none.mp4", &file_cfg, &info, NULL), -ENOENT);
	free(clip.p);
}

/* One run of the live sealer; returns the first error. */
static int seal_run(struct fixture *f, const struct buf *clip, const size_t off[FRAGS + 1],
		    int *finished)
{
	struct mt_seal_config cfg = config(f, "clip-000001");
	struct mt_seal s;
	int ret;

	*finished = 0;
	mt_seal_init(&s);
	ret = mt_seal_open(&s, &cfg);
	if (ret == 0)
		ret = mt_seal_init_segment(&s, clip->p, off[0]);
	for (int i = 0; ret == 0 && i < FRAGS; i++)
		ret = mt_seal_fragment(&s, clip->p + off[i], off[i + 1] - off[i], PER_FRAG,
				       i * 200000LL, (i + 1) * 200000LL);
	if (ret == 0)
		ret = mt_seal_finish(&s, &info, NULL);
	*finished = ret == 0;
	mt_seal_free(&s);
	return ret;
}

static void test_power_cut_at_every_call(void **state)
{
	struct fixture *f = *state;
	size_t off[FRAGS + 1];
	struct buf clip = make_clip(off, 0);
	uint64_t before, calls;
	int finished, cuts = 0;

	before = mt_mem_storage_calls(&f->ms);
	assert_int_equal(seal_run(f, &clip, off, &finished), 0);
	calls = mt_mem_storage_calls(&f->ms) - before;
	for (uint64_t n = 1; n <= calls + 1; n++) {
		const uint8_t *text, *doc, *sig;
		size_t len, doc_len, sig_len;
		int ret, lines = 0;

		mt_storage_remove(&f->ms.dev, "clip-000001.ckpt");
		mt_storage_remove(&f->ms.dev, "clip-000001.json");
		mt_storage_remove(&f->ms.dev, "clip-000001.sig");
		mt_storage_sync_dir(&f->ms.dev, ".");
		mt_mem_storage_crash_at(&f->ms, n);
		ret = seal_run(f, &clip, off, &finished);
		assert_true(n > calls ? ret == 0 : ret != 0);
		mt_mem_storage_power_cut(&f->ms);
		/* what survived: whole checkpoint lines, each valid */
		if (mt_mem_storage_durable(&f->ms, "clip-000001.ckpt", &text, &len) == 0) {
			char *copy = malloc(len + 1);

			memcpy(copy, text, len);
			copy[len] = 0;
			lines = check_records(f, copy, len, &clip, off);
			free(copy);
		}
		/* a sealer that said it finished left a signed manifest */
		if (finished) {
			assert_int_equal(lines, 3);
			assert_int_equal(mt_mem_storage_durable(&f->ms, "clip-000001.json", &doc,
								&doc_len),
					 0);
			assert_int_equal(mt_mem_storage_durable(&f->ms, "clip-000001.sig", &sig,
								&sig_len),
					 0);
			assert_true(sig_ok(f, doc, doc_len, sig, sig_len));
		}
		cuts++;
	}
	print_message("seal: %d power-cut points\n", cuts);
	assert_true(cuts > 10);
	free(clip.p);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bmff_parsing),
		T(test_live_seal_checkpoints_and_manifest),
		T(test_seal_file_matches_live),
		T(test_power_cut_at_every_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
