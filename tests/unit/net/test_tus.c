/* The tus client over mutual TLS against an independent tus server
 * (tus_server.py, written from the protocol text), uploading real footage:
 * a deferred-length upload in pieces, a known-length one, a 409, the link
 * cut in the middle of a PATCH, a full disk, termination. After each, the
 * bytes on the server are compared with the source, and the server's count
 * of bytes received shows nothing acknowledged was sent twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "evidence/drbg.h"
#include "linux/linux_net.h"
#include "linux/linux_random.h"
#include "net/station.h"
#include "net/tus.h"
#include "pki.h"
#include "support.h"

static char *dir;
static struct mt_linux_net net;
static struct mt_linux_random rnd;
static struct mt_drbg drbg;
static uint8_t *clip; /* 60 real footage JPEGs back to back */
static size_t clip_len;

struct fix {
	pid_t pid;
	uint16_t port;
	char updir[512];
	struct mt_tls_client *tls;
	struct mt_station st;
	uint8_t *ca, *cert, *key;
};

static int group_setup(void **state)
{
	(void)state;
	dir = mt_test_tmpdir("tus");
	pki_make(dir);
	mt_linux_net_init(&net);
	mt_linux_random_init(&rnd);
	mt_drbg_init(&drbg);
	assert_int_equal(mt_drbg_seed(&drbg, &rnd.dev, "test_tus"), 0);
	clip = malloc(8 << 20);
	for (int i = 1; i <= 60; i++) {
		struct mt_frame *f = mt_test_footage_frame(i);

		assert_non_null(f);
		memcpy(clip + clip_len, f->data, f->size);
		clip_len += f->size;
		mt_frame_put(f);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(clip);
	mt_drbg_free(&drbg);
	return mt_test_tmpdir_remove(&dir);
}

static void start(struct fix *x, const char *flags)
{
	static int n;
	char portfile[600], cmd[2048];
	size_t len;
	struct mt_tls_config c = { .net = &net.dev,
				   .drbg = &drbg,
				   .host = "localhost",
				   .timeout_ms = 5000 };
	const char *src = getenv("MT_SRCDIR");

	assert_non_null(src);
	snprintf(x->updir, sizeof(x->updir), "%s/up%d", dir, ++n);
	snprintf(portfile, sizeof(portfile), "%s.port", x->updir);
	pki_sh("mkdir -p %s", x->updir);
	snprintf(cmd, sizeof(cmd),
		 "exec python3 %s/tests/unit/net/tus_server.py %s %s/srv.pem %s/srv.key %s "
		 "--ca %s/ca.pem %s",
		 src, x->updir, dir, dir, portfile, dir, flags);
	x->pid = fork();
	if (x->pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && access(portfile, R_OK) != 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 25000000 }, NULL);
	uint8_t *p = pki_slurp("/", portfile, &len);
	x->port = (uint16_t)atoi((char *)p);
	free(p);
	assert_true(x->port > 0);
	x->ca = pki_slurp(dir, "ca.pem", &c.ca_len);
	x->cert = pki_slurp(dir, "dev.pem", &c.cert_len);
	x->key = pki_slurp(dir, "dev.key", &c.key_len);
	c.ca_pem = x->ca;
	c.cert_pem = x->cert;
	c.key_pem = x->key;
	c.port = x->port;
	assert_int_equal(mt_tls_client_new(&c, &x->tls), 0);
	mt_station_init(&x->st, x->tls, "localhost", "");
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fix));
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;

	mt_tls_client_free(x->tls);
	if (x->pid > 0) {
		kill(x->pid, SIGTERM);
		waitpid(x->pid, NULL, 0);
	}
	free(x->ca);
	free(x->cert);
	free(x->key);
	free(x);
	return 0;
}

struct src {
	const uint8_t *data;
	size_t pos;
};

static ssize_t from_clip(void *ctx, uint8_t *buf, size_t len)
{
	struct src *s = ctx;

	memcpy(buf, s->data + s->pos, len);
	s->pos += len;
	return (ssize_t)len;
}

/* PATCH clip[u->offset .. upto), final when upto is the end. */
static int patch_to(struct fix *x, struct mt_tus_upload *u, size_t upto)
{
	struct src s = { clip, (size_t)u->offset };

	return mt_tus_patch(&x->st, u, from_clip, &s, upto - (size_t)u->offset, upto == clip_len);
}

/* The server's copy of upload u equals the clip, and its metadata. */
static void check_stored(struct fix *x, const struct mt_tus_upload *u)
{
	char name[256];
	size_t len;
	uint8_t *got;
	const char *id = strrchr(u->location, '/') + 1;

	snprintf(name, sizeof(name), "%s.bin", id);
	got = pki_slurp(x->updir, name, &len);
	assert_int_equal(len - 1, clip_len);
	assert_memory_equal(got, clip, clip_len);
	free(got);
	snprintf(name, sizeof(name), "%s.json", id);
	got = pki_slurp(x->updir, name, &len);
	assert_non_null(strstr((char *)got, "\"filename\": \"clip-000007.mp4\""));
	assert_non_null(strstr((char *)got, "\"seq\": \"7\""));
	assert_non_null(strstr((char *)got, "\"length\": "));
	assert_null(strstr((char *)got, "\"length\": null"));
	free(got);
}

static long server_received(struct fix *x)
{
	uint8_t body[512];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_http_req req = { .method = "POST",
				   .path = "/stats",
				   .resp_body = body,
				   .resp_body_max = sizeof(body) - 1,
				   .timeout_ms = 5000 };
	const char *p;
	long n;

	assert_int_equal(mt_station_request(&x->st, &req, r), 0);
	body[r->body_len] = 0;
	p = strstr((char *)body, "\"received\": ");
	assert_non_null(p);
	n = atol(p + 12);
	free(r);
	return n;
}

static void deferred_in_pieces(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;
	size_t cuts[] = { 1, 4096, clip_len / 3, clip_len / 2, clip_len - 1, clip_len };

	start(x, "");
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), 0);
	assert_int_equal(u.offset, 0);
	assert_int_equal(u.length, -1);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		assert_int_equal(patch_to(x, &u, cuts[i]), 0);
		assert_int_equal(u.offset, cuts[i]);
	}
	assert_int_equal(u.length, clip_len);
	assert_int_equal(mt_tus_head(&x->st, &u), 0);
	assert_int_equal(u.offset, clip_len);
	assert_int_equal(u.length, clip_len);
	check_stored(x, &u);
	assert_int_equal(server_received(x), clip_len);
	/* one kept-alive connection did it all */
	assert_int_equal(x->st.reconnects, 0);
}

static void known_length(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;

	start(x, "");
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, (int64_t)clip_len, &u),
			 0);
	assert_int_equal(patch_to(x, &u, clip_len), 0);
	check_stored(x, &u);
}

static void conflict_then_resume(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;

	start(x, "--conflict-once");
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), 0);
	assert_int_equal(patch_to(x, &u, clip_len / 2), -EAGAIN);
	assert_int_equal(mt_tus_last_status(&x->st), 200); /* the HEAD after the 409 */
	assert_int_equal(u.offset, 0);
	assert_int_equal(patch_to(x, &u, clip_len), 0);
	check_stored(x, &u);
}

static void link_cut_mid_patch(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;
	char flags[64];
	size_t cut = clip_len / 3 + 777;

	snprintf(flags, sizeof(flags), "--cut-after %zu", cut);
	start(x, flags);
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), 0);
	assert_int_equal(patch_to(x, &u, clip_len), -EAGAIN);
	/* the station kept what it got; the client learnt exactly that */
	assert_int_equal(u.offset, cut);
	assert_int_equal(patch_to(x, &u, clip_len), 0);
	check_stored(x, &u);
	assert_int_equal(server_received(x), clip_len); /* nothing sent twice */
	assert_true(x->st.reconnects >= 1);
}

static void disk_full(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;

	start(x, "--full-after 10000");
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), 0);
	assert_int_equal(patch_to(x, &u, 5000), 0);
	assert_int_equal(patch_to(x, &u, clip_len), -ENOSPC);
	assert_int_equal(u.offset, 5000);
	assert_int_equal(mt_tus_last_status(&x->st), 507);
}

static void terminate(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;

	start(x, "");
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), 0);
	assert_int_equal(patch_to(x, &u, 1000), 0);
	assert_int_equal(mt_tus_delete(&x->st, &u), 0);
	assert_int_equal(mt_tus_head(&x->st, &u), -ESTALE);
	assert_int_equal(patch_to(x, &u, 2000), -ESTALE);
	assert_int_equal(mt_tus_delete(&x->st, &u), 0); /* gone already: fine */
}

static void station_down(void **state)
{
	struct fix *x = *state;
	struct mt_tus_upload u;

	start(x, "");
	kill(x->pid, SIGTERM);
	waitpid(x->pid, NULL, 0);
	x->pid = 0;
	assert_int_equal(mt_tus_create(&x->st, "clip-000007.mp4", "clip", 7, -1, &u), -EAGAIN);
}

static void url_parsing(void **state)
{
	struct mt_station_url url;

	(void)state;
	assert_int_equal(mt_station_url_parse("https://station.ward7.vn:8443/api/", &url), 0);
	assert_string_equal(url.host, "station.ward7.vn");
	assert_int_equal(url.port, 8443);
	assert_string_equal(url.base, "/api");
	assert_int_equal(mt_station_url_parse("https://[::1]:9000", &url), 0);
	assert_string_equal(url.host, "::1");
	assert_int_equal(url.port, 9000);
	assert_string_equal(url.base, "");
	assert_int_equal(mt_station_url_parse("https://10.0.0.1", &url), 0);
	assert_int_equal(url.port, 443);
	assert_int_equal(mt_station_url_parse("http://10.0.0.1", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://:80", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://h:0", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://h:70000", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://h:80x", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://h/a b", &url), -EINVAL);
	assert_int_equal(mt_station_url_parse("https://[::1", &url), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(deferred_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(known_length, setup, teardown),
		cmocka_unit_test_setup_teardown(conflict_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(link_cut_mid_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(terminate, setup, teardown),
		cmocka_unit_test_setup_teardown(station_down, setup, teardown),
		cmocka_unit_test(url_parsing),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
