/* The recorder's status for the console. */
#include "app/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/delivery.h"
#include "app/ota_agent.h"
#include "app/pipeline.h"
#include "core/ring.h"
#include "core/supervisor.h"
#include "core/wait.h"
#include "hal/capture.h"
#include "hal/clock.h"
#include "motion/motion.h"

#define CONTROL_WAIT_MS 1500 /* a capture pass is at most 200 ms plus a frame */
#define FPS_WINDOW_US   2000000

void mt_status_init(struct mt_status *st, struct mt_clock *clock, atomic_int *stop)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	mt_wait_cond_init(&st->changed);
	st->clock = clock;
	st->stop = stop;
}

void mt_status_free(struct mt_status *st)
{
	if (!st || !st->clock)
		return;
	pthread_cond_destroy(&st->changed);
	pthread_mutex_destroy(&st->lock);
	st->clock = NULL;
}

void mt_status_attach(struct mt_status *st, struct mt_ring *ring, struct mt_supervisor *sup,
		      const char *driver, const char *device)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	memset(&st->s, 0, sizeof(st->s));
	st->have_pic = false;
	st->ring = ring;
	st->sup = sup;
	st->s.running = true;
	st->modes_listed = false;
	st->nmodes = -EAGAIN;
	st->s.run_us = mt_clock_mono_us(st->clock); /* the start, until a snapshot */
	st->fps_t0 = st->s.run_us;
	st->fps_n0 = 0;
	snprintf(st->s.camera, sizeof(st->s.camera), "%s %s", driver, device);
	if (st->console)
		mt_supervisor_watch(sup, st->console, 0);
	pthread_mutex_unlock(&st->lock);
}

void mt_status_detach(struct mt_status *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->ring = NULL;
	st->sup = NULL;
	st->s.running = false;
	st->have_pic = false;
	/* A control nobody will set now: answer it. */
	if (st->ctl_pending) {
		st->ctl_pending = false;
		st->ctl_result = -ENODEV;
		st->ctl_done = st->ctl_seq;
		pthread_cond_broadcast(&st->changed);
	}
	pthread_mutex_unlock(&st->lock);
}

/* The camera's modes, asked on the capture thread (which owns the camera),
 * once per run, for "camera formats". */
static void list_modes(struct mt_status *st, struct mt_capture *cam)
{
	struct mt_capture_mode *m = calloc(MT_CONSOLE_MODES, sizeof(*m));
	int n;

	if (!m)
		return; /* tried again at the next pass */
	n = mt_capture_enum_modes(cam, m, MT_CONSOLE_MODES);
	pthread_mutex_lock(&st->lock);
	memcpy(st->modes, m, MT_CONSOLE_MODES * sizeof(*m));
	st->nmodes = n;
	st->modes_listed = true;
	pthread_mutex_unlock(&st->lock);
	free(m);
}

void mt_status_capture(struct mt_status *st, struct mt_capture *cam, uint64_t skipped)
{
	struct mt_capture_stats stats;
	struct mt_capture_format fmt;
	bool have = mt_capture_get_format(cam, &fmt) == 0;
	int64_t now;
	char name[32];
	int32_t value = 0;
	uint64_t seq = 0;

	if (!st)
		return;
	mt_capture_get_stats(cam, &stats);
	if (!st->modes_listed) /* only this thread writes it while a run is attached */
		list_modes(st, cam);
	now = mt_clock_mono_us(st->clock);
	pthread_mutex_lock(&st->lock);
	st->s.stats = stats;
	st->s.have_format = have;
	if (have)
		st->s.format = fmt;
	st->s.skipped = skipped;
	if (now - st->fps_t0 >= FPS_WINDOW_US) {
		st->s.fps_x10 = (uint32_t)((stats.frames - st->fps_n0) * 10000000 /
					   (uint64_t)(now - st->fps_t0));
		st->fps_t0 = now;
		st->fps_n0 = stats.frames;
	}
	if (st->ctl_pending) {
		memcpy(name, st->ctl_name, sizeof(name));
		value = st->ctl_value;
		st->ctl_pending = false;
		seq = st->ctl_seq;
	}
	pthread_mutex_unlock(&st->lock);
	if (!seq)
		return;
	/* Set on this thread, which owns the camera, outside the lock. */
	{
		int ret = mt_capture_set_control(cam, name, value);

		pthread_mutex_lock(&st->lock);
		if (seq > st->ctl_done) { /* else the console gave up on it */
			st->ctl_result = ret;
			st->ctl_done = seq;
		}
		pthread_cond_broadcast(&st->changed);
		pthread_mutex_unlock(&st->lock);
	}
}

/* Mean noise (luma << 8) and threshold (luma << 4) over unmasked cells,
 * both as luma x 16. */
static void motion_levels(const struct mt_motion *m, uint32_t *noise, uint32_t *thr)
{
	uint64_t n = 0, sn = 0, st = 0;

	for (unsigned i = 0; i < (unsigned)m->gw * m->gh; i++) {
		if (m->mask[i])
			continue;
		sn += m->noise[i];
		st += m->thr[i];
		n++;
	}
	*noise = n ? (uint32_t)(sn / n / 16) : 0;
	*thr = n ? (uint32_t)(st / n) : 0;
}

void mt_status_analysis(struct mt_status *st, const struct mt_thumb *t, const struct mt_motion *m,
			const struct mt_motion_result *res, const struct mt_run_report *rep)
{
	uint32_t noise, thr;
	size_t cells = (size_t)res->gw * res->gh;

	if (!st)
		return;
	motion_levels(m, &noise, &thr);
	pthread_mutex_lock(&st->lock);
	st->s.analysed = rep->analysed;
	st->s.unreadable = rep->unreadable;
	st->s.events = rep->events;
	st->s.score = res->score;
	st->s.area_permille = res->area_permille;
	st->s.noise_x16 = noise;
	st->s.threshold_x16 = thr;
	st->s.motion = res->learning ? MT_CONSOLE_MOTION_LEARNING :
		       res->event == MT_TRIGGER_ACTIVE || res->event == MT_TRIGGER_RELEASING ?
				       MT_CONSOLE_MOTION_ACTIVE :
				       MT_CONSOLE_MOTION_QUIET;
	st->pic.thumb.width = t->width;
	st->pic.thumb.height = t->height;
	memcpy(st->pic.thumb.y, t->y, (size_t)t->width * t->height);
	if (res->map && cells <= sizeof(st->pic.map)) {
		st->pic.gw = res->gw;
		st->pic.gh = res->gh;
		memcpy(st->pic.map, res->map, cells);
	} else {
		st->pic.gw = st->pic.gh = 0;
	}
	st->pic.seq++;
	st->have_pic = true;
	pthread_mutex_unlock(&st->lock);
}

void mt_status_spool(struct mt_status *st, const struct mt_spool_stats *sp)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->s.evidence = true;
	st->s.sealed = sp->sealed;
	st->s.receipts = sp->receipts;
	st->s.evicted = sp->evicted;
	st->s.unsent_lost = sp->lost;
	st->s.refused = sp->refused;
	pthread_mutex_unlock(&st->lock);
}

void mt_status_recorder(struct mt_status *st, const struct mt_recorder_stats *rs)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->s.clips = rs->clips;
	st->s.clip_frames = rs->frames;
	st->s.clip_lost = rs->lost;
	st->s.clip_errors = rs->errors;
	pthread_mutex_unlock(&st->lock);
}

/* ---- the console's hooks ---- */

static int hook_status(void *arg, struct mt_console_status *out)
{
	struct mt_status *st = arg;
	struct mt_supervisor_health h;
	int64_t now = mt_clock_mono_us(st->clock);
	uint64_t evicted;

	pthread_mutex_lock(&st->lock);
	*out = st->s;
	if (st->s.running) {
		out->run_us = now - st->s.run_us;
		mt_ring_usage(st->ring, &out->ring_frames, &out->ring_bytes, &evicted);
		mt_supervisor_health(st->sup, &h);
		mt_supervisor_health_format(&h, out->watchdog, sizeof(out->watchdog));
	}
	pthread_mutex_unlock(&st->lock);
	return out->running ? 0 : -ENODEV;
}

static int hook_picture(void *arg, struct mt_console_picture *out)
{
	struct mt_status *st = arg;
	int ret = -EAGAIN;

	pthread_mutex_lock(&st->lock);
	if (st->have_pic) {
		out->seq = st->pic.seq;
		out->thumb.width = st->pic.thumb.width;
		out->thumb.height = st->pic.thumb.height;
		memcpy(out->thumb.y, st->pic.thumb.y,
		       (size_t)st->pic.thumb.width * st->pic.thumb.height);
		out->gw = st->pic.gw;
		out->gh = st->pic.gh;
		memcpy(out->map, st->pic.map, (size_t)st->pic.gw * st->pic.gh);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static int hook_snapshot(void *arg, struct mt_frame **out)
{
	struct mt_status *st = arg;
	uint64_t pos;
	int ret = -ENODEV;

	pthread_mutex_lock(&st->lock);
	if (st->ring) {
		/* The last keyframe at or before "the end of time": the newest. */
		ret = mt_ring_find(st->ring, INT64_MAX, &pos);
		if (ret == 0)
			ret = mt_ring_read(st->ring, pos, 0, out);
		if (ret == -EAGAIN)
			ret = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static int hook_control(void *arg, const char *name, int32_t value)
{
	struct mt_status *st = arg;
	struct timespec deadline;
	uint64_t mine;
	int ret = 0;

	mt_wait_deadline(&deadline, CONTROL_WAIT_MS);
	pthread_mutex_lock(&st->lock);
	if (!st->s.running) {
		pthread_mutex_unlock(&st->lock);
		return -ENODEV;
	}
	snprintf(st->ctl_name, sizeof(st->ctl_name), "%s", name);
	st->ctl_value = value;
	st->ctl_pending = true;
	mine = ++st->ctl_seq;
	while (st->ctl_done < mine && ret == 0)
		ret = pthread_cond_timedwait(&st->changed, &st->lock, &deadline);
	if (st->ctl_done >= mine) {
		ret = st->ctl_result;
	} else {
		st->ctl_pending = false;
		st->ctl_done = mine; /* not served: nobody answers it now */
		ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

static int hook_apply(void *arg, const struct mt_config *cfg)
{
	struct mt_status *st = arg;

	pthread_mutex_lock(&st->lock);
	st->next = *cfg;
	st->restart = true;
	pthread_mutex_unlock(&st->lock);
	atomic_store(st->stop, 1);
	return 0;
}

static void hook_reboot(void *arg)
{
	struct mt_status *st = arg;

	pthread_mutex_lock(&st->lock);
	st->reboot = true;
	pthread_mutex_unlock(&st->lock);
	atomic_store(st->stop, 1);
}

static int hook_camera_modes(void *arg, struct mt_capture_mode *out, int max)
{
	struct mt_status *st = arg;
	int n;

	pthread_mutex_lock(&st->lock);
	n = !st->s.running ? -ENODEV : st->nmodes;
	if (n > 0) {
		int k = n < max ? n : max;

		if (k > MT_CONSOLE_MODES)
			k = MT_CONSOLE_MODES;
		memcpy(out, st->modes, (size_t)k * sizeof(*out));
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

static int hook_delivery(void *arg, struct mt_console_delivery *out)
{
	struct mt_status *st = arg;

	return st->delivery ? mt_delivery_status(st->delivery, out) : -ENOSYS;
}

static int hook_upload_now(void *arg)
{
	struct mt_status *st = arg;

	return st->delivery ? mt_delivery_upload_now(st->delivery) : -ENOSYS;
}

static int hook_enroll(void *arg, const char *url, const char *code, const char *fingerprint,
		       const char *name, char *id, size_t id_len, char *why, size_t why_len)
{
	struct mt_status *st = arg;

	if (!st->delivery) {
		snprintf(why, why_len, "this program has no delivery");
		return -ENOSYS;
	}
	return mt_delivery_console_enroll(st->delivery, url, code, fingerprint, name, id, id_len,
					  why, why_len);
}

static int hook_station_test(void *arg, mt_console_say_fn say, void *ctx)
{
	struct mt_status *st = arg;

	if (!st->delivery) {
		say(ctx, "station", "FAIL: this program has no delivery");
		return -ENOSYS;
	}
	return mt_delivery_test(st->delivery, say, ctx);
}

static int hook_ota(void *arg, const char *verb, char *out, size_t cap)
{
	struct mt_status *st = arg;

	if (!st->ota) {
		snprintf(out, cap, "updates are off: this recorder runs no update agent\n");
		return -ENODEV;
	}
	return mt_ota_app_console(st->ota, verb, out, cap);
}

struct mt_console_hooks mt_status_hooks(struct mt_status *st)
{
	return (struct mt_console_hooks){
		.arg = st,
		.status = hook_status,
		.picture = hook_picture,
		.snapshot = hook_snapshot,
		.camera_control = hook_control,
		.camera_modes = hook_camera_modes,
		.apply = hook_apply,
		.reboot = hook_reboot,
		.delivery = hook_delivery,
		.upload_now = hook_upload_now,
		.enroll = hook_enroll,
		.station_test = hook_station_test,
		.ota = hook_ota,
	};
}

bool mt_status_take_restart(struct mt_status *st, struct mt_config *cfg)
{
	bool r;

	pthread_mutex_lock(&st->lock);
	r = st->restart && !st->reboot;
	if (r)
		*cfg = st->next;
	st->restart = false;
	pthread_mutex_unlock(&st->lock);
	return r;
}

bool mt_status_reboot_requested(struct mt_status *st)
{
	bool r;

	pthread_mutex_lock(&st->lock);
	r = st->reboot;
	pthread_mutex_unlock(&st->lock);
	return r;
}
