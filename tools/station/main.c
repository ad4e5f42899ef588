/* mt-station: the ward station's server and its administration commands
 * (docs/station.md): init, enroll-code, serve, clips, uploads, devices,
 * revoke. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mt-station init --data DIR [--host NAME]\n"
		"       mt-station enroll-code --data DIR [--device-name NAME] [--valid-hours H]\n"
		"       mt-station serve --data DIR --listen ADDR:PORT [--enroll-limit N]\n"
		"                        [--max-size BYTES]\n"
		"       mt-station clips --data DIR [--json]\n"
		"       mt-station uploads --data DIR [--json]\n"
		"       mt-station devices --data DIR [--json]\n"
		"       mt-station revoke --data DIR DEVICE\n"
		"The ward station: enrolls devices, takes their clips over mutual TLS (tus\n"
		"uploads), verifies and stores them, and answers with signed receipts.\n"
		"init makes the station CA and keys and prints the CA fingerprint the installer\n"
		"types on each device; enroll-code prints a one-time code (valid 24 hours by\n"
		"default); serve runs the HTTPS server until SIGTERM (ADDR is an IPv4 or a\n"
		"bracketed IPv6 literal; PORT 0 picks a free port, printed on stdout).\n"
		"See docs/station.md.\n");
}

static int fail(const char *msg)
{
	fprintf(stderr, "mt-station: %s (see --help)\n", msg);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "host", required_argument, NULL, 'H' },
		{ "device-name", required_argument, NULL, 'n' },
		{ "valid-hours", required_argument, NULL, 'v' },
		{ "listen", required_argument, NULL, 'l' },
		{ "enroll-limit", required_argument, NULL, 'e' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mt_cli_opts o = { .valid_ms = 24LL * 3600 * 1000,
				 .enroll_limit = 5,
				 .max_size = 4ULL << 30 };
	const char *cmd = argc > 1 ? argv[1] : NULL;
	uint64_t v;
	int opt;

	if (cmd && (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (cmd && strcmp(cmd, "--version") == 0) {
		printf("mt-station %s\n", MT_VERSION);
		return 0;
	}
	if (!cmd || cmd[0] == '-')
		return fail(
			"give a command: init, enroll-code, serve, clips, uploads, devices or revoke");
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.data = optarg;
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'n':
			o.device_name = optarg;
			break;
		case 'v':
			if (mt_parse_u64(optarg, 24 * 365 * 10, &v) || v == 0)
				return fail("--valid-hours takes 1 to 87600");
			o.valid_ms = (int64_t)v * 3600 * 1000;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'e':
			if (mt_parse_u64(optarg, 16, &v) || v == 0)
				return fail("--enroll-limit takes 1 to 16");
			o.enroll_limit = (unsigned)v;
			break;
		case 'm':
			if (mt_parse_u64(optarg, INT64_MAX, &v) || v == 0)
				return fail("--max-size takes a number of bytes");
			o.max_size = v;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mt-station %s\n", MT_VERSION);
			return 0;
		default:
			return fail("unknown option");
		}
	}
	if (!o.data)
		return fail("--data DIR is required");
	if (strcmp(cmd, "revoke") == 0) {
		if (optind != argc - 1)
			return fail("revoke takes one DEVICE");
		o.device = argv[optind];
		return mt_cli_revoke(&o);
	}
	if (optind != argc)
		return fail("unexpected argument");
	if (strcmp(cmd, "init") == 0)
		return mt_cli_init(&o);
	if (strcmp(cmd, "enroll-code") == 0)
		return mt_cli_enroll_code(&o);
	if (strcmp(cmd, "serve") == 0) {
		if (!o.listen)
			return fail("serve needs --listen ADDR:PORT");
		return mt_cli_serve(&o);
	}
	if (strcmp(cmd, "clips") == 0)
		return mt_cli_clips(&o);
	if (strcmp(cmd, "uploads") == 0)
		return mt_cli_uploads(&o);
	if (strcmp(cmd, "devices") == 0)
		return mt_cli_devices(&o);
	return fail("unknown command");
}
