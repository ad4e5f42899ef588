/* The files backend of the slot hal, over the storage hal: under root, the
 * slot folders root/A and root/B and the state file root/slots.state,
 * replaced atomically (core/file.h) on every store. mt-boot reads the same
 * files to pick the slot to start. */
#ifndef MT_OTA_SLOT_FILES_H
#define MT_OTA_SLOT_FILES_H

#include "hal/slot.h"

#define MT_SLOT_FILES_ROOT_MAX 200

struct mt_storage;

struct mt_slot_files {
	struct mt_slot dev;
	struct mt_storage *st; /* borrowed; lives as long as this */
	char root[MT_SLOT_FILES_ROOT_MAX];
};

/* Binds f to root on st (root copied, truncated to fit). Cannot fail. */
void mt_slot_files_init(struct mt_slot_files *f, struct mt_storage *st, const char *root);

/* Makes root, root/A and root/B if missing. 0 or a negative errno. */
int mt_slot_files_prepare(struct mt_slot_files *f);

#endif
