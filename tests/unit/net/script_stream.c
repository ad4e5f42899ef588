/* Scripted byte stream: see script_stream.h. */
#include "script_stream.h"

#include <errno.h>
#include <string.h>

static ssize_t ss_send(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct script_stream *ss = ctx;
	size_t room = sizeof(ss->out) - ss->out_len;

	(void)timeout_ms;
	if (ss->send_err)
		return ss->send_err;
	if (len > room)
		len = room;
	memcpy(ss->out + ss->out_len, buf, len);
	ss->out_len += len;
	return (ssize_t)len;
}

static ssize_t ss_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct script_stream *ss = ctx;
	size_t n = ss->in_len - ss->in_pos;

	(void)timeout_ms;
	if (n == 0)
		return ss->hang ? -EAGAIN : 0;
	if (ss->step && n > ss->step)
		n = ss->step;
	if (n > len)
		n = len;
	memcpy(buf, ss->in + ss->in_pos, n);
	ss->in_pos += n;
	return (ssize_t)n;
}

void script_stream_init(struct script_stream *ss, const void *in, size_t len, size_t step)
{
	memset(ss, 0, sizeof(*ss));
	ss->s = (struct mt_stream){ .send = ss_send, .recv = ss_recv, .ctx = ss };
	ss->in = in;
	ss->in_len = len;
	ss->step = step;
}
