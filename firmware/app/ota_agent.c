/* The OTA agent in the recorder: see ota_agent.h. */
#include "app/ota_agent.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "app/status.h"
#include "autoconf.h"
#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/clock.h"
#include "hal/storage.h"
#include "ota/slots.h"

MT_LOG_MODULE("ota");

#define TIMEOUT_MS    15000
#define FRAMES_NEEDED 3 /* frames that must arrive during the health check */

static void set_text(struct mt_ota_app *a, char *field, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_text(struct mt_ota_app *a, char *field, size_t cap, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&a->lock);
	va_start(ap, fmt);
	vsnprintf(field, cap, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&a->lock);
}

#define SET(a, field, ...) set_text(a, (a)->field, sizeof((a)->field), __VA_ARGS__)

/* ---- the links ---- */

static int read_key(struct mt_ota_app *a, const char *name, uint8_t **buf, size_t *len)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", a->keys, name);
	return mt_file_read_all(a->st, path, 65536, buf, len);
}

static int link_open(struct mt_ota_app *a, struct mt_ota_link *l, struct mt_net *net,
		     const char *url)
{
	struct mt_tls_config tc;

	if (mt_station_url_parse(url, &l->url))
		return -EINVAL;
	tc = (struct mt_tls_config){ .net = net,
				     .drbg = &a->drbg,
				     .host = l->url.host,
				     .port = l->url.port,
				     .ca_pem = a->ca,
				     .ca_len = a->ca_len,
				     .cert_pem = a->cert,
				     .cert_len = a->cert_len,
				     .key_pem = a->tls_key,
				     .key_len = a->key_len,
				     .timeout_ms = TIMEOUT_MS };
	if (mt_tls_client_new(&tc, &l->tls))
		return MT_ECORRUPT;
	mt_station_init(&l->station, l->tls, l->url.host, l->url.base);
	mt_station_set_clock(&l->station, a->clock);
	return 0;
}

static void link_close(struct mt_ota_link *l)
{
	if (l->tls) {
		mt_station_close(&l->station);
		mt_tls_client_free(l->tls);
	}
	l->tls = NULL;
}

/* The station's fetcher, stopped between pieces when the thread must end;
 * also the progress "ota status" shows. */
static int fetch_get(void *ctx, const char *name, uint64_t first, size_t len, uint8_t *buf,
		     size_t *got, uint64_t *total)
{
	struct mt_ota_app *a = ctx;
	const struct mt_ota_fetch *in = &a->fetch_station.fetch;
	int ret;

	*got = 0;
	*total = 0;
	if (mt_thread_should_stop(&a->t))
		return -ECANCELED;
	mt_thread_beat(&a->t);
	ret = in->get(in->ctx, name, first, len, buf, got, total);
	if (!ret && strcmp(name, "latest.json") != 0) {
		pthread_mutex_lock(&a->lock);
		a->got = first + *got;
		a->total = *total;
		pthread_mutex_unlock(&a->lock);
	}
	return ret;
}

/* ---- reports ---- */

static void json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			n += (size_t)snprintf(out + n, cap - n, "\\%c", ch);
		else if (ch < 0x20)
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
}

/* POST /devices/health: {"board","version","slot","event","note"}. */
static int report(struct mt_ota_app *a, const char *event, const char *note)
{
	char json[800], ev[64], esc[400];
	int ret;

	json_escape(ev, sizeof(ev), event);
	json_escape(esc, sizeof(esc), note ? note : "");
	snprintf(json, sizeof(json),
		 "{\"board\":\"%s\",\"version\":\"%s\",\"slot\":\"%c\",\"event\":\"%s\","
		 "\"note\":\"%s\"}",
		 CONFIG_MT_BOARD, a->version, a->running, ev, esc);
	ret = mt_ota_report(&a->link.station, json, TIMEOUT_MS);
	if (ret) {
		MT_WRN("report to the station (%s): %s", event, mt_strerror(ret));
		return ret;
	}
	MT_INF("reported to the station: %s", json);
	SET(a, reported, "%s %s%s%s", a->version, event, note && note[0] ? ": " : "",
	    note ? note : "");
	return 0;
}

/* ---- versions not to fetch again ---- */

static void skip_write(struct mt_ota_app *a, const char *version)
{
	char path[MT_OTA_ROOT_MAX + 16];

	if (!mt_ota_path(&a->ota, "skip", path, sizeof(path)))
		mt_file_replace(a->st, path, version, strlen(version));
}

static bool skip_has(struct mt_ota_app *a, const char *version)
{
	char path[MT_OTA_ROOT_MAX + 16];
	uint8_t *buf;
	size_t len;
	bool same;

	if (mt_ota_path(&a->ota, "skip", path, sizeof(path)) ||
	    mt_file_read_all(a->st, path, MT_VERSION_MAX - 1, &buf, &len))
		return false;
	same = strlen(version) == len && memcmp(buf, version, len) == 0;
	free(buf);
	return same;
}

static void slot_version(struct mt_ota_app *a, char slot, char *out, size_t cap)
{
	char path[MT_OTA_ROOT_MAX + 16];
	uint8_t *buf;
	size_t len;

	snprintf(out, cap, "%s", MT_VERSION);
	snprintf(path, sizeof(path), "%s/%c/version", a->root, slot);
	if (mt_file_read_all(a->st, path, MT_VERSION_MAX - 1, &buf, &len) == 0) {
		struct mt_version v;

		if (mt_version_parse((char *)buf, &v) == 0)
			snprintf(out, cap, "%s", (char *)buf);
		free(buf);
	}
}

/* A rollback note (mt-boot's after failed trial boots, or the console's)
 * goes to the station; the failed version is not fetched again. The note
 * stays in the state until the station has it. */
static void report_note(struct mt_ota_app *a)
{
	struct mt_slot_state s;
	char note[MT_SLOT_NOTE_MAX + MT_VERSION_MAX + 2], failed[MT_VERSION_MAX];

	if (mt_slot_load(&a->slots.dev, &s) || !s.note[0] || s.trial)
		return;
	slot_version(a, mt_slots_other(a->running), failed, sizeof(failed));
	if (strcmp(failed, a->version) != 0)
		skip_write(a, failed);
	/* the note names the slot; the station wants the version too */
	snprintf(note, sizeof(note), "%s: %s", failed, s.note);
	if (report(a, "rolled back", note) == 0)
		mt_ota_take_note(&a->ota, note, sizeof(note));
}

/* Ends the program with code once the recorder has stopped cleanly; the
 * agent does nothing more meanwhile (no second check, no download). */
static void leave(struct mt_ota_app *a, int code)
{
	a->leaving = true;
	a->exit_fn(a->exit_arg, code);
}

/* ---- the health check of a trial slot ---- */

static bool spool_writable(struct mt_ota_app *a, char *why, size_t cap)
{
	static const char probe[] = "matthan ota health probe\n";
	char path[300], back[sizeof(probe)];
	int fd, ret;
	ssize_t n = -1;

	snprintf(path, sizeof(path), "%s/.ota-probe", a->spool);
	ret = mt_storage_open(a->st, path, MT_O_WRITE | MT_O_CREATE | MT_O_TRUNC, &fd);
	if (!ret) {
		ret = mt_file_write_all(a->st, fd, probe, sizeof(probe));
		if (!ret)
			ret = mt_storage_sync(a->st, fd);
		mt_storage_close(a->st, fd);
	}
	if (!ret)
		ret = mt_storage_open(a->st, path, MT_O_READ, &fd);
	if (!ret) {
		n = mt_storage_read(a->st, fd, back, sizeof(back));
		mt_storage_close(a->st, fd);
	}
	mt_storage_remove(a->st, path);
	if (!ret && (n != (ssize_t)sizeof(probe) || memcmp(back, probe, sizeof(probe)) != 0))
		ret = -EIO;
	if (ret)
		snprintf(why, cap, "spool %.120s not writable: %s", a->spool, mt_strerror(ret));
	return ret == 0;
}

static bool station_reached(struct mt_ota_app *a, char *why, size_t cap)
{
	uint8_t body[512];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_http_req req = { .method = "GET",
				   .path = "/health",
				   .resp_body = body,
				   .resp_body_max = sizeof(body),
				   .timeout_ms = 5000 };
	int ret;

	if (!r)
		return false;
	ret = mt_station_request(&a->link.station, &req, r);
	if (!ret && r->status != 200)
		ret = -EPROTO;
	if (ret) /* the TLS client's words only where they add to the error's */
		snprintf(why, cap, "station %s:%u not reached: %s%s%s", a->link.url.host,
			 (unsigned)a->link.url.port,
			 ret == -EPROTO ? "it answered with an error" : mt_strerror(ret),
			 ret == -EACCES ? ", " : "", ret == -EACCES ? mt_tls_why(a->link.tls) : "");
	free(r);
	return ret == 0;
}

static uint64_t frames_now(struct mt_ota_app *a)
{
	struct mt_console_hooks h = mt_status_hooks(a->status);
	struct mt_console_status s;

	memset(&s, 0, sizeof(s));
	if (h.status(h.arg, &s) || !s.running)
		return 0;
	return s.stats.frames;
}

/* Frames flowing, spool writable, station reached, all within health_s.
 * true when passed; else why says what did not. */
static bool health_check(struct mt_ota_app *a, char *why, size_t cap)
{
	int64_t start = mt_clock_mono_us(a->clock);
	int64_t until = start + (int64_t)a->health_s * 1000000;
	uint64_t f0 = frames_now(a), f;
	bool frames = false, spool = false, station = false;
	char w[3][200] = { "no frames yet", "", "" };

	while (!mt_thread_should_stop(&a->t) && !atomic_load(&a->want_rollback)) {
		mt_thread_beat(&a->t);
		if (!frames) {
			f = frames_now(a);
			frames = f >= f0 + FRAMES_NEEDED;
			snprintf(w[0], sizeof(w[0]), "camera: %" PRIu64 " frames in %" PRId64 " s",
				 f - f0, (mt_clock_mono_us(a->clock) - start) / 1000000);
		}
		if (!spool)
			spool = spool_writable(a, w[1], sizeof(w[1]));
		if (!station)
			station = station_reached(a, w[2], sizeof(w[2]));
		SET(a, health, "trial: frames %s, spool %s, station %s (%" PRId64 " of %d s)",
		    frames ? "ok" : "waiting", spool ? "ok" : "failing",
		    station ? "ok" : "not reached", (mt_clock_mono_us(a->clock) - start) / 1000000,
		    a->health_s);
		if (frames && spool && station)
			return true;
		if (mt_clock_mono_us(a->clock) >= until)
			break;
		mt_clock_sleep_us(a->clock, 500000);
	}
	snprintf(why, cap, "health check failed after %d s: %s", a->health_s,
		 !frames ? w[0] :
		 !spool  ? w[1] :
			   w[2]);
	return false;
}

static void rollback(struct mt_ota_app *a)
{
	int ret = mt_ota_rollback(&a->ota, "rolled back on the console");

	if (ret) {
		SET(a, state, "rollback: %s",
		    ret == -ENOENT ? "no slot is on trial" : mt_strerror(ret));
		return;
	}
	if (!a->trial) {
		MT_WRN("console: the pending trial was dropped");
		SET(a, state, "the pending trial was dropped on the console");
		return;
	}
	MT_WRN("console: trial of slot %c (%s) dropped; restarting on the committed slot",
	       a->running, a->version);
	SET(a, state, "trial dropped on the console: restarting");
	leave(a, MT_OTA_EXIT_RESTART);
}

static void run_trial(struct mt_ota_app *a)
{
	char why[300];
	int ret;

	MT_INF("slot %c (%s) is on trial: health check within %d s", a->running, a->version,
	       a->health_s);
	if (health_check(a, why, sizeof(why))) {
		ret = mt_ota_commit(&a->ota);
		if (ret) {
			MT_ERR("commit of slot %c: %s", a->running, mt_strerror(ret));
			SET(a, health, "passed, but the commit failed: %s", mt_strerror(ret));
			return;
		}
		a->trial = false;
		SET(a, health, "passed: slot %c (%s) committed", a->running, a->version);
		MT_INF("health check passed: slot %c (%s) committed", a->running, a->version);
		/* the station learns the new version; retried with the next checks */
		for (int i = 0; i < 10 && !mt_thread_should_stop(&a->t); i++) {
			if (report(a, "committed", "") == 0)
				break;
			mt_clock_sleep_us(a->clock, 2000000);
		}
		return;
	}
	if (mt_thread_should_stop(&a->t))
		return; /* stopped before the end: this try counts, nothing is judged */
	if (atomic_exchange(&a->want_rollback, 0)) {
		rollback(a); /* the console's: the trial is dropped, not judged */
		return;
	}
	MT_ERR("slot %c (%s): %s", a->running, a->version, why);
	SET(a, health, "FAILED: %s", why);
	ret = mt_ota_health_failed(&a->ota, why);
	if (ret)
		MT_ERR("cannot note the failure: %s", mt_strerror(ret));
	report(a, "health check failed", why);
	leave(a, MT_OTA_EXIT_HEALTH);
}

/* ---- check, download, install ---- */

static void install_and_restart(struct mt_ota_app *a)
{
	int ret = mt_ota_install(&a->ota);

	pthread_mutex_lock(&a->lock);
	a->ready = false;
	pthread_mutex_unlock(&a->lock);
	if (ret) {
		SET(a, state, "install of %s refused: %s", a->offer.version, a->ota.why);
		if (ret == MT_ECORRUPT) {
			skip_write(a, a->offer.version);
			report(a, "refused", a->ota.why);
		}
		return;
	}
	SET(a, state, "installed %s into slot %c: restarting into it on trial", a->offer.version,
	    mt_slots_other(a->running));
	leave(a, MT_OTA_EXIT_RESTART);
}

/* One check; install: also install and restart. */
static void check(struct mt_ota_app *a, bool install)
{
	struct mt_ota_offer offer;
	int ret;

	ret = mt_ota_check(&a->ota, &offer);
	if (ret == 1 && skip_has(a, offer.version)) {
		SET(a, last_check, "%s is offered, but it failed or was refused here before",
		    offer.version);
		return;
	}
	if (ret != 1) {
		SET(a, last_check, "%s",
		    ret == 0          ? "no newer version" :
		    ret == -ENOENT    ? "nothing published for this board" :
		    ret == MT_EFORMAT ? "latest.json is malformed" :
					mt_strerror(ret));
		return;
	}
	SET(a, last_check, "offered %s (%" PRIu64 " bytes)", offer.version, offer.size);
	pthread_mutex_lock(&a->lock);
	a->offer = offer;
	pthread_mutex_unlock(&a->lock);
	SET(a, state, "downloading %s", offer.version);
	ret = mt_ota_download(&a->ota, &offer);
	if (ret == MT_ECORRUPT) {
		SET(a, state, "%s refused: %s", offer.version, a->ota.why);
		skip_write(a, offer.version);
		report(a, "refused", a->ota.why);
		return;
	}
	if (ret) {
		SET(a, state, "download of %s stopped at %" PRIu64 " bytes (%s); resumes later",
		    offer.version, a->got, mt_strerror(ret));
		return;
	}
	MT_INF("downloaded %s: %" PRIu64 " bytes fetched, resumed from %" PRIu64, offer.version,
	       a->ota.stats.fetched, a->ota.stats.resumed_from);
	pthread_mutex_lock(&a->lock);
	a->ready = true;
	pthread_mutex_unlock(&a->lock);
	SET(a, state, "downloaded %s and verified%s", offer.version,
	    install ? "" : ": ota apply installs it");
	if (install)
		install_and_restart(a);
}

static int agent_main(struct mt_thread *self, void *arg)
{
	struct mt_ota_app *a = arg;
	int64_t next = 0;

#ifdef __linux__
	/* below the recorder's threads: an update never starves recording */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
	if (a->trial)
		run_trial(a);
	else
		report_note(a);
	if (a->check_s > 0)
		next = mt_clock_mono_us(a->clock) + 5000000; /* let the recorder settle */
	while (!mt_thread_should_stop(self)) {
		int64_t now = mt_clock_mono_us(a->clock);

		mt_thread_beat(self);
		if (a->leaving) {
			/* the program ends: nothing more to do */
		} else if (atomic_exchange(&a->want_rollback, 0)) {
			rollback(a);
		} else if (a->trial) {
			/* a trial not committed (the commit failed): no new installs */
		} else if (atomic_exchange(&a->want_apply, 0)) {
			if (a->ready)
				install_and_restart(a);
			else
				check(a, true);
		} else if (atomic_exchange(&a->want_check, 0)) {
			check(a, false);
		} else if (a->check_s > 0 && now >= next) {
			check(a, true);
			next = mt_clock_mono_us(a->clock) + (int64_t)a->check_s * 1000000;
		}
		mt_clock_sleep_us(a->clock, 200000);
	}
	return 0;
}

/* ---- start and stop ---- */

static int off(struct mt_ota_app *a, const char *why)
{
	snprintf(a->why, sizeof(a->why), "%s", why);
	return -1;
}

static int setup(struct mt_ota_app *a, struct mt_board *b, const struct mt_config *cfg)
{
	const char *env_root = getenv("MT_OTA_ROOT"), *env_slot = getenv("MT_SLOT");
	const char *trial = getenv("MT_SLOT_TRIAL");
	const char *url = mt_config_str(cfg, MT_CONFIG_STATION_URL);
	const char *mirror = mt_config_str(cfg, MT_CONFIG_OTA_URL);
	struct mt_slot_state s;
	uint8_t *pem;
	size_t len;
	int ret;

	snprintf(a->root, sizeof(a->root), "%s",
		 env_root && env_root[0] ? env_root : mt_config_str(cfg, MT_CONFIG_OTA_ROOT));
	if (!a->root[0])
		return off(a, "no slot root (mt-boot's MT_OTA_ROOT, or ota.root)");
	if (!url[0])
		return off(a, "no station (station.url is empty)");
	if (!b->net)
		return off(a, "this board has no network driver");
	if (read_key(a, "device.id", &pem, &len))
		return off(a, "not enrolled (run: matthan enroll URL CODE FINGERPRINT)");
	free(pem);
	if (read_key(a, "update.pem", &pem, &len))
		return off(a, "no update key (keys/update.pem): enrolled with a station without "
			      "OTA; enroll again");
	ret = mt_bundle_key_load(&a->key, pem, len + 1);
	free(pem);
	if (ret)
		return off(a, "keys/update.pem does not parse");
	if (read_key(a, "ca.pem", &a->ca, &a->ca_len) ||
	    read_key(a, "tls.crt", &a->cert, &a->cert_len) ||
	    read_key(a, "tls.key", &a->tls_key, &a->key_len))
		return off(a, "the enrollment's certificates cannot be read");
	a->ca_len++; /* the PEM parsers want the terminating NUL counted */
	a->cert_len++;
	a->key_len++;
	mt_slot_files_init(&a->slots, a->st, a->root);
	if (mt_slot_files_prepare(&a->slots) || mt_slot_load(&a->slots.dev, &s))
		return off(a, "the slot root cannot be read or made");
	a->running = env_slot && (env_slot[0] == 'A' || env_slot[0] == 'B') && !env_slot[1] ?
			     env_slot[0] :
			     s.active;
	a->trial = trial && strcmp(trial, "1") == 0 && s.trial == a->running;
	slot_version(a, a->running, a->version, sizeof(a->version));
	if (mt_drbg_seed(&a->drbg, b->random, "matthan-ota"))
		return off(a, "no randomness for TLS");
	if (link_open(a, &a->link, b->net, url))
		return off(a, "station.url or the enrollment's certificates are not usable");
	if (mirror[0] && link_open(a, &a->mirror, b->net, mirror))
		return off(a, "ota.url is not https://host[:port][/path]");
	mt_ota_fetch_station_init(&a->fetch_station,
				  mirror[0] ? &a->mirror.station : &a->link.station,
				  CONFIG_MT_BOARD, TIMEOUT_MS);
	a->fetch = (struct mt_ota_fetch){ .get = fetch_get, .ctx = a };
	struct mt_ota_config oc = { .st = a->st,
				    .slot = &a->slots.dev,
				    .root = a->root,
				    .board = CONFIG_MT_BOARD,
				    .version = a->version,
				    .running = a->running,
				    .key = &a->key,
				    .fetch = &a->fetch,
				    .clock = a->clock,
				    .kbps = (uint32_t)mt_config_int(cfg, MT_CONFIG_OTA_KBPS) };

	mt_ota_init(&a->ota, &oc);
	return 0;
}

static void release(struct mt_ota_app *a)
{
	link_close(&a->mirror);
	link_close(&a->link);
	mt_bundle_key_free(&a->key);
	mt_drbg_free(&a->drbg);
	free(a->ca);
	free(a->cert);
	if (a->tls_key)
		memset(a->tls_key, 0, a->key_len);
	free(a->tls_key);
	a->ca = a->cert = a->tls_key = NULL;
}

void mt_ota_app_start(struct mt_ota_app *a, struct mt_board *b, const struct mt_config *cfg,
		      struct mt_status *status, mt_ota_exit_fn exit_fn, void *exit_arg)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	a->started = true;
	a->st = b->storage;
	a->clock = b->clock;
	a->status = status;
	a->exit_fn = exit_fn;
	a->exit_arg = exit_arg;
	a->check_s = (int)mt_config_int(cfg, MT_CONFIG_OTA_CHECK_S);
	a->health_s = (int)mt_config_int(cfg, MT_CONFIG_OTA_HEALTH_S);
	snprintf(a->keys, sizeof(a->keys), "%s", mt_config_str(cfg, MT_CONFIG_DEVICE_KEYS));
	snprintf(a->spool, sizeof(a->spool), "%s", mt_config_str(cfg, MT_CONFIG_SPOOL_PATH));
	mt_bundle_key_init(&a->key);
	mt_drbg_init(&a->drbg);
	if (setup(a, b, cfg)) {
		release(a);
		MT_INF("updates off: %s", a->why);
		return;
	}
	snprintf(a->state, sizeof(a->state), "idle");
	mt_thread_init(&a->t, b->clock);
	if (mt_thread_start(&a->t, "mt-ota", agent_main, a)) {
		snprintf(a->why, sizeof(a->why), "cannot start the agent's thread");
		MT_ERR("updates off: %s", a->why);
		release(a);
		return;
	}
	a->on = true;
	MT_INF("updates on: slot %c, version %s%s, checks every %d s (0: on the console only)",
	       a->running, a->version, a->trial ? ", ON TRIAL" : "", a->check_s);
}

void mt_ota_app_stop(struct mt_ota_app *a)
{
	if (!a->started)
		return;
	if (a->on) {
		mt_thread_stop(&a->t);
		mt_thread_join(&a->t);
		release(a);
		a->on = false;
	}
	/* the lock stays: the console may still be answering "ota" */
	a->started = false;
}

/* ---- the console ---- */

static int status_text(struct mt_ota_app *a, char *out, size_t cap)
{
	struct mt_slot_state s;
	char floor[MT_VERSION_MAX] = "", other[MT_VERSION_MAX];
	size_t n = 0;

#define PUT(...)                                                                \
	do {                                                                    \
		int k_ = snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__); \
		if (k_ > 0)                                                     \
			n += (size_t)k_;                                        \
	} while (0)
	memset(&s, 0, sizeof(s));
	mt_slot_load(&a->slots.dev, &s);
	mt_ota_floor(&a->ota, floor);
	slot_version(a, mt_slots_other(a->running), other, sizeof(other));
	pthread_mutex_lock(&a->lock);
	PUT("running   slot %c, version %s%s (board %s)\n", a->running, a->version,
	    a->trial ? ", ON TRIAL" : "", CONFIG_MT_BOARD);
	PUT("slots     active %c, trial %c (%u tries left), other slot %c holds %s\n", s.active,
	    s.trial ? s.trial : '-', (unsigned)s.tries, mt_slots_other(a->running), other);
	PUT("floor     %s\n", floor[0] ? floor : "none");
	PUT("source    %s%s/ota/%s/, checks every %d s%s\n",
	    a->mirror.tls ? a->mirror.url.host : a->link.url.host,
	    a->mirror.tls ? a->mirror.url.base : a->link.url.base, CONFIG_MT_BOARD, a->check_s,
	    a->check_s ? "" : " (off: ota check)");
	if (a->health[0])
		PUT("health    %s\n", a->health);
	PUT("check     %s\n", a->last_check[0] ? a->last_check : "not yet");
	PUT("agent     %s", a->state);
	if (a->total)
		PUT(" (%" PRIu64 " of %" PRIu64 " bytes)", a->got, a->total);
	PUT("\n");
	if (s.note[0])
		PUT("note      %s\n", s.note);
	PUT("reported  %s\n", a->reported[0] ? a->reported : "nothing yet");
	pthread_mutex_unlock(&a->lock);
#undef PUT
	return 0;
}

int mt_ota_app_console(struct mt_ota_app *a, const char *verb, char *out, size_t cap)
{
	if (!a->on) {
		snprintf(out, cap, "updates are off: %s\n", a->why[0] ? a->why : "not started");
		return -ENODEV;
	}
	if (strcmp(verb, "status") == 0)
		return status_text(a, out, cap);
	if (strcmp(verb, "check") == 0) {
		if (a->trial) {
			snprintf(out, cap, "on trial: no checks until this slot is committed\n");
			return -EBUSY;
		}
		atomic_store(&a->want_check, 1);
		snprintf(out, cap,
			 "checking %s for a newer version; ota status shows what it found\n",
			 a->mirror.tls ? a->mirror.url.host : a->link.url.host);
		return 0;
	}
	if (strcmp(verb, "apply") == 0) {
		if (a->trial) {
			snprintf(out, cap, "on trial: commit or roll back first\n");
			return -EBUSY;
		}
		atomic_store(&a->want_apply, 1);
		pthread_mutex_lock(&a->lock);
		snprintf(
			out, cap,
			"installing %s: the recorder stops cleanly and restarts into it on trial\n",
			a->ready ? a->offer.version : "the newest version (checking first)");
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	if (strcmp(verb, "rollback") == 0) {
		atomic_store(&a->want_rollback, 1);
		snprintf(
			out, cap, "%s\n",
			a->trial ?
				"dropping this trial: the recorder restarts on the committed slot" :
				"dropping a pending trial, if any; ota status shows the result");
		return 0;
	}
	snprintf(out, cap, "no such ota command '%.32s'\n", verb);
	return -EINVAL;
}
