/* enroll, station test, clips upload, and delivery's lines of status and
 * selftest. Enrollment and the station test take seconds (a station that
 * does not answer costs a timeout per step): they run on a helper thread,
 * "mt-con-net", while the console's thread prints each step as it ends and
 * keeps its heartbeat fresh for the supervisor. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/spool.h"
#include "core/errors.h"
#include "hal/clock.h"
#include "hal/storage.h"

#define STEP_INDENT 12
#define JOB_OUT     4096
#define POLL_US     100000

/* ---- a slow hook off the console's thread ---- */

struct job {
	struct mt_console *c;
	pthread_mutex_t lock;
	char out[JOB_OUT]; /* "step\ttext\n" lines not yet printed */
	size_t len;
	atomic_bool done;
	int ret;
	int (*fn)(struct job *j);
	const char *url, *code, *fingerprint, *name;
	char id[64], why[200];
};

static void job_say(void *ctx, const char *step, const char *text)
{
	struct job *j = ctx;

	pthread_mutex_lock(&j->lock);
	int n = snprintf(j->out + j->len, sizeof(j->out) - j->len, "%s\t%s\n", step, text);

	if (n > 0 && (size_t)n < sizeof(j->out) - j->len)
		j->len += (size_t)n;
	pthread_mutex_unlock(&j->lock);
}

static void job_drain(struct job *j)
{
	char buf[JOB_OUT];
	char *line, *save = NULL;

	pthread_mutex_lock(&j->lock);
	memcpy(buf, j->out, j->len);
	buf[j->len] = '\0';
	j->len = 0;
	pthread_mutex_unlock(&j->lock);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (!tab)
			continue;
		*tab = '\0';
		mt_console_wrap(j->c, line, STEP_INDENT, tab + 1);
		mt_console_flush(j->c);
	}
}

static int job_main(struct mt_thread *self, void *arg)
{
	struct job *j = arg;

	(void)self;
	j->ret = j->fn(j);
	atomic_store(&j->done, true);
	return 0;
}

/* Runs j->fn on the helper thread (or here, when no thread can start),
 * printing its steps as they come. Returns its result. */
static int job_run(struct mt_console *c, struct job *j)
{
	struct mt_thread t;

	j->c = c;
	pthread_mutex_init(&j->lock, NULL);
	atomic_store(&j->done, false);
	mt_thread_init(&t, c->cfg->clock);
	if (mt_thread_start(&t, "mt-con-net", job_main, j) != 0) {
		job_main(&t, j);
	} else {
		while (!atomic_load(&j->done)) {
			mt_thread_beat(&c->thread);
			job_drain(j);
			mt_clock_sleep_us(c->cfg->clock, POLL_US);
		}
		mt_thread_join(&t);
	}
	job_drain(j);
	pthread_mutex_destroy(&j->lock);
	return j->ret;
}

/* ---- enroll ---- */

static int enroll_fn(struct job *j)
{
	const struct mt_console_hooks *h = &j->c->cfg->hooks;

	return h->enroll(h->arg, j->url, j->code, j->fingerprint, j->name, j->id, sizeof(j->id),
			 j->why, sizeof(j->why));
}

/* station.url and device.id into the configuration file the way
 * `matthan enroll` does: the file as it is on disk plus these two keys, so
 * edits not yet saved with "config save" stay unsaved. */
static int enroll_save(struct mt_console *c, const char *url, const char *id)
{
	const char *path = c->cfg->config_path;
	struct mt_config *file = malloc(sizeof(*file));
	struct mt_config_error err;
	int ret;

	if (!file)
		return -ENOMEM;
	mt_config_init(file);
	ret = path ? mt_config_load(file, c->cfg->storage, path, &err) : -ENOENT;
	if (!ret)
		ret = mt_config_set(file, "station.url", url, &err);
	if (!ret)
		ret = mt_config_set(file, "device.id", id, &err);
	if (!ret)
		ret = mt_config_save(file, c->cfg->storage, path);
	free(file);
	/* in effect now (the uploader restarted on it): not an edit pending */
	mt_config_set(&c->work, "station.url", url, NULL);
	mt_config_set(&c->work, "device.id", id, NULL);
	mt_config_set(&c->running, "station.url", url, NULL);
	mt_config_set(&c->running, "device.id", id, NULL);
	return ret;
}

int mt_console_enroll(struct mt_console *c, const char *url, const char *code, const char *fp)
{
	struct job *j;
	int ret;

	if (!c->cfg->hooks.enroll) {
		mt_console_printf(c, "enroll: this program has no delivery\n");
		return 1;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return 1;
	j->fn = enroll_fn;
	j->url = url;
	j->code = code;
	j->fingerprint = fp;
	j->name = mt_config_str(&c->work, MT_CONFIG_DEVICE_LOCATION);
	mt_console_printf(c, "enrolling with %s ...\n", url);
	mt_console_flush(c);
	ret = job_run(c, j);
	if (ret) {
		mt_console_wrap(c, "enroll: ", 8, j->why);
		free(j);
		return 1;
	}
	mt_console_printf(c, "enrolled as %s with %s\n", j->id, url);
	ret = enroll_save(c, url, j->id);
	if (ret)
		mt_console_printf(c,
				  "but %.40s could not be saved (%s): station.url and device.id\n"
				  "are set; fix the file, then config save\n",
				  c->cfg->config_path ? c->cfg->config_path : "(no file)",
				  mt_strerror(ret));
	else
		mt_console_printf(c, "saved station.url and device.id in %.50s\n",
				  c->cfg->config_path);
	/* clips name their device in the manifest: the recorder restarts on
	 * the new device.id, else the station refuses every new clip */
	if (c->cfg->hooks.apply && c->cfg->hooks.apply(c->cfg->hooks.arg, &c->running) == 0)
		mt_console_printf(c, "the recorder restarts so new clips name %s\n", j->id);
	mt_console_printf(c, "uploads go to the station from now on (station test checks)\n");
	free(j);
	return ret ? 1 : 0;
}

int mt_cmd_enroll(struct mt_console *c, int argc, char **argv)
{
	if (argc != 4) {
		mt_console_usage(c, mt_console_cmd_find("enroll"));
		return 1;
	}
	return mt_console_enroll(c, argv[1], argv[2], argv[3]);
}

/* ---- station test ---- */

static int test_fn(struct job *j)
{
	const struct mt_console_hooks *h = &j->c->cfg->hooks;

	return h->station_test(h->arg, job_say, j);
}

/* The station test, each step printed as it ends (also the selftest's
 * station step). */
int mt_console_station_test(struct mt_console *c)
{
	struct job *j;
	int ret;

	if (!c->cfg->hooks.station_test)
		return -ENOSYS;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fn = test_fn;
	ret = job_run(c, j);
	free(j);
	return ret;
}

int mt_cmd_station(struct mt_console *c, int argc, char **argv)
{
	int ret;

	if (argc != 2 || strcmp(argv[1], "test") != 0) {
		mt_console_usage(c, mt_console_cmd_find("station"));
		return 1;
	}
	ret = mt_console_station_test(c);
	if (ret == -ENOSYS)
		mt_console_printf(c, "station test: this program has no delivery\n");
	else
		mt_console_printf(c, "station test: %s\n",
				  ret ? "FAIL (the step above says why)" : "every step ok");
	return ret ? 1 : 0;
}

/* ---- clips upload ---- */

static bool spool_has(struct mt_console *c, const char *base, const char *ext)
{
	char path[512];
	uint64_t size;

	snprintf(path, sizeof(path), "%s/%s.%s", mt_console_spool(c), base, ext);
	return mt_storage_size(c->cfg->storage, path, &size) == 0;
}

int mt_console_clips_upload(struct mt_console *c, const char *name)
{
	struct mt_console_delivery d;
	char base[80];
	size_t n = strlen(name);
	int ret;

	if (n > 4 && strcmp(name + n - 4, ".mp4") == 0)
		n -= 4;
	if (strchr(name, '/') || n == 0 || n >= sizeof(base)) {
		mt_console_printf(c, "clips upload: '%.40s' is not a clip name (clips list)\n",
				  name);
		return 1;
	}
	snprintf(base, sizeof(base), "%.*s", (int)n, name);
	if (!spool_has(c, base, "mp4")) {
		mt_console_printf(c, "clips upload: no clip %.60s in the spool (clips list)\n",
				  base);
		return 1;
	}
	if (spool_has(c, base, "rcpt")) {
		mt_console_printf(
			c, "clips upload: %s is delivered already (its receipt is kept)\n", base);
		return 0;
	}
	if (!spool_has(c, base, "json") || !spool_has(c, base, "sig")) {
		mt_console_printf(c,
				  "clips upload: %s is not sealed (no manifest and signature): "
				  "it is never sent\n",
				  base);
		return 1;
	}
	ret = c->cfg->hooks.upload_now ? c->cfg->hooks.upload_now(c->cfg->hooks.arg) : -ENOSYS;
	if (ret) {
		if (c->cfg->hooks.delivery && c->cfg->hooks.delivery(c->cfg->hooks.arg, &d) == 0)
			mt_console_wrap(c, "clips upload: uploads are off: ", 14, d.why);
		else
			mt_console_printf(c, "clips upload: uploads are off (%s)\n",
					  mt_strerror(ret));
		return 1;
	}
	mt_console_printf(c,
			  "%s is queued: the uploader tries now (clips go in order;\n"
			  "status shows the upload)\n",
			  base);
	return 0;
}

/* ---- status ---- */

static void age(char *out, size_t len, int64_t us)
{
	int64_t s = us / 1000000;

	if (s < 120)
		snprintf(out, len, "%" PRId64 " s ago", s);
	else if (s < 7200)
		snprintf(out, len, "%" PRId64 " min ago", s / 60);
	else
		snprintf(out, len, "%" PRId64 " h ago", s / 3600);
}

/* Sealed clips without a receipt: what the uploader still has to send. */
static unsigned upload_queue(struct mt_console *c)
{
	char(*names)[MT_SPOOL_NAME_MAX] = malloc(MT_SPOOL_LIST_MAX * sizeof(*names));
	unsigned q = 0;
	int n;

	if (!names)
		return 0;
	n = mt_spool_clips(c->cfg->storage, mt_console_spool(c), names, MT_SPOOL_LIST_MAX);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		names[i][len - 4] = '\0'; /* ".mp4" */
		if (spool_has(c, names[i], "json") && spool_has(c, names[i], "sig") &&
		    !spool_has(c, names[i], "rcpt"))
			q++;
	}
	free(names);
	return q;
}

void mt_console_status_delivery(struct mt_console *c)
{
	struct mt_console_delivery *d = calloc(1, sizeof(*d));
	char text[320];
	unsigned queued = upload_queue(c);
	int ret;

	if (!d)
		return;
	ret = c->cfg->hooks.delivery ? c->cfg->hooks.delivery(c->cfg->hooks.arg, d) : -ENOSYS;
	if (ret) {
		mt_console_printf(c, "upload     unknown (%s)\n", mt_strerror(ret));
		free(d);
		return;
	}
	if (!d->on) {
		snprintf(text, sizeof(text), "off: %s; %u clips waiting", d->why, queued);
		mt_console_wrap(c, "upload", 11, text);
		mt_console_wrap(c, "station", 11, d->url[0] ? d->url : "none");
		free(d);
		return;
	}
	if (d->last_age_us >= 0) {
		char when[32];

		age(when, sizeof(when), d->last_age_us);
		snprintf(text, sizeof(text),
			 "%u queued, %" PRIu64 " sent (%.1f MiB), last clip-%06" PRIu64 " %s",
			 queued, d->delivered, (double)d->bytes / (1024.0 * 1024.0), d->last_seq,
			 when);
	} else {
		snprintf(text, sizeof(text), "%u queued, none sent since start", queued);
	}
	mt_console_wrap(c, "upload", 11, text);
	if (d->backing_off)
		snprintf(text, sizeof(text), "%s, retry in %" PRId64 " s; last error: %s", d->url,
			 (d->retry_in_us + 999999) / 1000000, d->last_why[0] ? d->last_why : "-");
	else
		snprintf(text, sizeof(text), "%s, %s%s%s", d->url,
			 d->connected ? "connected" : "not connected",
			 d->last_why[0] ? "; last error: " : "", d->last_why);
	mt_console_wrap(c, "station", 11, text);
	free(d);
}
