/* A storage hal device that passes every call to another one and counts
 * what goes to the medium: bytes written, syncs, folder syncs, renames and
 * removes. The spool hands it to everything that writes into the spool
 * (clip writer, sealer, journal), so write amplification is measured, not
 * estimated. The counters are atomic: several threads may write. */
#ifndef MT_EVIDENCE_WCOUNT_H
#define MT_EVIDENCE_WCOUNT_H

#include <stdatomic.h>
#include <stdint.h>

#include "hal/storage.h"

struct mt_wcount_stats {
	uint64_t bytes;     /* written */
	uint64_t writes;    /* write calls */
	uint64_t syncs;     /* file syncs */
	uint64_t dir_syncs; /* folder syncs */
	uint64_t renames, removes;
};

struct mt_wcount {
	struct mt_storage dev;    /* hand &w->dev to the writers */
	struct mt_storage *below; /* borrowed */
	_Atomic uint64_t bytes, writes, syncs, dir_syncs, renames, removes;
};

/* Counts the calls made through w->dev, passing them to below (which must
 * outlive w). Cannot fail. */
void mt_wcount_init(struct mt_wcount *w, struct mt_storage *below);

void mt_wcount_get(const struct mt_wcount *w, struct mt_wcount_stats *out);

#endif
