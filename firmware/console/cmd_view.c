/* view and motion tune: the live picture for aiming the camera and drawing
 * masks, and the live numbers for choosing a sensitivity. Both refresh a few
 * times a second until a key is pressed, beating the heartbeat meanwhile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "core/errors.h"
#include "hal/clock.h"
#include "motion/region.h"

#define VIEW_W     70 /* picture columns: 7 per grid column */
#define VIEW_H     20 /* picture rows: 2 per grid row */
#define REFRESH_MS 250

/* Shades from dark to light, without the overlay symbols. */
static const char shades[] = " .:-=+*oO@";

enum {
	OV_NONE,
	OV_ZONE,
	OV_IGNORE,
	OV_MOTION,
	OV_PRIVACY
};

struct overlay {
	uint8_t mask[VIEW_H * 2][VIEW_W]; /* bits: 1 ignore, 2 privacy */
	uint8_t zone[VIEW_H * 2][VIEW_W]; /* bit z: zone z + 1 */
};

static void raster_key(const struct mt_config *cfg, enum mt_config_key k, bool zone, uint8_t bit,
		       unsigned rows, uint8_t *out)
{
	struct mt_region r;
	const char *text = mt_config_str(cfg, k);

	if (zone ? mt_region_parse_zone(&r, text, NULL, 0) :
		   mt_region_parse_mask(&r, text, NULL, 0))
		return;
	mt_region_raster(&r, VIEW_W, rows, zone, bit, out);
}

static void make_overlay(const struct mt_config *cfg, unsigned rows, struct overlay *ov)
{
	memset(ov, 0, sizeof(*ov));
	raster_key(cfg, MT_CONFIG_MOTION_IGNORE, false, 1, rows, &ov->mask[0][0]);
	raster_key(cfg, MT_CONFIG_MOTION_PRIVACY, false, 2, rows, &ov->mask[0][0]);
	for (int z = 0; z < 4; z++)
		raster_key(cfg, MT_CONFIG_MOTION_ZONE1 + z, true, (uint8_t)(1u << z), rows,
			   &ov->zone[0][0]);
}

/* The zone whose edge (x, y) is on, 1..4, or 0. */
static int zone_edge(const struct overlay *ov, unsigned rows, int x, int y)
{
	for (int z = 0; z < 4; z++) {
		uint8_t bit = (uint8_t)(1u << z);

		if (!(ov->zone[y][x] & bit))
			continue;
		if (x == 0 || y == 0 || x == VIEW_W - 1 || y == (int)rows - 1 ||
		    !(ov->zone[y][x - 1] & bit) || !(ov->zone[y][x + 1] & bit) ||
		    !(ov->zone[y - 1][x] & bit) || !(ov->zone[y + 1][x] & bit))
			return z + 1;
	}
	return 0;
}

/* Mean luma of the thumbnail under view cell (x, y) of a VIEW_W x rows view. */
static unsigned luma(const struct mt_console_picture *p, unsigned rows, int x, int y)
{
	unsigned tw = p->thumb.width, th = p->thumb.height;
	unsigned x0 = (unsigned)x * tw / VIEW_W, x1 = ((unsigned)x + 1) * tw / VIEW_W;
	unsigned y0 = (unsigned)y * th / rows, y1 = ((unsigned)y + 1) * th / rows;
	unsigned sum = 0, n = 0;

	if (x1 <= x0)
		x1 = x0 + 1;
	if (y1 <= y0)
		y1 = y0 + 1;
	for (unsigned j = y0; j < y1 && j < th; j++)
		for (unsigned i = x0; i < x1 && i < tw; i++, n++)
			sum += p->thumb.y[j * tw + i];
	return n ? sum / n : 0;
}

static bool motion_at(const struct mt_console_picture *p, unsigned rows, int x, int y)
{
	unsigned gx, gy;

	if (!p->gw || !p->gh)
		return false;
	gx = ((unsigned)x * 2 + 1) * p->gw / (VIEW_W * 2);
	gy = ((unsigned)y * 2 + 1) * p->gh / (rows * 2);
	return p->map[gy * p->gw + gx] != 0;
}

static int overlay_at(const struct mt_console_picture *p, const struct overlay *ov, unsigned rows,
		      int x, int y, int *zone)
{
	*zone = 0;
	if (ov->mask[y][x] & 2)
		return OV_PRIVACY;
	if (motion_at(p, rows, x, y))
		return OV_MOTION;
	if (ov->mask[y][x] & 1)
		return OV_IGNORE;
	*zone = zone_edge(ov, rows, x, y);
	return *zone ? OV_ZONE : OV_NONE;
}

static void draw_ascii(struct mt_console *c, const struct mt_console_picture *p,
		       const struct overlay *ov, int y)
{
	char row[VIEW_W + 1];

	for (int x = 0; x < VIEW_W; x++) {
		int zone, o = overlay_at(p, ov, VIEW_H, x, y, &zone);

		if (o == OV_PRIVACY)
			row[x] = '#';
		else if (o == OV_MOTION)
			row[x] = 'M';
		else if (o == OV_IGNORE)
			row[x] = '/';
		else if (o == OV_ZONE)
			row[x] = (char)('0' + zone);
		else
			row[x] = shades[luma(p, VIEW_H, x, y) * (sizeof(shades) - 1) / 256];
	}
	row[VIEW_W] = '\0';
	mt_console_write(c, row, VIEW_W);
}

/* ANSI 256 colours: the grey ramp 232..255, two picture rows per text row
 * (upper half block: foreground on top, background below). */
static unsigned colour(const struct mt_console_picture *p, const struct overlay *ov, int x, int y)
{
	int zone, o = overlay_at(p, ov, VIEW_H * 2, x, y, &zone);
	static const unsigned zone_colour[] = { 0, 226, 51, 201, 46 };

	if (o == OV_PRIVACY)
		return 52; /* dark red */
	if (o == OV_MOTION)
		return 196; /* red */
	if (o == OV_IGNORE)
		return 18; /* dark blue */
	if (o == OV_ZONE)
		return zone_colour[zone];
	return 232 + luma(p, VIEW_H * 2, x, y) * 24 / 256;
}

static void draw_colour(struct mt_console *c, const struct mt_console_picture *p,
			const struct overlay *ov, int y)
{
	unsigned last_fg = 0, last_bg = 0;

	for (int x = 0; x < VIEW_W; x++) {
		unsigned fg = colour(p, ov, x, y * 2), bg = colour(p, ov, x, y * 2 + 1);

		if (fg != last_fg || bg != last_bg)
			mt_console_printf(c, "\x1b[38;5;%u;48;5;%um", fg, bg);
		last_fg = fg;
		last_bg = bg;
		mt_console_write(c, "\xe2\x96\x80", 3); /* U+2580 upper half block */
	}
	mt_console_write(c, "\x1b[0m", 4);
}

/* x coordinates at the grid lines, then the column letters between them. */
static void ruler(struct mt_console *c)
{
	char nums[VIEW_W + 8], letters[VIEW_W + 8];

	memset(nums, ' ', sizeof(nums));
	memset(letters, ' ', sizeof(letters));
	for (int i = 0; i < 10; i++) {
		memcpy(nums + 3 + 7 * i, "0.", 2);
		nums[5 + 7 * i] = (char)('0' + i);
		letters[6 + 7 * i] = (char)('A' + i);
	}
	nums[3 + VIEW_W] = '1';
	nums[4 + VIEW_W] = '\0';
	letters[3 + VIEW_W] = '\0';
	mt_console_printf(c, "%s\x1b[K\n%s\x1b[K\n", nums, letters);
}

static void draw(struct mt_console *c, const struct mt_console_picture *p, bool color,
		 const struct mt_console_status *s)
{
	struct overlay *ov = malloc(sizeof(*ov));

	if (!ov)
		return;
	make_overlay(&c->work, color ? VIEW_H * 2 : VIEW_H, ov);
	mt_console_printf(c, "\x1b[H%ux%u thumbnail, motion %s, score %u; any key leaves\x1b[K\n",
			  p->thumb.width, p->thumb.height,
			  s->motion == MT_CONSOLE_MOTION_ACTIVE   ? "YES" :
			  s->motion == MT_CONSOLE_MOTION_LEARNING ? "learning" :
								    "no",
			  s->score);
	ruler(c);
	for (int y = 0; y < VIEW_H; y++) {
		if (y % 2 == 0)
			mt_console_printf(c, "%d  ", y / 2);
		else
			mt_console_write(c, "   ", 3);
		if (color)
			draw_colour(c, p, ov, y);
		else
			draw_ascii(c, p, ov, y);
		mt_console_write(c, "\x1b[K\n", 4);
	}
	mt_console_printf(c, "M motion  # privacy  / ignore  1-4 zone edges  (rows 0-9, y down)"
			     "\x1b[K\n");
	free(ov);
}

/* Waits up to ms for a key; true if one came (it is used up). */
static bool key_within(struct mt_console *c, int ms)
{
	uint8_t b;

	return mt_console_getc(c, ms, &b) != 0;
}

static int parse_seconds(struct mt_console *c, const char *s, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	if (*end || *out < 1 || *out > 3600) {
		mt_console_printf(c, "'%.16s': seconds are 1 to 3600\n", s);
		return -EINVAL;
	}
	return 0;
}

int mt_cmd_view(struct mt_console *c, int argc, char **argv)
{
	bool color = c->cfg->color;
	long seconds = 0;
	int64_t end = INT64_MAX;
	struct mt_console_status s;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "ascii") == 0)
			color = false;
		else if (strcmp(argv[i], "color") == 0 || strcmp(argv[i], "colour") == 0)
			color = true;
		else if (parse_seconds(c, argv[i], &seconds))
			return 1;
	}
	if (!c->cfg->hooks.picture)
		return mt_console_not_built(c, "view", "the analysis picture", 4);
	if (!c->pic)
		c->pic = malloc(sizeof(*c->pic));
	if (!c->pic)
		return 1;
	if (seconds)
		end = mt_clock_mono_us(c->cfg->clock) + seconds * 1000000;
	mt_console_write(c, "\x1b[2J\x1b[?25l", 10);
	for (;;) {
		int ret = c->cfg->hooks.picture(c->cfg->hooks.arg, c->pic);

		memset(&s, 0, sizeof(s));
		if (c->cfg->hooks.status)
			c->cfg->hooks.status(c->cfg->hooks.arg, &s);
		if (ret == 0)
			draw(c, c->pic, color, &s);
		else
			mt_console_printf(c, "\x1b[Hno picture yet: %s\x1b[K\n", mt_strerror(ret));
		if (key_within(c, REFRESH_MS) || mt_clock_mono_us(c->cfg->clock) >= end)
			break;
	}
	mt_console_write(c, "\x1b[0m\x1b[?25h", 10);
	return 0;
}

int mt_cmd_motion(struct mt_console *c, int argc, char **argv)
{
	struct mt_console_status s;
	int64_t t0 = mt_clock_mono_us(c->cfg->clock), end = INT64_MAX;
	long seconds = 0;

	if (argc < 2 || argc > 3 || strcmp(argv[1], "tune") != 0 ||
	    (argc == 3 && parse_seconds(c, argv[2], &seconds))) {
		mt_console_usage(c, mt_console_cmd_find("motion"));
		return 1;
	}
	if (seconds)
		end = t0 + seconds * 1000000;
	mt_console_printf(c, "sensitivity %lld, min area %lld permille; any key leaves\n",
			  (long long)mt_config_int(&c->running, MT_CONFIG_MOTION_SENSITIVITY),
			  (long long)mt_config_int(&c->running,
						   MT_CONFIG_MOTION_MIN_AREA_PERMILLE));
	mt_console_printf(c, "  time  state     score  area %%  noise  threshold  events\n");
	do {
		memset(&s, 0, sizeof(s));
		int ret = c->cfg->hooks.status ? c->cfg->hooks.status(c->cfg->hooks.arg, &s) :
						 -ENOSYS;
		if (ret || !s.running) {
			mt_console_printf(c, "motion tune: the recorder is not running\n");
			return 1;
		}
		mt_console_printf(c, "%6.1f  %-8s  %5u  %6.1f  %5.1f  %9.1f  %6llu\n",
				  (double)(mt_clock_mono_us(c->cfg->clock) - t0) / 1e6,
				  s.motion == MT_CONSOLE_MOTION_ACTIVE   ? "MOTION" :
				  s.motion == MT_CONSOLE_MOTION_LEARNING ? "learning" :
				  s.motion == MT_CONSOLE_MOTION_QUIET    ? "quiet" :
									   "-",
				  s.score, s.area_permille / 10.0, s.noise_x16 / 16.0,
				  s.threshold_x16 / 16.0, (unsigned long long)s.events);
	} while (!key_within(c, 500) && mt_clock_mono_us(c->cfg->clock) < end);
	return 0;
}
