/* Delivery in the recorder: the uploader (net/uploader.h) on its own
 * thread, sending clips from the spool (the one being recorded too, as it
 * grows) to the station while the recorder runs, and draining what is left
 * when it stops. Off, and saying
 * why, when station.url is empty or the box is not enrolled. Also the
 * `matthan enroll` command. */
#ifndef MT_APP_DELIVERY_H
#define MT_APP_DELIVERY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "app/board.h"
#include "core/config.h"
#include "core/thread.h"
#include "evidence/drbg.h"
#include "net/uploader.h"

struct mt_console_delivery;

/* Lock order: ctl (start, restart, finish), then step (an uploader step,
 * or a change of spool), then lock (the snapshot). */
struct mt_delivery {
	struct mt_uploader up;
	struct mt_thread t;
	struct mt_drbg drbg;
	struct mt_clock *clock;
	struct mt_board *b;
	pthread_mutex_t ctl;     /* held while the uploader starts or stops */
	pthread_mutex_t step;    /* one uploader step at a time, or a change of spool */
	pthread_mutex_t lock;    /* guards the snapshot below */
	struct mt_spool *follow; /* the pipeline's open spool (under ctl), for a restart */
	bool on;
	bool finished;   /* the recorder stopped: no restart */
	atomic_int idle; /* the last step found nothing to send */
	atomic_int now;  /* the console asked to try now */
	char why[160];   /* when off */
	char keys[256], spool[256], url[256];
	uint32_t kbps;
	/* the uploader thread's last step, for the console */
	struct mt_uploader_stats snap;
	bool connected, backing_off, sending;
	uint64_t sending_seq;
	int64_t retry_at_us;
};

/* Starts the uploader thread if the configuration and keys allow. Never
 * fails the recorder: when off, d->why says why. */
void mt_delivery_start(struct mt_delivery *d, struct mt_board *b, const struct mt_config *cfg);

/* The pipeline's spool, open (sp) or about to close (NULL): the uploader
 * follows it, sending the clip being recorded as its fragments are
 * committed; an uploader restarted later (an enrollment) follows it too.
 * Waits for an upload step in progress. Safe when d is NULL or delivery
 * is off. */
void mt_delivery_follow(struct mt_delivery *d, struct mt_spool *sp);

/* Lets the uploader send what is ready for at most drain_s seconds, then
 * stops its thread. Safe when it never started; no restart after it. */
void mt_delivery_finish(struct mt_delivery *d, int drain_s);

/* The console's view (console.h hooks): the uploader's state, a request
 * to try now (-ENODEV when off), enrollment (then the uploader restarts
 * on url) and the station test. Any thread; enroll and test take seconds. */
int mt_delivery_status(struct mt_delivery *d, struct mt_console_delivery *out);
int mt_delivery_upload_now(struct mt_delivery *d);
int mt_delivery_console_enroll(struct mt_delivery *d, const char *url, const char *code,
			       const char *fingerprint, const char *name, char *id, size_t id_len,
			       char *why, size_t why_len);
int mt_delivery_test(struct mt_delivery *d, void (*say)(void *, const char *, const char *),
		     void *ctx);

/* `matthan enroll URL CODE FINGERPRINT`: enrolls, then stores station.url
 * and device.id in the configuration file. Exit status for main. */
int mt_delivery_enroll(struct mt_board *b, struct mt_config *cfg, const char *config_path,
		       const char *url, const char *code, const char *fingerprint);

#endif
