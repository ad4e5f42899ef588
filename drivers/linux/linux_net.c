/* Linux sockets network driver: see linux_net.h. */
#include "linux/linux_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int sys_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return connect(fd, addr, len);
}

const struct mt_linux_net_sys mt_linux_net_syscalls = {
	.socket = socket,
	.connect = sys_connect,
	.send = send,
	.recv = recv,
	.poll = poll,
	.close = close,
	.getaddrinfo = getaddrinfo,
};

/* Waits for events on fd; 1 when ready, -EAGAIN on timeout, or an errno. */
static int wait_fd(struct mt_linux_net *n, int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = n->sys->poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	return 1;
}

static int try_address(struct mt_linux_net *n, const struct addrinfo *ai, int timeout_ms)
{
	int fd = n->sys->socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
	int one = 1, err = 0, r;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return -errno;
	r = n->sys->connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS && errno != EINTR) {
		err = -errno;
		goto fail;
	}
	if (r < 0) {
		r = wait_fd(n, fd, POLLOUT, timeout_ms);
		if (r < 0) {
			err = r == -EAGAIN ? -ETIMEDOUT : r;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
			err = err ? -err : -errno;
			goto fail;
		}
	}
	/* small requests (tus HEAD, PATCH headers) must not wait for Nagle */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	n->sys->close(fd);
	return err;
}

static int net_connect(struct mt_net *dev, const char *host, uint16_t port, int timeout_ms,
		       int *conn)
{
	struct mt_linux_net *n = dev->priv;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char ports[8];
	int slot = -1, ret;

	/* the uploader and the console's station test connect from their own
	 * threads: a slot is claimed atomically (-2: taken, no socket yet) */
	for (int i = 0; i < MT_LINUX_NET_MAX_CONNS; i++) {
		int free_fd = -1;

		if (__atomic_compare_exchange_n(&n->fd[i], &free_fd, -2, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -EMFILE;
	snprintf(ports, sizeof(ports), "%u", port);
	ret = n->sys->getaddrinfo(host, ports, &hints, &res);
	if (ret != 0) {
		ret = ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
		__atomic_store_n(&n->fd[slot], -1, __ATOMIC_RELEASE);
		return ret;
	}
	ret = -EHOSTUNREACH;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		ret = try_address(n, ai, timeout_ms);
		if (ret >= 0)
			break;
	}
	freeaddrinfo(res);
	if (ret < 0) {
		__atomic_store_n(&n->fd[slot], -1, __ATOMIC_RELEASE);
		return ret;
	}
	__atomic_store_n(&n->fd[slot], ret, __ATOMIC_RELEASE);
	*conn = slot;
	return 0;
}

static int conn_fd(struct mt_linux_net *n, int conn)
{
	return conn >= 0 && conn < MT_LINUX_NET_MAX_CONNS ? n->fd[conn] : -1;
}

static ssize_t net_send(struct mt_net *dev, int conn, const void *buf, size_t len, int timeout_ms)
{
	struct mt_linux_net *n = dev->priv;
	int fd = conn_fd(n, conn);

	if (fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t r = n->sys->send(fd, buf, len, MSG_NOSIGNAL);
		int w;

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		w = wait_fd(n, fd, POLLOUT, timeout_ms);
		if (w < 0)
			return w;
	}
}

static ssize_t net_recv(struct mt_net *dev, int conn, void *buf, size_t len, int timeout_ms)
{
	struct mt_linux_net *n = dev->priv;
	int fd = conn_fd(n, conn);

	if (fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t r = n->sys->recv(fd, buf, len, 0);
		int w;

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		w = wait_fd(n, fd, POLLIN, timeout_ms);
		if (w < 0)
			return w;
	}
}

static int net_close(struct mt_net *dev, int conn)
{
	struct mt_linux_net *n = dev->priv;
	int fd = conn_fd(n, conn);

	if (fd < 0)
		return -EBADF;
	__atomic_store_n(&n->fd[conn], -1, __ATOMIC_RELEASE);
	return n->sys->close(fd) < 0 && errno != EINTR ? -errno : 0;
}

static int net_resolve(struct mt_net *dev, const char *host, char *addr, size_t len)
{
	struct mt_linux_net *n = dev->priv;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int ret = n->sys->getaddrinfo(host, NULL, &hints, &res);

	if (ret == EAI_NONAME || ret == EAI_FAIL)
		return -ENOENT;
	if (ret == EAI_AGAIN)
		return -EAGAIN;
	if (ret != 0)
		return ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	ret = getnameinfo(res->ai_addr, res->ai_addrlen, addr, (socklen_t)len, NULL, 0,
			  NI_NUMERICHOST);
	freeaddrinfo(res);
	return ret ? -EINVAL : 0;
}

static const struct mt_net_ops linux_net_ops = {
	.connect = net_connect,
	.send = net_send,
	.recv = net_recv,
	.close = net_close,
	.resolve = net_resolve,
};

void mt_linux_net_init(struct mt_linux_net *n)
{
	memset(n, 0, sizeof(*n));
	n->dev = (struct mt_net){ .ops = &linux_net_ops, .name = "sockets", .priv = n };
	n->sys = &mt_linux_net_syscalls;
	for (int i = 0; i < MT_LINUX_NET_MAX_CONNS; i++)
		n->fd[i] = -1;
}
