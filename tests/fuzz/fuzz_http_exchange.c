/* libFuzzer target: one mt_http_exchange() against a peer whose answer and
 * read sizes are the fuzz input (huge or endless heads, bad status lines,
 * chunked sizes that overflow, bodies longer than the buffer, a peer that
 * stalls or resets). On success the response must fit the caller's buffer
 * and a response the client did not fully frame must close the connection. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "fuzz_stream.h"
#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[4] = { "GET", "HEAD", "PATCH", "POST" };
	static const size_t maxes[4] = { 0, 16, 512, 4096 };
	static struct mt_http_resp r;
	static uint8_t body[4096 + 16];
	static const uint8_t out[100] = { 0 };
	struct fuzz_stream fs;
	uint8_t sel = fuzz_stream_init(&fs, data, size);
	size_t max = maxes[(sel >> 2) & 3];
	struct mt_http_req req = { .method = methods[sel & 3],
				   .host = "station",
				   .path = "/files/x",
				   .headers = { "Tus-Resumable: 1.0.0", NULL },
				   .resp_body = max ? body : NULL,
				   .resp_body_max = max,
				   .timeout_ms = 10 };
	int ret;

	if ((sel & 3) >= 2) {
		req.body = out;
		req.body_len = sizeof(out);
	}
	memset(body, 0xa5, sizeof(body));
	ret = mt_http_exchange(&fs.s, &req, &r);
	/* a guard past the largest buffer: nothing writes beyond max */
	for (size_t i = max; i < sizeof(body); i++)
		assert(body[i] == 0xa5);
	if (ret) {
		assert(ret == -EAGAIN || ret == -EPIPE || ret == -ECONNRESET || ret == MT_EFORMAT ||
		       ret == -EMSGSIZE);
		assert(r.close);
		return 0;
	}
	assert(r.status >= 100 && r.status <= 999);
	assert(r.body_len <= max);
	assert(r.body_len <= fs.in_pos);
	if (strcmp(req.method, "HEAD") == 0)
		assert(r.body_len == 0);
	if (!r.close)
		assert(r.chunked || r.content_length >= 0 || r.body_len == 0);
	return 0;
}
