/* libFuzzer target: the tus client (create, HEAD, PATCH, DELETE) against a
 * station whose every answer is the fuzz input: wrong or missing
 * Upload-Offset, 409s, odd Locations, broken framing, resets, a peer that
 * stalls. The link is a fuzz stream behind the station's link seam; each
 * reconnect carries on reading the same input. Whatever comes back, the
 * client's view must stay one a resumable upload can trust: a location on
 * the station's path, an offset never negative, a PATCH that moves it only
 * within the bytes it sent, a length never below the offset. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"
#include "fuzz_stream.h"
#include "net/station.h"
#include "net/tus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct link {
	struct fuzz_stream fs;
	bool up;
	int connects;
};

static int l_connect(void *ctx)
{
	struct link *l = ctx;

	/* the station is unreachable once it has nothing more to say */
	if (l->fs.in_pos == l->fs.in_len || ++l->connects > 64)
		return -ECONNREFUSED;
	l->up = true;
	return 0;
}

static const struct mt_stream *l_stream(void *ctx)
{
	return &((struct link *)ctx)->fs.s;
}

static void l_close(void *ctx)
{
	((struct link *)ctx)->up = false;
}

static bool l_connected(void *ctx)
{
	return ((struct link *)ctx)->up;
}

struct source {
	size_t given;
};

static ssize_t source_read(void *ctx, uint8_t *buf, size_t len)
{
	struct source *s = ctx;

	memset(buf, 'v', len);
	s->given += len;
	return (ssize_t)len;
}

static void check(const struct mt_tus_upload *u)
{
	assert(u->offset >= 0);
	assert(u->length < 0 || u->offset <= u->length);
	assert(memchr(u->location, '\0', sizeof(u->location)) != NULL);
	assert(!u->location[0] || u->location[0] == '/');
}

static bool known(int ret)
{
	return ret == 0 || ret == -EAGAIN || ret == -ENOSPC || ret == -ESTALE || ret == -E2BIG ||
	       ret == -EACCES || ret == -EPROTO || ret == MT_EFORMAT;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mt_log_set_level(MT_LOG_ERR); /* the client's warnings are expected here */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link l = { 0 };
	struct mt_station_link link = { .connect = l_connect,
					.stream = l_stream,
					.close = l_close,
					.connected = l_connected,
					.ctx = &l };
	struct mt_station st;
	struct mt_tus_upload u = { .location = "", .offset = 0, .length = -1 };
	uint8_t ops = fuzz_stream_init(&l.fs, data, size);
	int ret;

	mt_station_init_link(&st, &link, "station", (ops & 1) ? "/ingest" : "");
	ret = mt_tus_create(&st, "clip-000001.mp4", "clip", 1, (ops & 2) ? 5000 : -1, &u);
	assert(known(ret));
	check(&u);
	if (ret)
		return 0;
	assert(u.offset == 0 && u.location[0] == '/');
	/* then up to six more requests, as the uploader would make them */
	for (int i = 0; i < 6 && l.fs.in_pos < l.fs.in_len; i++) {
		int64_t before = u.offset, len_before = u.length;
		uint8_t op = l.fs.in[l.fs.in_pos] & 3; /* peeked: it is also the answer's */
		struct source src = { 0 };
		size_t n = 1 + (size_t)(l.fs.in[l.fs.in_pos] >> 2) * 37;

		if (u.length >= 0 && (int64_t)n > u.length - u.offset)
			n = (size_t)(u.length - u.offset);
		switch (op) {
		case 0:
			ret = mt_tus_head(&st, &u);
			break;
		case 1:
		case 2:
			if (n == 0)
				continue;
			ret = mt_tus_patch(&st, &u, source_read, &src, n, op == 2);
			assert(src.given <= n);
			if (ret == 0) {
				assert(u.offset >= before && u.offset <= before + (int64_t)n);
				if (op == 2 && len_before < 0 && u.offset == before + (int64_t)n)
					assert(u.length == u.offset);
			}
			break;
		default:
			ret = mt_tus_delete(&st, &u);
			break;
		}
		assert(known(ret));
		check(&u);
	}
	mt_station_close(&st);
	return 0;
}
