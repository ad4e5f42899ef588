/* The TLS client against a real peer: `openssl s_server` on 127.0.0.1 with
 * certificates made by the openssl command line for this run. Checks the
 * verified handshake and an HTTP request over it, a foreign CA, a wrong host
 * name, pin mode (right and wrong fingerprint), mutual TLS with and without
 * our certificate, session resumption, the station test's verify_after
 * mode (trusted, foreign CA, wrong name) and the sockets driver's resolve.
 *
 * The records we send (Nettle's sealer, net/tls_seal.h, and mbedTLS's as the
 * control) go to a second independent peer, Python's ssl module (OpenSSL),
 * for each AEAD suite of TLS 1.2 and the TLS 1.3 suite we prefer: every byte
 * must arrive, a reply must still be read, and mbedTLS's own close_notify
 * after the sealed records must be accepted. */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509.h>

#include "autoconf.h"
#include "core/mbedtls_compat.h"
#include "evidence/drbg.h"
#include "linux/linux_net.h"
#include "linux/linux_random.h"
#include "net/http.h"
#include "net/tls.h"
#include "pki.h"
#include "support.h"

static char *dir;
static struct mt_linux_net net;
static struct mt_linux_random rnd;
static struct mt_drbg drbg;

static uint8_t *slurp(const char *name, size_t *len)
{
	return pki_slurp(dir, name, len);
}

static int make_pki(void **state)
{
	(void)state;
	dir = mt_test_tmpdir("tls");
	pki_make(dir);
	mt_linux_net_init(&net);
	mt_linux_random_init(&rnd);
	mt_drbg_init(&drbg);
	assert_int_equal(mt_drbg_seed(&drbg, &rnd.dev, "test_tls"), 0);
	return 0;
}

static int drop_pki(void **state)
{
	(void)state;
	mt_drbg_free(&drbg);
	return mt_test_tmpdir_remove(&dir);
}

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* openssl s_server with extra arguments; returns its pid once it listens. */
static pid_t server(uint16_t port, const char *extra)
{
	char cmd[1024];
	pid_t pid;

	snprintf(cmd, sizeof(cmd),
		 "exec openssl s_server -quiet -www -accept 127.0.0.1:%u -cert %s/srv.pem "
		 "-key %s/srv.key -cert_chain %s/ca.pem %s >/dev/null 2>&1",
		 port, dir, dir, dir, extra);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

		close(fd);
		if (ok)
			return pid;
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	}
	fail_msg("s_server did not start");
	return -1;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

struct pem {
	uint8_t *ca, *cert, *key;
	size_t ca_len, cert_len, key_len;
};

static struct mt_tls_config config(const char *host, uint16_t port, struct pem *p, const char *ca,
				   bool client)
{
	struct mt_tls_config c = { .net = &net.dev,
				   .drbg = &drbg,
				   .host = host,
				   .port = port,
				   .timeout_ms = 5000 };

	p->ca = ca ? slurp(ca, &p->ca_len) : NULL;
	c.ca_pem = p->ca;
	c.ca_len = p->ca_len;
	if (client) {
		p->cert = slurp("dev.pem", &p->cert_len);
		p->key = slurp("dev.key", &p->key_len);
		c.cert_pem = p->cert;
		c.cert_len = p->cert_len;
		c.key_pem = p->key;
		c.key_len = p->key_len;
	}
	return c;
}

static void pem_free(struct pem *p)
{
	free(p->ca);
	free(p->cert);
	free(p->key);
}

/* A GET over the connection; returns the status. */
static int get(struct mt_tls_client *t)
{
	static uint8_t body[65536];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_http_req req = { .method = "GET",
				   .host = "localhost",
				   .path = "/",
				   .resp_body = body,
				   .resp_body_max = sizeof(body),
				   .timeout_ms = 5000 };
	int ret = mt_http_exchange(mt_tls_stream(t), &req, r);
	int status = ret ? ret : r->status;

	free(r);
	return status;
}

static void verified_get(void **state)
{
	uint16_t port = free_port();
	pid_t pid = server(port, "");
	struct pem p = { 0 };
	struct mt_tls_config c = config("localhost", port, &p, "ca.pem", false);
	struct mt_tls_client *t;

	(void)state;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	assert_int_equal(get(t), 200);
	assert_non_null(strstr(mt_tls_version(t), "TLSv1."));
	mt_tls_client_free(t);
	stop(pid);
	pem_free(&p);
}

static void foreign_ca_and_wrong_name(void **state)
{
	uint16_t port = free_port();
	pid_t pid = server(port, "");
	struct pem p = { 0 }, q = { 0 };
	struct mt_tls_config c = config("localhost", port, &p, "other.pem", false);
	struct mt_tls_config d = config("127.0.0.1", port, &q, "ca.pem", false);
	struct mt_tls_client *t;

	(void)state;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), -EACCES);
	assert_non_null(strstr(mt_tls_why(t), "not signed by the station CA"));
	assert_false(mt_tls_connected(t));
	mt_tls_client_free(t);
	/* the certificate is for localhost, not for the address */
	assert_int_equal(mt_tls_client_new(&d, &t), 0);
	assert_int_equal(mt_tls_connect(t), -EACCES);
	assert_non_null(strstr(mt_tls_why(t), "not for 127.0.0.1"));
	mt_tls_client_free(t);
	stop(pid);
	pem_free(&p);
	pem_free(&q);
}

/* The station test's mode: the handshake completes whatever the
 * certificate, and the flags and the chain tell what is wrong. */
static void verify_after(void **state)
{
	uint16_t port = free_port();
	pid_t pid = server(port, "");
	const char *hosts[] = { "localhost", "localhost", "127.0.0.1" };
	const char *cas[] = { "ca.pem", "other.pem", "ca.pem" };
	uint32_t want[] = { 0, MBEDTLS_X509_BADCERT_NOT_TRUSTED, MBEDTLS_X509_BADCERT_CN_MISMATCH };

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct pem p = { 0 };
		struct mt_tls_config c = config(hosts[i], port, &p, cas[i], false);
		struct mt_tls_client *t;
		uint8_t h[32], zero[32] = { 0 };

		c.verify_after = true;
		assert_int_equal(mt_tls_client_new(&c, &t), 0);
		assert_int_equal(mt_tls_peer_sha256(t, 0, h), -ENOENT); /* not connected */
		assert_int_equal(mt_tls_connect(t), 0);
		assert_int_equal(mt_tls_verify_flags(t) & want[i], want[i]);
		if (!want[i])
			assert_int_equal(mt_tls_verify_flags(t), 0);
		assert_int_equal(mt_tls_peer_sha256(t, 0, h), 0); /* the leaf */
		assert_memory_not_equal(h, zero, sizeof(h));
		assert_int_equal(mt_tls_peer_sha256(t, 99, h), -ENOENT);
		mt_tls_client_free(t);
		pem_free(&p);
	}
	stop(pid);
}

/* The sockets driver's resolve op, for the station test's DNS step. */
static void resolve(void **state)
{
	char addr[64];
	int ret;

	(void)state;
	assert_int_equal(mt_net_resolve(&net.dev, "localhost", addr, sizeof(addr)), 0);
	assert_true(strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0);
	assert_int_equal(mt_net_resolve(&net.dev, "127.0.0.1", addr, sizeof(addr)), 0);
	assert_string_equal(addr, "127.0.0.1");
	/* .invalid never resolves (RFC 2606); without a name server: -EAGAIN */
	ret = mt_net_resolve(&net.dev, "no-such-station.invalid", addr, sizeof(addr));
	assert_true(ret == -ENOENT || ret == -EAGAIN);
}

static void pin_mode(void **state)
{
	uint16_t port = free_port();
	pid_t pid = server(port, "");
	struct pem p = { 0 };
	struct mt_tls_config c = config("localhost", port, &p, NULL, false);
	struct mt_tls_client *t;
	uint8_t pin[32], *der;
	size_t fplen, derlen;
	char *fp = (char *)slurp("ca.fp", &fplen);
	const uint8_t *got;

	(void)state;
	for (int i = 0; i < 32; i++)
		assert_int_equal(sscanf(fp + 2 * i, "%2hhx", &pin[i]), 1);
	c.pin_sha256 = pin;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	got = mt_tls_pinned_ca(t, &derlen);
	assert_non_null(got);
	pki_sh("openssl x509 -in %s/ca.pem -outform der -out %s/ca.der", dir, dir);
	der = slurp("ca.der", &fplen);
	assert_int_equal(derlen, fplen - 1);
	assert_memory_equal(got, der, derlen);
	mt_tls_client_free(t);
	/* one bit off: refused */
	pin[31] ^= 1; // cppcheck-suppress unreadVariable ; c.pin_sha256 points at it
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), -EACCES);
	assert_non_null(strstr(mt_tls_why(t), "fingerprint"));
	mt_tls_client_free(t);
	stop(pid);
	free(fp);
	free(der);
	pem_free(&p);
}

static void mutual(void **state)
{
	uint16_t port = free_port();
	char extra[600];
	pid_t pid;
	struct pem p = { 0 }, q = { 0 };
	struct mt_tls_config with = config("localhost", port, &p, "ca.pem", true);
	struct mt_tls_config without = config("localhost", port, &q, "ca.pem", false);
	struct mt_tls_client *t;

	(void)state;
	snprintf(extra, sizeof(extra), "-Verify 1 -CAfile %s/ca.pem -verify_return_error", dir);
	pid = server(port, extra);
	assert_int_equal(mt_tls_client_new(&with, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	assert_int_equal(get(t), 200);
	mt_tls_client_free(t);
	/* no certificate: the station refuses (during the handshake in TLS 1.2,
	 * at the first read in TLS 1.3) */
	assert_int_equal(mt_tls_client_new(&without, &t), 0);
	if (mt_tls_connect(t) == 0)
		assert_true(get(t) < 0);
	mt_tls_client_free(t);
	stop(pid);
	pem_free(&p);
	pem_free(&q);
}

static void resumption(void **state)
{
	uint16_t port = free_port();
	pid_t pid = server(port, "-tls1_2");
	struct pem p = { 0 };
	struct mt_tls_config c = config("localhost", port, &p, "ca.pem", false);
	struct mt_tls_client *t;

	(void)state;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	assert_false(mt_tls_resumed(t));
	assert_int_equal(get(t), 200);
	assert_int_equal(mt_tls_connect(t), 0);
	assert_true(mt_tls_resumed(t));
	assert_string_equal(mt_tls_version(t), "TLSv1.2");
	mt_tls_client_free(t);
	stop(pid);
	pem_free(&p);
}

/* The suite the server picked, from s_server -www's page ("Cipher is X"). */
static void negotiated(struct mt_tls_client *t, char *out, size_t size)
{
	static uint8_t body[65536];
	struct mt_http_resp *r = malloc(sizeof(*r));
	struct mt_http_req req = { .method = "GET",
				   .host = "localhost",
				   .path = "/",
				   .resp_body = body,
				   .resp_body_max = sizeof(body) - 1,
				   .timeout_ms = 5000 };
	const char *c;

	assert_int_equal(mt_http_exchange(mt_tls_stream(t), &req, r), 0);
	body[r->body_len] = '\0';
	c = strstr((char *)body, "Cipher is ");
	assert_non_null(c);
	snprintf(out, size, "%.*s", (int)strcspn(c + 10, " \r\n<"), c + 10);
	free(r);
}

/* AES-GCM first where mbedTLS has AES instructions for this CPU, ChaCha20
 * first elsewhere (tls.c); the server (like the station) takes the client's
 * order. A max_fragment_length the RFC has not is refused; 4096 connects. */
static void suites_and_max_frag(void **state)
{
#if (defined(MBEDTLS_AESNI_C) && defined(__x86_64__)) || \
	(defined(MBEDTLS_AESCE_C) && defined(__aarch64__))
	const char *want = "ECDHE-ECDSA-AES128-GCM-SHA256";
#else
	const char *want = "ECDHE-ECDSA-CHACHA20-POLY1305";
#endif
	uint16_t port = free_port();
	pid_t pid = server(port, "-tls1_2");
	struct pem p = { 0 };
	struct mt_tls_config c = config("localhost", port, &p, "ca.pem", false);
	struct mt_tls_client *t = (void *)1;
	char suite[64];

	(void)state;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	negotiated(t, suite, sizeof(suite));
	assert_string_equal(suite, want);
	mt_tls_client_free(t);
	c.max_frag_len = 3000;
	assert_int_equal(mt_tls_client_new(&c, &t), -EINVAL);
	assert_null(t);
	c.max_frag_len = 4096;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	assert_int_equal(get(t), 200);
	mt_tls_client_free(t);
	stop(pid);
	pem_free(&p);
}

/* The peer for sealed_records: reads a 4-byte length and that many bytes,
 * answers their SHA-256 in hex, then waits for the client's close_notify
 * (a bare TCP close is an error: suppress_ragged_eofs=False) and writes
 * "VERSION CIPHER clean" (or the error) to its result file. */
static const char sink_py[] =
	"import hashlib, socket, ssl, struct, sys\n"
	"port_file, chain, key, version, ciphers, result = sys.argv[1:]\n"
	"ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"ctx.load_cert_chain(chain, key)\n"
	"ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n"
	"if version == '1.3c':\n"
	"    ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE\n"
	"if version == '1.2':\n"
	"    ctx.maximum_version = ssl.TLSVersion.TLSv1_2\n"
	"    ctx.set_ciphers(ciphers)\n"
	"srv = socket.create_server(('127.0.0.1', 0))\n"
	"open(port_file + '.tmp', 'w').write(str(srv.getsockname()[1]))\n"
	"import os; os.rename(port_file + '.tmp', port_file)\n"
	"srv.settimeout(30)\n"
	"conn, _ = srv.accept()\n"
	"conn.settimeout(30)\n"
	"out = 'error'\n"
	"try:\n"
	"    s = ctx.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)\n"
	"    def readn(n):\n"
	"        b = bytearray()\n"
	"        while len(b) < n:\n"
	"            d = s.recv(min(n - len(b), 1 << 20))\n"
	"            if not d:\n"
	"                raise EOFError('closed after %d of %d bytes' % (len(b), n))\n"
	"            b += d\n"
	"        return bytes(b)\n"
	"    n = struct.unpack('>I', readn(4))[0]\n"
	"    s.sendall(hashlib.sha256(readn(n)).hexdigest().encode())\n"
	"    out = '%s %s ' % (s.version(), s.cipher()[0])\n"
	"    out += 'clean' if s.recv(1) == b'' else 'data after the payload'\n"
	"except Exception as e:\n"
	"    out += ' %s: %s' % (type(e).__name__, e)\n"
	"open(result, 'w').write(out)\n";

/* One connection to the Python peer: a payload in writes of awkward sizes
 * (record boundaries at 16384, a write across several records), the reply
 * read back, then close_notify. Returns the peer's result line. */
static char *sealed_round(const char *version, const char *ciphers, enum mt_tls_records_by by,
			  char *records, size_t records_size)
{
	static const size_t sizes[] = { 1, 100, 16383, 16384, 16385, 65536, 1000003, 0 };
	char *port_file, *result, *cmd;
	struct pem p = { 0 };
	struct mt_tls_config c;
	struct mt_tls_client *t;
	const struct mt_stream *s;
	size_t total = 4, len, off;
	uint8_t *buf, hash[32];
	char hex[65], got[65] = { 0 };
	uint16_t port = 0;
	pid_t pid;

	assert_true(asprintf(&port_file, "%s/sink.port", dir) > 0);
	assert_true(asprintf(&result, "%s/sink.result", dir) > 0);
	unlink(port_file);
	unlink(result);
	assert_true(asprintf(&cmd,
			     "cat %s/srv.pem %s/ca.pem >%s/chain.pem && "
			     "exec python3 %s/sink.py %s %s/chain.pem %s/srv.key %s '%s' %s",
			     dir, dir, dir, dir, port_file, dir, dir, version, ciphers,
			     result) > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port; i++) {
		FILE *f = fopen(port_file, "r");

		if (!f || fscanf(f, "%hu", &port) != 1)
			nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
		if (f)
			fclose(f);
	}
	assert_true(port > 0);

	for (size_t i = 0; sizes[i]; i++)
		total += sizes[i];
	buf = malloc(total);
	assert_non_null(buf);
	assert_int_equal(mt_drbg_random(&drbg, buf + 4, total - 4), 0);
	buf[0] = (uint8_t)((total - 4) >> 24);
	buf[1] = (uint8_t)((total - 4) >> 16);
	buf[2] = (uint8_t)((total - 4) >> 8);
	buf[3] = (uint8_t)(total - 4);

	c = config("localhost", port, &p, "ca.pem", false);
	c.records = by;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), 0);
	s = mt_tls_stream(t);
	off = 0;
	for (size_t i = 0, n = 4; off < total; n = sizes[i++]) {
		for (size_t done = 0; done < n;) {
			ssize_t w = s->send(s->ctx, buf + off + done, n - done, 5000);

			assert_true(w > 0);
			done += (size_t)w;
		}
		off += n;
	}
	for (len = 0; len < 64;) {
		ssize_t r = s->recv(s->ctx, got + len, 64 - len, 5000);

		assert_true(r > 0);
		len += (size_t)r;
	}
	assert_int_equal(mbedtls_sha256(buf + 4, total - 4, hash, 0), 0);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	assert_string_equal(got, hex);
	snprintf(records, records_size, "%s", mt_tls_records(t));
	mt_tls_close(t); /* close_notify, from mbedTLS */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	mt_tls_client_free(t);
	pem_free(&p);
	free(buf);
	free(cmd);
	free(port_file);
	{
		size_t n;
		char *line = (char *)slurp("sink.result", &n);

		free(result);
		return line;
	}
}

static void sealed_records(void **state)
{
	static const struct {
		const char *version, *ciphers, *sealer;
	} cases[] = {
		{ "1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "AES-128-GCM" },
		{ "1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES-256-GCM" },
		{ "1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "ChaCha20-Poly1305" },
		/* 1.3 where the library has it: the server's choice (OpenSSL:
		 * AES-256-GCM), then the suite we put first (1.3c: the server
		 * follows the client's order) */
		{ "1.3", "-", NULL },
		{ "1.3c", "-", NULL },
	};
	FILE *f;
	char *path;

	(void)state;
	assert_true(asprintf(&path, "%s/sink.py", dir) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(sink_py, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	free(path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int by = MT_TLS_RECORDS_AUTO; by <= MT_TLS_RECORDS_NETTLE; by++) {
			static const char *const names[] = { "auto", "mbedtls", "nettle" };
			char records[64];
			char *line = sealed_round(cases[i].version, cases[i].ciphers,
						  (enum mt_tls_records_by)by, records,
						  sizeof(records));
			bool chacha = strstr(line, "CHACHA20") != NULL, nettle;
			bool aes256 = strstr(line, "AES256") || strstr(line, "AES_256");

			print_message("TLS %s %s, --records %s: sealed by %s, peer says %s\n",
				      cases[i].version, cases[i].ciphers, names[by], records, line);
			assert_non_null(strstr(line, " clean"));
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
			if (cases[i].version[2] == '3')
				assert_non_null(strstr(line, "TLSv1.3 "));
#endif
			if (!strcmp(cases[i].version, "1.2"))
				assert_non_null(strstr(line, "TLSv1.2 "));
				/* who must have sealed them (tls.c auto_takes) */
#ifdef CONFIG_MT_TLS_NETTLE_RECORDS
			nettle = by == MT_TLS_RECORDS_NETTLE;
#ifdef CONFIG_MT_TLS_NETTLE_CHACHA
			nettle |= by == MT_TLS_RECORDS_AUTO;
#else
			nettle |= by == MT_TLS_RECORDS_AUTO && !chacha;
#endif
#else
			nettle = false;
			(void)chacha;
#endif
			if (!nettle)
				assert_string_equal(records, "mbedTLS");
			else if (cases[i].sealer)
				assert_string_equal(records + strlen("Nettle "), cases[i].sealer);
			else
				assert_string_equal(records, chacha ? "Nettle ChaCha20-Poly1305" :
							     aes256 ? "Nettle AES-256-GCM" :
								      "Nettle AES-128-GCM");
			free(line);
		}
	}
}

static void refused_port(void **state)
{
	struct pem p = { 0 };
	struct mt_tls_config c = config("localhost", free_port(), &p, "ca.pem", false);
	struct mt_tls_client *t;

	(void)state;
	assert_int_equal(mt_tls_client_new(&c, &t), 0);
	assert_int_equal(mt_tls_connect(t), -ECONNREFUSED);
	assert_non_null(strstr(mt_tls_why(t), "TCP connect"));
	mt_tls_client_free(t);
	pem_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verified_get),
		cmocka_unit_test(foreign_ca_and_wrong_name),
		cmocka_unit_test(pin_mode),
		cmocka_unit_test(mutual),
		cmocka_unit_test(resumption),
		cmocka_unit_test(refused_port),
		cmocka_unit_test(suites_and_max_frag),
		cmocka_unit_test(verify_after),
		cmocka_unit_test(resolve),
		cmocka_unit_test(sealed_records),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, make_pki, drop_pki);
}
