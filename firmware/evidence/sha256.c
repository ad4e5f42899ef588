/* SHA-256 over mbedTLS; core/mbedtls_compat.h hides the 2.28/3.6 names. */
#include "evidence/sha256.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/mbedtls_compat.h"
#include "hal/storage.h"

#define FILE_CHUNK 4096 /* one flash page: few reads, little stack */

/* mbedTLS codes overlap negative errnos, so none may leak out. The software
 * SHA-256 fails only on bad arguments; anything else is a broken library. */
static int sha_err(int ret)
{
	if (ret == 0)
		return 0;
	return ret == MBEDTLS_ERR_SHA256_BAD_INPUT_DATA ? -EINVAL : -EIO;
}

static void start(struct mt_sha256 *h)
{
	h->err = sha_err(mbedtls_sha256_starts(&h->ctx, 0));
}

void mt_sha256_init(struct mt_sha256 *h)
{
	mbedtls_sha256_init(&h->ctx);
	start(h);
}

int mt_sha256_update(struct mt_sha256 *h, const void *data, size_t len)
{
	assert(data || len == 0);
	if (h->err == 0 && len > 0)
		h->err = sha_err(mbedtls_sha256_update(&h->ctx, data, len));
	return h->err;
}

int mt_sha256_finish(struct mt_sha256 *h, uint8_t out[MT_SHA256_LEN])
{
	int ret = h->err;

	if (ret == 0)
		ret = sha_err(mbedtls_sha256_finish(&h->ctx, out));
	start(h);
	return ret;
}

void mt_sha256_free(struct mt_sha256 *h)
{
	if (!h)
		return;
	mbedtls_sha256_free(&h->ctx); /* zeroizes the context */
	h->err = 0;
}

int mt_sha256(const void *data, size_t len, uint8_t out[MT_SHA256_LEN])
{
	assert(data || len == 0);
	/* mbedTLS reads no byte when len is 0, but its argument checks may
	 * still reject NULL. */
	return sha_err(mbedtls_sha256(len ? data : (const void *)"", len, out, 0));
}

int mt_sha256_file(struct mt_storage *st, const char *path, uint8_t out[MT_SHA256_LEN])
{
	uint8_t buf[FILE_CHUNK];
	struct mt_sha256 h;
	int fd, ret, close_ret;

	ret = mt_storage_open(st, path, MT_O_READ, &fd);
	if (ret)
		return ret;
	mt_sha256_init(&h);
	for (;;) {
		ssize_t n = mt_storage_read(st, fd, buf, sizeof(buf));

		if (n == -EINTR)
			continue;
		if (n < 0) {
			ret = (int)n;
			goto out_close;
		}
		if (n == 0)
			break;
		ret = mt_sha256_update(&h, buf, (size_t)n);
		if (ret)
			goto out_close;
	}
	ret = mt_sha256_finish(&h, out);
out_close:
	/* A failed close loses nothing of a file only read, but it is still
	 * a storage fault worth returning when all else went well. */
	close_ret = mt_storage_close(st, fd);
	if (ret == 0)
		ret = close_ret;
	mt_sha256_free(&h);
	return ret;
}

char *mt_sha256_hex(const uint8_t digest[MT_SHA256_LEN], char out[MT_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < MT_SHA256_LEN; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	out[MT_SHA256_HEX_LEN] = '\0';
	return out;
}
