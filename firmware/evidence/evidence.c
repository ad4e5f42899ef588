/* Seal a finished fMP4 file: one pass over it, no seeking. */
#include "evidence/evidence.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "evidence/bmff.h"
#include "hal/storage.h"

#define CHUNK (64 * 1024)

struct walk {
	struct mt_storage *st;
	int fd;
	struct mt_seal *seal;
	struct mt_bmff_track track;
	uint8_t *init; /* the init segment, kept until the first moof */
	size_t init_len;
	int fragment_open, trailer;
	struct mt_bmff_fragment frag; /* the open fragment's moof */
};

/* Reads exactly len bytes; -ENODATA if the file ends first. */
static int read_exact(struct walk *w, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = mt_storage_read(w->st, w->fd, p, len);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int close_fragment(struct walk *w)
{
	uint64_t end = w->frag.decode_time + w->frag.duration;

	if (!w->fragment_open)
		return 0;
	w->fragment_open = 0;
	return mt_seal_fragment_end(w->seal, w->frag.samples,
				    mt_bmff_ticks_to_us(w->frag.decode_time, w->track.timescale),
				    mt_bmff_ticks_to_us(end, w->track.timescale));
}

/* Feeds bytes to where they belong: the init segment, the open fragment,
 * or the trailer. */
static int feed(struct walk *w, const uint8_t *p, size_t len)
{
	if (w->trailer)
		return mt_seal_trailer(w->seal, p, len);
	if (w->fragment_open)
		return mt_seal_fragment_update(w->seal, p, len);
	if (w->init_len + len > MT_EVIDENCE_BOX_MAX)
		return MT_EFORMAT;
	{
		uint8_t *n = realloc(w->init, w->init_len + len);

		if (!n)
			return -ENOMEM;
		w->init = n;
	}
	memcpy(w->init + w->init_len, p, len);
	w->init_len += len;
	return 0;
}

/* A box read whole into memory (moov, moof), header included. */
static int read_box(struct walk *w, const uint8_t *hdr, const struct mt_bmff_box *b, uint8_t **out)
{
	uint8_t *box;
	int ret;

	if (b->size > MT_EVIDENCE_BOX_MAX)
		return MT_EFORMAT;
	box = malloc((size_t)b->size);
	if (!box)
		return -ENOMEM;
	memcpy(box, hdr, b->header);
	ret = read_exact(w, box + b->header, (size_t)b->size - b->header);
	if (ret) {
		free(box);
		return ret == -ENODATA ? MT_EFORMAT : ret;
	}
	*out = box;
	return 0;
}

/* Streams the rest of a box (size - header bytes) to feed(). */
static int stream_box(struct walk *w, uint64_t left, uint8_t *buf)
{
	while (left > 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		int ret = read_exact(w, buf, n);

		if (ret)
			return ret == -ENODATA ? MT_EFORMAT : ret;
		ret = feed(w, buf, n);
		if (ret)
			return ret;
		left -= n;
	}
	return 0;
}

static int on_box(struct walk *w, const uint8_t *hdr, const struct mt_bmff_box *b, uint8_t *buf)
{
	uint8_t *box = NULL;
	int ret;

	if (b->type == MT_BMFF_TYPE('m', 'o', 'o', 'f')) {
		if (w->trailer || !w->track.timescale)
			return MT_EFORMAT; /* a fragment after the index, or no moov */
		ret = close_fragment(w);
		if (ret == 0 && w->init) {
			ret = mt_seal_init_segment(w->seal, w->init, w->init_len);
			free(w->init);
			w->init = NULL;
		}
		if (ret == 0)
			ret = read_box(w, hdr, b, &box);
		if (ret == 0)
			ret = mt_bmff_moof_info(box, (size_t)b->size, &w->track, &w->frag);
		if (ret == 0) {
			w->fragment_open = 1;
			ret = feed(w, box, (size_t)b->size);
		}
		free(box);
		return ret;
	}
	if (b->type == MT_BMFF_TYPE('m', 'o', 'o', 'v')) {
		ret = read_box(w, hdr, b, &box);
		if (ret == 0)
			ret = mt_bmff_moov_info(box, (size_t)b->size, &w->track);
		if (ret == 0)
			ret = feed(w, box, (size_t)b->size);
		free(box);
		return ret;
	}
	if (b->type == MT_BMFF_TYPE('m', 'f', 'r', 'a') && w->fragment_open) {
		ret = close_fragment(w);
		w->trailer = 1;
		if (ret)
			return ret;
	}
	ret = feed(w, hdr, b->header);
	return ret ? ret : stream_box(w, b->size - b->header, buf);
}

static int walk_file(struct walk *w)
{
	uint8_t hdr[MT_BMFF_HEADER_MAX], *buf = malloc(CHUNK);
	int ret;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct mt_bmff_box b;

		ret = read_exact(w, hdr, 8);
		if (ret == -ENODATA) { /* the end, unless it fell inside a header */
			ret = 0;
			break;
		}
		if (ret)
			break;
		ret = mt_bmff_box_header(hdr, 8, &b);
		if (ret == -EAGAIN) {
			ret = read_exact(w, hdr + 8, 8);
			if (ret == 0)
				ret = mt_bmff_box_header(hdr, 16, &b);
		}
		if (ret == 0)
			ret = on_box(w, hdr, &b, buf);
		if (ret)
			break;
	}
	if (ret == -ENODATA)
		ret = MT_EFORMAT;
	if (ret == 0 && !w->fragment_open && !w->trailer)
		ret = MT_EFORMAT; /* no fragment at all */
	if (ret == 0)
		ret = close_fragment(w);
	free(buf);
	return ret;
}

int mt_evidence_seal_clip(const char *clip_path, const struct mt_seal_config *cfg,
			  const struct mt_manifest_info *info,
			  uint8_t manifest_sha256[MT_SHA256_LEN])
{
	return mt_evidence_seal_resume(clip_path, cfg, 0, 0, info, manifest_sha256);
}

int mt_evidence_seal_resume(const char *clip_path, const struct mt_seal_config *cfg,
			    uint32_t records, int64_t last_us, const struct mt_manifest_info *info,
			    uint8_t manifest_sha256[MT_SHA256_LEN])
{
	struct mt_seal seal;
	struct walk w = { .st = cfg->st, .seal = &seal };
	int ret;

	mt_seal_init(&seal);
	ret = mt_seal_open(&seal, cfg);
	if (ret == 0)
		ret = mt_seal_resume(&seal, records, last_us);
	if (ret)
		goto out_free_seal;
	ret = mt_storage_open(cfg->st, clip_path, MT_O_READ, &w.fd);
	if (ret)
		goto out_free_seal;
	ret = walk_file(&w);
	mt_storage_close(cfg->st, w.fd);
	if (ret == 0)
		ret = mt_seal_finish(&seal, info, manifest_sha256);
out_free_seal:
	free(w.init);
	mt_seal_free(&seal);
	return ret;
}
