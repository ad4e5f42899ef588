/* mask and zone: edit the motion.ignore, motion.privacy and motion.zone.N
 * keys polygon by polygon, in normalised coordinates or in cells of the
 * grid that "view" draws (columns A-J, rows 0-9, each a tenth of the
 * picture). The text forms are those of motion/region.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "core/errors.h"
#include "core/text.h"
#include "motion/region.h"

#define TEXT_MAX (MT_CONFIG_STR_MAX + 1)

/* "0.300" -> "0.3", "1.000" -> "1" */
static void coord(char *out, size_t len, double v)
{
	char *end;

	snprintf(out, len, "%.3f", v);
	end = out + strlen(out) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
}

static int cell(const char *s, int *col, int *row)
{
	int ch = toupper((unsigned char)s[0]);

	if (ch < 'A' || ch > 'J' || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	*col = ch - 'A';
	*row = s[1] - '0';
	return 0;
}

/* "B3:D5" or "B3" into a rectangle polygon; -EINVAL if it is not cells. */
static int grid_area(const char *s, char *out, size_t len)
{
	int c0, r0, c1, r1, t;
	char x0[8], y0[8], x1[8], y1[8];

	if (cell(s, &c0, &r0))
		return -EINVAL;
	if (s[2] == '\0') {
		c1 = c0;
		r1 = r0;
	} else if (s[2] != ':' || cell(s + 3, &c1, &r1) || s[5] != '\0') {
		return -EINVAL;
	}
	if (c1 < c0) {
		t = c0, c0 = c1, c1 = t;
	}
	if (r1 < r0) {
		t = r0, r0 = r1, r1 = t;
	}
	coord(x0, sizeof(x0), c0 / 10.0);
	coord(y0, sizeof(y0), r0 / 10.0);
	coord(x1, sizeof(x1), (c1 + 1) / 10.0);
	coord(y1, sizeof(y1), (r1 + 1) / 10.0);
	snprintf(out, len, "%s,%s %s,%s %s,%s %s,%s", x0, y0, x1, y0, x1, y1, x0, y1);
	return 0;
}

/* The AREA words (argv[from..argc-1]) as one polygon's text. */
static int area(struct mt_console *c, int argc, char **argv, int from, char *out, size_t len)
{
	struct mt_text_buf b;
	struct mt_region r;
	char why[96];

	if (from >= argc) {
		mt_console_printf(c,
				  "no area: give \"x,y x,y x,y ...\" or grid cells like B3:D5\n");
		return -EINVAL;
	}
	if (from == argc - 1 && grid_area(argv[from], out, len) == 0)
		return 0;
	if (from == argc - 1 && !strchr(argv[from], ',')) {
		mt_console_printf(c,
				  "area '%.16s': not grid cells (A0 to J9, as B3:D5) and not a"
				  " polygon\n",
				  argv[from]);
		return -EINVAL;
	}
	mt_text_buf_init(&b, out, len);
	for (int i = from; i < argc; i++)
		mt_text_printf(&b, "%s%s", i > from ? " " : "", argv[i]);
	if (strchr(out, ';')) {
		mt_console_printf(c, "one area at a time (no ';')\n");
		return -EINVAL;
	}
	if (mt_region_parse_mask(&r, out, why, sizeof(why))) {
		mt_console_printf(c, "area '%.40s': %s\n", out, why);
		return -EINVAL;
	}
	return 0;
}

/* The polygons of a mask text (or of a zone text after "S:"), trimmed. */
static int split_polys(const char *text, char polys[MT_REGION_MAX_POLYS + 1][TEXT_MAX])
{
	int n = 0;
	const char *p = text;

	while (*p && n <= MT_REGION_MAX_POLYS) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		const char *t = p;

		mt_text_trim(&t, &len);
		if (len)
			snprintf(polys[n++], TEXT_MAX, "%.*s", (int)len, t);
		p += (semi ? (size_t)(semi - p) + 1 : strlen(p));
	}
	return n;
}

static void join(char *out, size_t len, char polys[][TEXT_MAX], int n, int skip)
{
	struct mt_text_buf b;
	bool first = true;

	mt_text_buf_init(&b, out, len);
	for (int i = 0; i < n; i++) {
		if (i == skip)
			continue;
		mt_text_printf(&b, "%s%s", first ? "" : "; ", polys[i]);
		first = false;
	}
}

/* ---- mask ---- */

static int mask_key(struct mt_console *c, const char *kind)
{
	if (strcmp(kind, "ignore") == 0)
		return MT_CONFIG_MOTION_IGNORE;
	if (strcmp(kind, "privacy") == 0)
		return MT_CONFIG_MOTION_PRIVACY;
	mt_console_printf(c, "mask: '%.32s' is not a mask: ignore or privacy\n", kind);
	return -EINVAL;
}

static void mask_list(struct mt_console *c)
{
	static const int keys[] = { MT_CONFIG_MOTION_IGNORE, MT_CONFIG_MOTION_PRIVACY };
	static const char *const names[] = { "ignore", "privacy" };
	char(*polys)[TEXT_MAX] = malloc((MT_REGION_MAX_POLYS + 1) * TEXT_MAX);

	if (!polys)
		return;
	for (int m = 0; m < 2; m++) {
		int n = split_polys(mt_config_str(&c->work, (enum mt_config_key)keys[m]), polys);

		if (!n)
			mt_console_printf(c, "%-8s(none)\n", names[m]);
		for (int i = 0; i < n; i++)
			mt_console_printf(c, "%-8s%d: %s\n", i ? "" : names[m], i + 1, polys[i]);
	}
	free(polys);
}

static int mask_add(struct mt_console *c, int argc, char **argv)
{
	char poly[TEXT_MAX], text[TEXT_MAX * 2];
	const char *old;
	int k = mask_key(c, argv[2]);

	if (k < 0 || area(c, argc, argv, 3, poly, sizeof(poly)))
		return 1;
	old = mt_config_str(&c->work, (enum mt_config_key)k);
	snprintf(text, sizeof(text), "%s%s%s", old, *old ? "; " : "", poly);
	return mt_console_set_key(c, mt_config_schema((enum mt_config_key)k)->name, text) ? 1 : 0;
}

static int pick(struct mt_console *c, const char *what, const char *arg, int n)
{
	char *end;
	long i;

	if (strcmp(arg, "all") == 0)
		return -1;
	i = strtol(arg, &end, 10);
	if (*end || i < 1 || i > n) {
		if (n)
			mt_console_printf(c, "%s: no area '%.16s': 1 to %d, or all\n", what, arg,
					  n);
		else
			mt_console_printf(c, "%s: it has no areas\n", what);
		return -2;
	}
	return (int)i - 1;
}

static int mask_del(struct mt_console *c, const char *kind, const char *which)
{
	char(*polys)[TEXT_MAX] = malloc((MT_REGION_MAX_POLYS + 1) * TEXT_MAX);
	char text[TEXT_MAX];
	int k = mask_key(c, kind), n, i, ret = 1;

	if (!polys || k < 0)
		goto out_free;
	n = split_polys(mt_config_str(&c->work, (enum mt_config_key)k), polys);
	i = pick(c, "mask del", which, n);
	if (i == -2)
		goto out_free;
	if (i == -1)
		text[0] = '\0';
	else
		join(text, sizeof(text), polys, n, i);
	ret = mt_console_set_key(c, mt_config_schema((enum mt_config_key)k)->name, text) ? 1 : 0;
out_free:
	free(polys);
	return ret;
}

int mt_cmd_mask(struct mt_console *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "list") == 0 && argc == 2) {
		mask_list(c);
		return 0;
	}
	if (strcmp(sub, "add") == 0 && argc >= 4)
		return mask_add(c, argc, argv);
	if (strcmp(sub, "del") == 0 && argc == 4)
		return mask_del(c, argv[2], argv[3]);
	mt_console_usage(c, mt_console_cmd_find("mask"));
	return 1;
}

/* ---- zone ---- */

static int zone_key(struct mt_console *c, const char *n)
{
	if (n[0] >= '1' && n[0] <= '4' && n[1] == '\0')
		return MT_CONFIG_MOTION_ZONE1 + (n[0] - '1');
	mt_console_printf(c, "zone: '%.16s' is not a zone: 1 to 4\n", n);
	return -EINVAL;
}

/* Splits "S: polys" into S (0 for an empty zone) and the polygons. */
static int zone_parts(const char *text, int *sens, char polys[][TEXT_MAX])
{
	const char *colon = strchr(text, ':');

	*sens = 0;
	if (!colon)
		return 0;
	*sens = atoi(text);
	return split_polys(colon + 1, polys);
}

static int zone_store(struct mt_console *c, int k, int sens, char polys[][TEXT_MAX], int n,
		      int skip)
{
	char list[TEXT_MAX * 2], text[TEXT_MAX * 2 + 8];

	join(list, sizeof(list), polys, n, skip);
	if (!*list)
		text[0] = '\0';
	else
		snprintf(text, sizeof(text), "%d: %s", sens, list);
	return mt_console_set_key(c, mt_config_schema((enum mt_config_key)k)->name, text) ? 1 : 0;
}

static int sensitivity(struct mt_console *c, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > 100) {
		mt_console_printf(c, "zone: sensitivity '%.16s': 1 (least) to 100 (most)\n", s);
		return -EINVAL;
	}
	return (int)v;
}

static int zone_cmd(struct mt_console *c, int argc, char **argv, char polys[][TEXT_MAX])
{
	const char *sub = argv[1];
	int k = zone_key(c, argv[2]), sens, n, s, i;

	if (k < 0)
		return 1;
	n = zone_parts(mt_config_str(&c->work, (enum mt_config_key)k), &sens, polys);
	if (strcmp(sub, "add") == 0) {
		if ((s = sensitivity(c, argv[3])) < 0 || area(c, argc, argv, 4, polys[n], TEXT_MAX))
			return 1;
		if (n == MT_REGION_MAX_POLYS) {
			mt_console_printf(c, "zone %s has %d areas already\n", argv[2], n);
			return 1;
		}
		return zone_store(c, k, s, polys, n + 1, -1);
	}
	if (strcmp(sub, "set") == 0) {
		if ((s = sensitivity(c, argv[3])) < 0)
			return 1;
		if (!n) {
			mt_console_printf(c, "zone %s is empty: zone add %s %d AREA\n", argv[2],
					  argv[2], s);
			return 1;
		}
		return zone_store(c, k, s, polys, n, -1);
	}
	i = argc == 4 ? pick(c, "zone del", argv[3], n) : -1;
	if (i == -2)
		return 1;
	return zone_store(c, k, sens, polys, i == -1 ? 0 : n, i);
}

static void zone_list(struct mt_console *c, char polys[][TEXT_MAX])
{
	for (int z = 0; z < 4; z++) {
		int sens, n = zone_parts(mt_config_str(&c->work, MT_CONFIG_MOTION_ZONE1 + z), &sens,
					 polys);

		if (!n)
			mt_console_printf(c, "zone %d  (none)\n", z + 1);
		for (int i = 0; i < n; i++)
			if (i == 0)
				mt_console_printf(c, "zone %d  sensitivity %d, 1: %s\n", z + 1,
						  sens, polys[i]);
			else
				mt_console_printf(c, "        %d: %s\n", i + 1, polys[i]);
	}
}

int mt_cmd_zone(struct mt_console *c, int argc, char **argv)
{
	char(*polys)[TEXT_MAX] = malloc((MT_REGION_MAX_POLYS + 2) * TEXT_MAX);
	const char *sub = argc > 1 ? argv[1] : "";
	int ret = 1;

	if (!polys)
		return 1;
	if (strcmp(sub, "list") == 0 && argc == 2) {
		zone_list(c, polys);
		ret = 0;
	} else if ((strcmp(sub, "add") == 0 && argc >= 5) ||
		   (strcmp(sub, "set") == 0 && argc == 4) ||
		   (strcmp(sub, "del") == 0 && (argc == 3 || argc == 4))) {
		ret = zone_cmd(c, argc, argv, polys);
	} else {
		mt_console_usage(c, mt_console_cmd_find("zone"));
	}
	free(polys);
	return ret;
}

void mt_cmd_region_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			    void *arg)
{
	bool zone = strcmp(argv[0], "zone") == 0;

	if (argc == 1) {
		fn(arg, "add");
		fn(arg, "list");
		fn(arg, "del");
		if (zone)
			fn(arg, "set");
		return;
	}
	if (argc != 2 || strcmp(argv[1], "list") == 0)
		return;
	if (zone) {
		fn(arg, "1");
		fn(arg, "2");
		fn(arg, "3");
		fn(arg, "4");
	} else {
		fn(arg, "ignore");
		fn(arg, "privacy");
	}
}
