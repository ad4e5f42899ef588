/* The encode stage, between capture and the pre-roll ring: it makes the
 * frame that is recorded from the frame the camera gave.
 *   - MJPEG from the camera is passed through, or with a privacy mask,
 *     masked in the DCT domain (record/privacy.h); never re-encoded.
 *   - H.264 from the camera is passed through. It cannot be masked without
 *     re-encoding, so a privacy mask with an H.264 camera is refused at open.
 *   - YUYV and NV12 are blacked where masked, in place, then encoded to
 *     JPEG or H.264 by the encoder hal (TurboJPEG, V4L2 M2M, OpenH264).
 * A frame that cannot be masked or encoded is dropped and counted: an
 * unmasked frame is never recorded. Runs on the thread that calls it;
 * mt_encode_request_keyframe() may come from another thread. */
#ifndef MT_RECORD_ENCODE_H
#define MT_RECORD_ENCODE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "hal/encoder.h"
#include "record/privacy.h"

struct mt_encode_config {
	enum mt_pixfmt in;  /* what the camera gives */
	enum mt_pixfmt out; /* raw input only: MT_FMT_MJPEG or MT_FMT_H264 */
	uint16_t width, height;
	uint32_t fps;
	uint32_t quality;           /* JPEG 1..100 */
	uint32_t bitrate;           /* H.264 bit/s */
	uint32_t gop;               /* H.264 frames between IDRs */
	uint8_t profile_idc;        /* H.264 66, 77, 100 */
	struct mt_encoder *encoder; /* raw input: the encoder for out (borrowed) */
	const char *privacy;        /* motion.privacy's text; "" or NULL: none */
};

struct mt_encode_stats {
	uint64_t passed;  /* compressed frames recorded as they came */
	uint64_t masked;  /* JPEGs masked in the DCT domain */
	uint64_t encoded; /* raw frames encoded */
	uint64_t late;    /* raw frames the encoder held (output later) */
	uint64_t dropped; /* frames not recorded: bad input, mask or encoder failure */
	uint64_t key_requests;
};

struct mt_encode {
	struct mt_encode_config cfg;
	struct mt_encoder_config enc_cfg;
	bool enc_open;
	atomic_int want_key; /* set from any thread, applied before the next encode */
	struct mt_privacy mask;
	struct mt_encode_stats stats;
};

void mt_encode_init(struct mt_encode *s);

/* cfg is copied (privacy and encoder must outlive the stage). 0; or
 * MT_ECONFIG with why (may be NULL) saying what is wrong: raw input with no
 * encoder, a mask with an H.264 camera, a mask that does not parse; or the
 * encoder's open error. */
int mt_encode_open(struct mt_encode *s, const struct mt_encode_config *cfg, char *why,
		   size_t whylen);

/* The frame to record for in (in is not consumed). 0 with *out a reference
 * the caller owns; -EAGAIN when the encoder has nothing to give yet; any
 * other error: in is not recorded (counted). Raw in is masked in place. */
int mt_encode_frame(struct mt_encode *s, struct mt_frame *in, struct mt_frame **out);

/* Does the stage do real work on each frame (encode raw frames, or mask
 * JPEGs)? If not, every frame is passed through by reference. */
bool mt_encode_busy(const struct mt_encode *s);

/* The next encoded frame is to be an IDR (an event has started). Any
 * thread. 0, or -ENOSYS when frames are not encoded here. */
int mt_encode_request_keyframe(struct mt_encode *s);

/* Closes the encoder; safe twice. */
void mt_encode_free(struct mt_encode *s);

#endif
