/* Fuzz stream: see fuzz_stream.h. */
#include "fuzz_stream.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

static ssize_t fs_send(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct fuzz_stream *fs = ctx;

	(void)buf;
	(void)timeout_ms;
	if (fs->send_err)
		return fs->send_err;
	fs->sent += len;
	return (ssize_t)len;
}

static ssize_t fs_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct fuzz_stream *fs = ctx;
	size_t n = fs->in_len - fs->in_pos;

	(void)timeout_ms;
	/* every read makes progress or ends the stream: a client that keeps
	 * reading past the end would loop forever here */
	assert(++fs->reads < 4 * fs->in_len + 64);
	if (n == 0)
		return fs->hang ? -EAGAIN : 0;
	if (fs->nsteps) {
		size_t step = fs->steps[fs->step_i++ % fs->nsteps];

		if (step && n > step)
			n = step;
	}
	if (n > len)
		n = len;
	memcpy(buf, fs->in + fs->in_pos, n);
	fs->in_pos += n;
	return (ssize_t)n;
}

uint8_t fuzz_stream_init(struct fuzz_stream *fs, const uint8_t *data, size_t size)
{
	uint8_t flags = 0;

	memset(fs, 0, sizeof(*fs));
	fs->s = (struct mt_stream){ .send = fs_send, .recv = fs_recv, .ctx = fs };
	if (size >= 1) {
		flags = data[0];
		data++;
		size--;
	}
	fs->hang = flags & 1;
	fs->send_err = (flags & 2) ? -ECONNRESET : 0;
	if (size >= 1) {
		fs->nsteps = data[0] % 16;
		data++;
		size--;
		if (fs->nsteps > size)
			fs->nsteps = size;
		fs->steps = data;
		data += fs->nsteps;
		size -= fs->nsteps;
	}
	fs->in = data;
	fs->in_len = size;
	return flags >> 2;
}
