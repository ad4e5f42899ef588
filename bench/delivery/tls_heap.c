/* bench_tls_heap: the heap one TLS connection of net/tls.c holds, counted
 * byte by byte. This program defines malloc, calloc, realloc, free and the
 * aligned allocators itself, so every allocation of the process (mbedTLS's
 * shared libraries included: the executable comes first in symbol lookup)
 * goes through the counter below; nothing needs MBEDTLS_PLATFORM_MEMORY.
 * Single-threaded: the counters are plain.
 *
 *   bench_tls_heap URL KEYDIR [MAX_FRAG_LEN]
 *
 * Prints key=value lines, bytes requested (not the allocator's overhead):
 * client (mt_tls_client_new: config, CA, our certificate and key), then for
 * a first connection (full handshake) and a second one (resumed):
 * handshake_peak (highest during mt_tls_connect), steady (held while
 * connected and idle), request_peak (highest during GET /health and a tus
 * upload of 1 MiB: POST, PATCH), and after_close. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/file.h"
#include "evidence/drbg.h"
#include "linux/linux_net.h"
#include "linux/linux_random.h"
#include "linux/posix_storage.h"
#include "net/station.h"
#include "net/tls.h"
#include "net/tus.h"

/* ---- the counting allocator ---- */

void *__libc_malloc(size_t n);
void *memalign(size_t align, size_t n); /* glibc declares it in malloc.h only */
void __libc_free(void *p);

/* Every live block is on one list, so what a connection holds can be
 * listed block by block. */
struct hdr {
	size_t size;
	void *base;
	struct hdr *prev, *next;
	size_t seq;
};

#define HDR_SPACE 48 /* a multiple of 16 (malloc's alignment) that holds struct hdr */
_Static_assert(sizeof(struct hdr) <= HDR_SPACE, "header too large");

static size_t cur, peak, count;
static struct hdr live = { .prev = &live, .next = &live };

static void *take(size_t n, size_t align)
{
	uint8_t *base, *p;

	if (n > SIZE_MAX - align - HDR_SPACE)
		return NULL;
	base = __libc_malloc(n + align + HDR_SPACE);
	if (!base)
		return NULL;
	p = (uint8_t *)(((uintptr_t)base + HDR_SPACE + align - 1) & ~(uintptr_t)(align - 1));
	struct hdr *h = (struct hdr *)(p - HDR_SPACE);

	h->size = n;
	h->base = base;
	h->seq = count;
	h->next = &live;
	h->prev = live.prev;
	live.prev->next = h;
	live.prev = h;
	cur += n;
	count++;
	if (cur > peak)
		peak = cur;
	return p;
}

void *malloc(size_t n)
{
	return take(n, 16);
}

void free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	h = (struct hdr *)((uint8_t *)p - HDR_SPACE);
	h->prev->next = h->next;
	h->next->prev = h->prev;
	cur -= h->size;
	__libc_free(h->base);
}

void *calloc(size_t a, size_t b)
{
	void *p;

	if (b && a > SIZE_MAX / b)
		return NULL;
	p = malloc(a * b);
	if (p)
		memset(p, 0, a * b);
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;
	size_t had;

	if (!old)
		return malloc(n);
	if (!n) {
		free(old);
		return NULL;
	}
	had = ((struct hdr *)((uint8_t *)old - HDR_SPACE))->size;
	p = malloc(n);
	if (p) {
		memcpy(p, old, had < n ? had : n);
		free(old);
	}
	return p;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p = take(n, align < 16 ? 16 : align);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	return take(n, align < 16 ? 16 : align);
}

void *memalign(size_t align, size_t n)
{
	return take(n, align < 16 ? 16 : align);
}

/* ---- the measurement ---- */

static struct mt_posix_storage sto;
static struct mt_linux_random rnd;
static struct mt_linux_net net;
static struct mt_drbg drbg;

/* The blocks allocated since sequence number since and still live, largest
 * first (up to 8), as "size size ... (+N smaller, B bytes)". */
static void print_live(const char *key, size_t since)
{
	size_t top[8] = { 0 }, rest = 0, rest_bytes = 0;

	for (struct hdr *h = live.next; h != &live; h = h->next) {
		size_t v = h->size;

		if (h->seq < since)
			continue;
		for (size_t i = 0; i < 8; i++) {
			if (v > top[i]) {
				size_t t = top[i];

				top[i] = v;
				v = t;
			}
		}
		if (v) {
			rest++;
			rest_bytes += v;
		}
	}
	printf("%s=", key);
	for (size_t i = 0; i < 8 && top[i]; i++)
		printf("%zu ", top[i]);
	printf("(+%zu smaller, %zu bytes)\n", rest, rest_bytes);
}

static ssize_t zeros(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0, len);
	return (ssize_t)len;
}

/* One connection: prints PREFIX_handshake_peak, _steady, _request_peak,
 * _after_close (bytes over what was held before connecting). */
static int one(struct mt_station *st, struct mt_tls_client *tls, const char *prefix)
{
	static uint8_t body[4096];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_http_req health = { .method = "GET",
				      .path = "/health",
				      .resp_body = body,
				      .resp_body_max = sizeof(body),
				      .timeout_ms = 15000 };
	struct mt_tus_upload u;
	size_t base, steady, hs_peak, req_peak, hs_count, mark;
	int ret;

	if (!r)
		return -ENOMEM;
	base = cur;
	peak = cur;
	mark = count;
	ret = mt_tls_connect(tls);
	if (ret) {
		fprintf(stderr, "bench_tls_heap: connect: %s\n", mt_tls_why(tls));
		free(r);
		return ret;
	}
	hs_peak = peak - base;
	hs_count = count - mark;
	steady = cur - base;
	char key[32];

	snprintf(key, sizeof(key), "%s_steady_blocks", prefix);
	print_live(key, mark);
	peak = cur;
	ret = mt_station_request(st, &health, r);
	if (!ret && r->status != 200)
		ret = -EPROTO;
	if (!ret)
		ret = mt_tus_create(st, "heap.bin", "clip", 1, 1 << 20, &u);
	if (!ret)
		ret = mt_tus_patch(st, &u, zeros, NULL, 1 << 20, false);
	req_peak = peak - base;
	if (ret) {
		fprintf(stderr, "bench_tls_heap: request: %s (status %d)\n", mt_strerror(ret),
			r->status);
		free(r);
		return ret;
	}
	printf("%s_version=%s\n%s_resumed=%d\n%s_records=%s\n", prefix, mt_tls_version(tls), prefix,
	       mt_tls_resumed(tls), prefix, mt_tls_records(tls));
	printf("%s_handshake_peak=%zu\n%s_handshake_allocs=%zu\n%s_steady=%zu\n"
	       "%s_request_peak=%zu\n",
	       prefix, hs_peak, prefix, hs_count, prefix, steady, prefix, req_peak);
	mt_station_close(st);
	printf("%s_after_close=%zd\n", prefix, (ssize_t)(cur - base));
	free(r);
	return 0;
}

static int load(const char *dir, const char *name, uint8_t **buf, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mt_file_read_all(&sto.dev, path, 65536, buf, len)) {
		fprintf(stderr, "bench_tls_heap: cannot read %s\n", path);
		return -1;
	}
	(*len)++; /* the PEM parsers want the terminating NUL counted */
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t *ca = NULL, *cert = NULL, *key = NULL;
	size_t ca_len, cert_len, key_len, before;
	struct mt_tls_client *tls = NULL;
	struct mt_station_url url;
	struct mt_station st;
	int ret = 1;

	if (argc < 3 || argc > 4 || mt_station_url_parse(argv[1], &url)) {
		fprintf(stderr, "usage: bench_tls_heap URL KEYDIR [MAX_FRAG_LEN]\n");
		return 2;
	}
	static char obuf[8192];

	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf)); /* stdio allocates nothing */
	signal(SIGPIPE, SIG_IGN);
	mt_posix_storage_init(&sto);
	mt_linux_random_init(&rnd);
	mt_linux_net_init(&net);
	mt_drbg_init(&drbg);
	if (mt_drbg_seed(&drbg, &rnd.dev, "bench_tls_heap") ||
	    load(argv[2], "ca.pem", &ca, &ca_len) || load(argv[2], "tls.crt", &cert, &cert_len) ||
	    load(argv[2], "tls.key", &key, &key_len))
		goto out;
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
				    .max_frag_len = argc == 4 ? (unsigned int)atoi(argv[3]) : 0 };
	const char *by = getenv("MT_BENCH_RECORDS"); /* who seals: auto, mbedtls, nettle */

	if (by && !strcmp(by, "mbedtls"))
		tc.records = MT_TLS_RECORDS_MBEDTLS;
	else if (by && !strcmp(by, "nettle"))
		tc.records = MT_TLS_RECORDS_NETTLE;

	before = cur;
	if (mt_tls_client_new(&tc, &tls)) {
		fprintf(stderr, "bench_tls_heap: unusable keys in %s\n", argv[2]);
		goto out;
	}
	printf("max_frag_len=%u\nclient=%zu\n", tc.max_frag_len, cur - before);
	mt_station_init(&st, tls, url.host, url.base);
	if (one(&st, tls, "first") || one(&st, tls, "second"))
		goto out;
	ret = 0;
out:
	mt_tls_client_free(tls);
	mt_drbg_free(&drbg);
	free(ca);
	free(cert);
	free(key);
	return ret;
}
