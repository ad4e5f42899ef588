/* mt-test-upload: the firmware's enrollment and uploader as a command, for
 * the delivery tests against a real mt-station (and for poking at a
 * station by hand).
 *
 *   mt-test-upload enroll KEYDIR URL CODE FINGERPRINT
 *   mt-test-upload upload KEYDIR SPOOL URL [--kbps N] [--seconds S]
 *
 * upload runs the uploader until every sealed clip in SPOOL has a checked
 * receipt (exit 0) or S seconds (default 120) pass (exit 1), printing one
 * line per delivered clip and the uploader's counters at the end. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "evidence/drbg.h"
#include "evidence/keystore.h"
#include "linux/linux_clock.h"
#include "linux/linux_net.h"
#include "linux/linux_random.h"
#include "linux/posix_storage.h"
#include "net/enroll.h"
#include "net/uploader.h"

static struct mt_posix_storage st;
static struct mt_linux_random rnd;
static struct mt_linux_net net;
static struct mt_drbg drbg;

static int enroll(char **argv)
{
	struct mt_keystore ks;
	char id[MT_ENROLL_ID_MAX], why[200];
	int ret;

	mt_keystore_init(&ks);
	ret = mt_keystore_open(&ks, &st.dev, argv[0], &drbg);
	if (ret) {
		fprintf(stderr, "mt-test-upload: evidence key: %s\n", mt_strerror(ret));
		return 1;
	}
	struct mt_enroll e = { .net = &net.dev,
			       .drbg = &drbg,
			       .st = &st.dev,
			       .keys_dir = argv[0],
			       .evidence = &ks,
			       .url = argv[1],
			       .code = argv[2],
			       .fingerprint = argv[3],
			       .name = "test bench" };

	ret = mt_enroll_run(&e, id, why, sizeof(why));
	mt_keystore_free(&ks);
	if (ret) {
		fprintf(stderr, "mt-test-upload: enroll: %s (%s)\n", why, mt_strerror(ret));
		return ret == -EACCES ? 3 : 1;
	}
	printf("%s\n", id);
	return 0;
}

struct count {
	int sealed;
	struct mt_uploader *u;
	int delivered;
};

static int count_sealed(void *arg, const char *name)
{
	struct count *c = arg;
	unsigned long long seq;
	char tail[8];

	if (sscanf(name, "clip-%6llu.%7s", &seq, tail) == 2 && strcmp(tail, "json") == 0) {
		c->sealed++;
		c->delivered += mt_uploader_delivered(c->u, seq);
	}
	return 0;
}

static int upload(int argc, char **argv)
{
	struct mt_uploader u;
	struct mt_uploader_config cfg = { .st = &st.dev,
					  .net = &net.dev,
					  .drbg = &drbg,
					  .clock = &mt_linux_clock,
					  .keys_dir = argv[0],
					  .spool_dir = argv[1],
					  .url = argv[2],
					  .timeout_ms = 5000,
					  .backoff_max_us = 2000000 };
	int64_t seconds = 120, t0;
	int ret;

	for (int i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--kbps") == 0)
			cfg.kbps = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atoi(argv[i + 1]);
	}
	ret = mt_uploader_open(&u, &cfg);
	if (ret) {
		fprintf(stderr, "mt-test-upload: uploader: %s\n", mt_strerror(ret));
		return 1;
	}
	t0 = mt_clock_mono_us(&mt_linux_clock);
	for (;;) {
		struct count c = { .u = &u };
		uint64_t before = u.stats.delivered;

		ret = mt_uploader_step(&u);
		if (u.stats.delivered != before)
			printf("delivered clip %06" PRIu64 "\n", u.stats.last_seq);
		mt_storage_list(&st.dev, cfg.spool_dir, count_sealed, &c);
		if (c.sealed && c.delivered == c.sealed) {
			ret = 0;
			break;
		}
		if (mt_clock_mono_us(&mt_linux_clock) - t0 > seconds * 1000000) {
			fprintf(stderr,
				"mt-test-upload: %d of %d clips delivered in %" PRId64
				" s; last: %s\n",
				c.delivered, c.sealed, seconds, u.stats.last_why);
			ret = 1;
			break;
		}
		if (ret <= 0)
			mt_clock_sleep_us(&mt_linux_clock, 100000);
	}
	printf("delivered=%" PRIu64 " bytes=%" PRIu64 " failures=%" PRIu64 " bad_receipts=%" PRIu64
	       " restarts=%" PRIu64 " reconnects=%" PRIu64 " requests=%" PRIu64 "\n",
	       u.stats.delivered, u.stats.bytes, u.stats.failures, u.stats.bad_receipts,
	       u.stats.restarts, u.station.reconnects, u.station.requests);
	mt_uploader_close(&u);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	int ret;

	signal(SIGPIPE, SIG_IGN);
	mt_posix_storage_init(&st);
	mt_linux_random_init(&rnd);
	mt_linux_net_init(&net);
	mt_drbg_init(&drbg);
	if (mt_drbg_seed(&drbg, &rnd.dev, "mt-test-upload"))
		return 1;
	if (argc == 6 && strcmp(argv[1], "enroll") == 0)
		ret = enroll(argv + 2);
	else if (argc >= 5 && strcmp(argv[1], "upload") == 0)
		ret = upload(argc - 2, argv + 2);
	else {
		fprintf(stderr, "usage: mt-test-upload enroll KEYDIR URL CODE FINGERPRINT\n"
				"       mt-test-upload upload KEYDIR SPOOL URL [--kbps N] "
				"[--seconds S]\n");
		ret = 2;
	}
	mt_drbg_free(&drbg);
	return ret;
}
