/* YUV4MPEG2 reader. The header is one text line of space-separated tags:
 * "YUV4MPEG2 W320 H240 F25:1 Ip A1:1 C420jpeg"; each frame is a line
 * "FRAME[ tags]" and then the planes Y, U, V. */
#include "fake/replay_y4m.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"

#define MAGIC      "YUV4MPEG2"
#define MAX_HEADER 1024 /* longer is not a header we made or need */
#define MAX_FLINE  256  /* "FRAME" plus its rare tags */

static int parse_uint(const char *s, const char *end, uint32_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* One tag, [s, end): the letter and its value. */
static int parse_tag(const char *s, const char *end, struct mt_replay_y4m *y, uint32_t wh[2],
		     const char **cs, size_t *cs_len)
{
	const char *colon;

	switch (*s) {
	case 'W':
		return parse_uint(s + 1, end, &wh[0]);
	case 'H':
		return parse_uint(s + 1, end, &wh[1]);
	case 'F':
		colon = memchr(s, ':', (size_t)(end - s));
		if (!colon || parse_uint(s + 1, colon, &y->rate_num) ||
		    parse_uint(colon + 1, end, &y->rate_den))
			return -1;
		if (!y->rate_num || !y->rate_den)
			y->rate_num = y->rate_den = 0; /* "F0:0": unknown */
		return 0;
	case 'C':
		*cs = s + 1;
		*cs_len = (size_t)(end - s - 1);
		return 0;
	default:
		return 0; /* I (interlacing), A (aspect), X (comments): not needed */
	}
}

static int is_cs(const char *cs, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(cs, name, len) == 0;
}

/* Chroma and size checks once the tags are known. */
static int finish(struct mt_replay_y4m *y, const uint32_t wh[2], const char *cs, size_t cs_len,
		  const char **why)
{
	size_t w = wh[0], h = wh[1];

	if (!w || !h || w > UINT16_MAX || h > UINT16_MAX) {
		*why = "width (W) and height (H) missing or out of range";
		return MT_EFORMAT;
	}
	y->width = (uint16_t)w;
	y->height = (uint16_t)h;
	if (!cs || is_cs(cs, cs_len, "420jpeg") || is_cs(cs, cs_len, "420mpeg2") ||
	    is_cs(cs, cs_len, "420paldv") || is_cs(cs, cs_len, "420")) {
		if (w % 2 || h % 2) {
			*why = "4:2:0 with an odd width or height cannot be NV12";
			return MT_EFORMAT;
		}
		y->format = MT_FMT_NV12;
		y->frame_size = w * h * 3 / 2;
	} else if (is_cs(cs, cs_len, "422")) {
		if (w % 2) {
			*why = "4:2:2 with an odd width cannot be YUYV";
			return MT_EFORMAT;
		}
		y->format = MT_FMT_YUYV;
		y->frame_size = w * h * 2;
	} else {
		*why = "colour space is not 8-bit 4:2:0 or 4:2:2 (make it with -pix_fmt yuv420p)";
		return MT_EFORMAT;
	}
	return 0;
}

int mt_replay_y4m_parse(const char *buf, size_t len, struct mt_replay_y4m *y, const char **why)
{
	const char *nl, *s, *end, *cs = NULL;
	uint32_t wh[2] = { 0, 0 };
	size_t cs_len = 0;

	memset(y, 0, sizeof(*y));
	if (len < sizeof(MAGIC) || memcmp(buf, MAGIC " ", sizeof(MAGIC)) != 0) {
		*why = "no YUV4MPEG2 magic";
		return MT_EFORMAT;
	}
	nl = memchr(buf, '\n', len);
	if (!nl) {
		*why = "header line has no end";
		return MT_EFORMAT;
	}
	for (s = buf + sizeof(MAGIC); s < nl; s = end + 1) {
		end = memchr(s, ' ', (size_t)(nl - s));
		if (!end)
			end = nl;
		if (end > s && parse_tag(s, end, y, wh, &cs, &cs_len)) {
			*why = "malformed W, H or F tag";
			return MT_EFORMAT;
		}
	}
	y->header_len = (size_t)(nl - buf) + 1;
	return finish(y, wh, cs, cs_len, why);
}

/* Appends the frame whose "FRAME" line is at pos; returns where the next
 * one starts, or 0 at the end or on a broken line. */
static uint64_t index_frame(int fd, uint64_t pos, uint64_t fsize, const struct mt_replay_y4m *y,
			    struct mt_replay_index *idx, int *ret)
{
	char line[MAX_FLINE];
	ssize_t n = pread(fd, line, sizeof(line), (off_t)pos);
	const char *nl = n > 0 ? memchr(line, '\n', (size_t)n) : NULL;
	uint64_t data;

	if (!nl || n < 5 || memcmp(line, "FRAME", 5) != 0 || (nl != line + 5 && line[5] != ' ')) {
		*ret = mt_replay_index_add(idx, pos, 0); /* broken: counted when played */
		return 0;
	}
	data = pos + (uint64_t)(nl - line) + 1;
	if (data + y->frame_size > fsize) {
		*ret = mt_replay_index_add(idx, data, fsize - data);
		return 0;
	}
	*ret = mt_replay_index_add(idx, data, y->frame_size);
	return data + y->frame_size;
}

int mt_replay_y4m_index(int fd, struct mt_replay_y4m *y, struct mt_replay_index *idx,
			const char **why)
{
	char hdr[MAX_HEADER];
	struct stat st;
	ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
	uint64_t pos;
	int ret = 0;

	if (n < 0 || fstat(fd, &st))
		return -errno;
	ret = mt_replay_y4m_parse(hdr, (size_t)n, y, why);
	if (ret)
		return ret;
	idx->rate_num = y->rate_num;
	idx->rate_den = y->rate_den;
	for (pos = y->header_len; pos && pos < (uint64_t)st.st_size && !ret;)
		pos = index_frame(fd, pos, (uint64_t)st.st_size, y, idx, &ret);
	return ret;
}

static void to_nv12(const struct mt_replay_y4m *y, const uint8_t *in, uint8_t *out)
{
	size_t luma = (size_t)y->width * y->height, chroma = luma / 4;
	const uint8_t *u = in + luma, *v = u + chroma;

	memcpy(out, in, luma);
	out += luma;
	for (size_t i = 0; i < chroma; i++) {
		*out++ = u[i];
		*out++ = v[i];
	}
}

static void to_yuyv(const struct mt_replay_y4m *y, const uint8_t *in, uint8_t *out)
{
	size_t luma = (size_t)y->width * y->height, half = (size_t)y->width / 2;
	const uint8_t *u = in + luma, *v = u + luma / 2;

	for (size_t row = 0; row < y->height; row++) {
		const uint8_t *yr = in + row * y->width;
		const uint8_t *ur = u + row * half, *vr = v + row * half;

		for (size_t x = 0; x < half; x++) {
			*out++ = yr[2 * x];
			*out++ = ur[x];
			*out++ = yr[2 * x + 1];
			*out++ = vr[x];
		}
	}
}

void mt_replay_y4m_convert(const struct mt_replay_y4m *y, const uint8_t *in, uint8_t *out)
{
	if (y->format == MT_FMT_NV12)
		to_nv12(y, in, out);
	else
		to_yuyv(y, in, out);
}
