/* camera info|formats|set|snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "core/errors.h"
#include "core/file.h"
#include "hal/clock.h"
#include "hal/storage.h"

static int camera_info(struct mt_console *c)
{
	struct mt_console_status *s = calloc(1, sizeof(*s));
	const struct mt_capture_stats *t;
	int ret;

	if (!s)
		return 1;
	ret = c->cfg->hooks.status ? c->cfg->hooks.status(c->cfg->hooks.arg, s) : -ENOSYS;
	if (ret || !s->running) {
		mt_console_printf(c, "camera: the recorder is not running (%s)\n",
				  ret ? mt_strerror(ret) : "stopped");
		free(s);
		return 1;
	}
	t = &s->stats;
	mt_console_wrap(c, "camera", 11, s->camera);
	if (s->have_format)
		mt_console_printf(c, "format     %s %ux%u at %u fps (measured %u.%u)\n",
				  mt_pixfmt_name(s->format.format), s->format.width,
				  s->format.height, s->format.fps, s->fps_x10 / 10,
				  s->fps_x10 % 10);
	mt_console_printf(c, "frames     %llu, dropped %llu, corrupt %llu\n",
			  (unsigned long long)t->frames, (unsigned long long)t->dropped,
			  (unsigned long long)t->corrupt);
	mt_console_printf(c,
			  "trouble    %llu stalls, %llu unplugs, %llu reconnects, %llu restarts\n",
			  (unsigned long long)t->stalls, (unsigned long long)t->unplugs,
			  (unsigned long long)t->reconnects, (unsigned long long)t->restarts);
	mt_console_printf(c, "replay     %llu loops\n", (unsigned long long)t->loops);
	free(s);
	return 0;
}

/* One mode in a line: fourcc, size (or range), rates, how it is recorded. */
static void print_mode(struct mt_console *c, const struct mt_capture_mode *m)
{
	char size[32], rates[64] = "";
	size_t n = 0;

	if (m->max_width)
		snprintf(size, sizeof(size), "%ux%u..%ux%u", m->width, m->height, m->max_width,
			 m->max_height);
	else
		snprintf(size, sizeof(size), "%ux%u", m->width, m->height);
	for (int i = 0; i < MT_CAPTURE_MODE_RATES && m->fps[i] && n < sizeof(rates); i++)
		n += (size_t)snprintf(rates + n, sizeof(rates) - n, "%s%u", i ? " " : "",
				      m->fps[i]);
	if (!m->fps[0] && m->fps_max)
		snprintf(rates, sizeof(rates), "%u..%u", m->fps_min, m->fps_max);
	mt_console_printf(c, "  %-6.11s %-22s %-24s %s\n", m->fourcc, size, rates[0] ? rates : "?",
			  m->format == MT_FMT_MJPEG || m->format == MT_FMT_H264 ? "as it comes" :
			  m->format != MT_FMT_NONE                              ? "encoded" :
										  "not usable");
}

static int camera_modes(struct mt_console *c)
{
	struct mt_capture_mode *m = calloc(MT_CONSOLE_MODES, sizeof(*m));
	int n;

	if (!m)
		return -ENOMEM;
	n = c->cfg->hooks.camera_modes ?
		    c->cfg->hooks.camera_modes(c->cfg->hooks.arg, m, MT_CONSOLE_MODES) :
		    -ENOSYS;
	if (n == -ENOSYS)
		mt_console_printf(c, "camera's   this camera driver cannot list its modes\n");
	else if (n == -EAGAIN)
		mt_console_printf(c, "camera's   not asked yet (the camera is starting)\n");
	else if (n == -ENODEV)
		mt_console_printf(c, "camera's   the recorder is not running\n");
	else if (n < 0)
		mt_console_printf(c, "camera's   cannot be listed: %s\n", mt_strerror(n));
	else
		mt_console_printf(c, "camera's   %d mode%s (fps; encoded: as record.codec)\n", n,
				  n == 1 ? "" : "s");
	for (int i = 0; i < n && i < MT_CONSOLE_MODES; i++)
		print_mode(c, &m[i]);
	if (n > MT_CONSOLE_MODES)
		mt_console_printf(c, "  ... and %d more\n", n - MT_CONSOLE_MODES);
	free(m);
	return n < 0 ? n : 0;
}

static int camera_formats(struct mt_console *c)
{
	const struct mt_config *w = &c->work;
	char fmt[16];
	int ret;

	mt_config_value_format(w, MT_CONFIG_CAPTURE_FORMAT, fmt, sizeof(fmt));
	mt_console_printf(c, "asked      %s %lldx%lld at %lld fps (capture.*)\n", fmt,
			  (long long)mt_config_int(w, MT_CONFIG_CAPTURE_WIDTH),
			  (long long)mt_config_int(w, MT_CONFIG_CAPTURE_HEIGHT),
			  (long long)mt_config_int(w, MT_CONFIG_CAPTURE_FPS));
	ret = camera_modes(c);
	if (camera_info(c))
		return 1;
	return ret ? 1 : 0;
}

/* "1280x720" -> w, h */
static int parse_size(const char *s, char *w, char *h, size_t len)
{
	const char *x = strchr(s, 'x');

	if (!x || x == s || !x[1] || (size_t)(x - s) >= len || strlen(x + 1) >= len)
		return -EINVAL;
	snprintf(w, len, "%.*s", (int)(x - s), s);
	snprintf(h, len, "%s", x + 1);
	return 0;
}

static int camera_control(struct mt_console *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[32], *end;
	long v;
	int ret;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
		mt_console_printf(c, "camera set: '%.32s' is not NAME=VALUE\n", arg);
		return 1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	v = strtol(eq + 1, &end, 10);
	if (!eq[1] || *end || v < INT32_MIN || v > INT32_MAX) {
		mt_console_printf(c, "camera set: %s: '%.16s' is not a whole number\n", name,
				  eq + 1);
		return 1;
	}
	ret = c->cfg->hooks.camera_control ?
		      c->cfg->hooks.camera_control(c->cfg->hooks.arg, name, (int32_t)v) :
		      -ENOSYS;
	if (ret == -ENOSYS) {
		mt_console_printf(c, "camera set: this camera has no controls\n");
		return 1;
	}
	if (ret == -ENOENT) {
		mt_console_printf(c, "camera set: the camera has no control '%s'\n", name);
		return 1;
	}
	if (ret == -ERANGE) {
		mt_console_printf(c, "camera set: %s = %ld is out of the camera's range\n", name,
				  v);
		return 1;
	}
	if (ret) {
		mt_console_printf(c, "camera set: %s: %s\n", name, mt_strerror(ret));
		return 1;
	}
	mt_console_printf(c, "%s = %ld (now; add it to capture.controls to keep it)\n", name, v);
	return 0;
}

static int camera_set(struct mt_console *c, int argc, char **argv)
{
	char w[16], h[16];

	if (argc == 3 && strchr(argv[2], '='))
		return camera_control(c, argv[2]);
	if (argc > 5 || parse_size(argv[2], w, h, sizeof(w))) {
		mt_console_usage(c, mt_console_cmd_find("camera"));
		return 1;
	}
	/* All or nothing: a bad rate must not leave a new size behind. */
	{
		const char *keys[] = { "capture.width", "capture.height", "capture.fps",
				       "capture.format" };
		const char *vals[] = { w, h, argc > 3 ? argv[3] : NULL, argc > 4 ? argv[4] : NULL };
		struct mt_config scratch = c->work;
		struct mt_config_error err;
		char why[320];

		for (int i = 0; i < 4 && vals[i]; i++) {
			if (mt_config_set(&scratch, keys[i], vals[i], &err) == 0)
				continue;
			mt_config_error_format(&err, why, sizeof(why));
			mt_console_printf(c, "camera set: %s\ncamera set: nothing changed\n", why);
			return 1;
		}
		for (int i = 0; i < 4 && vals[i]; i++)
			mt_console_set_key(c, keys[i], vals[i]);
	}
	return 0;
}

static int camera_snapshot(struct mt_console *c)
{
	struct mt_frame *f = NULL;
	const char *spool = mt_console_spool(c);
	char path[320];
	int ret;

	ret = c->cfg->hooks.snapshot ? c->cfg->hooks.snapshot(c->cfg->hooks.arg, &f) : -ENOSYS;
	if (ret) {
		mt_console_printf(c, "camera snapshot: no frame (%s)\n",
				  ret == -ENOENT ? "the pre-roll ring is empty" : mt_strerror(ret));
		return 1;
	}
	mt_storage_mkdir(c->cfg->storage, spool);
	snprintf(path, sizeof(path), "%s/snapshot-%lld.%s", spool,
		 (long long)(mt_clock_mono_us(c->cfg->clock) / 1000),
		 f->format == MT_FMT_MJPEG ? "jpg" :
		 f->format == MT_FMT_H264  ? "h264" :
					     "raw");
	ret = mt_file_replace(c->cfg->storage, path, f->data, f->size);
	if (ret) {
		mt_console_printf(c, "camera snapshot: %s: %s\n", path, mt_strerror(ret));
	} else {
		mt_console_printf(c, "%s\n", path);
		if (f->width)
			mt_console_printf(c, "  %s %ux%u, %zu bytes\n", mt_pixfmt_name(f->format),
					  f->width, f->height, f->size);
		else
			mt_console_printf(c, "  %s, %zu bytes\n", mt_pixfmt_name(f->format),
					  f->size);
	}
	mt_frame_put(f);
	return ret ? 1 : 0;
}

int mt_cmd_camera(struct mt_console *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "info") == 0 && argc == 2)
		return camera_info(c);
	if (strcmp(sub, "formats") == 0 && argc == 2)
		return camera_formats(c);
	if (strcmp(sub, "set") == 0 && argc >= 3)
		return camera_set(c, argc, argv);
	if (strcmp(sub, "snapshot") == 0 && argc == 2)
		return camera_snapshot(c);
	mt_console_usage(c, mt_console_cmd_find("camera"));
	return 1;
}
