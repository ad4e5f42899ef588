/* Hash chain over fMP4 fragments. */
#include "evidence/chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbedtls_compat.h"

void mt_chain_init(struct mt_chain *c)
{
	memset(c, 0, sizeof(*c));
	mt_sha256_init(&c->file);
	mt_sha256_init(&c->fragment);
}

void mt_chain_free(struct mt_chain *c)
{
	if (!c)
		return;
	free(c->frags);
	c->frags = NULL;
	c->n = c->cap = 0;
	mt_sha256_free(&c->file);
	mt_sha256_free(&c->fragment);
}

int mt_chain_step(const uint8_t prev[MT_SHA256_LEN], const uint8_t fragment_sha256[MT_SHA256_LEN],
		  uint8_t next[MT_SHA256_LEN])
{
	uint8_t both[2 * MT_SHA256_LEN];

	memcpy(both, prev, MT_SHA256_LEN);
	memcpy(both + MT_SHA256_LEN, fragment_sha256, MT_SHA256_LEN);
	return mt_sha256(both, sizeof(both), next);
}

/* Keeps the first error: a spoiled chain must not sign anything. */
static int fail(struct mt_chain *c, int err)
{
	if (!c->err)
		c->err = err;
	return c->err;
}

int mt_chain_init_segment(struct mt_chain *c, const void *data, size_t len)
{
	int ret;

	if (c->err)
		return c->err;
	if (c->started)
		return fail(c, -EINVAL);
	ret = mt_sha256(data, len, c->init_sha256);
	if (ret == 0)
		ret = mt_sha256_update(&c->file, data, len);
	if (ret)
		return fail(c, ret);
	memcpy(c->head, c->init_sha256, MT_SHA256_LEN);
	c->init_bytes = len;
	c->bytes = len;
	c->started = 1;
	return 0;
}

int mt_chain_update(struct mt_chain *c, const void *data, size_t len)
{
	int ret;

	if (c->err)
		return c->err;
	if (!c->started || c->trailer_bytes)
		return fail(c, -EINVAL);
	ret = mt_sha256_update(&c->fragment, data, len);
	if (ret == 0)
		ret = mt_sha256_update(&c->file, data, len);
	if (ret)
		return fail(c, ret);
	c->open_bytes += len;
	return 0;
}

int mt_chain_end_fragment(struct mt_chain *c, uint32_t frames, int64_t start_us, int64_t end_us)
{
	struct mt_chain_fragment *f;
	int ret;

	if (c->err)
		return c->err;
	if (c->open_bytes == 0)
		return -EINVAL; /* a caller's mistake, not a spoiled chain */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct mt_chain_fragment *nf = realloc(c->frags, cap * sizeof(*nf));

		if (!nf)
			return fail(c, -ENOMEM);
		c->frags = nf;
		c->cap = cap;
	}
	f = &c->frags[c->n];
	*f = (struct mt_chain_fragment){ .offset = c->bytes,
					 .bytes = c->open_bytes,
					 .frames = frames,
					 .start_us = start_us,
					 .end_us = end_us };
	ret = mt_sha256_finish(&c->fragment, f->sha256);
	if (ret == 0)
		ret = mt_chain_step(c->head, f->sha256, c->head);
	if (ret)
		return fail(c, ret);
	c->n++;
	c->bytes += c->open_bytes;
	c->frames += frames;
	c->open_bytes = 0;
	return 0;
}

int mt_chain_add_fragment(struct mt_chain *c, const void *data, size_t len, uint32_t frames,
			  int64_t start_us, int64_t end_us)
{
	int ret = mt_chain_update(c, data, len);

	return ret ? ret : mt_chain_end_fragment(c, frames, start_us, end_us);
}

int mt_chain_trailer(struct mt_chain *c, const void *data, size_t len)
{
	int ret;

	if (c->err)
		return c->err;
	if (!c->started || c->open_bytes)
		return fail(c, -EINVAL);
	ret = mt_sha256_update(&c->file, data, len);
	if (ret)
		return fail(c, ret);
	c->trailer_bytes += len;
	c->bytes += len;
	return 0;
}

int mt_chain_file_sha256(const struct mt_chain *c, uint8_t out[MT_SHA256_LEN])
{
	mbedtls_sha256_context copy;
	int ret;

	if (c->err)
		return c->err;
	/* finish a copy, so the running hash goes on */
	mbedtls_sha256_init(&copy);
	mbedtls_sha256_clone(&copy, &c->file.ctx);
	ret = mbedtls_sha256_finish(&copy, out) ? -EIO : 0;
	mbedtls_sha256_free(&copy);
	return ret;
}
