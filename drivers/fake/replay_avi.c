/* AVI (RIFF) chunk walk for the replay camera. Only what replay needs:
 * RIFF 'AVI ' → LIST 'hdrl' → LIST 'strl' → 'strh'/'strf' of the first video
 * stream, and LIST 'movi' → 'NNdc' chunks of that stream; OpenDML files go
 * on in RIFF 'AVIX' lists. The 'idx1' index is not needed. */
#include "fake/replay_avi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"

#define MAX_DEPTH 8 /* RIFF → movi → rec is 3; deeper is a hostile file */

struct walk {
	int fd;
	struct mt_replay_avi_info *info;
	struct mt_replay_index *idx;
	int nstrl; /* 'strl' lists seen */
	int video; /* stream number of the first video stream, or -1 */
};

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int read_at(int fd, uint64_t pos, void *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len, (off_t)pos);

	return n == (ssize_t)len ? 0 : MT_EFORMAT;
}

/* 'strh': the first 'vids' stream is the one we play; its rate is ours. */
static int on_strh(struct walk *w, uint64_t pos, uint32_t size)
{
	uint8_t h[28];

	if (size < sizeof(h) || w->video >= 0 || read_at(w->fd, pos, h, sizeof(h)))
		return 0;
	if (memcmp(h, "vids", 4) != 0)
		return 0;
	w->video = w->nstrl - 1;
	if (le32(h + 20) && le32(h + 24)) {
		w->idx->rate_den = le32(h + 20); /* dwScale */
		w->idx->rate_num = le32(h + 24); /* dwRate */
	}
	return 0;
}

/* 'strf' of the video stream: a BITMAPINFOHEADER. */
static int on_strf(struct walk *w, uint64_t pos, uint32_t size)
{
	uint8_t b[20];
	int32_t wd, ht;

	if (size < sizeof(b) || w->video != w->nstrl - 1 || read_at(w->fd, pos, b, sizeof(b)))
		return 0;
	wd = (int32_t)le32(b + 4);
	ht = (int32_t)le32(b + 8);
	w->info->width = (uint16_t)(wd < 0 ? -wd : wd);
	w->info->height = (uint16_t)(ht < 0 ? -ht : ht);
	memcpy(w->info->codec, b + 16, 4);
	w->info->codec[4] = '\0';
	return 0;
}

/* A movi chunk "NNdc" (compressed) or "NNdb" (uncompressed) of our stream. */
static int is_video_chunk(const struct walk *w, const uint8_t id[4])
{
	if (id[2] != 'd' || (id[3] != 'c' && id[3] != 'b'))
		return 0;
	if (id[0] < '0' || id[0] > '9' || id[1] < '0' || id[1] > '9')
		return 0;
	return w->video < 0 || (id[0] - '0') * 10 + (id[1] - '0') == w->video;
}

/* Walk chunks in [pos, end). */
static int walk(struct walk *w, uint64_t pos, uint64_t end, int depth, int in_movi)
{
	uint8_t h[12];
	int ret;

	if (depth > MAX_DEPTH)
		return MT_EFORMAT;
	while (pos + 8 <= end) {
		uint64_t size;

		if (read_at(w->fd, pos, h, 8))
			return MT_EFORMAT;
		size = le32(h + 4);
		if (pos + 8 + size > end)
			size = end - pos - 8; /* truncated file: keep what is there */
		if ((!memcmp(h, "LIST", 4) || !memcmp(h, "RIFF", 4)) && size >= 4) {
			if (read_at(w->fd, pos + 8, h + 8, 4))
				return MT_EFORMAT;
			if (!memcmp(h + 8, "strl", 4))
				w->nstrl++;
			if (!memcmp(h + 8, "movi", 4) || (in_movi && !memcmp(h + 8, "rec ", 4)) ||
			    !memcmp(h + 8, "hdrl", 4) || !memcmp(h + 8, "strl", 4) ||
			    !memcmp(h + 8, "AVI ", 4) || !memcmp(h + 8, "AVIX", 4)) {
				ret = walk(w, pos + 12, pos + 8 + size, depth + 1,
					   in_movi || !memcmp(h + 8, "movi", 4));
				if (ret)
					return ret;
			}
		} else if (!memcmp(h, "strh", 4)) {
			on_strh(w, pos + 8, (uint32_t)size);
		} else if (!memcmp(h, "strf", 4)) {
			on_strf(w, pos + 8, (uint32_t)size);
		} else if (in_movi && size > 0 && is_video_chunk(w, h)) {
			ret = mt_replay_index_add(w->idx, pos + 8, size);
			if (ret)
				return ret;
		}
		pos += 8 + size + (size & 1); /* chunks are word aligned */
	}
	return 0;
}

int mt_replay_avi_index(int fd, struct mt_replay_avi_info *info, struct mt_replay_index *idx)
{
	struct walk w = { .fd = fd, .info = info, .idx = idx, .video = -1 };
	uint8_t h[12];
	off_t end = lseek(fd, 0, SEEK_END);
	int ret;

	memset(info, 0, sizeof(*info));
	if (end < 12 || read_at(fd, 0, h, sizeof(h)))
		return MT_EFORMAT;
	if (memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "AVI ", 4) != 0)
		return MT_EFORMAT;
	/* The whole file, not the first RIFF's size: OpenDML's AVIX follow it. */
	ret = walk(&w, 0, (uint64_t)end, 0, 0);
	if (ret)
		return ret;
	return w.video < 0 ? MT_EFORMAT : 0;
}

int mt_replay_avi_is_mjpeg(const struct mt_replay_avi_info *info)
{
	static const char *const mjpeg[] = { "MJPG", "mjpg", "AVRn", "dmb1" };

	for (size_t i = 0; i < sizeof(mjpeg) / sizeof(mjpeg[0]); i++)
		if (!memcmp(info->codec, mjpeg[i], 4))
			return 1;
	return 0;
}
