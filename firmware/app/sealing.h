/* The evidence side of the recorder, for the pipeline: the DRBG seeded
 * from the board's random hal, the device's evidence key (device.keys, its
 * public key exported as evidence.pub.pem beside it), the spool on
 * spool.path (recovered at start) and the clip writer's hooks bound to it,
 * so every clip gets clip-N.json, .sig and .ckpt. */
#ifndef MT_APP_SEALING_H
#define MT_APP_SEALING_H

#include <stdint.h>

#include "evidence/drbg.h"
#include "evidence/keystore.h"
#include "evidence/spool.h"
#include "evidence/spool_rec.h"

struct mt_board;
struct mt_config;
struct mt_clip_writer;

#define MT_SEALING_PUB_FILE "evidence.pub.pem"

struct mt_sealing {
	struct mt_drbg drbg;
	struct mt_keystore keys;
	struct mt_spool spool;
	struct mt_spool_rec rec;
	int on;        /* clips are sealed */
	int err;       /* why not (0 when on) */
	char why[120]; /* ... in words, for the report */
};

/* Cannot fail. */
void mt_sealing_init(struct mt_sealing *s);

/* Opens key and spool and binds w (which then writes through the spool's
 * counting storage). b, cfg and w must outlive s. 0; or an error, logged
 * and kept in s->err / s->why: the recorder then records unsigned clips,
 * and says so in its report. */
int mt_sealing_open(struct mt_sealing *s, struct mt_board *b, const struct mt_config *cfg,
		    struct mt_clip_writer *w, uint32_t width, uint32_t height);

/* Writes the evidence public key (PEM) to path on st, unless the file
 * already holds exactly that (no rewrite at every start). */
int mt_sealing_export_key(struct mt_sealing *s, struct mt_storage *st, const char *path);

void mt_sealing_free(struct mt_sealing *s);

#endif
