/* A small fragmented-MP4 reader for tests, written apart from the muxer: it
 * walks the top-level boxes and, for each moof, reads tfdt and trun into a
 * flat list of samples (where each one's bytes are, its decode time, its
 * flags). It checks only what it reads; ffprobe is the independent judge. */
#ifndef MT_TEST_MP4_READ_H
#define MT_TEST_MP4_READ_H

#include <stddef.h>
#include <stdint.h>

#define MP4_MAX_SAMPLES 4096
#define MP4_MAX_BOXES   512

struct mp4_sample {
	uint64_t offset; /* of its bytes in the file */
	uint32_t size;
	uint32_t duration;
	uint32_t flags;
	uint64_t dts;
	uint32_t fragment; /* mfhd sequence number */
};

struct mp4_file {
	char types[MP4_MAX_BOXES][5]; /* top-level boxes in order */
	uint64_t box_off[MP4_MAX_BOXES];
	uint32_t nboxes;
	char entry[5];      /* sample entry type in stsd ("jpeg", "avc1") */
	uint32_t timescale; /* mdhd */
	uint16_t width, height;
	struct mp4_sample s[MP4_MAX_SAMPLES];
	uint32_t n;
};

/* 0, or -1 with a reason in why (static text) if the file is not what the
 * muxer should write. */
int mp4_read(const uint8_t *buf, size_t len, struct mp4_file *out, const char **why);

/* The whole of a file (malloc'd; the caller frees), or NULL. */
uint8_t *mp4_slurp(const char *path, size_t *len);

#endif
