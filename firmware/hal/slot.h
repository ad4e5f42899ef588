/* Slot hal: where the two A/B copies of the software live and which one
 * starts. The state (active slot, the slot on trial and its boots left, a
 * note of the last rollback) is loaded and stored whole, and store() is one
 * atomic write: a power cut leaves the old state or the new one. Backends:
 * files (firmware/ota/slot_files.h: two slot folders + a state file, read
 * by mt-boot) and the U-Boot environment (drivers/linux/slot_uboot.h:
 * boot_slot, upgrade_available, bootcount, bootlimit through libubootenv,
 * U-Boot counting the trial boots). */
#ifndef MT_HAL_SLOT_H
#define MT_HAL_SLOT_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define MT_SLOT_NOTE_MAX 160

struct mt_slot_state {
	char active;                 /* 'A' or 'B': the committed slot */
	char trial;                  /* 'A', 'B', or 0 when no slot is on trial */
	uint8_t tries;               /* boots the trial slot has left */
	char note[MT_SLOT_NOTE_MAX]; /* last trial failure, not yet reported; "" if none */
};

struct mt_slot;

struct mt_slot_ops {
	/* mandatory: the state; a fresh device reads as active A, no trial */
	int (*load)(struct mt_slot *dev, struct mt_slot_state *out);
	/* mandatory: replace the state in one atomic write */
	int (*store)(struct mt_slot *dev, const struct mt_slot_state *s);
	/* optional: the folder holding slot ('A' or 'B'), for file slots */
	int (*dir)(struct mt_slot *dev, char slot, char *out, size_t cap);
};

struct mt_slot {
	const struct mt_slot_ops *ops;
	const char *name;
	void *priv;
};

static inline int mt_slot_load(struct mt_slot *dev, struct mt_slot_state *out)
{
	assert(dev->ops->load);
	return dev->ops->load(dev, out);
}

static inline int mt_slot_store(struct mt_slot *dev, const struct mt_slot_state *s)
{
	assert(dev->ops->store);
	return dev->ops->store(dev, s);
}

static inline int mt_slot_dir(struct mt_slot *dev, char slot, char *out, size_t cap)
{
	return dev->ops->dir ? dev->ops->dir(dev, slot, out, cap) : -ENOSYS;
}

#endif
