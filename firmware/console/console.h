/* The serial console: the installer's way into the box (docs/console.md).
 * A line editor and a command table on the serial hal, in its own thread
 * ("mt-console", with a heartbeat). It never blocks capture or recording:
 * it learns about the recorder only through the hooks below, which copy a
 * snapshot under the recorder's short locks, and its output goes out with a
 * timeout, so a console nobody reads drops output instead of waiting.
 *
 * The console edits its own copy of the runtime configuration; the recorder
 * keeps running on the copy it started with until "config apply" (the
 * apply hook) or a reboot. */
#ifndef MT_CONSOLE_CONSOLE_H
#define MT_CONSOLE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/history.h"
#include "console/lineedit.h"
#include "console/logring.h"
#include "core/config.h"
#include "core/thread.h"
#include "hal/capture.h"
#include "motion/motion.h"
#include "motion/thumb.h"

#define MT_CONSOLE_COLS   80 /* every line the console prints fits */
#define MT_CONSOLE_ROWS   24
#define MT_CONSOLE_ARGS   16
#define MT_CONSOLE_PROMPT "matthan> "
#define MT_CONSOLE_MODES  32 /* camera modes "camera formats" lists at most */
/* What the installer types to confirm factory-reset. */
#define MT_CONSOLE_CONFIRM_WORD "ERASE"

struct mt_clock;
struct mt_random;
struct mt_serial;
struct mt_storage;

/* Motion state as status and "motion tune" show it. */
enum mt_console_motion {
	MT_CONSOLE_MOTION_NONE = 0, /* nothing analysed yet */
	MT_CONSOLE_MOTION_LEARNING,
	MT_CONSOLE_MOTION_QUIET,
	MT_CONSOLE_MOTION_ACTIVE, /* an event is going on */
};

/* A snapshot of the running recorder, filled by the status hook. */
struct mt_console_status {
	bool running; /* the recorder runs (false between a stop and a start) */
	char camera[96];
	bool have_format;
	struct mt_capture_format format;
	struct mt_capture_stats stats;
	uint32_t fps_x10; /* measured over the last seconds, tenths of a frame */
	uint64_t skipped; /* frames analysis had no room for */
	uint64_t analysed;
	uint64_t unreadable;
	uint64_t events;
	enum mt_console_motion motion;
	uint32_t score;         /* 0..1000, last analysed frame */
	uint32_t area_permille; /* moving share of the picture */
	uint32_t noise_x16;     /* mean noise of the unmasked cells, luma x 16 */
	uint32_t threshold_x16; /* mean threshold of the unmasked cells, luma x 16 */
	uint64_t clips;         /* clips finished since start */
	uint64_t clip_frames;
	uint64_t clip_lost;
	uint64_t clip_errors;
	bool evidence; /* clips are sealed into the spool */
	uint64_t sealed, receipts, evicted, unsent_lost, refused;
	uint32_t ring_frames;
	size_t ring_bytes;
	int64_t run_us; /* since the recorder started */
	char watchdog[256];
};

/* Delivery as "status" shows it, filled by the delivery hook. */
struct mt_console_delivery {
	bool on;       /* the uploader runs */
	char why[160]; /* why not, when off */
	char url[128];
	bool connected;   /* a connection to the station is open */
	bool backing_off; /* after a failure, waiting retry_in_us */
	int64_t retry_in_us;
	bool sending; /* a clip is on its way */
	uint64_t sending_seq;
	uint64_t delivered, bytes, failures;
	uint64_t last_seq;   /* last clip delivered */
	int64_t last_age_us; /* since then; -1: none since start */
	char last_why[120];  /* the last failure; "" when the last try went well */
};

/* One step of a long network command, said as it ends ("TCP", "ok: ..."). */
typedef void (*mt_console_say_fn)(void *ctx, const char *step, const char *text);

/* The latest analysis thumbnail and motion map, for "view". */
struct mt_console_picture {
	uint64_t seq; /* changes with every new picture */
	struct mt_thumb thumb;
	uint16_t gw, gh;                  /* motion grid; 0 when there is none */
	uint8_t map[MT_MOTION_MAX_CELLS]; /* nonzero: motion (as mt_motion_result.map) */
};

/* How the console reaches the recorder. Every hook may be NULL (the command
 * then says what is missing); each returns 0 or a negative error, and none
 * may wait long: they run on the console's thread. */
struct mt_console_hooks {
	void *arg; /* passed to every hook */
	/* A snapshot of the recorder; -ENODEV when it does not run. */
	int (*status)(void *arg, struct mt_console_status *out);
	/* The latest picture; -EAGAIN when none was analysed yet. */
	int (*picture)(void *arg, struct mt_console_picture *out);
	/* The newest keyframe in the pre-roll ring, with a reference the caller
	 * drops with mt_frame_put(); -ENOENT when the ring holds none. */
	int (*snapshot)(void *arg, struct mt_frame **out);
	/* Sets a camera control now (on the capture thread); -ENOSYS when the
	 * camera has no controls. */
	int (*camera_control)(void *arg, const char *name, int32_t value);
	/* The modes the camera offers (hal/capture.h), at most max into out:
	 * how many it offers, -EAGAIN before it was asked, -ENOSYS when the
	 * driver cannot list them, -ENODEV when the recorder does not run. */
	int (*camera_modes)(void *arg, struct mt_capture_mode *out, int max);
	/* Restarts the camera and recorder on cfg (copied): the clip in
	 * progress is finished first. */
	int (*apply)(void *arg, const struct mt_config *cfg);
	/* Stops the recorder cleanly and ends the program with
	 * MT_CONSOLE_EXIT_REBOOT (the service manager starts it again). */
	void (*reboot)(void *arg);
	/* The uploader's state; -ENOSYS when there is no delivery. */
	int (*delivery)(void *arg, struct mt_console_delivery *out);
	/* The uploader tries now (ends a back-off); -ENODEV when it is off. */
	int (*upload_now)(void *arg);
	/* The next two take seconds: the console calls them from a helper
	 * thread ("mt-con-net") while its own thread keeps its heartbeat. */
	/* Enrolls (net/enroll.h) into the keys folder in force, labelled name;
	 * then the uploader restarts on url. 0 and id, or an error and why. */
	int (*enroll)(void *arg, const char *url, const char *code, const char *fingerprint,
		      const char *name, char *id, size_t id_len, char *why, size_t why_len);
	/* The way to the station step by step (net/diag.h). */
	int (*station_test)(void *arg, mt_console_say_fn say, void *ctx);
	/* The update agent's answer to "ota VERB" (status, check, apply,
	 * rollback) as lines in out; 0, or a negative error after writing why.
	 * check, apply and rollback are handed to the agent's thread. */
	int (*ota)(void *arg, const char *verb, char *out, size_t cap);
};

/* The exit status of matthan after "reboot" or "factory-reset"; the
 * service unit restarts on it (docs/console.md). */
#define MT_CONSOLE_EXIT_REBOOT 75

struct mt_console_config {
	struct mt_serial *serial;        /* opened by the caller; must outlive the console */
	struct mt_clock *clock;          /* must outlive the console */
	struct mt_storage *storage;      /* must outlive the console */
	const struct mt_config *running; /* copied at init: the configuration in force */
	const char *config_path;         /* file of "config save"; must outlive the console */
	const char *keys_dir;            /* evidence keys folder; must outlive the console */
	const char *board;               /* board name for status */
	struct mt_logring *log;          /* the log ring of "log"; may be NULL */
	struct mt_console_hooks hooks;
	bool color;               /* "view" in ANSI 256 colours by default (else ASCII shades) */
	struct mt_random *random; /* salts of the console password; must outlive the console */
	uint32_t pbkdf2_iter;     /* for a new password; 0: Kconfig's */
};

/* The console password's state (console/login.c). */
struct mt_console_login {
	bool authed;          /* logged in since the password was asked */
	bool prompted;        /* "password: " is on the screen */
	unsigned fails;       /* failed attempts in a row */
	uint64_t fails_total; /* since start, for status */
	int64_t retry_at_us;  /* no attempt before this: the growing delay */
	int64_t input_us;     /* the last key typed while logged in */
	char pw[72];          /* typed so far, never echoed; wiped after use */
	size_t npw;
};

struct mt_console {
	const struct mt_console_config *cfg;
	struct mt_config running; /* what the recorder runs on */
	struct mt_config work;    /* what "config" edits */
	struct mt_history hist;
	struct mt_lineedit ed;
	struct mt_thread thread;
	struct mt_console_picture *pic; /* made on the first "view" */
	char obuf[1024];                /* output not yet written */
	size_t olen;
	unsigned col;        /* column of the output cursor, for wrapping */
	int oesc;            /* inside an escape sequence being printed */
	bool mute;           /* a write timed out: drop output until input */
	int64_t muted_at_us; /* when the last write failed */
	uint64_t dropped;    /* output bytes dropped while muted */
	int64_t started_us;  /* clock time at init, for uptime */
	bool exit_requested; /* reboot or factory-reset: the program ends */
	char pending[64];    /* bytes typed during a command, not yet edited */
	size_t npending;
	struct mt_console_login login;
};

/* cfg must outlive c. Prints nothing yet. Cannot fail. */
void mt_console_init(struct mt_console *c, const struct mt_console_config *cfg);

/* Stops the thread if running and releases c. NULL and twice are fine. */
void mt_console_free(struct mt_console *c);

/* Prints the banner and prompt, then runs the console in a thread named
 * "mt-console". 0 or the thread's error. */
int mt_console_start(struct mt_console *c);

/* Asks the thread to stop and waits for it (at most one read timeout). */
void mt_console_stop(struct mt_console *c);

/* The console's thread, for the supervisor to watch. */
static inline struct mt_thread *mt_console_thread(struct mt_console *c)
{
	return &c->thread;
}

/* For tests and for callers without a thread: prints the banner and the
 * first prompt. */
void mt_console_begin(struct mt_console *c);

/* One pass of the thread: reads what arrived within timeout_ms and acts on
 * it (editing, running commands). 0, or the serial line's error. */
int mt_console_poll(struct mt_console *c, int timeout_ms);

/* Runs one command line as if typed (no echo, no history). */
void mt_console_exec(struct mt_console *c, const char *line);

/* The configuration as edited (what "config save" writes). */
static inline const struct mt_config *mt_console_config(const struct mt_console *c)
{
	return &c->work;
}

/* Output for commands: text, wrapped at MT_CONSOLE_COLS, "\n" sent as
 * "\r\n". Escape sequences pass through and take no columns. */
void mt_console_printf(struct mt_console *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mt_console_write(struct mt_console *c, const char *s, size_t n);
void mt_console_flush(struct mt_console *c);

/* Prints label padded to indent columns, then text word-wrapped to
 * MT_CONSOLE_COLS with its continuation lines indented as much. */
void mt_console_wrap(struct mt_console *c, const char *label, unsigned indent, const char *text);

/* Waits up to timeout_ms for one byte typed (beating the heartbeat);
 * 1 and *b, 0 on timeout, or a negative error. */
int mt_console_getc(struct mt_console *c, int timeout_ms, uint8_t *b);

/* ---- the console password (console/login.c) ---- */

/* A password is set (console.password is not empty). */
bool mt_console_has_password(const struct mt_console *c);

/* The console waits for the password: nothing else is read. */
static inline bool mt_console_locked(const struct mt_console *c)
{
	return mt_console_has_password(c) && !c->login.authed;
}

/* Reads a line without echoing it (a password), prompt first: 0 and the
 * line, -ECANCELED on Ctrl-C, -ETIMEDOUT, -E2BIG (longer than len - 1),
 * or the serial line's error. */
int mt_console_read_secret(struct mt_console *c, const char *prompt, int timeout_ms, char *buf,
			   size_t len);

/* Reads a line with the editor, prompt first (for confirmations). 0 and
 * the line in buf (len bytes), -ECANCELED on Ctrl-C, -ETIMEDOUT after
 * timeout_ms without Enter, or the serial line's error. */
int mt_console_readline(struct mt_console *c, const char *prompt, int timeout_ms, char *buf,
			size_t len);

#endif
