/* mt-verify: walk a clip's top-level ISO BMFF boxes and hash its parts. */
#include "clipfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mbedtls_compat.h"

#define CHUNK (256 * 1024)

enum part {
	PART_INIT,
	PART_FRAGMENT,
	PART_TRAILER
};

struct walker {
	FILE *f;
	struct vf_clip *c;
	enum part part;
	mbedtls_sha256_context file, piece;
	unsigned char *buf;
};

static uint32_t be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void hash(struct walker *w, const unsigned char *p, size_t n)
{
	mbedtls_sha256_update(&w->file, p, n);
	if (w->part != PART_TRAILER)
		mbedtls_sha256_update(&w->piece, p, n);
	if (w->part == PART_INIT)
		w->c->init_bytes += n;
	else if (w->part == PART_FRAGMENT)
		w->c->frags[w->c->n - 1].bytes += n;
}

/* Ends the piece being hashed (the init segment or a fragment). */
static void end_piece(struct walker *w)
{
	unsigned char *out = w->part == PART_INIT ? w->c->init_sha256 :
						    w->c->frags[w->c->n - 1].sha256;

	if (w->part == PART_TRAILER)
		return;
	mbedtls_sha256_finish(&w->piece, out);
	mbedtls_sha256_starts(&w->piece, 0);
}

static int new_fragment(struct walker *w, uint64_t offset)
{
	struct vf_fragment *nf = realloc(w->c->frags, (w->c->n + 1) * sizeof(*nf));

	if (!nf)
		return -1;
	w->c->frags = nf;
	memset(&nf[w->c->n], 0, sizeof(*nf));
	nf[w->c->n].offset = offset;
	w->c->n++;
	return 0;
}

/* Hashes up to left bytes of box body; returns the bytes there were. */
static uint64_t body(struct walker *w, uint64_t left)
{
	uint64_t done = 0;

	while (left > 0) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		size_t got = fread(w->buf, 1, want, w->f);

		hash(w, w->buf, got);
		done += got;
		left -= got;
		if (got < want)
			break;
	}
	return done;
}

static int walk(struct walker *w, char *err, size_t errlen)
{
	uint64_t offset = 0;
	unsigned char hdr[16];

	for (;;) {
		size_t got = fread(hdr, 1, 8, w->f), hlen = 8;
		uint64_t size = 0;
		uint32_t type = 0;

		if (got == 0)
			break;
		if (got == 8) {
			size = be32(hdr);
			type = be32(hdr + 4);
			if (size == 1) {
				got += fread(hdr + 8, 1, 8, w->f);
				hlen = 16;
				size = ((uint64_t)be32(hdr + 8) << 32) | be32(hdr + 12);
			}
		}
		if (got < hlen) { /* a header cut short by the end of the file */
			hash(w, hdr, got);
			w->c->truncated = 1;
			break;
		}
		if (size < hlen) { /* 0 ("to the end") is never written by matthan */
			snprintf(err, errlen, "not a fragmented MP4 file (bad box at offset %llu)",
				 (unsigned long long)offset);
			return -1;
		}
		if (type == 0x6d6f6f66 /* moof */ && w->part != PART_TRAILER) {
			end_piece(w);
			w->part = PART_FRAGMENT;
			if (new_fragment(w, offset)) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		} else if (type == 0x6d667261 /* mfra */ && w->part == PART_FRAGMENT) {
			end_piece(w);
			w->part = PART_TRAILER;
		}
		hash(w, hdr, hlen);
		if (body(w, size - hlen) < size - hlen) {
			w->c->truncated = 1;
			break;
		}
		offset += size;
	}
	end_piece(w);
	return 0;
}

int vf_clip_read(const char *path, struct vf_clip *c, char *err, size_t errlen)
{
	struct walker w = { .c = c };
	int ret = -1;

	memset(c, 0, sizeof(*c));
	w.f = fopen(path, "rb");
	if (!w.f) {
		snprintf(err, errlen, "cannot read clip: %s", strerror(errno));
		return -1;
	}
	w.buf = malloc(CHUNK);
	mbedtls_sha256_init(&w.file);
	mbedtls_sha256_init(&w.piece);
	mbedtls_sha256_starts(&w.file, 0);
	mbedtls_sha256_starts(&w.piece, 0);
	if (!w.buf)
		snprintf(err, errlen, "out of memory");
	else
		ret = walk(&w, err, errlen);
	if (ret == 0 && ferror(w.f)) {
		snprintf(err, errlen, "cannot read clip: I/O error");
		ret = -1;
	}
	if (ret == 0) {
		mbedtls_sha256_finish(&w.file, c->sha256);
		c->bytes = (uint64_t)ftello(w.f);
	}
	mbedtls_sha256_free(&w.file);
	mbedtls_sha256_free(&w.piece);
	free(w.buf);
	fclose(w.f);
	if (ret)
		vf_clip_free(c);
	return ret;
}

void vf_clip_free(struct vf_clip *c)
{
	if (!c)
		return;
	free(c->frags);
	c->frags = NULL;
	c->n = 0;
}
