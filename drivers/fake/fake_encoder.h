/* Fake encoder: takes raw YUYV or NV12 frames and gives small "compressed"
 * frames (a header and a digest of the input), keyframes every gop frames
 * and right after request_keyframe(), as an H.264 encoder would. Lets the
 * encoder thread, the ring and the clip writer be tested without a codec.
 * One thread uses an encoder at a time, as with a real one. */
#ifndef MT_FAKE_ENCODER_H
#define MT_FAKE_ENCODER_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/encoder.h"

/* Output layout, little-endian: "MTFE", u32 flags (MT_FRAME_*), u64 seq,
 * i64 ts_us (the header), then u64 FNV-1a digest of the input and u32
 * input size (the payload). */
#define MT_FAKE_ENCODER_HEADER  24
#define MT_FAKE_ENCODER_PAYLOAD 12
#define MT_FAKE_ENCODER_BYTES   (MT_FAKE_ENCODER_HEADER + MT_FAKE_ENCODER_PAYLOAD)

struct mt_fake_encoded {
	uint32_t flags;
	uint64_t seq;
	int64_t ts_us;
	uint64_t digest;
	uint32_t in_size;
};

struct mt_fake_encoder {
	struct mt_encoder dev; /* hand &e.dev to the firmware */
	const struct mt_encoder_config *cfg;
	bool open;
	bool force_key;
	uint32_t since_key; /* outputs since the last keyframe */
	uint64_t encodes;   /* encode() calls */
	uint64_t outputs;   /* frames handed out */
	uint64_t keyframes;
	uint64_t key_requests;
	uint64_t fail_at; /* fault injection: encode call number (1-based) that fails */
	int fail_err;
};

void mt_fake_encoder_init(struct mt_fake_encoder *e);

/* Makes encode call number n (counting from 1 since init) fail with err. */
void mt_fake_encoder_fail_at(struct mt_fake_encoder *e, uint64_t n, int err);

/* Reads a frame made by the fake encoder: 0 or MT_EFORMAT. */
int mt_fake_encoder_parse(const struct mt_frame *f, struct mt_fake_encoded *out);

/* FNV-1a 64 of data, the digest carried in the payload. */
uint64_t mt_fake_encoder_digest(const void *data, size_t len);

#endif
