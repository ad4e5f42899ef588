/* Fake serial line: the test types into it (mt_fake_serial_push_input) and
 * reads what the firmware printed (mt_fake_serial_take_output). Reads wait
 * on the clock hal like every fake (see fake/fake_wait.h). */
#ifndef MT_FAKE_SERIAL_H
#define MT_FAKE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fake/fake_wait.h"
#include "hal/serial.h"

#define MT_FAKE_SERIAL_IN_BYTES  4096      /* typed, not yet read */
#define MT_FAKE_SERIAL_OUT_BYTES (1 << 20) /* printed, not yet taken */

struct mt_fake_serial {
	struct mt_serial dev;    /* hand &s.dev to the firmware */
	struct mt_fake_waiter w; /* its lock guards everything below */
	const struct mt_serial_config *cfg;
	bool open;
	uint8_t in[MT_FAKE_SERIAL_IN_BYTES];
	size_t in_head;
	size_t in_len;
	uint8_t *out; /* grows up to MT_FAKE_SERIAL_OUT_BYTES */
	size_t out_len;
	size_t out_cap;
	uint64_t opens;
	int write_error; /* fault injection: write() returns this if non-zero */
};

/* clock times read timeouts and must outlive s; advance_clock as in
 * fake/fake_wait.h. */
void mt_fake_serial_init(struct mt_fake_serial *s, struct mt_clock *clock, bool advance_clock);

/* Frees the output buffer. NULL and a second call are fine. */
void mt_fake_serial_free(struct mt_fake_serial *s);

/* Queues len bytes for the firmware to read: 0, or -ENOSPC (nothing queued)
 * when they do not fit. Works whether or not the line is open. */
int mt_fake_serial_push_input(struct mt_fake_serial *s, const void *buf, size_t len);

/* Moves up to len printed bytes into buf; returns how many. */
size_t mt_fake_serial_take_output(struct mt_fake_serial *s, void *buf, size_t len);

/* From now on write() fails with err (0 restores success). */
void mt_fake_serial_fail_writes(struct mt_fake_serial *s, int err);

#endif
