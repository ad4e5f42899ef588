/* Loopback net: connections as pairs of in-memory byte pipes. */
#include "fake/loopback_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum side {
	CLIENT,
	SERVER
};

static size_t pipe_write(struct mt_loopback_pipe *p, const uint8_t *src, size_t len)
{
	size_t n = p->cap - p->len < len ? p->cap - p->len : len;

	for (size_t i = 0; i < n; i++)
		p->buf[(p->head + p->len + i) % p->cap] = src[i];
	p->len += n;
	return n;
}

static size_t pipe_read(struct mt_loopback_pipe *p, uint8_t *dst, size_t len)
{
	size_t n = p->len < len ? p->len : len;

	for (size_t i = 0; i < n; i++)
		dst[i] = p->buf[(p->head + i) % p->cap];
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	return n;
}

/* The connection conn as seen from side, or NULL if that end is closed. */
static struct mt_loopback_conn *lookup(struct mt_loopback_net *lb, int conn, enum side side)
{
	struct mt_loopback_conn *c;

	if (conn < 0 || conn >= MT_LOOPBACK_MAX_CONNS)
		return NULL;
	c = &lb->conns[conn];
	if (!c->used || !(side == CLIENT ? c->client_open : c->server_open))
		return NULL;
	return c;
}

static ssize_t do_send(struct mt_loopback_net *lb, int conn, enum side side, const void *buf,
		       size_t len, int timeout_ms)
{
	int64_t deadline = mt_fake_waiter_deadline(&lb->w, timeout_ms);
	bool expired = timeout_ms == 0;
	struct mt_loopback_conn *c;
	ssize_t ret;

	pthread_mutex_lock(&lb->w.lock);
	for (;;) {
		c = lookup(lb, conn, side);
		if (!c) {
			ret = -EBADF;
			break;
		}
		if (!(side == CLIENT ? c->server_open : c->client_open)) {
			ret = -EPIPE;
			break;
		}
		if (len == 0) {
			ret = 0;
			break;
		}
		ret = (ssize_t)pipe_write(side == CLIENT ? &c->up : &c->down, buf, len);
		if (ret > 0) {
			mt_fake_waiter_wake(&lb->w);
			break;
		}
		if (expired) {
			ret = -EAGAIN;
			break;
		}
		expired = mt_fake_waiter_wait(&lb->w, deadline);
	}
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

static ssize_t do_recv(struct mt_loopback_net *lb, int conn, enum side side, void *buf, size_t len,
		       int timeout_ms)
{
	int64_t deadline = mt_fake_waiter_deadline(&lb->w, timeout_ms);
	bool expired = timeout_ms == 0;
	struct mt_loopback_conn *c;
	ssize_t ret;

	pthread_mutex_lock(&lb->w.lock);
	for (;;) {
		c = lookup(lb, conn, side);
		if (!c) {
			ret = -EBADF;
			break;
		}
		ret = (ssize_t)pipe_read(side == CLIENT ? &c->down : &c->up, buf, len);
		if (ret > 0) {
			mt_fake_waiter_wake(&lb->w);
			break;
		}
		if (len == 0 || !(side == CLIENT ? c->server_open : c->client_open)) {
			ret = 0; /* drained and the peer closed: end of stream */
			break;
		}
		if (expired) {
			ret = -EAGAIN;
			break;
		}
		expired = mt_fake_waiter_wait(&lb->w, deadline);
	}
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

static void release(struct mt_loopback_conn *c)
{
	free(c->up.buf);
	free(c->down.buf);
	memset(c, 0, sizeof(*c));
}

static int do_close(struct mt_loopback_net *lb, int conn, enum side side)
{
	struct mt_loopback_conn *c;
	int ret = -EBADF;

	pthread_mutex_lock(&lb->w.lock);
	c = lookup(lb, conn, side);
	if (!c)
		goto out_unlock;
	if (side == CLIENT)
		c->client_open = false;
	else
		c->server_open = false;
	if (!c->client_open && !c->server_open)
		release(c);
	mt_fake_waiter_wake(&lb->w);
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

static bool listening(const struct mt_loopback_net *lb, uint16_t port)
{
	for (int i = 0; i < MT_LOOPBACK_MAX_PORTS; i++)
		if (port && lb->ports[i] == port)
			return true;
	return false;
}

static int alloc_pipe(struct mt_loopback_pipe *p, size_t cap)
{
	p->buf = malloc(cap);
	p->cap = cap;
	return p->buf ? 0 : -ENOMEM;
}

static int lb_connect(struct mt_net *dev, const char *host, uint16_t port, int timeout_ms,
		      int *conn)
{
	struct mt_loopback_net *lb = dev->priv;
	size_t cap = lb->cfg->pipe_bytes ? lb->cfg->pipe_bytes : MT_LOOPBACK_PIPE_BYTES;
	struct mt_loopback_conn *c = NULL;
	int ret;

	/* A loopback connect completes at once (it is queued for accept, like
	 * a listen backlog), so timeout_ms has nothing to bound. */
	if (!host || !*host || strlen(host) >= MT_LOOPBACK_HOST_MAX)
		return -EINVAL;
	pthread_mutex_lock(&lb->w.lock);
	ret = lb->link_down ? -ENETUNREACH : lb->connect_error;
	if (ret)
		goto out_unlock;
	ret = -ECONNREFUSED;
	if (!listening(lb, port))
		goto out_unlock;
	ret = -EMFILE;
	for (int i = 0; i < MT_LOOPBACK_MAX_CONNS && !c; i++)
		if (!lb->conns[i].used)
			c = &lb->conns[i];
	if (!c)
		goto out_unlock;
	ret = alloc_pipe(&c->up, cap);
	if (ret)
		goto out_release;
	ret = alloc_pipe(&c->down, cap);
	if (ret)
		goto out_release;
	c->used = c->client_open = c->server_open = true;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	c->order = lb->connects;
	*conn = (int)(c - lb->conns);
	lb->connects++;
	mt_fake_waiter_wake(&lb->w);
	goto out_unlock;

out_release:
	release(c);
out_unlock:
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

static ssize_t lb_send(struct mt_net *dev, int conn, const void *buf, size_t len, int timeout_ms)
{
	return do_send(dev->priv, conn, CLIENT, buf, len, timeout_ms);
}

static ssize_t lb_recv(struct mt_net *dev, int conn, void *buf, size_t len, int timeout_ms)
{
	return do_recv(dev->priv, conn, CLIENT, buf, len, timeout_ms);
}

static int lb_close(struct mt_net *dev, int conn)
{
	return do_close(dev->priv, conn, CLIENT);
}

static int lb_link_up(struct mt_net *dev)
{
	struct mt_loopback_net *lb = dev->priv;
	int up;

	pthread_mutex_lock(&lb->w.lock);
	up = !lb->link_down;
	pthread_mutex_unlock(&lb->w.lock);
	return up;
}

static const struct mt_net_ops loopback_ops = {
	.connect = lb_connect,
	.send = lb_send,
	.recv = lb_recv,
	.close = lb_close,
	.link_up = lb_link_up,
};

void mt_loopback_net_init(struct mt_loopback_net *lb, const struct mt_loopback_config *cfg)
{
	memset(lb, 0, sizeof(*lb));
	lb->dev.ops = &loopback_ops;
	lb->dev.name = "loopback-net";
	lb->dev.priv = lb;
	lb->cfg = cfg;
	mt_fake_waiter_init(&lb->w, cfg->clock, cfg->advance_clock);
}

void mt_loopback_net_free(struct mt_loopback_net *lb)
{
	if (!lb || !lb->w.live)
		return;
	for (int i = 0; i < MT_LOOPBACK_MAX_CONNS; i++)
		if (lb->conns[i].used)
			release(&lb->conns[i]);
	mt_fake_waiter_free(&lb->w);
}

int mt_loopback_net_listen(struct mt_loopback_net *lb, uint16_t port)
{
	int ret = -ENOSPC;

	if (port == 0)
		return -EINVAL;
	pthread_mutex_lock(&lb->w.lock);
	if (listening(lb, port)) {
		ret = 0;
		goto out_unlock;
	}
	for (int i = 0; i < MT_LOOPBACK_MAX_PORTS; i++) {
		if (!lb->ports[i]) {
			lb->ports[i] = port;
			ret = 0;
			break;
		}
	}
out_unlock:
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

/* The connection to port made longest ago and not yet accepted, or -1. */
static int pending(struct mt_loopback_net *lb, uint16_t port)
{
	int best = -1;

	for (int i = 0; i < MT_LOOPBACK_MAX_CONNS; i++) {
		const struct mt_loopback_conn *c = &lb->conns[i];

		if (c->used && !c->accepted && c->server_open && c->port == port &&
		    (best < 0 || c->order < lb->conns[best].order))
			best = i;
	}
	return best;
}

int mt_loopback_net_accept(struct mt_loopback_net *lb, uint16_t port, int timeout_ms, int *conn)
{
	int64_t deadline = mt_fake_waiter_deadline(&lb->w, timeout_ms);
	bool expired = timeout_ms == 0;
	int ret;

	pthread_mutex_lock(&lb->w.lock);
	for (;;) {
		int i = pending(lb, port);

		if (i >= 0) {
			lb->conns[i].accepted = true;
			*conn = i;
			ret = 0;
			break;
		}
		if (expired) {
			ret = -EAGAIN;
			break;
		}
		expired = mt_fake_waiter_wait(&lb->w, deadline);
	}
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

ssize_t mt_loopback_net_server_send(struct mt_loopback_net *lb, int conn, const void *buf,
				    size_t len, int timeout_ms)
{
	return do_send(lb, conn, SERVER, buf, len, timeout_ms);
}

ssize_t mt_loopback_net_server_recv(struct mt_loopback_net *lb, int conn, void *buf, size_t len,
				    int timeout_ms)
{
	return do_recv(lb, conn, SERVER, buf, len, timeout_ms);
}

int mt_loopback_net_server_close(struct mt_loopback_net *lb, int conn)
{
	return do_close(lb, conn, SERVER);
}

int mt_loopback_net_conn_host(struct mt_loopback_net *lb, int conn, char *buf, size_t len)
{
	int ret = -EBADF;

	pthread_mutex_lock(&lb->w.lock);
	if (conn >= 0 && conn < MT_LOOPBACK_MAX_CONNS && lb->conns[conn].used) {
		snprintf(buf, len, "%s", lb->conns[conn].host);
		ret = 0;
	}
	pthread_mutex_unlock(&lb->w.lock);
	return ret;
}

void mt_loopback_net_set_link(struct mt_loopback_net *lb, bool up)
{
	pthread_mutex_lock(&lb->w.lock);
	lb->link_down = !up;
	pthread_mutex_unlock(&lb->w.lock);
}

void mt_loopback_net_fail_connect(struct mt_loopback_net *lb, int err)
{
	pthread_mutex_lock(&lb->w.lock);
	lb->connect_error = err;
	pthread_mutex_unlock(&lb->w.lock);
}
