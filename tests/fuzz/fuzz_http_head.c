/* libFuzzer target: mt_http_parse_head() on arbitrary bytes. Beyond not
 * crashing, a head it accepts must hold together: a length within the
 * input and the limit, a status of three digits, every header findable by
 * its name and within the bounds. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_http_resp r;
	ssize_t n = mt_http_parse_head((const char *)data, size, &r);

	if (n < 0) {
		assert(n == -EAGAIN || n == MT_EFORMAT);
		assert(n != -EAGAIN || size < MT_HTTP_HEAD_MAX);
		return 0;
	}
	assert((size_t)n <= size && n <= MT_HTTP_HEAD_MAX);
	assert(memcmp(data + n - 4, "\r\n\r\n", 4) == 0);
	assert(r.status >= 100 && r.status <= 999);
	assert(r.minor == 0 || r.minor == 1);
	assert(r.nh >= 0 && r.nh <= MT_HTTP_HEADERS_MAX);
	assert(!(r.chunked && r.content_length >= 0));
	for (int i = 0; i < r.nh; i++) {
		assert(r.h[i].name >= r.head && r.h[i].name < r.head + n);
		assert(r.h[i].value >= r.head && r.h[i].value <= r.head + n);
		assert(mt_http_header(&r, r.h[i].name) != NULL);
	}
	return 0;
}
