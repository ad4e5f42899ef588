/* Network hal: stream connections to the station (Linux sockets, or lwIP).
 * A connection is a small non-negative int; every call has a timeout. */
#ifndef MT_HAL_NET_H
#define MT_HAL_NET_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mt_net;

struct mt_net_ops {
	/* mandatory: TCP connect to host (name or address) and port */
	int (*connect)(struct mt_net *dev, const char *host, uint16_t port, int timeout_ms,
		       int *conn);
	/* mandatory: bytes sent (may be short), -EAGAIN on timeout, or an errno */
	ssize_t (*send)(struct mt_net *dev, int conn, const void *buf, size_t len, int timeout_ms);
	/* mandatory: bytes received, 0 when the peer closed, -EAGAIN on timeout */
	ssize_t (*recv)(struct mt_net *dev, int conn, void *buf, size_t len, int timeout_ms);
	/* mandatory; safe on a connection the peer already closed */
	int (*close)(struct mt_net *dev, int conn);
	/* optional: is the link up (cable, Wi-Fi associated, address)? 1, 0 or errno */
	int (*link_up)(struct mt_net *dev);
	/* optional: host name to its first address as text ("192.0.2.7"), for
	 * diagnosis; -ENOENT no such name, -EAGAIN no name server answers */
	int (*resolve)(struct mt_net *dev, const char *host, char *addr, size_t len);
};

struct mt_net {
	const struct mt_net_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_net_connect(struct mt_net *dev, const char *host, uint16_t port,
				 int timeout_ms, int *conn)
{
	assert(dev->ops->connect);
	return dev->ops->connect(dev, host, port, timeout_ms, conn);
}

static inline ssize_t mt_net_send(struct mt_net *dev, int conn, const void *buf, size_t len,
				  int timeout_ms)
{
	assert(dev->ops->send);
	return dev->ops->send(dev, conn, buf, len, timeout_ms);
}

static inline ssize_t mt_net_recv(struct mt_net *dev, int conn, void *buf, size_t len,
				  int timeout_ms)
{
	assert(dev->ops->recv);
	return dev->ops->recv(dev, conn, buf, len, timeout_ms);
}

static inline int mt_net_close(struct mt_net *dev, int conn)
{
	assert(dev->ops->close);
	return dev->ops->close(dev, conn);
}

static inline int mt_net_link_up(struct mt_net *dev)
{
	return dev->ops->link_up ? dev->ops->link_up(dev) : -ENOSYS;
}

static inline int mt_net_resolve(struct mt_net *dev, const char *host, char *addr, size_t len)
{
	return dev->ops->resolve ? dev->ops->resolve(dev, host, addr, len) : -ENOSYS;
}

#endif
