/* MJPEG stream splitter. Between SOI and SOS a JPEG is a chain of marker
 * segments with lengths; after SOS comes entropy-coded data, where 0xFF is
 * followed only by 0x00 (stuffing), 0xFF (fill) or RST0..7, so any other
 * marker there ends the scan (EOI, or DHT/SOS of a progressive image). */
#include "fake/replay_mjpeg.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA

static int is_rst(uint8_t m)
{
	return m >= 0xD0 && m <= 0xD7;
}

/* Offset of the next FF D8 at or after pos, or len. */
static size_t find_soi(const uint8_t *buf, size_t len, size_t pos)
{
	while (pos + 1 < len) {
		const uint8_t *ff = memchr(buf + pos, 0xFF, len - pos - 1);

		if (!ff)
			break;
		pos = (size_t)(ff - buf);
		if (buf[pos + 1] == M_SOI)
			return pos;
		pos++;
	}
	return len;
}

/* After SOS: offset of the marker that ends the entropy-coded data, or len. */
static size_t skip_scan(const uint8_t *buf, size_t len, size_t pos)
{
	while (pos + 1 < len) {
		const uint8_t *ff = memchr(buf + pos, 0xFF, len - pos - 1);
		uint8_t m;

		if (!ff)
			break;
		pos = (size_t)(ff - buf);
		m = buf[pos + 1];
		if (m == 0x00 || is_rst(m))
			pos += 2;
		else if (m == 0xFF)
			pos++; /* fill byte: the marker follows */
		else
			return pos;
	}
	return len;
}

/* The image starting with the SOI at start: returns where it ends (after its
 * EOI), or where it broke. */
static size_t walk_image(const uint8_t *buf, size_t len, size_t start)
{
	size_t pos = start + 2;

	while (pos + 1 < len) {
		uint8_t m;
		size_t seg;

		if (buf[pos] != 0xFF)
			return find_soi(buf, len, pos); /* lost: up to the next image */
		m = buf[pos + 1];
		if (m == 0xFF) {
			pos++;
			continue;
		}
		if (m == M_SOI)
			return pos; /* the next image began before this one ended */
		if (m == M_EOI)
			return pos + 2;
		if (is_rst(m) || m == 0x01) { /* markers without a length */
			pos += 2;
			continue;
		}
		if (pos + 4 > len)
			return len;
		seg = (size_t)buf[pos + 2] << 8 | buf[pos + 3];
		if (seg < 2)
			return find_soi(buf, len, pos);
		if (seg > len - pos - 2)
			return len;
		pos += 2 + seg;
		if (m == M_SOS)
			pos = skip_scan(buf, len, pos);
	}
	return len;
}

int mt_replay_mjpeg_split(const uint8_t *buf, size_t len, struct mt_replay_index *idx)
{
	size_t pos = find_soi(buf, len, 0);

	while (pos < len) {
		size_t end = walk_image(buf, len, pos);
		int ret = mt_replay_index_add(idx, pos, end - pos);

		if (ret)
			return ret;
		/* A broken image is kept too: playing it counts it as corrupt. */
		pos = find_soi(buf, len, end);
	}
	return 0;
}

int mt_replay_mjpeg_index(int fd, struct mt_replay_index *idx)
{
	struct stat st;
	void *map;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_size == 0)
		return 0;
	if ((off_t)(size_t)st.st_size != st.st_size)
		return -EFBIG; /* larger than a 32-bit board can map */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ret = mt_replay_mjpeg_split(map, (size_t)st.st_size, idx);
	munmap(map, (size_t)st.st_size);
	return ret;
}
