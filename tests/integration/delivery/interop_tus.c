/* mt-test-tus: the firmware's tus client (net/tus.c over net/station.c and
 * net/tls.c, mutual TLS) uploading one file, as a command: for the interop
 * test against the reference tus server and for the goodput benchmark
 * against curl.
 *
 *   mt-test-tus put URL KEYDIR FILE [--chunk BYTES] [--defer] [--cut-at BYTES] [--delete]
 *                                   [--records auto|mbedtls|nettle]
 *
 * KEYDIR holds ca.pem, tls.crt and tls.key (a device's keys folder). The
 * file goes up as the uploader sends a clip: one POST, then PATCHes of at
 * most --chunk bytes (default MT_UPLOADER_CHUNK) from the station's offset.
 * --defer creates it with Upload-Defer-Length and declares the length on the
 * last PATCH. --cut-at makes the body source fail once, after BYTES of the
 * file have been sent: the connection is dropped mid-PATCH, the client asks
 * the server's offset with HEAD and goes on from there. --delete ends with
 * a DELETE (termination) and checks that HEAD then finds the upload gone.
 * --records picks who seals the records we send (net/tls.h, mt_tls_records).
 *
 * Prints "created LOCATION", "cut at N: server has M" and, at the end,
 * "done OFFSET LENGTH SECONDS" (a final HEAD's answer), "records SEALER"
 * (who sealed the last connection's records: mt_tls_records), and "deleted" after
 * a DELETE. Exit 0 when the server has the whole file (and, with --delete,
 * has let it go), 1 otherwise, 2 on a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/file.h"
#include "evidence/drbg.h"
#include "linux/linux_net.h"
#include "linux/linux_random.h"
#include "linux/posix_storage.h"
#include "net/station.h"
#include "net/tls.h"
#include "net/tus.h"
#include "net/uploader.h"

struct body {
	int fd;
	int64_t pos;    /* file offset of the next byte */
	int64_t cut_at; /* fail once when pos reaches this; -1: never */
};

static ssize_t read_body(void *ctx, uint8_t *buf, size_t len)
{
	struct body *b = ctx;
	ssize_t n;

	if (b->cut_at >= 0 && b->pos >= b->cut_at) {
		b->cut_at = -1;
		return -EIO;
	}
	if (b->cut_at >= 0 && b->pos + (int64_t)len > b->cut_at)
		len = (size_t)(b->cut_at - b->pos);
	n = pread(b->fd, buf, len, b->pos);
	if (n > 0)
		b->pos += n;
	return n < 0 ? -errno : n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(struct mt_storage *st, const char *dir, const char *name, uint8_t **buf,
		size_t *len)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = mt_file_read_all(st, path, 65536, buf, len);
	if (ret)
		fprintf(stderr, "mt-test-tus: %s: %s\n", path, mt_strerror(ret));
	else
		(*len)++; /* the PEM parsers want the terminating NUL counted */
	return ret;
}

struct put_opts {
	size_t chunk;
	int64_t cut_at;
	bool defer, del;
};

/* POST, then PATCHes from the server's offset until it has all size bytes. */
static int put(struct mt_station *st, int fd, int64_t size, const struct put_opts *o)
{
	double t0 = now_s();
	struct mt_tus_upload u = { 0 };
	struct body b = { .fd = fd, .cut_at = o->cut_at };
	int tries = 0, ret;

	ret = mt_tus_create(st, "interop.bin", "clip", 1, o->defer ? -1 : size, &u);
	if (ret) {
		fprintf(stderr, "mt-test-tus: POST: %s (status %d)\n", mt_strerror(ret),
			mt_tus_last_status(st));
		return ret;
	}
	printf("created %s\n", u.location);
	while (u.offset < size || (o->defer && u.length < 0)) {
		int64_t left = size - u.offset;
		size_t len = left > (int64_t)o->chunk ? o->chunk : (size_t)left;
		bool cut = b.cut_at >= 0;

		b.pos = u.offset;
		ret = mt_tus_patch(st, &u, read_body, &b, len, o->defer && (int64_t)len == left);
		if (cut && b.cut_at < 0)
			printf("cut at %" PRId64 ": server has %" PRId64 "\n", b.pos, u.offset);
		if (ret == -EAGAIN && ++tries < 5)
			continue;
		if (ret) {
			fprintf(stderr, "mt-test-tus: PATCH at %" PRId64 ": %s (status %d)\n",
				u.offset, mt_strerror(ret), mt_tus_last_status(st));
			return ret;
		}
	}
	ret = mt_tus_head(st, &u);
	if (ret) {
		fprintf(stderr, "mt-test-tus: HEAD: %s\n", mt_strerror(ret));
		return ret;
	}
	printf("done %" PRId64 " %" PRId64 " %.6f\n", u.offset, u.length, now_s() - t0);
	printf("records %s\n", mt_tls_records(st->tls));
	if (u.offset != size || u.length != size)
		return -EPROTO;
	if (!o->del)
		return 0;
	ret = mt_tus_delete(st, &u);
	if (ret) {
		fprintf(stderr, "mt-test-tus: DELETE: %s (status %d)\n", mt_strerror(ret),
			mt_tus_last_status(st));
		return ret;
	}
	ret = mt_tus_head(st, &u);
	if (ret != -ESTALE) {
		fprintf(stderr, "mt-test-tus: HEAD after DELETE: %s (status %d), not gone\n",
			mt_strerror(ret), mt_tus_last_status(st));
		return -EPROTO;
	}
	printf("deleted (HEAD: %d)\n", mt_tus_last_status(st));
	return 0;
}

int main(int argc, char **argv)
{
	static struct mt_posix_storage sto;
	static struct mt_linux_random rnd;
	static struct mt_linux_net net;
	static struct mt_drbg drbg;
	struct put_opts o = { .chunk = MT_UPLOADER_CHUNK, .cut_at = -1 };
	struct mt_station_url url;
	struct mt_tls_client *tls = NULL;
	struct mt_station st;
	uint8_t *ca = NULL, *cert = NULL, *key = NULL;
	size_t ca_len, cert_len, key_len;
	struct stat sb;
	enum mt_tls_records_by records = MT_TLS_RECORDS_AUTO;
	int fd, ret = 1;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 5 || strcmp(argv[1], "put") != 0)
		goto usage;
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--defer") == 0)
			o.defer = true;
		else if (strcmp(argv[i], "--delete") == 0)
			o.del = true;
		else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
			o.chunk = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cut-at") == 0 && i + 1 < argc)
			o.cut_at = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
			/* in the order of enum mt_tls_records_by */
			static const char *const by[] = { "auto", "mbedtls", "nettle" };
			size_t k = 0;

			while (k < 3 && strcmp(argv[i + 1], by[k]) != 0)
				k++;
			if (k == 3)
				goto usage;
			records = (enum mt_tls_records_by)k;
			i++;
		} else
			goto usage;
	}
	if (!o.chunk || mt_station_url_parse(argv[2], &url))
		goto usage;
	mt_posix_storage_init(&sto);
	mt_linux_random_init(&rnd);
	mt_linux_net_init(&net);
	mt_drbg_init(&drbg);
	if (mt_drbg_seed(&drbg, &rnd.dev, "mt-test-tus") ||
	    load(&sto.dev, argv[3], "ca.pem", &ca, &ca_len) ||
	    load(&sto.dev, argv[3], "tls.crt", &cert, &cert_len) ||
	    load(&sto.dev, argv[3], "tls.key", &key, &key_len))
		goto out;
	fd = open(argv[4], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "mt-test-tus: %s: %s\n", argv[4], strerror(errno));
		goto out;
	}
	struct mt_tls_config tc = { .net = &net.dev,
				    .drbg = &drbg,
				    .host = url.host,
				    .port = url.port,
				    .ca_pem = ca,
				    .ca_len = ca_len,
				    .cert_pem = cert,
				    .cert_len = cert_len,
				    .key_pem = key,
				    .key_len = key_len,
				    .timeout_ms = 15000,
				    .records = records };

	if (mt_tls_client_new(&tc, &tls)) {
		fprintf(stderr, "mt-test-tus: unusable keys in %s\n", argv[3]);
		close(fd);
		goto out;
	}
	mt_station_init(&st, tls, url.host, url.base);
	ret = put(&st, fd, (int64_t)sb.st_size, &o) ? 1 : 0;
	if (ret && mt_tls_why(tls)[0])
		fprintf(stderr, "mt-test-tus: TLS: %s\n", mt_tls_why(tls));
	mt_station_close(&st);
	close(fd);
out:
	mt_tls_client_free(tls);
	mt_drbg_free(&drbg);
	free(ca);
	free(cert);
	free(key);
	return ret;
usage:
	fprintf(stderr, "usage: mt-test-tus put URL KEYDIR FILE [--chunk BYTES] [--defer] "
			"[--cut-at BYTES] [--delete] [--records auto|mbedtls|nettle]\n");
	return 2;
}
