/* The A/B state machine; see slots.h. */
#include "ota/slots.h"

#include <stdio.h>
#include <string.h>

#include "core/errors.h"

char mt_slots_other(char slot)
{
	return slot == 'A' ? 'B' : 'A';
}

bool mt_slots_valid(const struct mt_slot_state *s)
{
	if (s->active != 'A' && s->active != 'B')
		return false;
	if (s->trial && s->trial != mt_slots_other(s->active))
		return false;
	return memchr(s->note, '\0', sizeof(s->note)) != NULL;
}

void mt_slots_fresh(struct mt_slot_state *s)
{
	memset(s, 0, sizeof(*s));
	s->active = 'A';
}

void mt_slots_arm(struct mt_slot_state *s, char slot, int tries)
{
	s->trial = slot;
	s->tries = (uint8_t)(tries < 1 ? 1 : tries > 255 ? 255 : tries);
}

char mt_slots_boot(struct mt_slot_state *s, bool *changed)
{
	*changed = false;
	if (!s->trial)
		return s->active;
	*changed = true;
	if (s->tries > 0) {
		s->tries--;
		return s->trial;
	}
	char last[MT_SLOT_NOTE_MAX];

	/* keep the trial's own last words (a failed health check) in the note */
	snprintf(last, sizeof(last), "%s", s->note);
	snprintf(s->note, sizeof(s->note), "slot %c failed its trial boots%s%.100s%s; back to %c",
		 s->trial, last[0] ? " (" : "", last, last[0] ? ")" : "", s->active);
	s->trial = 0;
	return s->active;
}

int mt_slots_commit(struct mt_slot_state *s, char slot)
{
	if (s->trial == slot) {
		s->active = slot;
		s->trial = 0;
		s->tries = 0;
		return 0;
	}
	return s->active == slot && !s->trial ? 0 : -EINVAL;
}

void mt_slots_abandon(struct mt_slot_state *s, const char *why)
{
	if (!s->trial)
		return;
	snprintf(s->note, sizeof(s->note), "slot %c abandoned: %s", s->trial, why);
	s->trial = 0;
	s->tries = 0;
}

int mt_slots_format(const struct mt_slot_state *s, char *out, size_t cap)
{
	int n = snprintf(out, cap, "active=%c\ntrial=%c\ntries=%u\nnote=%s\n", s->active,
			 s->trial ? s->trial : '-', (unsigned)s->tries, s->note);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int mt_slots_parse(const char *text, size_t len, struct mt_slot_state *s)
{
	char note[MT_SLOT_NOTE_MAX] = { 0 };
	unsigned tries;
	char a, t;
	int used = 0;

	mt_slots_fresh(s);
	if (len > 64 + MT_SLOT_NOTE_MAX || memchr(text, '\0', len) ||
	    sscanf(text, "active=%c\ntrial=%c\ntries=%3u\nnote=%n", &a, &t, &tries, &used) != 3 ||
	    !used || tries > 255)
		return MT_EFORMAT;
	const char *nl = memchr(text + used, '\n', len - (size_t)used);

	if (!nl || (size_t)(nl - text) + 1 != len || (size_t)(nl - text - used) >= sizeof(s->note))
		return MT_EFORMAT;
	memcpy(note, text + used, (size_t)(nl - text - used));
	note[nl - text - used] = '\0';
	s->active = a;
	s->trial = t == '-' ? 0 : t;
	s->tries = (uint8_t)tries;
	memcpy(s->note, note, sizeof(s->note));
	return mt_slots_valid(s) ? 0 : MT_EFORMAT;
}
