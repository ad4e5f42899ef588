/* config show|get|set|reset|apply|save: the runtime configuration. The
 * console edits its own copy; each key says when a change takes effect. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console/cmd.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/text.h"
#include "motion/region.h"

enum effect {
	EFFECT_NOW,    /* applied as it is set */
	EFFECT_APPLY,  /* "config apply" restarts the camera and recorder */
	EFFECT_REBOOT, /* read only at start: the console line itself */
};

static enum effect key_effect(enum mt_config_key k)
{
	if (k == MT_CONFIG_LOG_LEVEL)
		return EFFECT_NOW;
	if (k == MT_CONFIG_CONSOLE_DEVICE || k == MT_CONFIG_CONSOLE_BAUD)
		return EFFECT_REBOOT;
	/* the update agent reads its keys once, at start */
	if (k == MT_CONFIG_OTA_ROOT || k == MT_CONFIG_OTA_URL || k == MT_CONFIG_OTA_CHECK_S ||
	    k == MT_CONFIG_OTA_HEALTH_S || k == MT_CONFIG_OTA_KBPS)
		return EFFECT_REBOOT;
	return EFFECT_APPLY;
}

static bool same_value(const struct mt_config *a, const struct mt_config *b, enum mt_config_key k)
{
	char x[MT_CONFIG_STR_MAX + 3], y[MT_CONFIG_STR_MAX + 3];

	mt_config_value_format(a, k, x, sizeof(x));
	mt_config_value_format(b, k, y, sizeof(y));
	return strcmp(x, y) == 0;
}

/* Makes a key set now take effect now. */
static void apply_now(struct mt_console *c, enum mt_config_key k)
{
	if (k == MT_CONFIG_LOG_LEVEL)
		mt_log_set_level((enum mt_log_level)mt_config_int(&c->work, k));
	c->running.v[k] = c->work.v[k];
}

static int find_key(struct mt_console *c, const char *what, const char *name)
{
	int k = mt_config_key_find(name);
	const char *best = NULL;
	int best_d = 4;

	if (k >= 0)
		return k;
	for (int i = 0; i < MT_CONFIG_NKEYS; i++) {
		const char *n = mt_config_schema((enum mt_config_key)i)->name;
		int d = mt_text_distance(name, n);

		if (d >= 0 && d < best_d) {
			best_d = d;
			best = n;
		}
	}
	if (best)
		mt_console_printf(c, "%s: no key '%.48s' (did you mean %s?)\n", what, name, best);
	else
		mt_console_printf(c, "%s: no key '%.48s' (config show lists them)\n", what, name);
	return -ENOENT;
}

static void tell_effect(struct mt_console *c, enum mt_config_key k)
{
	switch (key_effect(k)) {
	case EFFECT_NOW:
		mt_console_printf(c, "  in effect now; config save keeps it after a reboot\n");
		break;
	case EFFECT_APPLY:
		mt_console_printf(c,
				  "  takes effect at config apply (camera and recorder restart,\n"
				  "  about a second); config save keeps it after a reboot\n");
		break;
	case EFFECT_REBOOT:
		mt_console_printf(c, "  takes effect after config save and reboot\n");
		break;
	}
}

static void print_value(struct mt_console *c, const struct mt_config *cfg, enum mt_config_key k,
			const char *mark)
{
	char v[MT_CONFIG_STR_MAX + 3];

	if (mt_config_schema(k)->secret) /* never shown, not even hashed */
		snprintf(v, sizeof(v), "%s", mt_config_str(cfg, k)[0] ? "(set)" : "(not set)");
	else
		mt_config_value_format(cfg, k, v, sizeof(v));
	mt_console_printf(c, "%s = %s%s\n", mt_config_schema(k)->name, v, mark);
}

/* The store checks only a mask's length; the recorder would refuse a bad
 * polygon at its next start, so it is refused here, now. */
static int check_region(const struct mt_config *cfg, enum mt_config_key k, char *why, size_t len)
{
	struct mt_region r;

	if (k == MT_CONFIG_MOTION_IGNORE || k == MT_CONFIG_MOTION_PRIVACY)
		return mt_region_parse_mask(&r, mt_config_str(cfg, k), why, (unsigned)len);
	if (k >= MT_CONFIG_MOTION_ZONE1 && k <= MT_CONFIG_MOTION_ZONE4)
		return mt_region_parse_zone(&r, mt_config_str(cfg, k), why, (unsigned)len);
	return 0;
}

int mt_console_set_key(struct mt_console *c, const char *key, const char *text)
{
	struct mt_config next = c->work;
	struct mt_config_error err;
	char why[MT_CONFIG_STR_MAX + 256];
	int k = find_key(c, "config set", key);

	if (k < 0)
		return MT_ECONFIG;
	if (mt_config_schema((enum mt_config_key)k)->secret) {
		mt_console_printf(c, "config set: %s is changed with passwd\n", key);
		return MT_ECONFIG;
	}
	/* The store wants "" written out for an empty string; typed, an empty
	 * value (a mask's last area deleted) means just that. */
	if (!*text && mt_config_schema((enum mt_config_key)k)->type == MT_CONFIG_T_STR)
		text = "\"\"";
	if (mt_config_set(&next, key, text, &err)) {
		mt_config_error_format(&err, why, sizeof(why));
		mt_console_printf(c, "config set: %s\n", why);
		return MT_ECONFIG;
	}
	if (check_region(&next, (enum mt_config_key)k, why, sizeof(why))) {
		mt_console_printf(c, "config set: %s = %.60s: %s\n", key, text, why);
		return MT_ECONFIG;
	}
	c->work = next;
	print_value(c, &c->work, (enum mt_config_key)k, "");
	if (same_value(&c->work, &c->running, (enum mt_config_key)k)) {
		mt_console_printf(c, "  (the value in force already)\n");
		return 0;
	}
	if (key_effect((enum mt_config_key)k) == EFFECT_NOW)
		apply_now(c, (enum mt_config_key)k);
	tell_effect(c, (enum mt_config_key)k);
	return 0;
}

static int config_show(struct mt_console *c)
{
	unsigned edited = 0;

	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		bool changed = !same_value(&c->work, &c->running, (enum mt_config_key)k);

		edited += changed;
		print_value(c, &c->work, (enum mt_config_key)k, changed ? "  *" : "");
	}
	if (edited)
		mt_console_printf(c, "* edited, not in effect yet: config apply (or reboot)\n");
	return 0;
}

static int config_get(struct mt_console *c, const char *name)
{
	int k = find_key(c, "config get", name);
	const struct mt_config_schema *s;
	struct mt_config defaults;
	char d[MT_CONFIG_STR_MAX + 3];

	if (k < 0)
		return 1;
	s = mt_config_schema((enum mt_config_key)k);
	print_value(c, &c->work, (enum mt_config_key)k, "");
	mt_config_init(&defaults);
	mt_config_value_format(&defaults, (enum mt_config_key)k, d, sizeof(d));
	mt_console_wrap(c, "", 2, s->help);
	mt_console_printf(c, "  default %s", d);
	if (s->type == MT_CONFIG_T_INT)
		mt_console_printf(c, ", range %lld..%lld", (long long)s->min, (long long)s->max);
	if (s->type == MT_CONFIG_T_BOOL)
		mt_console_printf(c, ", true or false");
	if (s->type == MT_CONFIG_T_STR)
		mt_console_printf(c, ", at most %zu bytes", s->max_len);
	mt_console_printf(c, "\n");
	if (s->type == MT_CONFIG_T_ENUM) {
		mt_console_printf(c, "  one of:");
		for (size_t i = 0; s->words[i]; i++)
			mt_console_printf(c, " %s", s->words[i]);
		mt_console_printf(c, "\n");
	}
	if (!same_value(&c->work, &c->running, (enum mt_config_key)k)) {
		mt_console_printf(c, "  edited; in force now: ");
		print_value(c, &c->running, (enum mt_config_key)k, "");
	}
	return 0;
}

static int config_set(struct mt_console *c, int argc, char **argv)
{
	char text[MT_LINEEDIT_MAX + 1] = "";
	struct mt_text_buf b;

	/* The value is the rest of the line: a polygon or a label has blanks. */
	mt_text_buf_init(&b, text, sizeof(text));
	for (int i = 3; i < argc; i++)
		mt_text_printf(&b, "%s%s", i > 3 ? " " : "", argv[i]);
	return mt_console_set_key(c, argv[2], text) ? 1 : 0;
}

static int config_reset(struct mt_console *c, const char *name)
{
	struct mt_config defaults;
	int k;

	mt_config_init(&defaults);
	if (strcmp(name, "all") == 0) {
		/* the password stays: no console is left without one */
		defaults.v[MT_CONFIG_CONSOLE_PASSWORD] = c->work.v[MT_CONFIG_CONSOLE_PASSWORD];
		c->work = defaults;
		apply_now(c, MT_CONFIG_LOG_LEVEL);
		mt_console_printf(c, "every key is back to its default (not saved, not applied)\n"
				     "config apply starts the recorder on them; config save keeps"
				     " them\n");
		return 0;
	}
	k = find_key(c, "config reset", name);
	if (k < 0)
		return 1;
	if (mt_config_schema((enum mt_config_key)k)->secret) {
		mt_console_printf(c, "config reset: %s is changed with passwd\n", name);
		return 1;
	}
	c->work.v[k] = defaults.v[k];
	print_value(c, &c->work, (enum mt_config_key)k, " (the default)");
	if (same_value(&c->work, &c->running, (enum mt_config_key)k))
		return 0;
	if (key_effect((enum mt_config_key)k) == EFFECT_NOW)
		apply_now(c, (enum mt_config_key)k);
	tell_effect(c, (enum mt_config_key)k);
	return 0;
}

static int config_apply(struct mt_console *c)
{
	unsigned changed = 0, reboot = 0;
	int ret;

	for (int k = 0; k < MT_CONFIG_NKEYS; k++) {
		if (same_value(&c->work, &c->running, (enum mt_config_key)k))
			continue;
		changed++;
		reboot += key_effect((enum mt_config_key)k) == EFFECT_REBOOT;
	}
	if (!changed) {
		mt_console_printf(c, "config apply: nothing edited\n");
		return 0;
	}
	if (!c->cfg->hooks.apply)
		return mt_console_not_built(c, "config apply", "restarting the recorder", 8);
	ret = c->cfg->hooks.apply(c->cfg->hooks.arg, &c->work);
	if (ret) {
		mt_console_printf(c, "config apply: %s\n", mt_strerror(ret));
		return 1;
	}
	c->running = c->work;
	mt_console_printf(c, "restarting camera and recorder with %u changed key%s\n", changed,
			  changed == 1 ? "" : "s");
	if (reboot)
		mt_console_printf(c,
				  "console.* changes take effect after config save and reboot\n");
	return 0;
}

static int config_save(struct mt_console *c)
{
	int ret = mt_config_save(&c->work, c->cfg->storage, c->cfg->config_path);

	if (ret) {
		mt_console_printf(c, "config save: %s: %s\n", c->cfg->config_path,
				  mt_strerror(ret));
		return 1;
	}
	mt_console_printf(c, "saved to %s\n", c->cfg->config_path);
	return 0;
}

int mt_cmd_config(struct mt_console *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "show") == 0 && argc == 2)
		return config_show(c);
	if (strcmp(sub, "get") == 0 && argc == 3)
		return config_get(c, argv[2]);
	if (strcmp(sub, "set") == 0 && argc >= 4)
		return config_set(c, argc, argv);
	if (strcmp(sub, "reset") == 0 && argc == 3)
		return config_reset(c, argv[2]);
	if (strcmp(sub, "apply") == 0 && argc == 2)
		return config_apply(c);
	if (strcmp(sub, "save") == 0 && argc == 2)
		return config_save(c);
	mt_console_usage(c, mt_console_cmd_find("config"));
	return 1;
}

void mt_cmd_config_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			    void *arg)
{
	static const char *const subs[] = { "show", "get", "set", "save", "reset", "apply", NULL };

	if (argc == 1) {
		for (size_t i = 0; subs[i]; i++)
			fn(arg, subs[i]);
		return;
	}
	if (argc == 2 && (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "set") == 0 ||
			  strcmp(argv[1], "reset") == 0)) {
		mt_console_complete_keys(fn, arg);
		if (strcmp(argv[1], "reset") == 0)
			fn(arg, "all");
		return;
	}
	if (argc == 3 && strcmp(argv[1], "set") == 0) {
		int k = mt_config_key_find(argv[2]);
		const struct mt_config_schema *s;

		if (k < 0)
			return;
		s = mt_config_schema((enum mt_config_key)k);
		if (s->type == MT_CONFIG_T_ENUM)
			for (size_t i = 0; s->words[i]; i++)
				fn(arg, s->words[i]);
		if (s->type == MT_CONFIG_T_BOOL) {
			fn(arg, "true");
			fn(arg, "false");
		}
	}
}
