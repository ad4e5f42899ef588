/* A scripted byte stream for HTTP tests and the fuzzer: the peer's bytes
 * come from a buffer, at most step bytes per read (0 = all), then the peer
 * closes (or, with hang set, times out); what we send is kept. */
#ifndef MT_TEST_SCRIPT_STREAM_H
#define MT_TEST_SCRIPT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "net/http.h"

struct script_stream {
	struct mt_stream s;
	const uint8_t *in;
	size_t in_len, in_pos, step;
	int hang;     /* at the end: -EAGAIN instead of a close */
	int send_err; /* fail sends with this (negative errno) */
	uint8_t out[65536];
	size_t out_len;
};

void script_stream_init(struct script_stream *ss, const void *in, size_t len, size_t step);

#endif
