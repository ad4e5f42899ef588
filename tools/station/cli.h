/* mt-station: the commands (docs/station.md). Each returns the exit
 * status: 0, 1 for a failure (one line on stderr says why). */
#ifndef MT_STATION_CLI_H
#define MT_STATION_CLI_H

#include <stdint.h>

struct mt_cli_opts {
	const char *data;        /* --data DIR */
	const char *host;        /* init --host NAME */
	const char *device_name; /* enroll-code --device-name NAME */
	int64_t valid_ms;        /* enroll-code --valid-hours */
	const char *listen;      /* serve --listen ADDR:PORT */
	unsigned enroll_limit;   /* serve --enroll-limit N (a minute, an address) */
	uint64_t max_size;       /* serve --max-size BYTES */
	int json;                /* clips/uploads/devices --json */
	const char *device;      /* revoke DEVICE */
};

int mt_cli_init(const struct mt_cli_opts *o);
int mt_cli_enroll_code(const struct mt_cli_opts *o);
int mt_cli_serve(const struct mt_cli_opts *o);
int mt_cli_clips(const struct mt_cli_opts *o);
/* Uploads not yet part of a clip: in progress (a deferred length shows
 * as -1) or complete and waiting for their commit. */
int mt_cli_uploads(const struct mt_cli_opts *o);
int mt_cli_devices(const struct mt_cli_opts *o);
int mt_cli_revoke(const struct mt_cli_opts *o);

#endif
