/* Structural check of a JPEG frame without decoding it: SOI first, EOI last,
 * well-formed marker segments up to the first scan, and the picture size from
 * the SOF header. Cheap enough for every frame of a camera. */
#ifndef MT_CORE_JPEG_H
#define MT_CORE_JPEG_H

#include <stddef.h>
#include <stdint.h>

/* 0 with *width and *height set, or MT_EFORMAT. */
int mt_jpeg_probe(const uint8_t *data, size_t len, uint16_t *width, uint16_t *height);

#endif
