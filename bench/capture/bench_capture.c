/* Capture path cost: the real V4L2 driver streams 1080p MJPEG from the fake
 * device (real footage, scaled and JPEG-encoded once up front), and we
 * measure what the driver spends per frame from DQBUF to the frame handed
 * on. The fake's own work (its stand-in for the camera's DMA, a memcpy into
 * the mmap buffer) is timed separately and taken out. The peer, measured in
 * the same run, is the least any capture path must do: one memcpy of each
 * payload into a fresh buffer.
 *
 *   bench_capture [FRAMES [WIDTH HEIGHT [FPS]]]   (default 1800 1920 1080 30)
 *
 * Prints key=value lines for bench/capture/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "fake/fake_v4l2.h"
#include "fake/manual_clock.h"
#include "linux/v4l2_capture.h"
#include "support.h"

#define NSRC 8

static uint8_t *jpeg[NSRC];
static unsigned long jpeg_len[NSRC];
static int64_t fill_ns;

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int make_frames(int w, int h)
{
	tjhandle d = tjInitDecompress(), c = tjInitCompress();
	uint8_t *big = malloc((size_t)w * h * 3);

	for (int i = 0; i < NSRC; i++) {
		struct mt_frame *f = mt_test_footage_frame(1 + i * 150);
		int sw, sh, sub, cs;
		uint8_t *small;

		if (!f || tjDecompressHeader3(d, f->data, f->size, &sw, &sh, &sub, &cs))
			return -1;
		small = malloc((size_t)sw * sh * 3);
		tjDecompress2(d, f->data, f->size, small, sw, 0, sh, TJPF_RGB, 0);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				memcpy(big + ((size_t)y * w + x) * 3,
				       small + ((size_t)(y * sh / h) * sw + x * sw / w) * 3, 3);
		if (tjCompress2(c, big, w, 0, h, TJPF_RGB, &jpeg[i], &jpeg_len[i], TJSAMP_420, 85,
				0))
			return -1;
		free(small);
		mt_frame_put(f);
	}
	free(big);
	tjDestroy(d);
	tjDestroy(c);
	return 0;
}

static long fill(void *ctx, uint32_t fourcc, uint16_t w, uint16_t h, uint64_t n, uint8_t *dst,
		 size_t cap)
{
	int64_t t0 = cpu_ns();
	size_t len = jpeg_len[n % NSRC];

	(void)ctx;
	(void)fourcc;
	(void)w;
	(void)h;
	if (len > cap)
		return -1;
	memcpy(dst, jpeg[n % NSRC], len);
	fill_ns += cpu_ns() - t0;
	return (long)len;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 1800;
	int w = argc > 3 ? atoi(argv[2]) : 1920, h = argc > 3 ? atoi(argv[3]) : 1080;
	int fps = argc > 4 ? atoi(argv[4]) : 30;
	static struct mt_manual_clock clock;
	static struct mt_fake_v4l2 fake;
	static struct mt_v4l2_capture cam;
	struct mt_capture_config cfg = { .device = "/dev/video0",
					 .format = MT_FMT_MJPEG,
					 .width = (uint16_t)w,
					 .height = (uint16_t)h,
					 .fps = (uint32_t)fps,
					 .clock = &clock.dev };
	struct mt_capture_stats st;
	uint64_t bytes = 0, seq_errors = 0, ts_errors = 0;
	int64_t t0, total_ns, peer_ns, last_ts = 0;

	if (frames <= 0 || make_frames(w, h)) {
		fprintf(stderr, "bench_capture: cannot make frames (MT_FOOTAGE set?)\n");
		return 1;
	}
	mt_manual_clock_init(&clock);
	mt_fake_v4l2_init(&fake, "/dev/video0", &clock, fill, NULL);
	mt_fake_v4l2_attach(&fake);
	mt_fake_v4l2_plug(&fake);
	mt_v4l2_capture_init(&cam);
	cam.sys = &mt_fake_v4l2_syscalls;
	if (mt_capture_open(&cam.dev, &cfg) || mt_capture_start(&cam.dev))
		return 1;

	t0 = cpu_ns();
	for (int i = 0; i < frames; i++) {
		struct mt_frame *f;

		if (mt_capture_dequeue(&cam.dev, 1000, &f))
			return 1;
		seq_errors += f->seq != (uint64_t)i;
		ts_errors += i && f->ts_us <= last_ts;
		last_ts = f->ts_us;
		bytes += f->size;
		mt_frame_put(f);
	}
	total_ns = cpu_ns() - t0;

	/* the peer: one copy of each payload into a fresh buffer */
	t0 = cpu_ns();
	for (int i = 0; i < frames; i++) {
		struct mt_frame *f = mt_frame_alloc(jpeg_len[i % NSRC]);

		memcpy(f->data, jpeg[i % NSRC], jpeg_len[i % NSRC]);
		f->size = jpeg_len[i % NSRC];
		mt_frame_put(f);
	}
	peer_ns = cpu_ns() - t0;

	mt_capture_get_stats(&cam.dev, &st);
	mt_capture_close(&cam.dev);
	mt_fake_v4l2_free(&fake);
	for (int i = 0; i < NSRC; i++)
		tjFree(jpeg[i]);

	double drv_us = (double)(total_ns - fill_ns) / frames / 1000.0;
	double peer_us = (double)peer_ns / frames / 1000.0;

	printf("frames=%d\nsize=%dx%d\nfps=%d\nmean_frame_bytes=%.0f\n", frames, w, h, fps,
	       (double)bytes / frames);
	printf("lost=%llu\ndropped=%llu\ncorrupt=%llu\nseq_errors=%llu\nts_errors=%llu\n",
	       (unsigned long long)(fake.made - st.frames), (unsigned long long)st.dropped,
	       (unsigned long long)st.corrupt, (unsigned long long)seq_errors,
	       (unsigned long long)ts_errors);
	printf("copies_per_frame=%.3f\n", (double)cam.copied_bytes / (double)bytes);
	printf("driver_us_per_frame=%.2f\npeer_memcpy_us_per_frame=%.2f\n", drv_us, peer_us);
	printf("driver_vs_memcpy=%.2f\n", drv_us / peer_us);
	printf("core_percent_at_fps=%.3f\n", drv_us * fps / 1e4);
	return seq_errors || ts_errors || st.dropped || st.corrupt ? 1 : 0;
}
