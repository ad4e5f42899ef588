/* Shared by the spool's unit and fault tests: a recorder's world on
 * in-memory flash (spool, clip writer bound to it, manual clock, an
 * evidence key kept on storage that is never cut), events recorded from
 * real footage frames, the spool copied out to a real folder, and the
 * verdict of mt-verify's own code (tools/verify, built into the test) on
 * it. Every helper fails the running cmocka test on a surprise. */
#ifndef MT_TEST_FAULT_SPOOL_UTIL_H
#define MT_TEST_FAULT_SPOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/keystore.h"
#include "evidence/spool.h"
#include "evidence/spool_rec.h"
#include "fake/fake_random.h"
#include "fake/manual_clock.h"
#include "fake/mem_storage.h"
#include "record/clip.h"

#define SW_DIR "spool"

struct sw_keys {
	struct mt_mem_storage ms;
	struct mt_fake_random rnd;
	struct mt_drbg drbg;
	struct mt_keystore ks;
	char pem[MT_SIGNER_PUB_PEM_MAX];
};

struct sw {
	struct mt_mem_storage ms; /* the spool's flash */
	struct mt_manual_clock clock;
	struct sw_keys *keys;
	struct mt_spool sp;
	struct mt_clip_writer w;
	struct mt_spool_rec bind;
	uint64_t capacity;
	int evict_unsent;
	int is_open;
};

/* A key made once (kept on its own storage). */
void sw_keys_init(struct sw_keys *k);
void sw_keys_free(struct sw_keys *k);

/* Empty flash, the clock at mono 0. */
void sw_init(struct sw *s, struct sw_keys *k, uint64_t capacity, int evict_unsent);

/* Opens (recovers) the spool and binds a clip writer to it. */
int sw_open(struct sw *s);

/* Lets the writer and the spool go (what is on flash stays). */
void sw_close(struct sw *s);

void sw_free(struct sw *s);

/* Records one event: frames first .. first + n - 1 of the footage at
 * 10 fps, from mono time at_us. *seq gets the clip's number (0 if none
 * was given). after(arg) runs after every frame and at the end. Returns
 * mt_clip_begin's error, else mt_clip_end's (or the first append's). */
int sw_event(struct sw *s, int first, int n, int64_t at_us, uint32_t *seq, void (*after)(void *arg),
	     void *arg);

/* The bytes of the live file path on s's flash (free() them). */
uint8_t *sw_read(struct sw *s, const char *path, size_t *len);

/* Copies the spool folder (its live view) into dir, with evidence.pub.pem. */
void sw_dump(struct sw *s, const char *dir);

/* mt-verify --chain over dir: the number of clips, each OK (else the test
 * fails, naming the clip and the reason); *partial counts PARTIAL ones
 * (allowed only when allow_partial). */
size_t sw_verify_dir(const char *dir, int allow_partial, size_t *partial);

/* Frames of the footage, loaded once. */
struct mt_frame *sw_frame(int n, int64_t ts_us);

/* Lets the loaded frames go (end of the test program). */
void sw_frames_free(void);

#endif
