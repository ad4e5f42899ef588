/* The A/B state machine, as pure functions of struct mt_slot_state (the
 * caller stores the result through the slot hal before acting on it, like
 * U-Boot's bootcount): arm a trial, pick the slot at boot (counting the
 * trial's tries down, falling back to the committed slot when none are
 * left), commit, or abandon a trial. */
#ifndef MT_OTA_SLOTS_H
#define MT_OTA_SLOTS_H

#include <stdbool.h>

#include "hal/slot.h"

#define MT_SLOTS_TRIES_DEFAULT 3

/* The other slot of 'A' or 'B'. */
char mt_slots_other(char slot);

/* A valid state: active A or B, trial 0 or the other slot. */
bool mt_slots_valid(const struct mt_slot_state *s);

/* A fresh device: A active, nothing on trial. */
void mt_slots_fresh(struct mt_slot_state *s);

/* Puts slot on trial with tries boots. */
void mt_slots_arm(struct mt_slot_state *s, char slot, int tries);

/* At boot: the slot to start. A trial with tries left gets one taken; one
 * with none left is dropped (the note says so) and the active slot starts.
 * *changed tells whether s must be stored before starting. */
char mt_slots_boot(struct mt_slot_state *s, bool *changed);

/* slot passed its health check: it becomes the active one. 0, or -EINVAL
 * when slot is neither on trial nor active (nothing changes). */
int mt_slots_commit(struct mt_slot_state *s, char slot);

/* Drops the trial (a manual rollback, or a last failed health check) with
 * why as the note. No-op without a trial. */
void mt_slots_abandon(struct mt_slot_state *s, const char *why);

/* Text form of the state file ("active=A\ntrial=B\ntries=2\nnote=...\n")
 * into out; its length or -ENOSPC. */
int mt_slots_format(const struct mt_slot_state *s, char *out, size_t cap);

/* Parses the text form. 0 or MT_EFORMAT (also for an invalid state). */
int mt_slots_parse(const char *text, size_t len, struct mt_slot_state *s);

#endif
