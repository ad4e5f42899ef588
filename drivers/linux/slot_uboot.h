/* The U-Boot environment backend of the slot hal, over libubootenv. The
 * state is U-Boot's own A/B variables (boot_slot, upgrade_available,
 * bootcount, bootlimit) plus mt_trial and mt_note, and every store() sets
 * them all and then makes ONE libuboot_env_store(): with a redundant
 * environment (two entries in fw_env.config) that writes the copy not in
 * use with a higher flag, so a power cut leaves the old state or the new
 * one. U-Boot's bootcount (CONFIG_BOOTCOUNT_ENV) and altbootcmd do the
 * trial boots and the fallback; the mapping is in docs/ota.md. */
#ifndef MT_SLOT_UBOOT_H
#define MT_SLOT_UBOOT_H

#include "hal/slot.h"

struct mt_slot_uboot_config {
	/* fw_env.config (see fw_printenv -c); borrowed, lives as long as the backend */
	const char *fw_env_config;
	/* optional "name=value" file taken when no copy of the environment is
	 * valid (provisioning, like fw_setenv -f); NULL: such an environment is
	 * MT_ECORRUPT and is never written over. Borrowed. */
	const char *default_env;
	/* optional folders where slots A and B are mounted, for dir(); NULL:
	 * dir() is -ENOSYS. Borrowed. */
	const char *dir_a, *dir_b;
};

struct mt_slot_uboot {
	struct mt_slot dev; /* hand &u.dev to the firmware */
	const struct mt_slot_uboot_config *cfg;
	unsigned stores; /* libuboot_env_store() calls made, for tests */
};

/* Binds u to cfg (borrowed, lives as long as u). Cannot fail: the
 * environment is opened by each load() and store(), so U-Boot's and
 * fw_setenv's changes in between are seen. */
void mt_slot_uboot_init(struct mt_slot_uboot *u, const struct mt_slot_uboot_config *cfg);

#endif
