/* A byte stream for the fuzz targets whose bytes and read sizes both come
 * from the fuzz input: the peer answers in pieces the fuzzer chooses, then
 * closes or (with hang) times out. What we send is counted, not kept. */
#ifndef MT_FUZZ_STREAM_H
#define MT_FUZZ_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"

struct fuzz_stream {
	struct mt_stream s;
	const uint8_t *in;
	size_t in_len, in_pos;
	const uint8_t *steps; /* read sizes, cycled: 0 means "all there is" */
	size_t nsteps, step_i;
	bool hang;    /* at the end of in: -EAGAIN instead of a close */
	int send_err; /* fail sends with this (negative errno), 0: accept all */
	size_t sent;  /* bytes we sent */
	size_t reads; /* recv calls, to bound a reader that never stops */
};

/* Splits data: byte 0 is flags (bit 0 hang, bit 1 failing sends), byte 1
 * the number of read sizes (mod 16), then the sizes, then the peer's bytes.
 * Returns the flags byte's upper bits for the target's own use. */
uint8_t fuzz_stream_init(struct fuzz_stream *fs, const uint8_t *data, size_t size);

#endif
