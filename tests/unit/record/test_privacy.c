/* Privacy masks: polygons rounded outward to whole blocks; raw YUYV/NV12
 * frames blacked in exactly the masked blocks; JPEGs of real footage
 * (CDnet 320x240, and 1080p made from it by ffmpeg) masked in the DCT
 * domain: the masked MCUs decode black, every other block keeps exactly the
 * coefficients of the original, and ffmpeg decodes a clip of masked frames
 * cleanly, black inside the mask and pixel-identical to the original's
 * decode outside it. Bad JPEGs are refused and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/errors.h"
#include "media.h"
#include "record/privacy.h"
#include "support.h"

static char *tmp;

/* A quadrilateral that is not aligned to anything. */
static const char quad[] = "0.1,0.1 0.42,0.16 0.36,0.47 0.05,0.4";

static void test_map_outward(void **state)
{
	struct mt_privacy p;
	const uint8_t *map;
	char err[64];

	(void)state;
	mt_privacy_init(&p);
	assert_false(mt_privacy_active(&p));
	assert_int_equal(mt_privacy_set(&p, "", NULL, 0), 0);
	assert_false(mt_privacy_active(&p));
	/* x 80..160 px, y 60..120 px of 320x240, 16x16 blocks: columns 5..9
	 * (the edge at x = 160 is a block boundary: column 10 stays clear),
	 * rows 3..7 (60 and 120 fall inside rows 3 and 7). */
	assert_int_equal(mt_privacy_set(&p, "0.25,0.25 0.5,0.25 0.5,0.5 0.25,0.5", err, 64), 0);
	assert_true(mt_privacy_active(&p));
	map = mt_privacy_map(&p, 320, 240, 16, 16);
	assert_non_null(map);
	assert_int_equal(p.cols, 20);
	assert_int_equal(p.rows, 15);
	for (unsigned r = 0; r < 15; r++)
		for (unsigned c = 0; c < 20; c++)
			assert_int_equal(map[r * 20 + c], r >= 3 && r <= 7 && c >= 5 && c <= 9);
	assert_int_equal(p.nmasked, 25);
	/* A sliver inside one block masks that block. */
	assert_int_equal(mt_privacy_set(&p, "0.51,0.51 0.512,0.51 0.51,0.512", NULL, 0), 0);
	map = mt_privacy_map(&p, 320, 240, 16, 16);
	assert_int_equal(p.nmasked, 1);
	assert_int_equal(map[(int)(0.51 * 240 / 16) * 20 + (int)(0.51 * 320 / 16)], 1);
	/* 1080 rows: the last block row is partial; a mask at the bottom edge
	 * takes it. */
	assert_int_equal(mt_privacy_set(&p, "0,0.99 1,0.99 1,1 0,1", NULL, 0), 0);
	map = mt_privacy_map(&p, 1920, 1080, 16, 16);
	assert_int_equal(p.rows, 68);
	assert_int_equal(p.nmasked, 120 * 2); /* rows 66 (1056..1071) and 67 */
	/* Bad text: refused, the mask stays. */
	assert_int_equal(mt_privacy_set(&p, "0,0 1,1", err, sizeof(err)), MT_ECONFIG);
	assert_true(strlen(err) > 0);
	assert_true(mt_privacy_active(&p));
	mt_privacy_free(&p);
	mt_privacy_free(&p);
}

static void check_raw(enum mt_pixfmt fmt)
{
	const int w = 320, h = 240;
	uint8_t *raw = media_footage_raw(tmp, fmt, w, h, 2);
	struct mt_frame *f = media_raw_frame(raw, fmt, w, h, 1, 0);
	const uint8_t *orig = raw + f->size, *map;
	struct mt_privacy p;
	size_t changed = 0;

	mt_privacy_init(&p);
	assert_int_equal(mt_privacy_set(&p, quad, NULL, 0), 0);
	assert_int_equal(mt_privacy_mask_raw(&p, f, 16), 0);
	map = mt_privacy_map(&p, w, h, 16, 16);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			int in = map[(y / 16) * p.cols + x / 16];
			size_t yi = fmt == MT_FMT_YUYV ? (size_t)(y * w + x) * 2 :
							 (size_t)y * w + x;
			size_t ci = fmt == MT_FMT_YUYV ? yi + 1 :
							 (size_t)w * h + (size_t)(y / 2) * w + x;

			if (in) {
				assert_int_equal(f->data[yi], 16);
				assert_int_equal(f->data[ci], 128);
				changed++;
			} else {
				assert_int_equal(f->data[yi], orig[yi]);
				/* NV12 chroma of an unmasked block is its own */
				assert_int_equal(f->data[ci], orig[ci]);
			}
		}
	}
	assert_int_equal(changed, (size_t)p.nmasked * 256);
	assert_int_equal(p.stats.raw_masked, 1);
	/* A frame whose size does not match its geometry is refused. */
	f->size--;
	assert_int_equal(mt_privacy_mask_raw(&p, f, 16), MT_EFORMAT);
	assert_int_equal(p.stats.refused, 1);
	mt_frame_put(f);
	mt_privacy_free(&p);
	free(raw);
}

static void test_raw_nv12(void **state)
{
	(void)state;
	check_raw(MT_FMT_NV12);
}

static void test_raw_yuyv(void **state)
{
	(void)state;
	check_raw(MT_FMT_YUYV);
}

/* The quantised DCT coefficients of a JPEG, per component, as the
 * transform hands them to a filter (rows padded to whole MCUs). */
struct coefs {
	short *c[3];
	int bw[3], bh[3];
	int ncomp;
};

static int grab(short *coeffs, tjregion a, tjregion plane, int ci, int ti, tjtransform *t)
{
	struct coefs *d = t->data;

	(void)ti;
	if (!d->c[ci]) {
		d->bw[ci] = plane.w / 8;
		d->bh[ci] = plane.h / 8 + 2;
		d->c[ci] = calloc((size_t)d->bw[ci] * d->bh[ci] * 64, sizeof(short));
		d->ncomp = ci + 1 > d->ncomp ? ci + 1 : d->ncomp;
	}
	assert_true(a.y / 8 < d->bh[ci]);
	memcpy(d->c[ci] + (size_t)(a.y / 8) * d->bw[ci] * 64, coeffs,
	       (size_t)(a.w / 8) * 64 * sizeof(short));
	return 0;
}

static void read_coefs(const uint8_t *jpeg, size_t len, struct coefs *d)
{
	tjhandle tj = tjInitTransform();
	tjtransform xf;
	unsigned char *dst = NULL;
	unsigned long dsize = 0;

	memset(d, 0, sizeof(*d));
	memset(&xf, 0, sizeof(xf));
	xf.options = TJXOPT_NOOUTPUT;
	xf.customFilter = grab;
	xf.data = d;
	assert_int_equal(tjTransform(tj, jpeg, (unsigned long)len, 1, &dst, &dsize, &xf, 0), 0);
	tjFree(dst);
	tjDestroy(tj);
}

static void free_coefs(struct coefs *d)
{
	for (int i = 0; i < 3; i++)
		free(d->c[i]);
}

/* Sampling factors from the SOF0 segment (found by its marker, apart from
 * the code under test), and the MCU size they make. */
static void sampling(const struct mt_frame *f, int hs[3], int vs[3], int *mw, int *mh)
{
	size_t i = 2;
	int n;

	while (i + 10 < f->size &&
	       !(f->data[i] == 0xFF && f->data[i + 1] >= 0xC0 && f->data[i + 1] <= 0xC2))
		i++;
	assert_true(i + 10 < f->size);
	n = f->data[i + 9];
	assert_true(n == 1 || n == 3);
	*mw = *mh = 8;
	for (int c = 0; c < n; c++) {
		hs[c] = f->data[i + 11 + 3 * c] >> 4;
		vs[c] = f->data[i + 11 + 3 * c] & 15;
		*mw = 8 * hs[c] > *mw ? 8 * hs[c] : *mw;
		*mh = 8 * vs[c] > *mh ? 8 * vs[c] : *mh;
	}
}

/* Masks one JPEG and checks every block's coefficients; returns the
 * masked frame. */
static struct mt_frame *check_jpeg(struct mt_privacy *p, struct mt_frame *in)
{
	struct mt_frame *out = NULL;
	struct coefs a, b;
	int w, h, sub, cs, mw, mh, hsf[3], vsf[3];
	tjhandle tj = tjInitDecompress();
	const uint8_t *map;
	uint64_t masked_blocks = 0;

	assert_int_equal(
		tjDecompressHeader3(tj, in->data, (unsigned long)in->size, &w, &h, &sub, &cs), 0);
	tjDestroy(tj);
	sampling(in, hsf, vsf, &mw, &mh);
	assert_int_equal(mt_privacy_mask_jpeg(p, in, &out), 0);
	assert_int_equal(out->seq, in->seq);
	assert_int_equal(out->ts_us, in->ts_us);
	assert_true(out->flags & MT_FRAME_KEY);
	assert_true(out->capacity == out->size); /* shrunk to fit */
	map = mt_privacy_map(p, (unsigned)w, (unsigned)h, (unsigned)mw, (unsigned)mh);
	read_coefs(in->data, in->size, &a);
	read_coefs(out->data, out->size, &b);
	assert_int_equal(a.ncomp, b.ncomp);
	for (int c = 0; c < a.ncomp; c++) {
		int hs = hsf[c], vs = vsf[c];
		/* The blocks of the picture: the last MCU row or column may also
		 * hold padding blocks, which an encoder fills as it likes. */
		int cw = (w * hs + mw / 8 - 1) / (mw / 8), ch = (h * vs + mh / 8 - 1) / (mh / 8);
		int bw = (cw + 7) / 8, bh = (ch + 7) / 8;

		for (int by = 0; by < bh; by++) {
			for (int bx = 0; bx < bw; bx++) {
				const short *x = a.c[c] + ((size_t)by * a.bw[c] + bx) * 64;
				const short *y = b.c[c] + ((size_t)by * b.bw[c] + bx) * 64;

				if (!map[(by / vs) * p->cols + bx / hs]) {
					/* bit-exact outside the mask */
					assert_memory_equal(x, y, 64 * sizeof(short));
					continue;
				}
				masked_blocks++;
				for (int k = 1; k < 64; k++)
					assert_int_equal(y[k], 0);
				if (c == 0)
					assert_true(y[0] < 0);
				else
					assert_int_equal(y[0], 0);
			}
		}
	}
	assert_true(masked_blocks > 0);
	free_coefs(&a);
	free_coefs(&b);
	return out;
}

#define NFRAMES 20

/* Luma of every frame of a file, as ffmpeg decodes it (4:2:0 planar). */
static uint8_t *decode_luma(const char *input, int w, int h, int n)
{
	char path[512];
	uint8_t *yuv;
	size_t len;

	snprintf(path, sizeof(path), "%s/decoded.yuv", tmp);
	assert_int_equal(media_run(NULL, 0,
				   "ffmpeg -nostdin -v error -y %s -frames:v %d -f rawvideo "
				   "-pix_fmt yuvj420p %s",
				   input, n, path),
			 0);
	yuv = media_read_file(path, &len);
	assert_int_equal(len, (size_t)w * h * 3 / 2 * n);
	return yuv;
}

static void test_jpeg_real_footage(void **state)
{
	struct mt_frame *in[NFRAMES], *out[NFRAMES];
	const int w = 320, h = 240;
	struct mt_privacy p;
	char clip[512], src[640];
	uint8_t *orig, *dec;
	const uint8_t *map;
	double pts[NFRAMES];

	(void)state;
	mt_privacy_init(&p);
	assert_int_equal(mt_privacy_set(&p, quad, NULL, 0), 0);
	for (int i = 0; i < NFRAMES; i++) {
		in[i] = mt_test_footage_frame(i + 1);
		in[i]->ts_us = 1000000 + i * 40000;
		out[i] = check_jpeg(&p, in[i]);
	}
	assert_int_equal(p.stats.jpeg_masked, NFRAMES);
	assert_int_equal(p.stats.jpeg_fallback, 0); /* all by the scan walker */
	assert_int_equal(p.stats.refused, 0);

	/* ffmpeg decodes the clip of masked frames: all of them, cleanly. */
	snprintf(clip, sizeof(clip), "%s/masked.mp4", tmp);
	media_write_clip(clip, out, NFRAMES);
	assert_int_equal(media_probe_frames(clip), NFRAMES);
	assert_true(media_decodes_cleanly(clip));
	assert_int_equal(media_probe_pts(clip, pts, NFRAMES), NFRAMES);
	for (int i = 0; i < NFRAMES; i++)
		assert_true(pts[i] > i * 0.04 - 2e-5 && pts[i] < i * 0.04 + 2e-5);

	/* Black inside the mask; outside, the same pixels as the original. */
	snprintf(src, sizeof(src), "-start_number 1 -i %s/cdnet-highway/input/in%%06d.jpg",
		 getenv("MT_FOOTAGE"));
	orig = decode_luma(src, w, h, NFRAMES);
	snprintf(src, sizeof(src), "-i %s", clip);
	dec = decode_luma(src, w, h, NFRAMES);
	map = mt_privacy_map(&p, w, h, 16, 16);
	for (int i = 0; i < NFRAMES; i++) {
		const uint8_t *a = orig + (size_t)i * w * h * 3 / 2,
			      *b = dec + (size_t)i * w * h * 3 / 2;

		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				if (map[(y / 16) * p.cols + x / 16])
					assert_int_equal(b[y * w + x], 0);
				else
					assert_int_equal(b[y * w + x], a[y * w + x]);
			}
	}
	free(orig);
	free(dec);
	for (int i = 0; i < NFRAMES; i++) {
		mt_frame_put(in[i]);
		mt_frame_put(out[i]);
	}
	mt_privacy_free(&p);
}

/* A JPEG file as a camera frame. */
static struct mt_frame *file_frame(const char *path, int w, int h)
{
	struct mt_frame *f;
	size_t len;
	uint8_t *data = media_read_file(path, &len);

	f = mt_frame_alloc(len);
	memcpy(f->data, data, len);
	free(data);
	f->size = len;
	f->format = MT_FMT_MJPEG;
	f->flags = MT_FRAME_KEY;
	f->width = (uint16_t)w, f->height = (uint16_t)h;
	return f;
}

/* What jpegtran makes of a camera's JPEG (losslessly), and whether the
 * scan walker takes it or the lossless transform must. */
static const struct variant {
	const char *opts;
	bool fallback;
} variants[] = {
	{ NULL, false },                   /* ffmpeg's own file */
	{ "-restart 1", false },           /* an interval per MCU row */
	{ "-restart 3B", false },          /* 3 MCUs (gray: blocks): across rows */
	{ "-restart 1 -optimize", false }, /* own tables: the walker or not */
	{ "-progressive", true },
};

/* 1080p JPEGs (4:2:0, 4:2:2, 4:4:4 and gray) made from the footage, with
 * and without restart intervals, baseline and progressive. */
static void test_jpeg_1080p(void **state)
{
	static const char *const pixfmts[] = { "yuvj420p", "yuvj422p", "yuvj444p", "gray" };
	struct mt_privacy p;

	(void)state;
	mt_privacy_init(&p);
	assert_int_equal(mt_privacy_set(&p, quad, NULL, 0), 0);
	for (unsigned k = 0; k < 4; k++) {
		char path[512], var[600];

		snprintf(path, sizeof(path), "%s/big-%s.jpg", tmp, pixfmts[k]);
		assert_int_equal(
			media_run(NULL, 0,
				  "ffmpeg -nostdin -v error -y -i "
				  "%s/cdnet-highway/input/in000500.jpg -vf scale=1920:1080 "
				  "-pix_fmt %s -q:v 5 %s",
				  getenv("MT_FOOTAGE"), pixfmts[k], path),
			0);
		for (unsigned v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			struct mt_frame *in, *out;
			uint64_t fallback = p.stats.jpeg_fallback;

			snprintf(var, sizeof(var), "%s", path);
			if (variants[v].opts) {
				snprintf(var, sizeof(var), "%s/var.jpg", tmp);
				assert_int_equal(media_run(NULL, 0, "jpegtran %s -outfile %s %s",
							   variants[v].opts, var, path),
						 0);
			}
			print_message("%s %s\n", pixfmts[k],
				      variants[v].opts ? variants[v].opts : "(ffmpeg)");
			in = file_frame(var, 1920, 1080);
			out = check_jpeg(&p, in);
			if (!strstr(var, "optimize"))
				assert_int_equal(p.stats.jpeg_fallback - fallback,
						 variants[v].fallback);
			mt_frame_put(in);
			mt_frame_put(out);
		}
	}
	mt_privacy_free(&p);
}

/* The same frames through the scan walker and through the lossless
 * transform: the same coefficients (check_jpeg), and the walker's output
 * keeps the camera's own Huffman tables, so it is never larger. */
static void test_jpeg_walker_vs_transform(void **state)
{
	struct mt_privacy walk, xf;

	(void)state;
	mt_privacy_init(&walk);
	mt_privacy_init(&xf);
	xf.transform_only = true;
	assert_int_equal(mt_privacy_set(&walk, quad, NULL, 0), 0);
	assert_int_equal(mt_privacy_set(&xf, quad, NULL, 0), 0);
	for (int i = 0; i < 5; i++) {
		struct mt_frame *in = mt_test_footage_frame(100 + i), *a, *b;

		a = check_jpeg(&walk, in);
		b = check_jpeg(&xf, in);
		assert_true(a->size <= b->size);
		mt_frame_put(a);
		mt_frame_put(b);
		mt_frame_put(in);
	}
	assert_int_equal(walk.stats.jpeg_fallback, 0);
	assert_int_equal(xf.stats.jpeg_fallback, 5);
	mt_privacy_free(&walk);
	mt_privacy_free(&xf);
}

/* Motion-JPEG without DHT (as many webcams send it): the walker takes
 * T.81 K.3's tables, masks exactly, and writes them out in a DHT. */
static void test_jpeg_without_dht(void **state)
{
	char path[512];
	struct mt_privacy p;
	struct mt_frame *in, *out;
	size_t w = 0;

	(void)state;
	mt_privacy_init(&p);
	assert_int_equal(mt_privacy_set(&p, quad, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/std.jpg", tmp);
	assert_int_equal(media_run(NULL, 0,
				   "jpegtran -outfile %s %s/cdnet-highway/input/in000300.jpg", path,
				   getenv("MT_FOOTAGE")),
			 0);
	in = file_frame(path, 320, 240);
	/* drop every DHT segment (jpegtran wrote the standard tables) */
	for (size_t r = 0; r < in->size;) {
		size_t len = r + 4 <= in->size ? 2u + (in->data[r + 2] << 8 | in->data[r + 3]) : 0;

		if (r >= 2 && in->data[r] == 0xFF && in->data[r + 1] == 0xC4) {
			r += len;
			continue;
		}
		if (r >= 2 && in->data[r] == 0xFF && in->data[r + 1] == 0xDA) {
			memmove(in->data + w, in->data + r, in->size - r);
			w += in->size - r;
			break;
		}
		len = r < 2 ? 2 : len;
		memmove(in->data + w, in->data + r, len);
		w += len, r += len;
	}
	in->size = w;
	out = check_jpeg(&p, in);
	assert_int_equal(p.stats.jpeg_fallback, 0);
	assert_int_equal(p.scan->std_tables, 0xF);
	mt_frame_put(in);
	mt_frame_put(out);
	mt_privacy_free(&p);
}

static void test_jpeg_bad_input(void **state)
{
	struct mt_frame *good = mt_test_footage_frame(1), *bad, *out = NULL;
	struct mt_privacy p;

	(void)state;
	mt_privacy_init(&p);
	assert_int_equal(mt_privacy_set(&p, quad, NULL, 0), 0);
	/* not a JPEG at all */
	bad = mt_frame_alloc(64);
	memset(bad->data, 0x55, 64);
	bad->size = 64;
	bad->format = MT_FMT_MJPEG;
	assert_int_equal(mt_privacy_mask_jpeg(&p, bad, &out), MT_EFORMAT);
	/* cut inside its headers */
	memcpy(bad->data, good->data, 64);
	assert_int_equal(mt_privacy_mask_jpeg(&p, bad, &out), MT_EFORMAT);
	/* cut inside its scan: neither the walker nor the transform takes it */
	good->size -= good->size / 3;
	assert_int_equal(mt_privacy_mask_jpeg(&p, good, &out), MT_EFORMAT);
	/* another format */
	bad->format = MT_FMT_H264;
	assert_int_equal(mt_privacy_mask_jpeg(&p, bad, &out), MT_EFORMAT);
	assert_null(out);
	assert_int_equal(p.stats.refused, 4);
	assert_int_equal(p.stats.jpeg_masked, 0);
	mt_frame_put(bad);
	mt_frame_put(good);
	mt_privacy_free(&p);
}

static int setup(void **state)
{
	(void)state;
	tmp = mt_test_tmpdir("privacy");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mt_test_tmpdir_remove(&tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_outward),
		cmocka_unit_test(test_raw_nv12),
		cmocka_unit_test(test_raw_yuyv),
		cmocka_unit_test(test_jpeg_real_footage),
		cmocka_unit_test(test_jpeg_1080p),
		cmocka_unit_test(test_jpeg_walker_vs_transform),
		cmocka_unit_test(test_jpeg_without_dht),
		cmocka_unit_test(test_jpeg_bad_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
