/* YUV4MPEG2 (.y4m) raw video for the replay camera: the stream header, the
 * frames' places in the file, and each planar frame turned into what a
 * camera delivers: 4:2:0 as NV12, 4:2:2 as YUYV. */
#ifndef MT_FAKE_REPLAY_Y4M_H
#define MT_FAKE_REPLAY_Y4M_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "fake/replay_index.h"

struct mt_replay_y4m {
	uint16_t width;
	uint16_t height;
	uint32_t rate_num; /* F<num>:<den>; 0/0 when absent */
	uint32_t rate_den;
	enum mt_pixfmt format; /* delivered: MT_FMT_NV12 or MT_FMT_YUYV */
	size_t frame_size;     /* planar bytes per frame in the file (= delivered size) */
	size_t header_len;     /* up to and including the header's newline */
};

/* Parses the stream header at the start of buf[0..len). 0, or MT_EFORMAT
 * with *why set to a static reason (no magic, no newline, size missing or
 * odd for its chroma, colour space other than 4:2:0 and 4:2:2 8-bit). */
int mt_replay_y4m_parse(const char *buf, size_t len, struct mt_replay_y4m *y, const char **why);

/* Reads the header of the file open as fd into *y and appends one byte range
 * per frame (after its "FRAME" line). A frame cut short is appended with the
 * bytes it has; a line that is not "FRAME..." is appended as a broken item
 * and ends the walk. 0, MT_EFORMAT (logged with why) or -ENOMEM. */
int mt_replay_y4m_index(int fd, struct mt_replay_y4m *y, struct mt_replay_index *idx,
			const char **why);

/* Planar frame in (frame_size bytes) to the delivered layout at out (the
 * same size): Y then interleaved UV for NV12; Y0 U Y1 V for YUYV. */
void mt_replay_y4m_convert(const struct mt_replay_y4m *y, const uint8_t *in, uint8_t *out);

#endif
