/* The recorder's data path and its threads. */
#include "app/pipeline.h"
#include "app/delivery.h"
#include "app/motion_summary.h"
#include "app/sealing.h"
#include "app/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/controls.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/queue.h"
#include "core/ring.h"
#include "core/supervisor.h"
#include "core/thread.h"
#include "evidence/sha256.h"
#include "hal/clock.h"
#include "motion/motion.h"
#include "motion/settings.h"
#include "motion/thumb.h"
#include "record/encode.h"
#include "record/event.h"

MT_LOG_MODULE("pipeline");

#define ANALYSIS_SLOTS 8
#define ENCODE_SLOTS   16 /* ~0.5 s at 30 fps: the encoder's jitter */
#define POLL_MS        200

struct pipeline {
	struct mt_board *b;
	struct mt_run_report *rep;
	atomic_int *stop;
	int realtime;

	struct mt_capture_config cap_cfg;
	struct mt_ring ring;
	struct mt_frame **ring_slots;
	struct mt_queue analysis_q;
	void *analysis_slots[ANALYSIS_SLOTS];
	struct mt_queue encode_q; /* capture → encode thread, when the stage works */
	void *encode_slots[ENCODE_SLOTS];
	struct mt_motion_config md_cfg;
	struct mt_event_config ev_cfg;
	struct mt_clip_writer writer;
	struct mt_recorder rec;
	struct mt_sealing sealing;     /* key, spool, clip writer hooks (issue #6) */
	struct mt_motion_summary msum; /* for the manifests */
	int msum_ready;
	struct mt_encode enc; /* camera frame → recorded frame (issue #5) */
	uint32_t gop_s;       /* H.264 GOP actually used (0: not encoding H.264) */

	struct mt_thread capture_t, encode_t, analysis_t, writer_t;
	atomic_int capture_done;
	uint64_t captured;    /* by the capture thread */
	uint64_t backlog_max; /* frames a waiting capture lets the writer trail */
	int ready;            /* ring, queue and recorder exist */
	struct mt_supervisor_config sup_cfg;
	struct mt_supervisor sup;
};

/* The controls the configuration asks of the camera: power line and
 * exposure first, then capture.controls (checked when it was set). */
static void camera_controls(const struct mt_config *cfg, struct mt_capture_config *cc)
{
	int64_t power = mt_config_int(cfg, MT_CONFIG_CAPTURE_POWER_LINE);
	int64_t exposure = mt_config_int(cfg, MT_CONFIG_CAPTURE_EXPOSURE);
	char why[96];

	cc->ncontrols = 0;
	if (power <= 3) /* off, 50, 60, auto: V4L2's menu order; 4 = leave it */
		cc->controls[cc->ncontrols++] =
			(struct mt_capture_control){ "power_line_frequency", (int32_t)power };
	if (exposure > 0) /* 1 auto, 2 manual */
		cc->controls[cc->ncontrols++] =
			(struct mt_capture_control){ "exposure_mode", (int32_t)exposure - 1 };
	if (mt_controls_parse(mt_config_str(cfg, MT_CONFIG_CAPTURE_CONTROLS), cc->controls,
			      MT_CAPTURE_MAX_CONTROLS, &cc->ncontrols, why, sizeof(why)))
		MT_ERR("capture.controls: %s", why);
}

/* The frame to record (passed through, masked or encoded) into the ring. A
 * frame the encode stage drops is counted there; -EAGAIN: the encoder
 * holds it and gives it with a later call. */
static void record_frame(struct pipeline *p, struct mt_frame *f)
{
	struct mt_frame *rec = NULL;

	if (mt_encode_frame(&p->enc, f, &rec) == 0) {
		mt_ring_push(&p->ring, rec);
		mt_frame_put(rec);
	}
}

/* Push f (our reference) to q: at once on a live camera, where a full queue
 * costs that stage the frame; a replay run as fast as it reads waits. 0, or
 * the frame was dropped (and put). */
static int hand_on(struct pipeline *p, struct mt_thread *self, struct mt_queue *q,
		   struct mt_frame *f)
{
	int ret;

	if (p->realtime)
		ret = mt_queue_push(q, f);
	else
		while ((ret = mt_queue_push_wait(q, f, POLL_MS)) == -EAGAIN &&
		       !mt_thread_should_stop(self))
			mt_thread_beat(self);
	if (ret)
		mt_frame_put(f);
	return ret;
}

/* Record f, then give it to analysis (after masking: analysis sees what is
 * recorded). */
static void record_and_analyse(struct pipeline *p, struct mt_thread *self, struct mt_frame *f)
{
	record_frame(p, f);
	if (hand_on(p, self, &p->analysis_q, f))
		p->rep->queue_drops++;
}

/* capture: camera → ring, and a reference to analysis. Never waits for
 * analysis on a live camera: a full queue costs analysis a frame, not the
 * clip (the ring still has it). A replay run as fast as it reads waits.
 * When the encode stage works (raw frames to encode, JPEGs to mask), the
 * frame goes to the encode thread instead, so a slow encoder never delays
 * the camera's buffers; a full encode queue costs the recording that frame
 * (counted). */
static int capture_main(struct mt_thread *self, void *arg)
{
	struct pipeline *p = arg;
	struct mt_frame *f;
	int ret = 0;

	while (!mt_thread_should_stop(self)) {
		mt_thread_beat(self);
		mt_status_capture(p->b->status, p->b->capture,
				  p->rep->queue_drops + p->rep->encode_drops);
		ret = mt_capture_dequeue(p->b->capture, POLL_MS, &f);
		if (ret == -EAGAIN)
			continue;
		if (ret == MT_EEND) {
			MT_INF("camera: end of footage");
			ret = 0;
			break;
		}
		if (ret) {
			MT_ERR("camera: %s", mt_strerror(ret));
			mt_clock_sleep_us(p->b->clock, POLL_MS * 1000);
			continue;
		}
		/* A replay run as fast as it reads waits for the clip writer too,
		 * so the ring never drops a frame the writer still needs. */
		while (!p->realtime && !mt_thread_should_stop(self) &&
		       mt_recorder_backlog(&p->rec, p->captured) > p->backlog_max) {
			mt_thread_beat(self);
			mt_clock_sleep_us(p->b->clock, 2000);
		}
		if (p->captured++ == 0)
			p->rep->first_frame_us = f->ts_us;
		if (!p->rep->encode_thread)
			record_and_analyse(p, self, f);
		else if (hand_on(p, self, &p->encode_q, f))
			p->rep->encode_drops++;
		ret = 0;
	}
	mt_queue_close(p->rep->encode_thread ? &p->encode_q : &p->analysis_q);
	atomic_store(&p->capture_done, 1);
	return ret;
}

/* encode: masks and encodes what capture gives, into the ring, then hands
 * the frame to analysis; closes analysis's queue once capture has ended and
 * every frame is through. */
static int encode_main(struct mt_thread *self, void *arg)
{
	struct pipeline *p = arg;
	void *item;

	for (;;) {
		mt_thread_beat(self);
		int ret = mt_queue_pop(&p->encode_q, POLL_MS, &item);

		if (ret == -EAGAIN)
			continue;
		if (ret)
			break; /* closed and empty: capture has ended */
		record_and_analyse(p, self, item);
	}
	mt_queue_close(&p->analysis_q);
	return 0;
}

static void post(struct pipeline *p, enum mt_event_action a, int64_t at_us)
{
	if (a == MT_EVENT_NONE)
		return;
	if (a == MT_EVENT_START) {
		p->rep->events++;
		mt_encode_request_keyframe(&p->enc); /* an IDR at the trigger */
		MT_INF("event %llu: motion at %.2f s", (unsigned long long)p->rep->events,
		       (double)(at_us - p->rep->first_frame_us) / 1e6);
	}
	if (mt_recorder_post(&p->rec, a, at_us))
		MT_ERR("recorder queue full: event decision lost");
}

/* analysis: thumbnail → motion → event decisions for the recorder. */
static int analysis_main(struct mt_thread *self, void *arg)
{
	struct pipeline *p = arg;
	struct mt_thumbnailer tn;
	struct mt_thumb *thumb = malloc(sizeof(*thumb));
	struct mt_motion *md = malloc(sizeof(*md)); /* ~0.5 MiB: not on the stack */
	struct mt_event ev;
	struct mt_motion_result res;
	enum mt_event_action a;
	int64_t last_ts = 0, at = 0;
	void *item;
	int ret = 0;

	if (!thumb || !md) {
		ret = -ENOMEM;
		goto out_free;
	}
	mt_thumbnailer_init(&tn);
	/* cells never analysed need no decoding where the camera allows */
	mt_thumbnailer_skip(&tn, &p->md_cfg.ignore, &p->md_cfg.privacy);
	memset(thumb, 0, sizeof(*thumb)); /* what a skipped interval leaves */
	mt_motion_init(md, &p->md_cfg);
	mt_event_init(&ev, &p->ev_cfg);
	for (;;) {
		struct mt_frame *f;

		mt_thread_beat(self);
		ret = mt_queue_pop(&p->analysis_q, POLL_MS, &item);
		if (ret == -EAGAIN)
			continue;
		if (ret)
			break; /* closed: capture has ended */
		f = item;
		last_ts = f->ts_us;
		if (mt_thumb_make(&tn, f, thumb)) {
			p->rep->unreadable++;
			MT_WRN("frame %llu: cannot make a thumbnail", (unsigned long long)f->seq);
		} else {
			mt_motion_feed(md, thumb, f->ts_us, &res);
			mt_motion_summary_add(&p->msum, &res);
			p->rep->analysed++;
			p->rep->motion_frames += (uint64_t)res.motion;
			mt_status_analysis(p->b->status, thumb, md, &res, p->rep);
			/* The engine's event (trigger, hysteresis, release) drives
			 * the recorder's clip decisions (post-roll, splits). */
			a = mt_event_step(&ev, f->ts_us,
					  res.event == MT_TRIGGER_ACTIVE ||
						  res.event == MT_TRIGGER_RELEASING,
					  &at);
			post(p, a, at);
			mt_recorder_analysed(&p->rec, f->ts_us);
		}
		mt_frame_put(f);
	}
	ret = 0;
	a = mt_event_finish(&ev, last_ts, &at);
	post(p, a, at);
	mt_thumbnailer_free(&tn);
out_free:
	free(md);
	free(thumb);
	/* Only now may the writer finish: every decision has been posted. */
	mt_recorder_analysed(&p->rec, INT64_MAX);
	mt_ring_close(&p->ring);
	return ret;
}

static void clip_done(void *arg, const struct mt_clip_info *clip)
{
	struct pipeline *p = arg;
	struct mt_run_report *r = p->rep;
	uint8_t digest[32];
	uint32_t i = r->nclips++;

	mt_status_recorder(p->b->status, &p->rec.stats);
	MT_INF("clip %s: %u frames, %.1f s, pre-roll %.1f s", clip->path, clip->frames,
	       (double)(clip->last_us - clip->first_us) / 1e6,
	       (double)(clip->trigger_us - clip->first_us) / 1e6);
	if (i >= MT_REPORT_CLIPS)
		return;
	r->clips[i] = *clip;
	if (mt_sha256_file(p->b->storage, clip->path, digest) == 0)
		mt_sha256_hex(digest, r->clip_sha256[i]);
	else
		snprintf(r->clip_sha256[i], sizeof(r->clip_sha256[i]), "(unreadable)");
}

/* writer: follows the ring into clips as the recorder decides. */
static int writer_main(struct mt_thread *self, void *arg)
{
	struct pipeline *p = arg;

	while (mt_recorder_poll(&p->rec, POLL_MS) != MT_EEND) {
		mt_thread_beat(self);
		if (p->sealing.on) { /* losses and refusals show in the console's status */
			struct mt_spool_stats ss;

			mt_spool_get_stats(&p->sealing.spool, &ss);
			mt_status_spool(p->b->status, &ss);
		}
	}
	return 0;
}

/* The encode stage for the camera's format (record/encode.h). An H.264 GOP
 * is at most half the pre-roll, so a clip's first IDR is never much more
 * than the pre-roll before the trigger. */
static int setup_encode(struct pipeline *p, const struct mt_config *cfg)
{
	static const uint8_t profiles[] = { 66, 77, 100 };
	const struct mt_capture_format *fmt = &p->rep->format;
	bool h264 = mt_config_int(cfg, MT_CONFIG_RECORD_CODEC) == 1;
	int64_t preroll_s = mt_config_int(cfg, MT_CONFIG_RECORD_PREROLL_S);
	uint32_t gop_s = (uint32_t)mt_config_int(cfg, MT_CONFIG_RECORD_GOP_S);
	uint32_t fps = fmt->fps ? fmt->fps : p->cap_cfg.fps;
	struct mt_encode_config ec;
	char why[160];
	int ret;

	if (preroll_s >= 2 && gop_s > preroll_s / 2)
		gop_s = (uint32_t)(preroll_s / 2);
	ec = (struct mt_encode_config){
		.in = fmt->format,
		.out = h264 ? MT_FMT_H264 : MT_FMT_MJPEG,
		.width = fmt->width,
		.height = fmt->height,
		.fps = fps,
		.quality = (uint32_t)mt_config_int(cfg, MT_CONFIG_RECORD_JPEG_QUALITY),
		.bitrate = (uint32_t)mt_config_int(cfg, MT_CONFIG_RECORD_H264_KBPS) * 1000,
		.gop = gop_s * fps,
		.profile_idc = profiles[mt_config_int(cfg, MT_CONFIG_RECORD_H264_PROFILE)],
		.encoder = h264 ? p->b->encoder : p->b->jpeg_encoder,
		.privacy = mt_config_str(cfg, MT_CONFIG_MOTION_PRIVACY),
	};
	ret = mt_encode_open(&p->enc, &ec, why, sizeof(why));
	if (ret) {
		MT_ERR("camera gives %s: %s", mt_pixfmt_name(fmt->format), why);
		return ret;
	}
	if (fmt->format == MT_FMT_YUYV || fmt->format == MT_FMT_NV12)
		MT_INF("encoding %s to %s with %s", mt_pixfmt_name(fmt->format),
		       mt_pixfmt_name(ec.out), ec.encoder->name);
	/* A camera's own H.264 has its own GOP; allow the longest we ask for. */
	p->gop_s = h264 || fmt->format == MT_FMT_H264 ? gop_s : 0;
	return 0;
}

static int setup(struct pipeline *p, const struct mt_config *cfg)
{
	char fmt[16], msg[160];
	int64_t preroll_us = mt_config_int(cfg, MT_CONFIG_RECORD_PREROLL_S) * 1000000;
	uint32_t fps = (uint32_t)mt_config_int(cfg, MT_CONFIG_CAPTURE_FPS);
	int64_t merge_gap_s;
	uint32_t nslots;
	int ret;

	p->sup_cfg =
		(struct mt_supervisor_config){ .clock = p->b->clock, .watchdog = p->b->watchdog };
	mt_supervisor_init(&p->sup, &p->sup_cfg);
	mt_thread_init(&p->capture_t, p->b->clock);
	mt_thread_init(&p->encode_t, p->b->clock);
	mt_thread_init(&p->analysis_t, p->b->clock);
	mt_thread_init(&p->writer_t, p->b->clock);
	mt_clip_writer_init(&p->writer, p->b->storage, mt_config_str(cfg, MT_CONFIG_SPOOL_PATH));
	mt_config_value_format(cfg, MT_CONFIG_CAPTURE_FORMAT, fmt, sizeof(fmt));
	p->realtime = mt_config_bool(cfg, MT_CONFIG_CAPTURE_REALTIME);
	p->cap_cfg = (struct mt_capture_config){
		.device = mt_config_str(cfg, MT_CONFIG_CAPTURE_DEVICE),
		.format = mt_pixfmt_parse(fmt),
		.width = (uint16_t)mt_config_int(cfg, MT_CONFIG_CAPTURE_WIDTH),
		.height = (uint16_t)mt_config_int(cfg, MT_CONFIG_CAPTURE_HEIGHT),
		.fps = fps,
		.buffers = (uint32_t)mt_config_int(cfg, MT_CONFIG_CAPTURE_BUFFERS),
		.clock = p->b->clock,
		.realtime = p->realtime,
		.loop = mt_config_bool(cfg, MT_CONFIG_CAPTURE_LOOP),
	};
	camera_controls(cfg, &p->cap_cfg);
	ret = mt_capture_open(p->b->capture, &p->cap_cfg);
	if (ret) {
		p->rep->camera_error = ret;
		return ret;
	}
	mt_capture_get_format(p->b->capture, &p->rep->format);
	ret = setup_encode(p, cfg);
	if (ret)
		return ret;

	/* Slots for the ring: pre-roll plus a margin for the writer to lag, at
	 * the rate the camera really runs (a file may have its own). */
	if (p->rep->format.fps > fps)
		fps = p->rep->format.fps;
	merge_gap_s = mt_config_int(cfg, MT_CONFIG_RECORD_MERGE_GAP_S);
	/* + a GOP, + the merge gap: the frames between two events that merge */
	nslots = (uint32_t)((preroll_us / 1000000 + 4 + p->gop_s + merge_gap_s) * fps);
	p->backlog_max = (uint64_t)(preroll_us / 1000000 + 1 + p->gop_s) * fps;
	p->ring_slots = calloc(nslots, sizeof(*p->ring_slots));
	if (!p->ring_slots)
		return -ENOMEM;
	/* Age bound: pre-roll and merge gap, plus the 2 s the writer may need
	 * to catch up. */
	mt_ring_init(&p->ring, p->ring_slots, nslots,
		     (size_t)mt_config_int(cfg, MT_CONFIG_RECORD_RING_BYTES),
		     preroll_us + merge_gap_s * 1000000 + 2000000);
	mt_queue_init(&p->analysis_q, p->analysis_slots, ANALYSIS_SLOTS);
	mt_queue_init(&p->encode_q, p->encode_slots, ENCODE_SLOTS);
	p->rep->encode_thread = mt_encode_busy(&p->enc);

	if (mt_motion_settings_read(cfg, &p->md_cfg, msg, sizeof(msg))) {
		MT_ERR("%s", msg);
		return MT_ECONFIG;
	}
	p->ev_cfg = (struct mt_event_config){
		.trigger_frames = 1, /* the motion engine's event already persisted */
		.postroll_us = mt_config_int(cfg, MT_CONFIG_RECORD_POSTROLL_S) * 1000000,
		.max_us = mt_config_int(cfg, MT_CONFIG_RECORD_CLIP_MAX_S) * 1000000,
		.merge_us = preroll_us + merge_gap_s * 1000000,
	};
	mt_recorder_init(&p->rec, preroll_us, &p->ring, &p->writer, clip_done, p);
	mt_recorder_set_merge_gap(&p->rec, merge_gap_s * 1000000);
	p->ready = 1;
	ret = mt_clip_writer_open(&p->writer);
	if (ret)
		return ret;
	/* Every clip sealed into the spool; without a key, unsigned (said). */
	mt_sealing_open(&p->sealing, p->b, cfg, &p->writer, p->rep->format.width,
			p->rep->format.height);
	/* each manifest gets what the detector saw during its clip */
	mt_motion_summary_init(&p->msum, p->rep->format.width, p->rep->format.height);
	p->msum_ready = 1;
	p->sealing.rec.motion = mt_motion_summary_take;
	p->sealing.rec.motion_arg = &p->msum;
	/* clips go up while they are recorded */
	if (p->sealing.on)
		mt_delivery_follow(p->b->delivery, &p->sealing.spool);

	return 0;
}

static void teardown(struct pipeline *p)
{
	struct mt_supervisor_health h;

	mt_supervisor_health(&p->sup, &h);
	p->rep->watchdog_feeds = h.feeds;
	p->rep->watchdog_missed = h.missed;
	mt_supervisor_free(&p->sup);
	mt_clip_writer_free(&p->writer);
	if (p->sealing.on) { /* after the writer: its last clip is sealed */
		mt_spool_get_stats(&p->sealing.spool, &p->rep->spool);
		mt_delivery_follow(p->b->delivery, NULL);
	}
	mt_sealing_free(&p->sealing);
	if (p->msum_ready)
		mt_motion_summary_free(&p->msum);
	mt_encode_free(&p->enc);
	if (p->ready) {
		mt_recorder_free(&p->rec);
		mt_queue_free(&p->analysis_q);
		mt_queue_free(&p->encode_q);
		mt_ring_free(&p->ring);
	}
	free(p->ring_slots);
	mt_capture_close(p->b->capture);
}

int mt_pipeline_run(struct mt_board *b, const struct mt_config *cfg, atomic_int *stop,
		    struct mt_run_report *report)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	int64_t t0 = mt_clock_mono_us(b->clock);
	int ret;

	if (!p)
		return -ENOMEM;
	memset(report, 0, sizeof(*report));
	p->b = b;
	p->rep = report;
	p->stop = stop;
	mt_sealing_init(&p->sealing);
	ret = setup(p, cfg);
	if (ret)
		goto out_teardown;
	ret = mt_capture_start(b->capture);
	if (ret)
		goto out_teardown;

	mt_thread_start(&p->writer_t, "mt-writer", writer_main, p);
	mt_thread_start(&p->analysis_t, "mt-analysis", analysis_main, p);
	if (report->encode_thread) {
		mt_thread_start(&p->encode_t, "mt-encode", encode_main, p);
		mt_supervisor_watch(&p->sup, &p->encode_t, 0);
	}
	mt_thread_start(&p->capture_t, "mt-capture", capture_main, p);
	mt_supervisor_watch(&p->sup, &p->capture_t, 0);
	mt_supervisor_watch(&p->sup, &p->analysis_t, 0);
	mt_supervisor_watch(&p->sup, &p->writer_t, 0);
	mt_status_attach(b->status, &p->ring, &p->sup, b->capture->name, p->cap_cfg.device);
	ret = mt_supervisor_start(&p->sup);
	if (ret)
		MT_ERR("supervisor: %s", mt_strerror(ret));

	/* Shutdown order: capture, then the encode thread (it drains its
	 * queue), then analysis (it drains and posts the last decision, then
	 * closes the ring), then the writer (it finishes the clip it has open). */
	while (!atomic_load(stop) && !atomic_load(&p->capture_done))
		mt_clock_sleep_us(b->clock, 100000);
	mt_thread_stop(&p->capture_t);
	mt_thread_join(&p->capture_t);
	if (report->encode_thread)
		mt_thread_join(&p->encode_t);
	mt_thread_join(&p->analysis_t);
	mt_thread_join(&p->writer_t);
	mt_status_detach(b->status);
	mt_supervisor_stop(&p->sup);
	mt_capture_stop(b->capture);

out_teardown:
	mt_capture_get_stats(b->capture, &report->capture);
	report->rec = p->rec.stats;
	report->enc = p->enc.stats;
	report->signing = p->sealing.on;
	snprintf(report->signing_why, sizeof(report->signing_why), "%s", p->sealing.why);
	report->run_us = mt_clock_mono_us(b->clock) - t0;
	teardown(p); /* the writer's last clip is sealed here */
	free(p);
	return ret;
}
