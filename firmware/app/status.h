/* The recorder's window for the console: the pipeline's threads publish
 * counters, the latest analysis picture and a way to the pre-roll ring here
 * (each under this one short lock, never waiting on the console), and the
 * console's hooks (console/console.h) read them. It also carries the
 * console's requests back: a camera control for the capture thread to set,
 * a restart on a new configuration, a reboot.
 *
 * Lock order: the status lock, then the ring's or the supervisor's lock. */
#ifndef MT_APP_STATUS_H
#define MT_APP_STATUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "console/console.h"
#include "core/config.h"
#include "record/recorder.h"

struct mt_board;
struct mt_capture;
struct mt_clock;
struct mt_delivery;
struct mt_motion;
struct mt_ota_app;
struct mt_motion_result;
struct mt_ring;
struct mt_run_report;
struct mt_supervisor;
struct mt_thumb;

struct mt_status {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a control request was served */
	struct mt_clock *clock;
	atomic_int *stop;              /* the pipeline's stop flag (restart, reboot) */
	struct mt_thread *console;     /* watched by each run's supervisor; may be NULL */
	struct mt_delivery *delivery;  /* the uploader, for the console; may be NULL */
	struct mt_console_status s;    /* counters, as the hook returns them */
	struct mt_console_picture pic; /* latest analysis picture */
	bool have_pic;
	struct mt_ring *ring;      /* while a run is attached */
	struct mt_supervisor *sup; /* while a run is attached */
	int64_t fps_t0;            /* start of the frame-rate window */
	uint64_t fps_n0;
	bool ctl_pending; /* a control for the capture thread to set */
	char ctl_name[32];
	int32_t ctl_value;
	int ctl_result;
	uint64_t ctl_seq, ctl_done; /* requests made and served */
	bool restart, reboot;
	/* the camera's modes, listed once per run by the capture thread */
	bool modes_listed;
	int nmodes; /* or the driver's error (-ENOSYS: it cannot list) */
	struct mt_capture_mode modes[MT_CONSOLE_MODES];
	struct mt_config next;  /* the configuration of the restart */
	struct mt_ota_app *ota; /* the update agent, for "ota"; NULL: none */
};

/* clock must outlive st; stop is the flag mt_pipeline_run() watches.
 * Cannot fail. */
void mt_status_init(struct mt_status *st, struct mt_clock *clock, atomic_int *stop);
void mt_status_free(struct mt_status *st);

/* The console's hooks, arg = st. */
struct mt_console_hooks mt_status_hooks(struct mt_status *st);

/* ---- from the pipeline (each accepts st NULL: nobody asks) ---- */

/* A run starts: its ring and supervisor (which also watches the console's
 * thread) until mt_status_detach(). driver and device name the camera. */
void mt_status_attach(struct mt_status *st, struct mt_ring *ring, struct mt_supervisor *sup,
		      const char *driver, const char *device);
void mt_status_detach(struct mt_status *st);

/* Capture thread, once per pass: the camera's format and counters, the
 * frames analysis skipped; sets a control the console asked for. */
void mt_status_capture(struct mt_status *st, struct mt_capture *cam, uint64_t skipped);

/* Analysis thread, after each analysed frame. */
void mt_status_analysis(struct mt_status *st, const struct mt_thumb *t, const struct mt_motion *m,
			const struct mt_motion_result *res, const struct mt_run_report *rep);

/* Writer thread, after each clip. */
/* From the writer thread: the spool's counters (losses are never silent). */
struct mt_spool_stats;
void mt_status_spool(struct mt_status *st, const struct mt_spool_stats *sp);

void mt_status_recorder(struct mt_status *st, const struct mt_recorder_stats *rs);

/* ---- for main ---- */

/* After a run ended: whether the console asked for a restart (then *cfg is
 * the new configuration) or a reboot. Clears the requests. */
bool mt_status_take_restart(struct mt_status *st, struct mt_config *cfg);
bool mt_status_reboot_requested(struct mt_status *st);

#endif
