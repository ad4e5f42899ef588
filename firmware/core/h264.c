/* Start-code scanning per ITU-T H.264 Annex B: a NAL unit runs from after
 * 00 00 01 up to the next 00 00 0x (x <= 1) or the end; zero bytes before a
 * four-byte start code belong to no NAL unit. */
#include "core/h264.h"

/* Index of the first byte after the next start code at or after from, or len. */
static size_t skip_to_payload(const uint8_t *buf, size_t len, size_t from)
{
	for (size_t i = from; i + 3 <= len; i++) {
		if (buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1)
			return i + 3;
	}
	return len;
}

int mt_h264_next_nal(const uint8_t *buf, size_t len, size_t *pos, struct mt_h264_nal *nal)
{
	size_t start = skip_to_payload(buf, len, *pos);
	size_t end = start;

	if (start >= len) {
		*pos = len;
		return 0;
	}
	while (end + 3 <= len && !(buf[end] == 0 && buf[end + 1] == 0 && buf[end + 2] <= 1))
		end++;
	if (end + 3 > len)
		end = len;
	*pos = end;
	while (end > start && buf[end - 1] == 0)
		end--;
	if (end == start)
		return mt_h264_next_nal(buf, len, pos, nal);
	nal->data = buf + start;
	nal->size = end - start;
	nal->type = buf[start] & 0x1f;
	return 1;
}

bool mt_h264_is_idr(const uint8_t *buf, size_t len)
{
	struct mt_h264_nal nal;
	size_t pos = 0;

	while (mt_h264_next_nal(buf, len, &pos, &nal)) {
		if (nal.type == MT_H264_NAL_IDR)
			return true;
		if (nal.type == MT_H264_NAL_SLICE)
			return false;
	}
	return false;
}

bool mt_h264_has_start_code(const uint8_t *buf, size_t len)
{
	if (len >= 3 && buf[0] == 0 && buf[1] == 0 && buf[2] == 1)
		return true;
	return len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 1;
}
