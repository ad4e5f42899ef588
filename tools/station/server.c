/* mt-station: the HTTPS server: routing, replies, the rejection log, start
 * and graceful stop; see server.h. One thread per connection, so an
 * endpoint may block on fsync or on verifying a clip without stalling the
 * other devices. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "commit.h"
#include "enroll.h"
#include "ota.h"
#include "parse.h"
#include "tus.h"
#include "util.h"

#define JSON_BODY_MAX (64 * 1024)

const char *mt_srv_header(struct mt_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

enum MHD_Result mt_srv_reply(struct mt_req *r, unsigned status, const char *json, ...)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *name;
	va_list ap;

	resp = MHD_create_response_from_buffer(json ? strlen(json) : 0, (void *)(json ? json : ""),
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (json)
		MHD_add_response_header(resp, "Content-Type", "application/json");
	if (r->route == MT_ROUTE_TUS)
		MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
	va_start(ap, json);
	while ((name = va_arg(ap, const char *)) != NULL)
		MHD_add_response_header(resp, name, va_arg(ap, const char *));
	va_end(ap);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->done = 1;
	return ret;
}

enum MHD_Result mt_srv_reject(struct mt_req *r, unsigned status, const char *fmt, ...)
{
	char why[512], *body;
	cJSON *o = cJSON_CreateObject();
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mt_util_log("%u %s %s from %s%s%s%s: %s", status, r->method, r->url, r->ip,
		    r->device[0] ? " (" : "", r->device, r->device[0] ? ")" : "", why);
	cJSON_AddStringToObject(o, "error", why);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	ret = mt_srv_reply(r, status, body ? body : "{\"error\":\"out of memory\"}", MT_HDR_END);
	cJSON_free(body);
	return ret;
}

int mt_srv_busy_take(struct mt_station *st, const char *id)
{
	int free_slot = -1;

	for (int i = 0; i < MT_BUSY_MAX; i++) {
		if (strcmp(st->busy[i], id) == 0)
			return -1;
		if (!st->busy[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -1;
	snprintf(st->busy[free_slot], sizeof(st->busy[0]), "%s", id);
	return 0;
}

void mt_srv_busy_drop(struct mt_station *st, const char *id)
{
	for (int i = 0; i < MT_BUSY_MAX; i++)
		if (strcmp(st->busy[i], id) == 0)
			st->busy[i][0] = 0;
}

static void client_ip(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, cap, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)cap);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)cap);
}

static enum mt_route route_of(const char *url)
{
	if (strcmp(url, "/enroll") == 0)
		return MT_ROUTE_ENROLL;
	if (strcmp(url, "/files") == 0 || strncmp(url, "/files/", 7) == 0)
		return MT_ROUTE_TUS;
	if (strcmp(url, "/clips/commit") == 0)
		return MT_ROUTE_COMMIT;
	if (strcmp(url, "/health") == 0)
		return MT_ROUTE_HEALTH;
	if (strcmp(url, "/devices/health") == 0)
		return MT_ROUTE_DEVICE_HEALTH;
	if (strncmp(url, "/ota/", 5) == 0)
		return MT_ROUTE_OTA;
	return MT_ROUTE_NONE;
}

static enum MHD_Result health(struct mt_req *r)
{
	char body[512];
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "device_id", r->device);
	cJSON_AddStringToObject(o, "station", r->st->name);
	cJSON_AddNumberToObject(o, "time_ms", (double)mt_util_now_ms());
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	snprintf(body, sizeof(body), "%s", s ? s : "{}");
	cJSON_free(s);
	return mt_srv_reply(r, MHD_HTTP_OK, body, "Cache-Control", "no-store", MT_HDR_END);
}

static enum MHD_Result device_health(struct mt_req *r)
{
	cJSON *doc = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
	int ret;

	if (!doc)
		return mt_srv_reject(r, MHD_HTTP_BAD_REQUEST, "health report is not JSON");
	cJSON_Delete(doc);
	mt_db_lock(&r->st->db);
	ret = mt_db_exec(&r->st->db, "UPDATE devices SET health = ?, health_ms = ? WHERE id = ?",
			 "sis", r->body, mt_util_now_ms(), r->device);
	mt_db_unlock(&r->st->db);
	if (ret < 0)
		return mt_srv_reject(r, ret == -ENOSPC ? 507 : 500, "cannot store the report");
	return mt_srv_reply(r, MHD_HTTP_NO_CONTENT, NULL, MT_HDR_END);
}

/* The first call of a request: its headers are in. */
static enum MHD_Result begin(struct mt_req *r)
{
	const char *m = r->method;
	enum MHD_Result ret;
	int json_body = 0;

	if (r->route != MT_ROUTE_ENROLL) {
		ret = mt_auth_device(r);
		if (r->done)
			return ret;
	}
	switch (r->route) {
	case MT_ROUTE_ENROLL:
		if (strcmp(m, "POST") != 0)
			return mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
		ret = mt_enroll_begin(r);
		if (r->done)
			return ret;
		json_body = 1;
		break;
	case MT_ROUTE_TUS:
		return mt_tus_begin(r);
	case MT_ROUTE_COMMIT:
	case MT_ROUTE_DEVICE_HEALTH:
		if (strcmp(m, "POST") != 0)
			return mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
		json_body = 1;
		break;
	case MT_ROUTE_HEALTH:
		if (strcmp(m, "GET") != 0)
			return mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
		break;
	case MT_ROUTE_OTA:
		if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
			return mt_srv_reject(r, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
		break;
	default:
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such endpoint");
	}
	if (json_body) {
		const char *cl = mt_srv_header(r, "Content-Length");
		uint64_t n;

		r->max = JSON_BODY_MAX;
		if (cl && mt_parse_u64(cl, UINT64_MAX, &n) == 0 && n > r->max)
			return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "body over %zu bytes",
					     r->max);
	}
	return MHD_YES;
}

/* Body bytes of a JSON endpoint; too many are dropped and answered 413. */
static void body_append(struct mt_req *r, const char *data, size_t size)
{
	char *nb;

	if (r->too_big || r->len + size > r->max) {
		r->too_big = 1;
		return;
	}
	nb = realloc(r->body, r->len + size + 1);
	if (!nb) {
		r->too_big = 1;
		return;
	}
	r->body = nb;
	memcpy(r->body + r->len, data, size);
	r->len += size;
	r->body[r->len] = 0;
}

/* The last call: the whole body is in. */
static enum MHD_Result end(struct mt_req *r)
{
	if (r->too_big)
		return mt_srv_reject(r, MHD_HTTP_CONTENT_TOO_LARGE, "body over %zu bytes", r->max);
	switch (r->route) {
	case MT_ROUTE_ENROLL:
		return mt_enroll_end(r);
	case MT_ROUTE_TUS:
		return mt_tus_end(r);
	case MT_ROUTE_COMMIT:
		return mt_commit_end(r);
	case MT_ROUTE_HEALTH:
		return health(r);
	case MT_ROUTE_DEVICE_HEALTH:
		return device_health(r);
	case MT_ROUTE_OTA:
		return mt_ota_get(r);
	default:
		return mt_srv_reject(r, MHD_HTTP_NOT_FOUND, "no such endpoint");
	}
}

/* Whether the request carries a body (a length above 0, or chunks). */
static int has_body(struct mt_req *r)
{
	const char *cl = mt_srv_header(r, "Content-Length");

	return mt_srv_header(r, "Transfer-Encoding") != NULL || (cl && strcmp(cl, "0") != 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct mt_req *r = *con_cls;

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->st = cls;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->fd = -1;
		r->route = route_of(url);
		client_ip(conn, r->ip, sizeof(r->ip));
		*con_cls = r;
		/* A request without a body is answered in the last call: a
		 * response queued in this first one makes libmicrohttpd close
		 * the connection, and the box would pay a TLS handshake for
		 * every request. One with a body is checked now, so a refusal
		 * (a wrong offset, an unknown upload) goes out before the body
		 * is sent; that connection then closes. */
		if (!has_body(r))
			return MHD_YES;
		r->begun = 1;
		return begin(r);
	}
	if (!r->begun) {
		enum MHD_Result ret;

		r->begun = 1;
		ret = begin(r);
		if (r->done || ret != MHD_YES)
			return ret;
	}
	if (r->done) { /* answered early: the rest of the body is dropped */
		*size = 0;
		return MHD_YES;
	}
	if (*size) {
		if (r->route == MT_ROUTE_TUS)
			mt_tus_data(r, data, *size);
		else
			body_append(r, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return end(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct mt_req *r = *con_cls;

	if (!r)
		return;
	if (r->route == MT_ROUTE_TUS)
		mt_tus_finish(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	mt_util_log("microhttpd: %s", line);
}

/* The TLS chain the station sends: its certificate, then the CA's, so a
 * device can pin the CA's fingerprint before it trusts anything. */
static char *server_chain(const struct mt_station *st)
{
	char path[MT_PATH_MAX], *crt, *chain;
	size_t len, ca_len = strlen(st->ca_pem);

	snprintf(path, sizeof(path), "%s/server.crt", st->data);
	if (mt_util_read_file(path, 64 * 1024, &crt, &len))
		return NULL;
	chain = malloc(len + ca_len + 1);
	if (chain) {
		memcpy(chain, crt, len);
		memcpy(chain + len, st->ca_pem, ca_len + 1);
	}
	free(crt);
	return chain;
}

int mt_srv_run(struct mt_station *st, const char *listen)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	char path[MT_PATH_MAX], *key = NULL, *chain = NULL;
	size_t key_len;
	sigset_t stop;
	int sig, ret = -1;
	socklen_t sl;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_TLS | MHD_USE_ERROR_LOG;

	if (mt_parse_listen(listen, &ss, &sl)) {
		fprintf(stderr,
			"mt-station: --listen %s: give ADDR:PORT, e.g. 0.0.0.0:8443 or "
			"[::]:8443\n",
			listen);
		return -1;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "mt-station: this libmicrohttpd has no TLS\n");
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	snprintf(path, sizeof(path), "%s/keys/server.key", st->data);
	chain = server_chain(st);
	if (!chain || mt_util_read_file(path, 64 * 1024, &key, &key_len)) {
		fprintf(stderr, "mt-station: cannot read the TLS key and certificate in %s\n",
			st->data);
		goto out_free;
	}
	/* Stop signals are taken by sigwait below; the server's threads,
	 * started after this, inherit the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	mt_tus_recover(st);
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, st, MHD_OPTION_EXTERNAL_LOGGER,
			     mhd_log, st, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_HTTPS_MEM_CERT, chain, MHD_OPTION_HTTPS_MEM_TRUST,
			     st->ca_pem, MHD_OPTION_NOTIFY_COMPLETED, on_completed, st,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr,
			"mt-station: cannot serve on %s (address in use, or bad TLS "
			"files)\n",
			listen);
		goto out_free;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	{
		char host[64];
		const void *a = ss.ss_family == AF_INET6 ?
					(const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
					(const void *)&((struct sockaddr_in *)&ss)->sin_addr;

		inet_ntop(ss.ss_family, a, host, sizeof(host));
		printf(ss.ss_family == AF_INET6 ? "listening on [%s]:%u\n" : "listening on %s:%u\n",
		       host, info ? info->port : 0);
		fflush(stdout);
		mt_util_log("serving %s on %s port %u", st->data, host, info ? info->port : 0);
	}
	while (sigwait(&stop, &sig) != 0)
		;
	mt_util_log("signal %d: stopping (open uploads keep their durable offsets)", sig);
	MHD_stop_daemon(d);
	mt_util_log("stopped");
	ret = 0;
out_free:
	if (key) {
		memset(key, 0, key_len);
		free(key);
	}
	free(chain);
	return ret;
}
