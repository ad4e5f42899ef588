/* The OTA agent in the recorder (docs/ota.md): firmware/ota's agent on its
 * own low-priority thread, over its own mutual-TLS link to the station.
 *
 * On when the box is enrolled (with the station's update key,
 * keys/update.pem), has a network driver, and has a slot root: mt-boot's
 * MT_OTA_ROOT, else the ota.root key. The running slot comes from MT_SLOT
 * (else the committed one), its version from <root>/<slot>/version (the
 * signed version of the bundle it was installed from; the build's
 * MT_VERSION when the file is missing).
 *
 * A slot started on trial (MT_SLOT_TRIAL=1) runs the health check first:
 * frames flowing, the spool writable (write, fsync, read back a probe file)
 * and an authenticated request to the station answered, all within
 * ota.health_s. Passed: commit, and the new version is reported (POST
 * /devices/health). Failed: the reason goes into the slot note and the
 * program ends with MT_OTA_EXIT_HEALTH (mt-boot takes the next try, or
 * brings the old slot back). A normal start reports a rollback note left
 * by mt-boot or the console. Every ota.check_s seconds (and on the
 * console's "ota check") it looks for a newer bundle, downloads it
 * (Range requests, resumable, capped at ota.kbps), installs it into the
 * other slot and ends the program with MT_OTA_EXIT_RESTART after the
 * recorder's clean stop, so mt-boot starts the new slot on trial. A
 * version refused or failed on trial is not fetched again (<root>/skip)
 * until a newer one is published. */
#ifndef MT_APP_OTA_AGENT_H
#define MT_APP_OTA_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "app/board.h"
#include "core/config.h"
#include "core/thread.h"
#include "evidence/drbg.h"
#include "ota/agent.h"
#include "ota/fetch_station.h"
#include "ota/slot_files.h"

/* The exit status after an update was installed: start the other slot. */
#define MT_OTA_EXIT_RESTART 76
/* The exit status of a trial slot that failed its health check. */
#define MT_OTA_EXIT_HEALTH 77

/* How the agent ends the program: stop the recorder cleanly, then exit
 * with status code. */
typedef void (*mt_ota_exit_fn)(void *arg, int code);

struct mt_ota_link {
	struct mt_station_url url;
	struct mt_tls_client *tls;
	struct mt_station station;
};

struct mt_ota_app {
	struct mt_ota ota;
	struct mt_slot_files slots;
	struct mt_ota_fetch_station fetch_station;
	struct mt_ota_fetch fetch; /* fetch_station's, watching the stop flag */
	struct mt_ota_link link;   /* the station: health, reports, bundles */
	struct mt_ota_link mirror; /* ota.url, when set: bundles */
	struct mt_bundle_key key;
	struct mt_drbg drbg;
	struct mt_thread t;
	struct mt_storage *st;
	struct mt_clock *clock;
	struct mt_status *status;
	mt_ota_exit_fn exit_fn;
	void *exit_arg;
	uint8_t *ca, *cert, *tls_key;
	size_t ca_len, cert_len, key_len;
	bool on, trial, started;
	bool leaving; /* the agent asked to end the program */
	char running;
	int check_s, health_s;
	char root[MT_OTA_ROOT_MAX], version[MT_VERSION_MAX];
	char spool[256], keys[256];
	atomic_int want_check, want_apply, want_rollback;

	pthread_mutex_t lock; /* guards the fields below (the console reads them) */
	char why[160];        /* when off */
	char state[200];      /* what the agent does or did last, for "ota status" */
	char last_check[200];
	char health[200]; /* the trial's health check, or "" */
	char reported[200];
	struct mt_ota_offer offer;
	bool ready; /* the offer is downloaded and may be installed */
	uint64_t got, total;
};

/* Starts the agent's thread when the configuration and keys allow (a->on);
 * otherwise a->why says why. Never fails the recorder. exit_fn ends the
 * program (after an install, a failed health check or a rollback). */
void mt_ota_app_start(struct mt_ota_app *a, struct mt_board *b, const struct mt_config *cfg,
		      struct mt_status *status, mt_ota_exit_fn exit_fn, void *exit_arg);

/* Stops the thread (a download in progress stops at its next piece and
 * resumes at the next start). Safe when it never started. */
void mt_ota_app_stop(struct mt_ota_app *a);

/* The console's "ota VERB": status, check, apply or rollback, the answer
 * (lines) in out. 0, or a negative error after writing why into out.
 * Never waits on the network: check, apply and rollback are handed to the
 * agent's thread. */
int mt_ota_app_console(struct mt_ota_app *a, const char *verb, char *out, size_t cap);

#endif
