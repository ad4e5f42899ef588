/* Recording benchmark: privacy masking of 1080p JPEGs in the DCT domain
 * (record/privacy.h: the scan walker, and the lossless transform it falls
 * back to) against TurboJPEG decode + black + encode of the same frames
 * (through YUV planes, the cheapest full path, and through RGB), in the same
 * run, with the same mask, timed in CPU time of this thread and interleaved
 * frame by frame. Prints key=value lines.
 *
 *   bench_record ROUNDS MASK JPEG...   */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "record/privacy.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: other load does not count */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct mt_frame *load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct mt_frame *f;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) <= 0)
		exit(2);
	rewind(fp);
	f = mt_frame_alloc((size_t)n);
	if (!f || fread(f->data, 1, (size_t)n, fp) != (size_t)n)
		exit(2);
	fclose(fp);
	f->size = (size_t)n;
	f->format = MT_FMT_MJPEG;
	f->flags = MT_FRAME_KEY;
	return f;
}

/* The peer: decode to YUV planes, black the masked MCUs, encode again. */
static size_t full_recode(tjhandle dec, tjhandle enc, struct mt_privacy *p,
			  const struct mt_frame *in, unsigned char *yuv, unsigned char **out,
			  unsigned long *outsize)
{
	int w, h, sub, cs;
	unsigned char *pl[3];
	int st[3];
	const uint8_t *map;

	tjDecompressHeader3(dec, in->data, (unsigned long)in->size, &w, &h, &sub, &cs);
	pl[0] = yuv;
	pl[1] = pl[0] + tjPlaneSizeYUV(0, w, 0, h, sub);
	pl[2] = pl[1] + tjPlaneSizeYUV(1, w, 0, h, sub);
	for (int c = 0; c < 3; c++)
		st[c] = tjPlaneWidth(c, w, sub);
	if (tjDecompressToYUVPlanes(dec, in->data, (unsigned long)in->size, pl, w, st, h, 0))
		exit(3);
	map = mt_privacy_map(p, (unsigned)w, (unsigned)h, (unsigned)tjMCUWidth[sub],
			     (unsigned)tjMCUHeight[sub]);
	for (int c = 0; c < 3; c++) {
		int pw = tjPlaneWidth(c, w, sub), ph = tjPlaneHeight(c, h, sub);
		int bw = c ? tjMCUWidth[sub] * pw / w : tjMCUWidth[sub];
		int bh = c ? tjMCUHeight[sub] * ph / h : tjMCUHeight[sub];

		for (int y = 0; y < ph; y++)
			for (int x = 0; x < pw; x++)
				if (map[(y / bh) * p->cols + x / bw])
					pl[c][(size_t)y * st[c] + x] = c ? 128 : 0;
	}
	if (tjCompressFromYUVPlanes(enc, (const unsigned char **)pl, w, st, h, sub, out, outsize,
				    90, 0))
		exit(4);
	return *outsize;
}

/* The usual peer: decode to RGB, black the masked MCUs, encode again. */
static void rgb_recode(tjhandle dec, tjhandle enc, struct mt_privacy *p, const struct mt_frame *in,
		       unsigned char *rgb, unsigned char **out, unsigned long *outsize)
{
	int w, h, sub, cs;
	const uint8_t *map;

	tjDecompressHeader3(dec, in->data, (unsigned long)in->size, &w, &h, &sub, &cs);
	if (tjDecompress2(dec, in->data, (unsigned long)in->size, rgb, w, 0, h, TJPF_RGB, 0))
		exit(3);
	map = mt_privacy_map(p, (unsigned)w, (unsigned)h, (unsigned)tjMCUWidth[sub],
			     (unsigned)tjMCUHeight[sub]);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (map[(y / tjMCUHeight[sub]) * p->cols + x / tjMCUWidth[sub]])
				memset(rgb + ((size_t)y * w + x) * 3, 0, 3);
	if (tjCompress2(enc, rgb, w, 0, h, TJPF_RGB, out, outsize, sub, 90, 0))
		exit(4);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[1]) : 0, n = argc - 3;
	struct mt_privacy p, xf;
	struct mt_frame **in;
	tjhandle dec = tjInitDecompress(), enc = tjInitCompress();
	unsigned char *yuv, *out = NULL;
	unsigned long outsize = 0;
	double t0, dct_s, full_s, rgb_s = 0, xf_s = 0;
	size_t in_bytes = 0, dct_bytes = 0, full_bytes = 0, xf_bytes = 0;
	unsigned masked_rows = 0;

	if (rounds < 1) {
		fprintf(stderr, "usage: bench_record ROUNDS MASK JPEG...\n");
		return 2;
	}
	mt_privacy_init(&p);
	mt_privacy_init(&xf);
	xf.transform_only = true;
	if (mt_privacy_set(&p, argv[2], NULL, 0) || mt_privacy_set(&xf, argv[2], NULL, 0))
		return 2;
	yuv = malloc(1920 * 1088 * 3);
	if (!yuv)
		return 2;
	in = calloc((size_t)n, sizeof(*in));
	for (int i = 0; i < n; i++) {
		in[i] = load(argv[3 + i]);
		in_bytes += in[i]->size;
	}
	/* warm up both paths once */
	for (int i = 0; i < n; i++) {
		struct mt_frame *m = NULL;

		if (mt_privacy_mask_jpeg(&p, in[i], &m))
			return 3;
		dct_bytes += m->size;
		mt_frame_put(m);
		if (mt_privacy_mask_jpeg(&xf, in[i], &m))
			return 3;
		xf_bytes += m->size;
		mt_frame_put(m);
		full_bytes += full_recode(dec, enc, &p, in[i], yuv, &out, &outsize);
	}
	/* Interleaved, frame by frame, so both see the same machine. */
	dct_s = full_s = 0;
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++) {
			struct mt_frame *m = NULL;

			t0 = now_s();
			mt_privacy_mask_jpeg(&p, in[i], &m);
			dct_s += now_s() - t0;
			mt_frame_put(m);
			t0 = now_s();
			mt_privacy_mask_jpeg(&xf, in[i], &m);
			xf_s += now_s() - t0;
			mt_frame_put(m);
			t0 = now_s();
			full_recode(dec, enc, &p, in[i], yuv, &out, &outsize);
			full_s += now_s() - t0;
			t0 = now_s();
			rgb_recode(dec, enc, &p, in[i], yuv, &out, &outsize);
			rgb_s += now_s() - t0;
		}
	printf("frames=%d\nrounds=%d\n", n, rounds);
	printf("masked_blocks=%u\ntotal_blocks=%u\n", p.nmasked, p.cols * p.rows);
	for (uint32_t r = 0; r < p.rows; r++)
		masked_rows += memchr(p.map + (size_t)r * p.cols, 1, p.cols) != NULL;
	printf("mcu_rows=%u\nmasked_rows=%u\n", p.rows, masked_rows);
	printf("in_kib=%.1f\ndct_kib=%.1f\nfull_kib=%.1f\n", in_bytes / 1024.0 / n,
	       dct_bytes / 1024.0 / n, full_bytes / 1024.0 / n);
	printf("dct_ms=%.2f\nfull_ms=%.2f\nratio=%.1f\n", dct_s * 1e3 / (rounds * n),
	       full_s * 1e3 / (rounds * n), full_s / dct_s);
	printf("rgb_ms=%.2f\nrgb_ratio=%.1f\n", rgb_s * 1e3 / (rounds * n), rgb_s / dct_s);
	printf("xf_ms=%.2f\nxf_kib=%.1f\nxf_ratio=%.1f\n", xf_s * 1e3 / (rounds * n),
	       xf_bytes / 1024.0 / n, full_s / xf_s);
	/* Which path masked them: the walker must not have fallen back. */
	printf("walker_fallback=%llu\nrestart=%u\n", (unsigned long long)p.stats.jpeg_fallback,
	       p.scan ? p.scan->restart : 0);
	for (int i = 0; i < n; i++)
		mt_frame_put(in[i]);
	free(in);
	free(yuv);
	tjFree(out);
	tjDestroy(dec);
	tjDestroy(enc);
	mt_privacy_free(&p);
	mt_privacy_free(&xf);
	return 0;
}
