/* Camera controls written in the configuration as one line,
 * "brightness=140, contrast=40, sharpness=2": names as the kernel spells
 * them, lower case with '_', and decimal integer values. */
#ifndef MT_CORE_CONTROLS_H
#define MT_CORE_CONTROLS_H

#include <stddef.h>
#include <stdint.h>

#include "hal/capture.h"

/* Appends the controls in text to out[*n..max); returns NULL, or why not
 * (maybe written into why, len bytes); out is then unchanged past *n. */
const char *mt_controls_parse(const char *text, struct mt_capture_control *out, uint32_t max,
			      uint32_t *n, char *why, size_t len);

#endif
