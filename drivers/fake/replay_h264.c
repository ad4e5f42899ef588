/* Access-unit index of an H.264 byte stream: the splitting and the SPS are
 * core/h264's; this file maps the footage and records where each unit is. */
#include "fake/replay_h264.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/h264.h"

/* The first SPS in the access unit that parses sets the size. */
static void find_size(const uint8_t *au, size_t len, uint16_t *width, uint16_t *height)
{
	struct mt_h264_nal nal;
	struct mt_h264_sps sps;
	size_t pos = 0;

	while (mt_h264_next_nal(au, len, &pos, &nal)) {
		if (nal.type == MT_H264_NAL_SPS && !mt_h264_parse_sps(nal.data, nal.size, &sps)) {
			*width = sps.width;
			*height = sps.height;
			return;
		}
	}
}

int mt_replay_h264_index(int fd, struct mt_replay_index *idx, uint16_t *width, uint16_t *height)
{
	const uint8_t *buf, *au;
	size_t pos = 0, au_len;
	struct stat st;
	void *map;
	int ret = 0;

	*width = *height = 0;
	if (fstat(fd, &st))
		return -errno;
	if (st.st_size == 0)
		return 0;
	if ((off_t)(size_t)st.st_size != st.st_size)
		return -EFBIG; /* larger than a 32-bit board can map */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	buf = map;
	while (!ret && mt_h264_next_au(buf, (size_t)st.st_size, &pos, &au, &au_len)) {
		if (!*width)
			find_size(au, au_len, width, height);
		ret = mt_replay_index_add(idx, (uint64_t)(au - buf), au_len);
	}
	munmap(map, (size_t)st.st_size);
	return ret;
}
