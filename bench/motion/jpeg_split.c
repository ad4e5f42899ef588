/* jpeg_split: where the time of the motion thumbnail's JPEG decode goes.
 *
 * The motion engine decodes each JPEG with TurboJPEG at 1/8 scale to grey
 * (DC-only IDCT). That still entropy-decodes every coefficient, so the
 * entropy decoder sets a floor. For the JPEG files given, all read into
 * memory first, this measures the thread CPU time per frame of:
 *   full      tjDecompress2 to grey at full size (what a plain decode costs)
 *   scaled    tjDecompress2 to grey at 1/8 scale, as firmware/motion/thumb.c
 *   entropy   jpeg_skip_scanlines over the whole frame (Huffman decoding of
 *             every block and nothing else: no IDCT, no output)
 *   walker    the engine's thumbnail now: the scan walker of
 *             firmware/core/jpeg_scan.h, luma DC of every block, AC symbols
 *             skipped by table look-up, no IDCT
 * and, when the file has restart markers with whole MCU rows per interval:
 *   rst_half  building a JPEG of every other restart interval (the skipped
 *             intervals' bytes are never entropy-decoded) and decoding that at
 *             1/8 scale: the cost of going below the entropy floor.
 *   walker_half  the walker with a need map of the even MCU rows: the odd
 *             rows' intervals are skipped at their RST markers.
 *
 * Usage: jpeg_split [-r rounds] [-o half.jpg] file.jpg...
 * -o writes the every-other-interval JPEG made from the first file, to check
 * that it decodes to the even MCU rows of the original.
 * Prints one JSON object, microseconds per frame. A bench program, not part
 * of the firmware: built by bench/motion/compare.py with cc, with
 * firmware/core/jpeg_scan.c and jpeg_walk.c. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <turbojpeg.h>

#include "core/jpeg_scan.h"

struct blob {
	unsigned char *data;
	size_t size;
};

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int read_file(const char *path, struct blob *out)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		goto close_file;
	out->data = malloc((size_t)n);
	if (!out->data)
		goto close_file;
	if (fread(out->data, 1, (size_t)n, f) != (size_t)n)
		goto free_data;
	out->size = (size_t)n;
	fclose(f);
	return 0;

free_data:
	free(out->data);
	out->data = NULL;
close_file:
	fclose(f);
	return -1;
}

static void jerr_exit(j_common_ptr cinfo)
{
	struct jerr *e = (struct jerr *)cinfo->err;

	longjmp(e->jump, 1);
}

/* Entropy decoding alone: libjpeg-turbo's jpeg_skip_scanlines() runs the
 * Huffman decoder over every MCU of the skipped iMCU rows and throws the
 * coefficients away (no IDCT, no colour conversion, no output). Started at
 * 1/8 scale to grey, as the thumbnail decode is, so the set-up is the same. */
static int entropy_only(const struct blob *b)
{
	struct jpeg_decompress_struct cinfo;
	struct jerr err;
	volatile int rc = -1;

	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jerr_exit;
	if (setjmp(err.jump))
		goto destroy;
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, b->data, (unsigned long)b->size);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.scale_num = 1;
	cinfo.scale_denom = 8;
	cinfo.out_color_space = JCS_GRAYSCALE;
	cinfo.dct_method = JDCT_IFAST;
	jpeg_start_decompress(&cinfo);
	/* Skipping to the very end returns at once without decoding, so skip
	 * all but the last row and read that one (one iMCU row of ~68 at 1080p
	 * is then decoded in full). */
	JDIMENSION skip = cinfo.output_height - 1;
	JSAMPLE row[8192];
	JSAMPROW rows[1] = { row };
	if (cinfo.output_width <= sizeof(row) && jpeg_skip_scanlines(&cinfo, skip) == skip &&
	    jpeg_read_scanlines(&cinfo, rows, 1) == 1)
		rc = 0;
	jpeg_abort_decompress(&cinfo);
destroy:
	jpeg_destroy_decompress(&cinfo);
	return rc;
}

static struct mt_jpeg_scan scan;
static uint8_t *need;

/* The walker's DC thumbnail into pix; half: only the even MCU rows. */
static int walker_dc(const struct blob *b, unsigned char *pix, int half, double *skipped)
{
	uint32_t sk = 0;

	if (mt_jpeg_scan_parse(&scan, b->data, b->size))
		return -1;
	if (half) {
		size_t cells = (size_t)scan.map_cols * scan.mcuy;

		if (!need && !(need = calloc(8192 * 8192 / 64, 1)))
			return -1;
		if (cells > 8192 * 8192 / 64)
			return -1;
		for (uint32_t my = 0; my < scan.mcuy; my++)
			memset(need + (size_t)my * scan.map_cols, !(my & 1), scan.map_cols);
	}
	if (mt_jpeg_scan_dc(&scan, b->data, b->size, half ? need : NULL, pix, (scan.width + 7u) / 8,
			    &sk))
		return -1;
	*skipped += sk;
	return 0;
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A JPEG made of every other restart interval of in (intervals 0, 2, 4...),
 * with the frame height cut to match and the RST markers renumbered. Works
 * when each interval holds whole MCU rows. Returns the size written to out,
 * 0 when in has no usable restart intervals. */
static size_t half_intervals(const struct blob *in, unsigned char *out)
{
	const unsigned char *p = in->data, *end = in->data + in->size;
	const unsigned char *sof = NULL;
	unsigned ri = 0, hmax = 1, vmax = 1;
	size_t hdr;

	if (in->size < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return 0;
	p += 2;
	for (;;) {
		unsigned m, len;

		if (p + 4 > end || p[0] != 0xFF)
			return 0;
		m = p[1];
		len = be16(p + 2);
		if (p + 2 + len > end)
			return 0;
		if (m == 0xC0 || m == 0xC1) {
			sof = p;
			for (unsigned c = 0; c < p[9]; c++) {
				unsigned hv = p[11 + 3 * c];

				hmax = (hv >> 4) > hmax ? (hv >> 4) : hmax;
				vmax = (hv & 15) > vmax ? (hv & 15) : vmax;
			}
		} else if (m == 0xDD) {
			ri = be16(p + 4);
		}
		p += 2 + len;
		if (m == 0xDA)
			break;
	}
	if (!sof || !ri)
		return 0;
	unsigned w = be16(sof + 7), h = be16(sof + 5);
	unsigned mcu_w = 8 * hmax, mcu_h = 8 * vmax;
	unsigned per_row = (w + mcu_w - 1) / mcu_w, rows = (h + mcu_h - 1) / mcu_h;
	if (ri % per_row)
		return 0;
	unsigned rows_per = ri / per_row;

	hdr = (size_t)(p - in->data);
	memcpy(out, in->data, hdr);
	size_t o = hdr;
	unsigned interval = 0, kept = 0, kept_rows = 0;
	const unsigned char *seg = p;
	for (const unsigned char *q = p; q + 1 < end; q++) {
		if (q[0] != 0xFF || q[1] == 0x00 || q[1] == 0xFF)
			continue;
		int last = !(q[1] >= 0xD0 && q[1] <= 0xD7);
		if (!(interval & 1)) {
			unsigned r = rows - interval * rows_per;

			if (kept) {
				out[o++] = 0xFF;
				out[o++] = (unsigned char)(0xD0 + (kept - 1) % 8);
			}
			memcpy(out + o, seg, (size_t)(q - seg));
			o += (size_t)(q - seg);
			kept++;
			kept_rows += r < rows_per ? r : rows_per;
		}
		interval++;
		seg = q + 2;
		q++;
		if (last)
			break;
	}
	out[o++] = 0xFF;
	out[o++] = 0xD9;
	unsigned nh = kept_rows * mcu_h;
	out[(size_t)(sof - in->data) + 5] = (unsigned char)(nh >> 8);
	out[(size_t)(sof - in->data) + 6] = (unsigned char)nh;
	return o;
}

static int decode(tjhandle tj, const unsigned char *data, size_t size, unsigned char *buf,
		  int scale)
{
	int w, h, ss, cs;

	if (tjDecompressHeader3(tj, data, (unsigned long)size, &w, &h, &ss, &cs))
		return -1;
	w = (w + scale - 1) / scale;
	h = (h + scale - 1) / scale;
	return tjDecompress2(tj, data, (unsigned long)size, buf, w, 0, h, TJPF_GRAY,
			     TJFLAG_FASTDCT);
}

int main(int argc, char **argv)
{
	int rounds = 3, first = 1, n = 0, bad = 0, rst = 1;
	struct blob *files;
	size_t maxsize = 0;
	unsigned char *pix, *half;
	tjhandle tj;
	double t, full = 0, scaled = 0, entropy = 0, rst_half = 0, walker = 0, walker_half = 0;
	double skipped = 0, intervals = 0;
	double bytes = 0, half_bytes = 0;

	const char *save = NULL;

	while (first + 1 < argc && argv[first][0] == '-') {
		if (strcmp(argv[first], "-r") == 0)
			rounds = atoi(argv[first + 1]);
		else if (strcmp(argv[first], "-o") == 0)
			save = argv[first + 1];
		else
			break;
		first += 2;
	}
	if (first >= argc || rounds < 1) {
		fprintf(stderr, "usage: jpeg_split [-r rounds] [-o half.jpg] file.jpg...\n");
		return 2;
	}
	files = calloc((size_t)(argc - first), sizeof(*files));
	if (!files)
		return 1;
	for (int i = first; i < argc; i++) {
		if (read_file(argv[i], &files[n])) {
			fprintf(stderr, "jpeg_split: cannot read %s\n", argv[i]);
			return 1;
		}
		maxsize = files[n].size > maxsize ? files[n].size : maxsize;
		n++;
	}
	pix = malloc(8192 * 8192);
	half = malloc(maxsize + 16);
	tj = tjInitDecompress();
	if (!pix || !half || !tj)
		return 1;
	if (save) {
		size_t hs = half_intervals(&files[0], half);
		FILE *f = fopen(save, "wb");

		if (!hs || !f || fwrite(half, 1, hs, f) != hs || fclose(f)) {
			fprintf(stderr, "jpeg_split: cannot write %s\n", save);
			return 1;
		}
	}

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			const struct blob *b = &files[i];

			t = cpu_now();
			bad += decode(tj, b->data, b->size, pix, 1) != 0;
			full += cpu_now() - t;
			t = cpu_now();
			bad += decode(tj, b->data, b->size, pix, 8) != 0;
			scaled += cpu_now() - t;
			t = cpu_now();
			bad += entropy_only(b) != 0;
			entropy += cpu_now() - t;
			t = cpu_now();
			bad += walker_dc(b, pix, 0, &skipped) != 0;
			walker += cpu_now() - t;
			if (!rst)
				continue;
			t = cpu_now();
			bad += walker_dc(b, pix, 1, &skipped) != 0;
			walker_half += cpu_now() - t;
			intervals += scan.restart ? scan.mcuy : 0;
			t = cpu_now();
			size_t hs = half_intervals(b, half);
			if (!hs) {
				rst = 0;
				continue;
			}
			bad += decode(tj, half, hs, pix, 8) != 0;
			rst_half += cpu_now() - t;
			bytes += (double)b->size;
			half_bytes += (double)hs;
		}
	}
	double k = 1e6 / ((double)n * rounds);
	printf("{\"frames\": %d, \"rounds\": %d, \"errors\": %d, \"full_us\": %.1f, "
	       "\"scaled8_us\": %.1f, \"entropy_us\": %.1f, \"rest_of_scaled8_us\": %.1f",
	       n, rounds, bad, full * k, scaled * k, entropy * k, (scaled - entropy) * k);
	printf(", \"walker_us\": %.1f", walker * k);
	if (rst)
		printf(", \"rst_half_us\": %.1f, \"rst_half_bytes_share\": %.3f, "
		       "\"walker_half_us\": %.1f, \"walker_half_skipped_share\": %.3f",
		       rst_half * k, half_bytes / bytes, walker_half * k,
		       intervals ? skipped / intervals : 0.0);
	printf("}\n");
	tjDestroy(tj);
	mt_jpeg_scan_free(&scan);
	free(need);
	free(half);
	free(pix);
	for (int i = 0; i < n; i++)
		free(files[i].data);
	free(files);
	return 0;
}
