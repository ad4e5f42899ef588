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

struct mt_delivery {
	struct mt_uploader up;
	struct mt_thread t;
	struct mt_drbg drbg;
	struct mt_clock *clock;
	pthread_mutex_t lock; /* one uploader step at a time, or a change of spool */
	bool on;
	atomic_int idle; /* the last step found nothing to send */
	char why[160];   /* when off */
	char keys[256], spool[256], url[256];
};

/* Starts the uploader thread if the configuration and keys allow. Never
 * fails the recorder: when off, d->why says why. */
void mt_delivery_start(struct mt_delivery *d, struct mt_board *b, const struct mt_config *cfg);

/* The pipeline's spool, open (sp) or about to close (NULL): the uploader
 * follows it, sending the clip being recorded as its fragments are
 * committed. Waits for an upload step in progress. Safe when d is NULL or
 * delivery is off. */
void mt_delivery_follow(struct mt_delivery *d, struct mt_spool *sp);

/* Lets the uploader send what is ready for at most drain_s seconds, then
 * stops its thread. Safe when it never started. */
void mt_delivery_finish(struct mt_delivery *d, int drain_s);

/* `matthan enroll URL CODE FINGERPRINT`: enrolls, then stores station.url
 * and device.id in the configuration file. Exit status for main. */
int mt_delivery_enroll(struct mt_board *b, struct mt_config *cfg, const char *config_path,
		       const char *url, const char *code, const char *fingerprint);

#endif
