/* libFuzzer target: mt_json_get_str() and mt_json_get_int() on arbitrary
 * documents. A string found must be NUL-terminated inside the buffer with
 * no NUL before its end (\u0000 is refused), and fail cleanly when the
 * buffer is too small; the document is read only within its length. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "net/jsonget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[4] = { "device_id", "offset", "a", "" };
	/* a copy of exactly size bytes so ASan sees a read past the end */
	char *doc = malloc(size ? size : 1);
	char out[64];
	size_t keyi = size ? data[0] % 4 : 0;
	int64_t v;
	int ret;

	if (!doc)
		return 0;
	if (size)
		memcpy(doc, data, size);
	ret = mt_json_get_str(doc, size, keys[keyi], out, sizeof(out));
	assert(ret == 0 || ret == -ENOENT || ret == -ENOSPC || ret == MT_EFORMAT);
	if (ret == 0) {
		char small[4];
		size_t n = strnlen(out, sizeof(out));

		assert(n < sizeof(out));
		ret = mt_json_get_str(doc, size, keys[keyi], small, sizeof(small));
		assert(n < sizeof(small) ? ret == 0 && strcmp(out, small) == 0 : ret == -ENOSPC);
	}
	ret = mt_json_get_int(doc, size, keys[keyi], &v);
	assert(ret == 0 || ret == -ENOENT || ret == MT_EFORMAT);
	free(doc);
	return 0;
}
