/* JPEG structure check (ITU T.81 B.1: markers and segment lengths). */
#include "core/jpeg.h"

#include "core/errors.h"

static int is_sof(uint8_t m)
{
	/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

int mt_jpeg_probe(const uint8_t *data, size_t len, uint16_t *width, uint16_t *height)
{
	size_t i = 2;
	int have_size = 0;

	if (len < 4 || data[0] != 0xff || data[1] != 0xd8)
		return MT_EFORMAT;
	/* Some cameras pad after EOI; allow a few zero bytes. */
	while (len > 4 && data[len - 1] == 0x00)
		len--;
	if (data[len - 2] != 0xff || data[len - 1] != 0xd9)
		return MT_EFORMAT;
	len -= 2; /* every segment ends before the EOI */

	while (i + 4 <= len) {
		uint8_t m;
		size_t seg;

		if (data[i] != 0xff)
			return MT_EFORMAT;
		m = data[i + 1];
		if (m == 0xff) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xd8 || m == 0xd9 || (m >= 0xd0 && m <= 0xd7) || m == 0x01)
			return MT_EFORMAT; /* no standalone markers before the scan */
		seg = (size_t)data[i + 2] << 8 | data[i + 3];
		if (seg < 2 || i + 2 + seg > len)
			return MT_EFORMAT;
		if (is_sof(m)) {
			if (seg < 7)
				return MT_EFORMAT;
			*height = (uint16_t)(data[i + 5] << 8 | data[i + 6]);
			*width = (uint16_t)(data[i + 7] << 8 | data[i + 8]);
			if (!*width || !*height)
				return MT_EFORMAT;
			have_size = 1;
		}
		if (m == 0xda) /* SOS: entropy-coded data follows, up to EOI */
			return have_size ? 0 : MT_EFORMAT;
		i += 2 + seg;
	}
	return MT_EFORMAT;
}
