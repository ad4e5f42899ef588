/* The fMP4 muxer on real footage, judged by ffmpeg/ffprobe: CDnet highway
 * frames as MJPEG, and the same frames encoded by libx264 at test time into
 * an Annex-B stream split with core/h264.c. Frame counts, decoded pictures
 * (framemd5 against decoding the source directly) and presentation times
 * (against the capture times, with a variable frame rate) must agree; every
 * cut at a fragment boundary plays whole, every other cut plays its complete
 * fragments; bad input is dropped, counted, and leaves a valid file; write
 * errors stick and leak nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "core/errors.h"
#include "core/h264.h"
#include "media.h"
#include "mp4_read.h"
#include "record/fmp4.h"
#include "record/fmp4_box.h"
#include "support.h"

#define NFRAMES 100
#define T0      5000000
#define GOP     25
#define FOOT    "$MT_FOOTAGE/cdnet-highway/input/in%06d.jpg"

static char *tmp;

/* Capture times with jitter and a half-second gap (frames lost upstream):
 * a variable frame rate the clip must keep. */
static int64_t ts_of(int i)
{
	return T0 + (int64_t)i * 40000 + (i % 4) * 3000 + (i >= 50 ? 500000 : 0);
}

/* ---- running ffmpeg and ffprobe ------------------------------------ */

/* ffmpeg's decode of input (its arguments) as the pictures' MD5s, one per
 * line, into out; -frames:v frames when frames > 0; -xerror if strict.
 * Returns the number of pictures, or -1 if ffmpeg failed. */
static int decode_md5(char *out, size_t cap, const char *input, int frames, int strict)
{
	static char md5[1 << 16];
	char *line, *save = NULL, limit[32] = "";
	size_t used = 0;
	int n = 0;

	if (frames > 0)
		snprintf(limit, sizeof(limit), "-frames:v %d", frames);
	out[0] = '\0';
	if (media_run(md5, sizeof(md5),
		      "ffmpeg -nostdin -v error %s %s %s -f framemd5 - 2>/dev/null",
		      strict ? "-xerror" : "", input, limit) != 0)
		return -1;
	/* keep only the hashes: the dts, pts, duration and size columns
	 * differ between containers */
	for (line = strtok_r(md5, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *h = strrchr(line, ',');

		if (line[0] == '#' || !h)
			continue;
		used += (size_t)snprintf(out + used, cap - used, "%s\n", h + 2);
		assert_true(used < cap);
		n++;
	}
	return n;
}

static void framemd5(char *out, size_t cap, const char *input, int frames)
{
	assert_int_equal(decode_md5(out, cap, input, frames, 0), frames);
}

/* ---- frames --------------------------------------------------------- */

/* Footage frame i+1, read once; the caller gets a copy of its own. */
static struct mt_frame *footage[NFRAMES];

static struct mt_frame *copy_frame(const uint8_t *data, size_t len, enum mt_pixfmt fmt)
{
	struct mt_frame *f = mt_frame_alloc(len ? len : 1);

	assert_non_null(f);
	if (len) /* data may be NULL for an empty frame */
		memcpy(f->data, data, len);
	f->size = len;
	f->format = fmt;
	return f;
}

static struct mt_frame *mjpeg_frame(int i)
{
	struct mt_frame *f;

	if (!footage[i])
		footage[i] = mt_test_footage_frame(i + 1);
	f = copy_frame(footage[i]->data, footage[i]->size, MT_FMT_MJPEG);
	f->flags = MT_FRAME_KEY;
	f->ts_us = ts_of(i);
	f->seq = (uint64_t)i;
	return f;
}

static uint8_t *h264_stream;
static size_t h264_len;

/* The footage's first n frames through libx264: an IDR every GOP frames, no
 * B-frames (matthan's encoders make none), into an Annex-B stream. */
static uint8_t *encode_h264(const char *name, int n, const char *extra, size_t *len)
{
	char path[512];
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	assert_int_equal(
		media_run(
			NULL, 0,
			"ffmpeg -nostdin -v error -y -start_number 1 -i %s -frames:v %d %s -c:v libx264 -pix_fmt yuv420p -x264-params "
			"keyint=%d:min-keyint=%d:scenecut=0:bframes=0 -f h264 %s",
			FOOT, n, extra, GOP, GOP, path),
		0);
	buf = mp4_slurp(path, len);
	assert_non_null(buf);
	return buf;
}

/* Access unit i of an Annex-B stream as a frame (a copy: the test's camera). */
static struct mt_frame *au_frame(const uint8_t *s, size_t len, int i, int64_t ts)
{
	const uint8_t *au = NULL;
	size_t pos = 0, au_len = 0;
	struct mt_frame *f;

	for (int k = 0; k <= i; k++)
		assert_int_equal(mt_h264_next_au(s, len, &pos, &au, &au_len), 1);
	f = copy_frame(au, au_len, MT_FMT_H264);
	f->flags = mt_h264_is_idr(au, au_len) ? MT_FRAME_KEY : 0;
	f->ts_us = ts;
	f->seq = (uint64_t)i;
	return f;
}

/* The test stream's access units, split once. */
static const uint8_t *h264_au[NFRAMES];
static size_t h264_au_len[NFRAMES];

static struct mt_frame *h264_frame(int i)
{
	struct mt_frame *f = copy_frame(h264_au[i], h264_au_len[i], MT_FMT_H264);

	f->flags = mt_h264_is_idr(f->data, f->size) ? MT_FRAME_KEY : 0;
	f->ts_us = ts_of(i);
	f->seq = (uint64_t)i;
	return f;
}

/* ---- the output ----------------------------------------------------- */

#define MAX_PIECES 64

struct sink {
	FILE *fp;
	char path[512];
	uint64_t calls;
	uint64_t fail_at; /* 0: never */
	struct mt_fmp4_fragment pieces[MAX_PIECES];
	int npieces;
	int piece_ret;
};

static int sink_write(void *arg, const void *buf, size_t len)
{
	struct sink *s = arg;

	if (++s->calls == s->fail_at)
		return -ENOSPC;
	if (s->fp && fwrite(buf, 1, len, s->fp) != len)
		return -EIO;
	return 0;
}

static int sink_piece(void *arg, const struct mt_fmp4_fragment *frag)
{
	struct sink *s = arg;

	if (s->npieces < MAX_PIECES) /* the cost test makes more; it needs only the first */
		s->pieces[s->npieces] = *frag;
	s->npieces++;
	return s->piece_ret;
}

static void sink_open(struct sink *s, struct mt_fmp4_config *cfg, enum mt_pixfmt fmt,
		      const char *name)
{
	memset(s, 0, sizeof(*s));
	if (name) {
		snprintf(s->path, sizeof(s->path), "%s/%s", tmp, name);
		s->fp = fopen(s->path, "wb");
		assert_non_null(s->fp);
	}
	*cfg = (struct mt_fmp4_config){ .format = fmt,
					.write = sink_write,
					.write_arg = s,
					.on_fragment = sink_piece,
					.fragment_arg = s };
}

static void sink_close(struct sink *s)
{
	if (s->fp)
		assert_int_equal(fclose(s->fp), 0);
	s->fp = NULL;
}

/* The clip writer's loop: cut where the policy says, then add. */
static int mux(struct mt_fmp4 *m, struct mt_frame *f, const struct mt_fmp4_policy *p)
{
	int ret = 0;

	if (mt_fmp4_cut_due(m, p, f))
		ret = mt_fmp4_cut(m, f->ts_us);
	if (!ret)
		ret = mt_fmp4_add(m, f);
	return ret;
}

typedef struct mt_frame *(*frame_fn)(int i);

/* n frames through a new muxer into file name; returns the stats. */
static struct mt_fmp4_stats mux_file(frame_fn make, int n, enum mt_pixfmt fmt, const char *name,
				     struct sink *s)
{
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	struct mt_fmp4_stats st;

	sink_open(s, &cfg, fmt, name);
	mt_fmp4_policy_default(&pol, fmt);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	for (int i = 0; i < n; i++) {
		struct mt_frame *f = make(i);

		assert_int_equal(mux(&m, f, &pol), 0);
		mt_frame_put(f);
	}
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	st = m.stats;
	mt_fmp4_free(&m);
	mt_fmp4_free(&m); /* safe twice */
	sink_close(s);
	return st;
}

/* Pieces tile the file in order; fragments hold all n frames with their
 * capture times; the init segment comes first. */
static void check_pieces(const struct sink *s, int n, uint64_t file_len)
{
	uint64_t at = 0;
	int frames = 0;

	assert_true(s->npieces >= 2 && s->npieces <= MAX_PIECES);
	for (int k = 0; k < s->npieces; k++) {
		const struct mt_fmp4_fragment *p = &s->pieces[k];

		assert_int_equal(p->seq, (uint32_t)k);
		assert_int_equal(p->offset, at);
		if (k == 0) {
			assert_int_equal(p->samples, 0);
		} else {
			assert_int_equal(p->first_us, ts_of(frames));
			assert_int_equal(p->last_us, ts_of(frames + (int)p->samples - 1));
			assert_true(p->length >
				    MT_FMP4_FRAG_FIXED + MT_FMP4_FRAG_PER_SAMP * p->samples);
		}
		frames += (int)p->samples;
		at += p->length;
	}
	assert_int_equal(frames, n);
	assert_int_equal(at, file_len);
}

/* Decoded frames' times are the capture times (90 kHz rounding). */
static void check_pts(const char *path, int n, int first)
{
	static double pts[NFRAMES + 8];

	assert_int_equal(media_probe_pts(path, pts, NFRAMES + 8), n);
	for (int i = 0; i < n; i++) {
		double want = (double)(ts_of(first + i) - ts_of(first)) / 1e6;

		if (pts[i] < want - 2e-5 || pts[i] > want + 2e-5)
			fail_msg("%s frame %d: pts %.6f s, captured at %.6f s", path, i, pts[i],
				 want);
	}
}

static void test_mjpeg_real_footage(void **state)
{
	static struct mp4_file mp4;
	static char want[8192], got[8192];
	char in[600];
	struct mt_fmp4_stats st;
	const char *why;
	struct sink s;
	size_t len;
	uint8_t *buf;

	st = mux_file(mjpeg_frame, NFRAMES, MT_FMT_MJPEG, "mjpeg.mp4", &s);
	assert_int_equal(st.samples, NFRAMES);
	buf = mp4_slurp(s.path, &len);
	assert_non_null(buf);
	assert_int_equal(st.bytes, len);
	check_pieces(&s, NFRAMES, len);
	if (mp4_read(buf, len, &mp4, &why))
		fail_msg("%s: %s", s.path, why);
	assert_string_equal(mp4.entry, "jpeg");
	assert_int_equal(mp4.timescale, MT_FMP4_TIMESCALE);
	assert_int_equal(mp4.width, 320);
	assert_int_equal(mp4.height, 240);
	assert_int_equal(mp4.n, NFRAMES);
	for (int i = 0; i < NFRAMES; i++) {
		struct mt_frame *f = mjpeg_frame(i);

		/* the sample is the JPEG, byte for byte */
		assert_int_equal(mp4.s[i].size, f->size);
		assert_memory_equal(buf + mp4.s[i].offset, f->data, f->size);
		assert_int_equal(mp4.s[i].flags, MT_FMP4_FLAGS_SYNC);
		assert_int_equal(mp4.s[i].dts, ((ts_of(i) - T0) * 9 + 50) / 100);
		/* about one second per fragment */
		assert_true(ts_of(i) - s.pieces[mp4.s[i].fragment].first_us < 1000000);
		mt_frame_put(f);
	}
	assert_true(s.npieces - 1 >= 4 && s.npieces - 1 <= 6);
	free(buf);

	assert_int_equal(media_probe_frames(s.path), NFRAMES);
	assert_true(media_decodes_cleanly(s.path));
	check_pts(s.path, NFRAMES, 0);
	/* the same pictures as decoding the JPEG files themselves */
	framemd5(want, sizeof(want), "-start_number 1 -i " FOOT, NFRAMES);
	snprintf(in, sizeof(in), "-i %s", s.path);
	framemd5(got, sizeof(got), in, NFRAMES);
	assert_int_equal(strlen(want) / 33, NFRAMES);
	assert_string_equal(got, want);
}

static void test_h264_real_footage(void **state)
{
	static struct mp4_file mp4;
	static char want[8192], got[8192];
	char in[600];
	struct mt_fmp4_stats st;
	const char *why;
	struct sink s;
	size_t len;
	uint8_t *buf;

	st = mux_file(h264_frame, NFRAMES, MT_FMT_H264, "h264.mp4", &s);
	assert_int_equal(st.samples, NFRAMES);
	assert_int_equal(st.fragments, NFRAMES / GOP);
	buf = mp4_slurp(s.path, &len);
	assert_non_null(buf);
	check_pieces(&s, NFRAMES, len);
	if (mp4_read(buf, len, &mp4, &why))
		fail_msg("%s: %s", s.path, why);
	assert_string_equal(mp4.entry, "avc1");
	assert_int_equal(mp4.width, 320);
	assert_int_equal(mp4.height, 240);
	assert_int_equal(mp4.n, NFRAMES);
	for (int i = 0; i < NFRAMES; i++) {
		const uint8_t *p = buf + mp4.s[i].offset, *e = p + mp4.s[i].size;
		int slices = 0;

		/* one fragment per GOP, its first sample the only sync one */
		assert_int_equal(mp4.s[i].fragment, 1 + i / GOP);
		assert_int_equal(mp4.s[i].flags,
				 i % GOP ? MT_FMP4_FLAGS_NON_SYNC : MT_FMP4_FLAGS_SYNC);
		/* length-prefixed NAL units that tile the sample; no SPS/PPS/AUD */
		while (p < e) {
			uint32_t n = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
			uint8_t type = p[4] & 0x1f;

			assert_true(n > 0 && n <= (size_t)(e - p - 4));
			assert_true(type != MT_H264_NAL_SPS && type != MT_H264_NAL_PPS &&
				    type != MT_H264_NAL_AUD);
			slices += type == MT_H264_NAL_SLICE || type == MT_H264_NAL_IDR;
			p += 4 + n;
		}
		assert_ptr_equal(p, e);
		assert_int_equal(slices, 1);
	}
	free(buf);

	assert_int_equal(media_probe_frames(s.path), NFRAMES);
	assert_true(media_decodes_cleanly(s.path));
	check_pts(s.path, NFRAMES, 0);
	snprintf(in, sizeof(in), "-f h264 -i %s/stream.h264", tmp);
	framemd5(want, sizeof(want), in, NFRAMES);
	snprintf(in, sizeof(in), "-i %s", s.path);
	framemd5(got, sizeof(got), in, NFRAMES);
	assert_int_equal(strlen(want) / 33, NFRAMES);
	assert_string_equal(got, want);
}

/* Writes the first len bytes of src to tmp/cut.mp4. */
static void cut_copy(const uint8_t *src, size_t len, char *path, size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/cut.mp4", tmp);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(src, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Cuts at every fragment boundary play whole: exactly the frames of the
 * complete fragments, the same pictures as the whole clip (framemd5), with
 * no decoding error (-xerror), at their capture times. A cut anywhere else
 * plays at least the complete fragments: ffmpeg reads the torn fragment's
 * moof if it is whole and decodes every sample whose bytes are all there
 * ("whole"), the same pictures as the full clip, plus at most one torn
 * sample (its MJPEG decoder shows a partial picture; the H.264 one drops
 * it). Torn files make ffmpeg warn, so -xerror is asserted only at
 * boundaries. A cut inside the init segment plays nothing. */
static void run_cuts(frame_fn make, enum mt_pixfmt fmt, const char *name)
{
	static char want[8192], got[8192];
	static struct mp4_file mp4;
	char path[512], in[600];
	const char *why;
	uint32_t lcg = 12345;
	struct sink s;
	size_t len;
	uint8_t *buf;
	int frames = 0;

	mux_file(make, NFRAMES, fmt, name, &s);
	buf = mp4_slurp(s.path, &len);
	assert_non_null(buf);
	if (mp4_read(buf, len, &mp4, &why))
		fail_msg("%s: %s", s.path, why);
	snprintf(in, sizeof(in), "-i %s", s.path);
	framemd5(want, sizeof(want), in, NFRAMES);

	for (int k = 0; k < s.npieces; k++) {
		uint64_t end = s.pieces[k].offset + s.pieces[k].length;

		frames += (int)s.pieces[k].samples;
		cut_copy(buf, end, path, sizeof(path));
		snprintf(in, sizeof(in), "-i %s", path);
		if (frames == 0) {
			assert_int_equal(media_probe_frames(path), 0); /* a track, no sample */
		} else {
			assert_int_equal(decode_md5(got, sizeof(got), in, 0, 1), frames);
			assert_int_equal(strncmp(got, want, (size_t)frames * 33), 0);
			check_pts(path, frames, 0);
		}

		/* one cut inside the next piece's moof, two at random places */
		for (int r = 0; r < 3 && k + 1 < s.npieces; r++) {
			const struct mt_fmp4_fragment *next = &s.pieces[k + 1];
			uint64_t at = next->offset + 50;
			int n, whole = 0;

			lcg = lcg * 1103515245u + 12345u;
			if (r > 0)
				at = next->offset + 1 + (lcg >> 8) % (next->length - 1);
			for (uint32_t i = 0; i < mp4.n; i++)
				whole += mp4.s[i].offset + mp4.s[i].size <= at;
			cut_copy(buf, at, path, sizeof(path));
			n = decode_md5(got, sizeof(got), in, 0, 0);
			if (n == -1 && whole == 0) /* ffmpeg gives up: nothing to play */
				n = 0;
			if (n < whole || n > whole + 1)
				fail_msg("cut at %llu (fragment %u): %d frames, want %d or %d",
					 (unsigned long long)at, next->seq, n, whole, whole + 1);
			assert_int_equal(strncmp(got, want, (size_t)whole * 33), 0);
		}
	}
	/* inside the init segment */
	cut_copy(buf, s.pieces[0].length / 2, path, sizeof(path));
	assert_true(media_probe_frames(path) <= 0);
	free(buf);
}

static void test_cuts_mjpeg(void **state)
{
	run_cuts(mjpeg_frame, MT_FMT_MJPEG, "cut-mjpeg.mp4");
}

static void test_cuts_h264(void **state)
{
	run_cuts(h264_frame, MT_FMT_H264, "cut-h264.mp4");
}

/* ---- bad input ------------------------------------------------------ */

static struct mt_frame *bytes_frame(const uint8_t *data, size_t len, enum mt_pixfmt fmt, int64_t ts)
{
	struct mt_frame *f = copy_frame(data, len, fmt);

	f->ts_us = ts;
	f->flags = fmt == MT_FMT_H264 && mt_h264_is_idr(data, len) ? MT_FRAME_KEY : 0;
	return f;
}

/* Pushes f (dropping our reference) and checks what the muxer did. */
static void push(struct mt_fmp4 *m, const struct mt_fmp4_policy *p, struct mt_frame *f, int want,
		 int *added)
{
	int ret = mux(m, f, p);

	if (ret != want)
		fail_msg("frame at %lld us: %d, want %d", (long long)f->ts_us, ret, want);
	*added += ret == 0;
	mt_frame_put(f);
}

/* The valid file that is left: ffprobe's count, a clean decode, and times
 * that only go forward. */
static void check_survivor(const char *path, int added)
{
	static double pts[256];

	assert_int_equal(media_probe_frames(path), added);
	assert_true(media_decodes_cleanly(path));
	assert_int_equal(media_probe_pts(path, pts, 256), added);
	for (int i = 1; i < added; i++)
		assert_true(pts[i] > pts[i - 1]);
}

static void test_bad_h264_input(void **state)
{
	static const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	struct sink s;
	size_t other_len;
	uint8_t *other = encode_h264("small.h264", 2, "-vf scale=160:120", &other_len);
	struct mt_h264_nal nal;
	uint8_t params[512];
	size_t plen = 0, pos = 0;
	int64_t t = T0;
	int added = 0, i;

	/* SPS and PPS of the stream, without a slice */
	while (mt_h264_next_nal(h264_stream, h264_len, &pos, &nal) && nal.type != 5) {
		if (nal.type == MT_H264_NAL_SPS || nal.type == MT_H264_NAL_PPS) {
			memcpy(params + plen, "\0\0\0\1", 4);
			memcpy(params + plen + 4, nal.data, nal.size);
			plen += 4 + nal.size;
		}
	}
	sink_open(&s, &cfg, MT_FMT_H264, "bad-h264.mp4");
	mt_fmp4_policy_default(&pol, MT_FMT_H264);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);

	/* starts mid-GOP: P frames without SPS/PPS until the IDR at 25 */
	for (i = 5; i < 25; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), MT_EFORMAT, &added);
	assert_int_equal(m.stats.no_config, 20);
	assert_int_equal(s.calls, 0); /* nothing written yet */
	for (i = 25; i <= 30; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), 0, &added);
	/* zero bytes; parameter sets alone */
	push(&m, &pol, bytes_frame(NULL, 0, MT_FMT_H264, t += 40000), MT_EFORMAT, &added);
	push(&m, &pol, bytes_frame(params, plen, MT_FMT_H264, t += 40000), MT_EFORMAT, &added);
	assert_int_equal(m.stats.empty, 2);
	/* a time 0.4 s back, then on */
	push(&m, &pol, au_frame(h264_stream, h264_len, 31, t - 400000), 0, &added);
	push(&m, &pol, au_frame(h264_stream, h264_len, 32, t += 40000), 0, &added);
	assert_int_equal(m.stats.ts_clamped, 1);
	/* garbage: it may have been a reference, so wait for the next IDR */
	push(&m, &pol, bytes_frame(junk, sizeof(junk), MT_FMT_H264, t += 40000), MT_EFORMAT,
	     &added);
	assert_int_equal(m.stats.malformed, 1);
	for (i = 33; i < 50; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), MT_EFORMAT, &added);
	assert_int_equal(m.stats.no_config, 20 + 17);
	for (i = 50; i < 55; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), 0, &added);
	/* another camera mode: a 160x120 IDR with its own SPS, its P frame, and
	 * our P frames after it, until an IDR with our SPS again */
	push(&m, &pol, au_frame(other, other_len, 0, t += 40000), MT_EFORMAT, &added);
	push(&m, &pol, au_frame(other, other_len, 1, t += 40000), MT_EFORMAT, &added);
	for (i = 55; i < 75; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), MT_EFORMAT, &added);
	assert_int_equal(m.stats.wrong_size, 22);
	for (i = 75; i < 100; i++)
		push(&m, &pol, au_frame(h264_stream, h264_len, i, t += 40000), 0, &added);
	push(&m, &pol, mjpeg_frame(0), MT_EFORMAT, &added);
	assert_int_equal(m.stats.wrong_format, 1);

	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	assert_int_equal(added, 6 + 2 + 5 + 25);
	assert_int_equal(m.stats.samples, added);
	mt_fmp4_free(&m);
	sink_close(&s);
	free(other);
	check_survivor(s.path, added);
}

/* Frame i of the footage at 160x120, made by ffmpeg. */
static struct mt_frame *small_jpeg(int64_t ts)
{
	char path[512];
	struct mt_frame *f;
	size_t len;
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/small.jpg", tmp);
	assert_int_equal(media_run(NULL, 0,
				   "ffmpeg -nostdin -v error -y -start_number 1 -i %s -frames:v 1 "
				   "-vf scale=160:120 %s",
				   FOOT, path),
			 0);
	buf = mp4_slurp(path, &len);
	assert_non_null(buf);
	f = bytes_frame(buf, len, MT_FMT_MJPEG, ts);
	free(buf);
	return f;
}

static void test_bad_mjpeg_input(void **state)
{
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	struct sink s;
	int64_t t = T0;
	int added = 0;

	sink_open(&s, &cfg, MT_FMT_MJPEG, "bad-mjpeg.mp4");
	mt_fmp4_policy_default(&pol, MT_FMT_MJPEG);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	for (int i = 0; i < 40; i++) {
		struct mt_frame *f = mjpeg_frame(i);

		f->ts_us = t += 40000;
		push(&m, &pol, f, 0, &added);
		switch (i) {
		case 5:
			push(&m, &pol, bytes_frame(NULL, 0, MT_FMT_MJPEG, t += 40000), MT_EFORMAT,
			     &added);
			break;
		case 10:
			push(&m, &pol, small_jpeg(t += 40000), MT_EFORMAT, &added);
			break;
		case 15: /* cut short: no EOI */
			f = mjpeg_frame(i);
			f->size /= 2;
			f->ts_us = t += 40000;
			push(&m, &pol, f, MT_EFORMAT, &added);
			break;
		case 20:
			push(&m, &pol, au_frame(h264_stream, h264_len, 0, t += 40000), MT_EFORMAT,
			     &added);
			break;
		case 25: /* the same time again, then one from the past */
			f = mjpeg_frame(i);
			f->ts_us = t;
			push(&m, &pol, f, 0, &added);
			f = mjpeg_frame(i);
			f->ts_us = t - 1000000;
			push(&m, &pol, f, 0, &added);
			break;
		default:
			break;
		}
	}
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	assert_int_equal(m.stats.empty, 1);
	assert_int_equal(m.stats.wrong_size, 1);
	assert_int_equal(m.stats.malformed, 1);
	assert_int_equal(m.stats.wrong_format, 1);
	assert_int_equal(m.stats.ts_clamped, 2);
	assert_int_equal(added, 42);
	mt_fmp4_free(&m);
	sink_close(&s);
	check_survivor(s.path, added);
}

/* ---- write errors and the API's edges -------------------------------- */

/* n frames with write call fail_at failing: from then on every call returns
 * the error, the pieces reported are exactly those written in full, and every
 * frame reference is given back. Returns the write calls made. */
static uint64_t run_failing(frame_fn make, enum mt_pixfmt fmt, int n, uint64_t fail_at,
			    int piece_ret)
{
	struct mt_frame *frames[40];
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	struct sink s;
	int err = 0, ret;

	assert_true(n <= 40);
	sink_open(&s, &cfg, fmt, NULL);
	s.fail_at = fail_at;
	s.piece_ret = piece_ret;
	mt_fmp4_policy_default(&pol, fmt);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	for (int i = 0; i < n; i++) {
		frames[i] = make(i);
		ret = mux(&m, frames[i], &pol);
		if (err)
			assert_int_equal(ret, err);
		else if (ret)
			err = ret;
	}
	ret = mt_fmp4_cut(&m, MT_FMP4_NO_NEXT);
	if (err)
		assert_int_equal(ret, err);
	err = err ? err : ret;
	if (fail_at && fail_at <= s.calls)
		assert_int_equal(err, -ENOSPC);
	else if (piece_ret)
		assert_int_equal(err, piece_ret);
	else
		assert_int_equal(err, 0);
	/* what was reported was written */
	if (s.npieces)
		assert_true(s.pieces[s.npieces - 1].offset + s.pieces[s.npieces - 1].length <=
			    m.stats.bytes);
	mt_fmp4_free(&m);
	for (int i = 0; i < n; i++) {
		assert_int_equal(atomic_load(&frames[i]->refs), 1);
		mt_frame_put(frames[i]);
	}
	return s.calls;
}

static void test_write_errors(void **state)
{
	uint64_t calls = run_failing(mjpeg_frame, MT_FMT_MJPEG, 40, 0, 0);

	assert_int_equal(calls, 1 + 2 + 40); /* init; 2 fragment headers; 40 JPEGs */
	for (uint64_t n = 1; n <= calls; n++)
		run_failing(mjpeg_frame, MT_FMT_MJPEG, 40, n, 0);
	calls = run_failing(h264_frame, MT_FMT_H264, 30, 0, 0);
	assert_true(calls > 1 + 2 + 2 * 30); /* an SEI rides with the first IDR */
	for (uint64_t n = 1; n <= calls; n++)
		run_failing(h264_frame, MT_FMT_H264, 30, n, 0);
	/* the fragment callback's error (a failed fsync) is the writer's */
	run_failing(mjpeg_frame, MT_FMT_MJPEG, 10, 0, -EIO);
	run_failing(h264_frame, MT_FMT_H264, 10, 0, -EIO);
}

static void test_api_edges(void **state)
{
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mp4_file *mp4 = malloc(sizeof(*mp4));
	struct mt_frame *f;
	struct mt_fmp4 m;
	struct sink s;
	const char *why;
	size_t len;
	uint8_t *buf;

	assert_non_null(mp4);
	mt_fmp4_free(NULL);
	sink_open(&s, &cfg, MT_FMT_YUYV, NULL);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), -EINVAL);
	mt_fmp4_free(&m);
	cfg.format = MT_FMT_MJPEG;
	cfg.write = NULL;
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), -EINVAL);

	/* a full fragment refuses more; a lone sample lasts frame_us */
	sink_open(&s, &cfg, MT_FMT_MJPEG, "edges.mp4");
	cfg.max_samples = 3;
	cfg.frame_us = 66666;
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0); /* empty: nothing */
	assert_int_equal(s.calls, 0);
	for (int i = 0; i < 4; i++) {
		f = mjpeg_frame(i);
		assert_int_equal(mt_fmp4_add(&m, f), i < 3 ? 0 : -ENOBUFS);
		mt_frame_put(f);
	}
	assert_int_equal(mt_fmp4_pending(&m), 3);
	assert_int_equal(mt_fmp4_cut(&m, ts_of(3)), 0); /* exact last duration */
	assert_int_equal(mt_fmp4_pending(&m), 0);
	mt_fmp4_free(&m);
	sink_close(&s);
	buf = mp4_slurp(s.path, &len);
	assert_non_null(buf);
	assert_int_equal(mp4_read(buf, len, mp4, &why), 0);
	assert_int_equal(mp4->n, 3);
	assert_int_equal(mp4->s[2].duration, (ts_of(3) - ts_of(2)) * 9 / 100);
	free(buf);

	sink_open(&s, &cfg, MT_FMT_MJPEG, "one.mp4");
	cfg.frame_us = 66666;
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	f = mjpeg_frame(0);
	assert_int_equal(mt_fmp4_add(&m, f), 0);
	mt_frame_put(f);
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	mt_fmp4_free(&m);
	sink_close(&s);
	buf = mp4_slurp(s.path, &len);
	assert_non_null(buf);
	assert_int_equal(mp4_read(buf, len, mp4, &why), 0);
	assert_int_equal(mp4->n, 1);
	assert_int_equal(mp4->s[0].duration, 6000);
	free(buf);
	assert_int_equal(media_probe_frames(s.path), 1);
	free(mp4);

	/* the policies */
	sink_open(&s, &cfg, MT_FMT_MJPEG, NULL);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	mt_fmp4_policy_default(&pol, MT_FMT_MJPEG);
	f = mjpeg_frame(0);
	assert_false(mt_fmp4_cut_due(&m, &pol, f)); /* nothing open */
	assert_int_equal(mt_fmp4_add(&m, f), 0);
	f->ts_us = ts_of(0) + 999999;
	assert_false(mt_fmp4_cut_due(&m, &pol, f));
	f->ts_us = ts_of(0) + 1000000;
	assert_true(mt_fmp4_cut_due(&m, &pol, f));
	f->ts_us = ts_of(0) + 1;
	pol.max_samples = 1;
	assert_true(mt_fmp4_cut_due(&m, &pol, f));
	mt_fmp4_policy_default(&pol, MT_FMT_H264);
	assert_true(mt_fmp4_cut_due(&m, &pol, f)); /* a keyframe */
	f->flags = 0;
	assert_false(mt_fmp4_cut_due(&m, &pol, f));
	f->ts_us = ts_of(0) + 10000000;
	assert_true(mt_fmp4_cut_due(&m, &pol, f)); /* a GOP longer than 10 s */
	mt_frame_put(f);
	mt_fmp4_free(&m);
}

/* ---- what it costs ---------------------------------------------------- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* 2000 frames into a writer that keeps nothing: the time per frame, and the
 * bytes beyond the frames' own. The overhead is exactly the init segment
 * plus 96 + 12 per sample for each fragment (for H.264, plus 4-byte NAL
 * lengths in place of start codes, less SPS/PPS/AUD). */
static void measure(frame_fn make, enum mt_pixfmt fmt)
{
	struct mt_frame *frames[NFRAMES];
	struct mt_fmp4_config cfg;
	struct mt_fmp4_policy pol;
	struct mt_fmp4 m;
	struct sink s;
	uint64_t payload = 0;
	double t;

	for (int i = 0; i < NFRAMES; i++)
		frames[i] = make(i);
	sink_open(&s, &cfg, fmt, NULL);
	mt_fmp4_policy_default(&pol, fmt);
	mt_fmp4_init(&m, &cfg);
	assert_int_equal(mt_fmp4_open(&m), 0);
	t = now_s();
	for (int k = 0; k < 20 * NFRAMES; k++) {
		struct mt_frame *f = frames[k % NFRAMES];

		f->ts_us = T0 + (int64_t)k * 40000;
		payload += f->size;
		assert_int_equal(mux(&m, f, &pol), 0);
	}
	assert_int_equal(mt_fmp4_cut(&m, MT_FMP4_NO_NEXT), 0);
	t = now_s() - t;
	if (fmt == MT_FMT_MJPEG)
		assert_int_equal(m.stats.bytes,
				 s.pieces[0].length + m.stats.fragments * MT_FMP4_FRAG_FIXED +
					 20 * NFRAMES * MT_FMP4_FRAG_PER_SAMP + payload);
	print_message("%s: %.2f us/frame to mux; %llu fragments, init %llu bytes, "
		      "%.1f bytes/fragment beyond the frames' %llu\n",
		      mt_pixfmt_name(fmt), t * 1e6 / (20 * NFRAMES),
		      (unsigned long long)m.stats.fragments, (unsigned long long)s.pieces[0].length,
		      (double)(m.stats.bytes - s.pieces[0].length - payload) /
			      (double)m.stats.fragments,
		      (unsigned long long)payload);
	/* generous: 5 ms/frame would be a bug even under sanitizers */
	assert_true(t / (20 * NFRAMES) < 0.005);
	mt_fmp4_free(&m);
	for (int i = 0; i < NFRAMES; i++)
		mt_frame_put(frames[i]);
}

static void test_cost(void **state)
{
	measure(mjpeg_frame, MT_FMT_MJPEG);
	measure(h264_frame, MT_FMT_H264);
}

static int setup(void **state)
{
	size_t pos = 0;

	tmp = mt_test_tmpdir("fmp4");
	h264_stream = encode_h264("stream.h264", NFRAMES, "", &h264_len);
	for (int i = 0; i < NFRAMES; i++)
		assert_int_equal(mt_h264_next_au(h264_stream, h264_len, &pos, &h264_au[i],
						 &h264_au_len[i]),
				 1);
	assert_int_equal(pos, h264_len); /* NFRAMES access units, all of the stream */
	return 0;
}

static int teardown(void **state)
{
	free(h264_stream);
	for (int i = 0; i < NFRAMES; i++)
		mt_frame_put(footage[i]);
	return mt_test_tmpdir_remove(&tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mjpeg_real_footage),
		cmocka_unit_test(test_h264_real_footage),
		cmocka_unit_test(test_cuts_mjpeg),
		cmocka_unit_test(test_cuts_h264),
		cmocka_unit_test(test_bad_h264_input),
		cmocka_unit_test(test_bad_mjpeg_input),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_cost),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
