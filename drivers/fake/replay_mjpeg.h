/* Raw MJPEG streams (.mjpeg, .mjpg: JPEG images back to back, as ffmpeg's
 * "-f mjpeg" writes them) split into frames by walking JPEG markers, so an
 * SOI or EOI inside an EXIF thumbnail or other marker segment is not taken
 * for a frame boundary. */
#ifndef MT_FAKE_REPLAY_MJPEG_H
#define MT_FAKE_REPLAY_MJPEG_H

#include <stddef.h>
#include <stdint.h>

#include "fake/replay_index.h"

/* Appends one byte range per JPEG in buf[0..len), from its SOI to its EOI.
 * Bytes between images are skipped. An image cut short (the buffer ends, a
 * new SOI comes before its EOI, or its markers stop making sense) is still
 * appended, up to where it broke, so playing it counts a corrupt frame; the
 * walk then goes on at the next SOI. 0 or -ENOMEM. */
int mt_replay_mjpeg_split(const uint8_t *buf, size_t len, struct mt_replay_index *idx);

/* The same over the file open as fd (mapped while it is walked). 0, -errno
 * or -ENOMEM. An empty file gives no frames. */
int mt_replay_mjpeg_index(int fd, struct mt_replay_index *idx);

#endif
