/* Linux sockets as the network hal: TCP over IPv4 or IPv6, names resolved
 * with getaddrinfo (every address tried in turn), non-blocking sockets with
 * poll() timeouts on every step, so no call waits longer than asked. The
 * system calls go through a table, so tests inject EINTR, short sends and
 * resets. */
#ifndef MT_LINUX_NET_H
#define MT_LINUX_NET_H

#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "hal/net.h"

#define MT_LINUX_NET_MAX_CONNS 8

struct mt_linux_net_sys {
	int (*socket)(int domain, int type, int protocol);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
	int (*close)(int fd);
	int (*getaddrinfo)(const char *host, const char *port, const struct addrinfo *hints,
			   struct addrinfo **res);
};

extern const struct mt_linux_net_sys mt_linux_net_syscalls;

struct mt_linux_net {
	struct mt_net dev; /* hand &n.dev to the firmware */
	const struct mt_linux_net_sys *sys;
	int fd[MT_LINUX_NET_MAX_CONNS]; /* -1: free */
};

/* Uses mt_linux_net_syscalls; a test may point n->sys at its own table. */
void mt_linux_net_init(struct mt_linux_net *n);

#endif
