/* matthan: the recorder daemon. Binds one board's devices, reads the runtime
 * configuration, runs the pipeline with the serial console beside it and,
 * when the camera ends or a signal stops it, prints what was recorded (and
 * what is not built yet). The console may restart the pipeline on an edited
 * configuration ("config apply") or end the program for a restart by the
 * service manager ("reboot": exit status MT_CONSOLE_EXIT_REBOOT). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/board.h"
#include "app/delivery.h"
#include "app/ota_agent.h"
#include "app/pipeline.h"
#include "app/report.h"
#include "app/status.h"
#include "autoconf.h"
#include "console/console.h"
#include "console/logring.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/file.h"
#include "core/log.h"
#include "hal/serial.h"

MT_LOG_MODULE("main");

static atomic_int stop_requested; /* a signal: the program ends */
static atomic_int pipeline_stop;  /* the pipeline ends (signal, restart, reboot) */
static atomic_int ota_exit;       /* the update agent ends the program with this status */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, 1);
	atomic_store(&pipeline_stop, 1);
}

/* The update agent: an update installed, a failed health check or a
 * rollback. The recorder stops cleanly (the clip in progress is finished,
 * sealed clips go up) and the program exits with code for mt-boot. */
static void on_ota_exit(void *arg, int code)
{
	(void)arg;
	atomic_store(&ota_exit, code);
	atomic_store(&stop_requested, 1);
	atomic_store(&pipeline_stop, 1);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: matthan [--config FILE] [--set KEY=VALUE]... [--report FILE]\n"
		"       matthan [--config FILE] enroll https://STATION[:PORT] CODE FINGERPRINT\n"
		"\n"
		"The recorder: camera -> motion -> pre-roll ring -> sealed clips in the\n"
		"spool -> uploaded to the ward station (station.url, set by enroll).\n"
		"Runs until the camera ends (a replay) or SIGINT/SIGTERM, then prints a\n"
		"report of what was recorded. The serial console (console.device; \"pty\"\n"
		"prints its path) takes commands meanwhile: docs/console.md. After the\n"
		"console's reboot or factory-reset it exits with status %d; after installing\n"
		"an update %d, after a failed health check of an update on trial %d\n"
		"(docs/ota.md; mt-boot starts it again).\n"
		"\n"
		"  --config FILE     runtime configuration (default %s);\n"
		"                    a missing file means defaults\n"
		"  --set KEY=VALUE   override one key for this run (see docs/config.md)\n"
		"  --report FILE     also write the report to FILE\n"
		"  --help, --version\n"
		"\n"
		"example: matthan --set capture.device=footage/input --set capture.fps=25\n",
		MT_CONSOLE_EXIT_REBOOT, MT_OTA_EXIT_RESTART, MT_OTA_EXIT_HEALTH,
		CONFIG_MT_CONFIG_PATH);
}

/* Loads the file, then the --set overrides. A bad file is reported and the
 * defaults stay in force (the box keeps recording); a bad --set is a usage
 * error. Nothing is written. */
static int load_config(struct mt_board *b, struct mt_config *cfg, const char *path, int argc,
		       char **argv)
{
	struct mt_config_error err;
	char line[512];

	mt_config_init(cfg);
	if (mt_config_load(cfg, b->storage, path, &err)) {
		mt_config_error_format(&err, line, sizeof(line));
		MT_ERR("%s", line);
		MT_ERR("%s not used: running on the last good configuration (defaults)", path);
	} else if (!cfg->from_file) {
		MT_INF("%s: no such file, using defaults", path);
	}
	for (int i = 1; i < argc; i++) {
		char *eq;

		if (strcmp(argv[i], "--set") != 0)
			continue;
		eq = strchr(argv[++i], '=');
		if (!eq) {
			fprintf(stderr, "matthan: --set %s: expected KEY=VALUE\n", argv[i]);
			return MT_ECONFIG;
		}
		*eq = '\0';
		if (mt_config_set(cfg, argv[i], eq + 1, &err)) {
			mt_config_error_format(&err, line, sizeof(line));
			fprintf(stderr, "matthan: --set: %s\n", line);
			return MT_ECONFIG;
		}
	}
	return 0;
}

/* A /dev/ path is a V4L2 camera; anything else is footage to replay. */
static int pick_camera(struct mt_board *b, const char *device)
{
	bool dev = strncmp(device, "/dev/", 5) == 0;

	b->capture = dev ? b->v4l2 : b->replay;
	if (b->capture)
		return 0;
	fprintf(stderr, "matthan: capture.device %s: this build has no %s driver\n", device,
		dev ? "V4L2 capture" : "replay camera");
	return -ENODEV;
}

/* The serial console line. A box whose console cannot open still records:
 * it says so in the log and goes on without one. */
static void open_console(struct mt_board *b, const struct mt_config *cfg,
			 struct mt_serial_config *scfg)
{
	int ret;

	if (!b->console)
		return;
	scfg->device = mt_config_str(cfg, MT_CONFIG_CONSOLE_DEVICE);
	scfg->baud = (uint32_t)mt_config_int(cfg, MT_CONFIG_CONSOLE_BAUD);
	ret = mt_serial_open(b->console, scfg);
	if (ret) {
		MT_WRN("console %s: %s", scfg->device, mt_strerror(ret));
		b->console = NULL;
	}
}

/* Runs the pipeline until the camera ends or a signal or reboot stops it;
 * a restart asked on the console runs it again on the edited configuration,
 * or on the previous one if the edited one cannot start the camera. */
static int run(struct mt_board *b, struct mt_config *cfg, struct mt_status *st,
	       struct mt_run_report *rep)
{
	static struct mt_config prev, next;
	bool restarted = false;

	for (;;) {
		int ret = mt_pipeline_run(b, cfg, &pipeline_stop, rep);

		if (atomic_load(&stop_requested))
			return ret;
		if (rep->camera_error && restarted) {
			MT_ERR("the edited configuration cannot start the camera; back to the last one");
			*cfg = prev;
			restarted = false;
		} else if (mt_status_take_restart(st, &next)) {
			MT_INF("console: restarting the recorder on the edited configuration");
			prev = *cfg;
			*cfg = next;
			restarted = true;
		} else {
			return ret;
		}
		atomic_store(&pipeline_stop, 0);
		if (pick_camera(b, mt_config_str(cfg, MT_CONFIG_CAPTURE_DEVICE))) {
			*cfg = prev;
			pick_camera(b, mt_config_str(cfg, MT_CONFIG_CAPTURE_DEVICE));
		}
	}
}

int main(int argc, char **argv)
{
	const char *config_path = CONFIG_MT_CONFIG_PATH, *report_path = NULL;
	struct mt_serial_config scfg;
	struct mt_run_report *rep;
	struct mt_config cfg;
	struct mt_board b;
	enum mt_log_level level;
	static char text[16384], keys_dir[300];
	static struct mt_console_config console_cfg;
	static struct mt_console console;
	static struct mt_logring logring;
	static struct mt_status status;
	static struct mt_delivery delivery;
	static struct mt_ota_app ota;
	char lvl[8];
	bool reboot;
	int ret;

	/* matthan [--config FILE] enroll URL CODE FINGERPRINT */
	if (argc >= 4 && strcmp(argv[1], "--config") == 0 && strcmp(argv[3], "enroll") == 0) {
		config_path = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc >= 2 && strcmp(argv[1], "enroll") == 0) {
		if (argc != 5) {
			fprintf(stderr,
				"usage: matthan enroll https://STATION[:PORT] CODE FINGERPRINT\n");
			return 2;
		}
		ret = mt_board_init(&b);
		if (ret || load_config(&b, &cfg, config_path, 1, argv))
			return 1;
		return mt_delivery_enroll(&b, &cfg, config_path, argv[2], argv[3], argv[4]);
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("matthan %s (board %s)\n", MT_VERSION, CONFIG_MT_BOARD);
			return 0;
		} else if ((strcmp(a, "--config") == 0 || strcmp(a, "--set") == 0 ||
			    strcmp(a, "--report") == 0) &&
			   i + 1 < argc) {
			if (a[2] == 'c')
				config_path = argv[i + 1];
			else if (a[2] == 'r')
				report_path = argv[i + 1];
			i++;
		} else {
			fprintf(stderr,
				"matthan: unknown or incomplete argument '%s' (try --help)\n", a);
			return 2;
		}
	}

	ret = mt_board_init(&b);
	if (ret) {
		fprintf(stderr, "matthan: board %s: %s\n", CONFIG_MT_BOARD, mt_strerror(ret));
		return 1;
	}
	mt_log_set_clock(b.clock);
	mt_logring_init(&logring, b.clock, true);
	mt_logring_install(&logring);
	if (load_config(&b, &cfg, config_path, argc, argv))
		return 2;
	mt_config_value_format(&cfg, MT_CONFIG_LOG_LEVEL, lvl, sizeof(lvl));
	if (mt_log_level_parse(lvl, &level) == 0)
		mt_log_set_level(level);
	if (pick_camera(&b, mt_config_str(&cfg, MT_CONFIG_CAPTURE_DEVICE)))
		return 1;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	open_console(&b, &cfg, &scfg);
	mt_status_init(&status, b.clock, &pipeline_stop);
	b.status = &status;
	/* before the console: its enroll, station test and status use it */
	mt_delivery_start(&delivery, &b, &cfg);
	status.delivery = &delivery;
	b.delivery = &delivery; /* the pipeline lets it follow the spool */
	if (b.console) {
		snprintf(keys_dir, sizeof(keys_dir), "%s",
			 mt_config_str(&cfg, MT_CONFIG_DEVICE_KEYS));
		console_cfg = (struct mt_console_config){
			.serial = b.console,
			.clock = b.clock,
			.storage = b.storage,
			.running = &cfg,
			.config_path = config_path,
			.keys_dir = keys_dir,
			.board = CONFIG_MT_BOARD,
			.log = &logring,
			.hooks = mt_status_hooks(&status),
			/* a pty is a local terminal: fast enough for colour */
			.color = strcmp(scfg.device, "pty") == 0,
			.random = b.random,
		};
		mt_console_init(&console, &console_cfg);
		status.console = mt_console_thread(&console);
		if (mt_console_start(&console))
			MT_ERR("console: cannot start its thread; recording goes on without it");
	}

	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return 1;
	mt_ota_app_start(&ota, &b, &cfg, &status, on_ota_exit, NULL);
	if (ota.on)
		status.ota = &ota;
	ret = run(&b, &cfg, &status, rep);
	status.ota = NULL;
	mt_ota_app_stop(&ota);
	rep->upload_on = delivery.on;
	/* what the run sealed last goes up before the report (a signal: briefly) */
	b.delivery = NULL;
	mt_delivery_finish(&delivery, atomic_load(&ota_exit) == MT_OTA_EXIT_RESTART ? 60 :
				      atomic_load(&stop_requested)                  ? 5 :
										      60);
	rep->upload = delivery.up.stats;
	snprintf(rep->upload_why, sizeof(rep->upload_why), "%s", delivery.why);
	mt_log_flush();
	if (b.console) {
		mt_console_free(&console);
		mt_serial_close(b.console);
	}
	reboot = mt_status_reboot_requested(&status);
	mt_status_free(&status);
	if (rep->camera_error) {
		/* the driver has said why in one line; there is nothing to report */
		free(rep);
		mt_logring_free(&logring);
		return 1;
	}
	if (ret)
		MT_ERR("recorder stopped: %s", mt_strerror(ret));
	mt_report_format(text, sizeof(text), &b, &cfg, rep);
	fputs(text, stdout);
	if (report_path && mt_file_replace(b.storage, report_path, text, strlen(text)))
		MT_ERR("report %s: cannot write", report_path);
	free(rep);
	mt_logring_free(&logring);
	if (atomic_load(&ota_exit)) {
		MT_INF("update agent: exit %d for mt-boot", atomic_load(&ota_exit));
		return atomic_load(&ota_exit);
	}
	if (reboot) {
		MT_INF("console asked for a restart: exit %d", MT_CONSOLE_EXIT_REBOOT);
		return MT_CONSOLE_EXIT_REBOOT;
	}
	return ret ? 1 : 0;
}
