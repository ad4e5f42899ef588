/* Loopback net: the network hal over in-memory byte pipes. The firmware side
 * connects as to a station; the test side plays the server through the
 * mt_loopback_net_server_*() calls on the same connection number. A port
 * nobody listens on refuses; a closed peer reads as 0 once drained. Every
 * wait is timed on the clock hal (see fake/fake_wait.h). */
#ifndef MT_FAKE_LOOPBACK_NET_H
#define MT_FAKE_LOOPBACK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fake/fake_wait.h"
#include "hal/net.h"

#define MT_LOOPBACK_MAX_CONNS  16
#define MT_LOOPBACK_MAX_PORTS  8
#define MT_LOOPBACK_HOST_MAX   64
#define MT_LOOPBACK_PIPE_BYTES 65536

struct mt_loopback_config {
	struct mt_clock *clock; /* times every wait; must outlive the net */
	size_t pipe_bytes;      /* buffered bytes per direction; 0: MT_LOOPBACK_PIPE_BYTES */
	bool advance_clock;     /* a wait moves a manual clock to its deadline */
};

struct mt_loopback_pipe {
	uint8_t *buf;
	size_t cap;
	size_t head;
	size_t len;
};

struct mt_loopback_conn {
	bool used;
	bool accepted;
	bool client_open;
	bool server_open;
	char host[MT_LOOPBACK_HOST_MAX];
	uint16_t port;
	uint64_t order;               /* connect number, for accept order */
	struct mt_loopback_pipe up;   /* client to server */
	struct mt_loopback_pipe down; /* server to client */
};

struct mt_loopback_net {
	struct mt_net dev; /* hand &lb.dev to the firmware */
	const struct mt_loopback_config *cfg;
	struct mt_fake_waiter w;               /* its lock guards everything below */
	uint16_t ports[MT_LOOPBACK_MAX_PORTS]; /* listening; 0 = free slot */
	struct mt_loopback_conn conns[MT_LOOPBACK_MAX_CONNS];
	bool link_down;
	int connect_error; /* fault injection for connect() */
	uint64_t connects; /* successful connects */
};

/* cfg must outlive lb. Nothing is allocated until a connect. */
void mt_loopback_net_init(struct mt_loopback_net *lb, const struct mt_loopback_config *cfg);

/* Frees every connection's buffers. NULL and a second call are fine. */
void mt_loopback_net_free(struct mt_loopback_net *lb);

/* Accept connections to port (any host name): 0, or -ENOSPC. */
int mt_loopback_net_listen(struct mt_loopback_net *lb, uint16_t port);

/* The next connection to port not yet accepted, in connect order: 0 with
 * *conn set, or -EAGAIN after timeout_ms. */
int mt_loopback_net_accept(struct mt_loopback_net *lb, uint16_t port, int timeout_ms, int *conn);

/* The server's end of conn, with the contracts of the hal's send/recv/close:
 * short sends when the pipe is full, -EAGAIN on timeout, 0 from recv when
 * the client closed, -EPIPE sending to a closed client, -EBADF for a
 * connection this end has closed or that does not exist. */
ssize_t mt_loopback_net_server_send(struct mt_loopback_net *lb, int conn, const void *buf,
				    size_t len, int timeout_ms);
ssize_t mt_loopback_net_server_recv(struct mt_loopback_net *lb, int conn, void *buf, size_t len,
				    int timeout_ms);
int mt_loopback_net_server_close(struct mt_loopback_net *lb, int conn);

/* The host name the client connected with (copied into buf). 0 or -EBADF. */
int mt_loopback_net_conn_host(struct mt_loopback_net *lb, int conn, char *buf, size_t len);

/* Link state for link_up(); while down, connect() gives -ENETUNREACH. */
void mt_loopback_net_set_link(struct mt_loopback_net *lb, bool up);

/* From now on connect() fails with err (e.g. -EHOSTUNREACH); 0 restores. */
void mt_loopback_net_fail_connect(struct mt_loopback_net *lb, int err);

#endif
