/* Slot hal over the U-Boot environment; see slot_uboot.h and docs/ota.md.
 *
 * load():  upgrade_available=1: boot_slot is on trial, the other slot is
 *          the committed one, tries = bootlimit - bootcount (U-Boot counts
 *          a boot before starting it, like mt-boot takes a try).
 *          upgrade_available=0: boot_slot is the committed one; if mt_trial
 *          names the other slot, U-Boot's altbootcmd fell back from it, and
 *          the note says so (in mt_slots_boot()'s words).
 * store(): all variables set, then one libuboot_env_store(). */
#include "linux/slot_uboot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libuboot.h> /* after stddef.h: it uses size_t without including it */

#include "core/errors.h"
#include "core/log.h"
#include "ota/slots.h"

#define TAG "slot-uboot"

struct env_ab {
	char boot_slot; /* 'A', 'B', or 0 when unset */
	char armed;     /* mt_trial: the slot this backend put on trial, or 0 */
	bool upgrade;   /* upgrade_available=1 */
	long count;     /* bootcount, 0 when unset */
	long limit;     /* bootlimit, 0 when unset (U-Boot: no limit) */
};

static struct mt_slot_uboot *uboot(struct mt_slot *dev)
{
	return dev->priv;
}

/* Opens the environment: 0 and *out (libuboot_close + libuboot_exit it),
 * MT_ECONFIG for a bad fw_env.config, MT_ECORRUPT when no copy is valid
 * and there is no default. */
static int env_open(const struct mt_slot_uboot_config *cfg, struct uboot_ctx **out)
{
	struct uboot_ctx *ctx = NULL;
	int ret = -ENOMEM;

	if (libuboot_initialize(&ctx, NULL) < 0 || !ctx)
		return ret;
	ret = MT_ECONFIG;
	if (libuboot_read_config(ctx, cfg->fw_env_config) < 0) {
		mt_log_write(MT_LOG_ERR, TAG, "%s: not a usable fw_env.config", cfg->fw_env_config);
		goto out_exit;
	}
	if (libuboot_open(ctx) < 0) {
		/* U-Boot would boot its built-in default: never write over that blind */
		ret = MT_ECORRUPT;
		if (!cfg->default_env || libuboot_load_file(ctx, cfg->default_env) < 0) {
			mt_log_write(MT_LOG_ERR, TAG, "%s: no valid U-Boot environment%s",
				     cfg->fw_env_config, cfg->default_env ? " nor default" : "");
			goto out_close;
		}
		mt_log_write(MT_LOG_WRN, TAG, "no valid U-Boot environment: starting from %s",
			     cfg->default_env);
	}
	*out = ctx;
	return 0;
out_close:
	libuboot_close(ctx);
out_exit:
	libuboot_exit(ctx);
	return ret;
}

static void env_done(struct uboot_ctx *ctx)
{
	libuboot_close(ctx);
	libuboot_exit(ctx);
}

/* A slot variable: 0 with *out 'A', 'B' or 0 (unset or empty), else MT_ECORRUPT. */
static int get_slot(struct uboot_ctx *ctx, const char *name, char *out)
{
	char *v = libuboot_get_env(ctx, name);
	int ret = 0;

	*out = 0;
	if (v && v[0] && (strcmp(v, "A") == 0 || strcmp(v, "B") == 0))
		*out = v[0];
	else if (v && v[0])
		ret = MT_ECORRUPT;
	if (ret)
		mt_log_write(MT_LOG_ERR, TAG, "%s=%.16s is neither A nor B", name, v);
	free(v);
	return ret;
}

/* A decimal variable, as U-Boot's env_get_ulong reads it: 0 when unset. */
static int get_num(struct uboot_ctx *ctx, const char *name, long *out)
{
	char *v = libuboot_get_env(ctx, name), *end = NULL;
	int ret = 0;

	*out = 0;
	if (v && v[0]) {
		*out = strtol(v, &end, 10);
		if (*end || *out < 0 || *out > 1000000)
			ret = MT_ECORRUPT;
	}
	if (ret)
		mt_log_write(MT_LOG_ERR, TAG, "%s=%.16s is not a count", name, v);
	free(v);
	return ret;
}

static int get_ab(struct uboot_ctx *ctx, struct env_ab *e)
{
	long ua = 0;
	int ret = get_slot(ctx, "boot_slot", &e->boot_slot);

	if (!ret)
		ret = get_slot(ctx, "mt_trial", &e->armed);
	if (!ret)
		ret = get_num(ctx, "upgrade_available", &ua);
	if (!ret)
		ret = get_num(ctx, "bootcount", &e->count);
	if (!ret)
		ret = get_num(ctx, "bootlimit", &e->limit);
	e->upgrade = ua != 0;
	return ret;
}

static void to_state(const struct env_ab *e, const char *note, struct mt_slot_state *s)
{
	bool changed;

	mt_slots_fresh(s);
	snprintf(s->note, sizeof(s->note), "%s", note ? note : "");
	if (!e->boot_slot)
		return; /* a fresh environment: A, as a fresh file slot */
	if (e->upgrade) {
		long left = e->limit > e->count ? e->limit - e->count : 0;

		s->trial = e->boot_slot;
		s->active = mt_slots_other(e->boot_slot);
		s->tries = (uint8_t)(left > 255 ? 255 : left);
		return;
	}
	s->active = e->boot_slot;
	if (e->armed == mt_slots_other(e->boot_slot)) {
		/* altbootcmd ran: say so as mt-boot would have */
		s->trial = e->armed;
		s->tries = 0;
		mt_slots_boot(s, &changed);
	}
	/* armed == boot_slot with no upgrade: committed outside (fw_setenv) */
}

static int load(struct mt_slot *dev, struct mt_slot_state *out)
{
	struct uboot_ctx *ctx;
	struct env_ab e;
	int ret = env_open(uboot(dev)->cfg, &ctx);

	if (ret)
		return ret;
	ret = get_ab(ctx, &e);
	if (!ret) {
		char *note = libuboot_get_env(ctx, "mt_note");

		to_state(&e, note, out);
		free(note);
	}
	env_done(ctx);
	return ret;
}

/* The values store() writes for s, given the environment it replaces. */
static void from_state(const struct mt_slot_state *s, const struct env_ab *old, struct env_ab *e)
{
	*e = (struct env_ab){ .limit = old->limit };
	if (!s->trial) {
		e->boot_slot = s->active;
		return;
	}
	e->boot_slot = s->trial;
	e->armed = s->trial;
	e->upgrade = true;
	if (old->upgrade && old->boot_slot == s->trial && old->limit >= s->tries) {
		e->count = old->limit - s->tries; /* the same trial: keep U-Boot's count */
	} else {
		e->limit = s->tries; /* a new trial: bootlimit boots from 0 */
		e->count = 0;
	}
}

static int set_num(struct uboot_ctx *ctx, const char *name, long v)
{
	char text[24];

	snprintf(text, sizeof(text), "%ld", v);
	return libuboot_set_env(ctx, name, text);
}

static int set_ab(struct uboot_ctx *ctx, const struct env_ab *e, const char *note)
{
	const char slot[2] = { e->boot_slot, 0 }, armed[2] = { e->armed, 0 };
	int ret = libuboot_set_env(ctx, "boot_slot", slot);

	if (!ret)
		ret = set_num(ctx, "upgrade_available", e->upgrade);
	if (!ret)
		ret = set_num(ctx, "bootcount", e->count);
	if (!ret && e->upgrade)
		ret = set_num(ctx, "bootlimit", e->limit);
	if (!ret)
		ret = libuboot_set_env(ctx, "mt_trial", e->armed ? armed : NULL);
	if (!ret)
		ret = libuboot_set_env(ctx, "mt_note", note[0] ? note : NULL);
	return ret < 0 ? ret : ret ? -EINVAL : 0;
}

static int store(struct mt_slot *dev, const struct mt_slot_state *s)
{
	struct mt_slot_uboot *u = uboot(dev);
	char note[MT_SLOT_NOTE_MAX];
	struct env_ab old, e;
	struct uboot_ctx *ctx;
	int ret;

	if (!mt_slots_valid(s))
		return -EINVAL;
	/* one line of printable text, as fw_printenv shows it */
	for (size_t i = 0; i < sizeof(note); i++) {
		unsigned char c = (unsigned char)s->note[i];

		note[i] = c && (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		if (!c)
			break;
	}
	ret = env_open(u->cfg, &ctx);
	if (ret)
		return ret;
	ret = get_ab(ctx, &old);
	if (!ret) {
		from_state(s, &old, &e);
		ret = set_ab(ctx, &e, note);
	}
	if (!ret) {
		u->stores++;
		ret = libuboot_env_store(ctx);
		if (ret > 0)
			ret = -EIO;
	}
	if (ret)
		mt_log_write(MT_LOG_ERR, TAG, "storing the U-Boot environment: %s",
			     mt_strerror(ret));
	env_done(ctx);
	return ret;
}

static int dir(struct mt_slot *dev, char slot, char *out, size_t cap)
{
	const struct mt_slot_uboot_config *cfg = uboot(dev)->cfg;
	const char *d = slot == 'A' ? cfg->dir_a : slot == 'B' ? cfg->dir_b : NULL;
	int n;

	if (slot != 'A' && slot != 'B')
		return -EINVAL;
	if (!d)
		return -ENOSYS;
	n = snprintf(out, cap, "%s", d);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static const struct mt_slot_ops ops = { .load = load, .store = store, .dir = dir };

void mt_slot_uboot_init(struct mt_slot_uboot *u, const struct mt_slot_uboot_config *cfg)
{
	*u = (struct mt_slot_uboot){ .dev = { .ops = &ops, .name = "slot-uboot", .priv = u },
				     .cfg = cfg };
}
