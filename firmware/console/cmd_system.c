/* clips, reboot and factory-reset (enroll and station: cmd_delivery.c; ota: cmd_ota.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/spool.h"
#include "core/errors.h"
#include "core/file.h"
#include "hal/storage.h"

#define MANIFEST_MAX (256 * 1024)

/* ---- clips ---- */

static int clips_list(struct mt_console *c)
{
	char(*names)[MT_SPOOL_NAME_MAX] = malloc(MT_SPOOL_LIST_MAX * sizeof(*names));
	const char *dir = mt_console_spool(c);
	int n;

	if (!names)
		return 1;
	n = mt_spool_clips(c->cfg->storage, dir, names, MT_SPOOL_LIST_MAX);
	if (n < 0) {
		mt_console_printf(c, "clips: %.50s: %s\n", dir, mt_strerror(n));
		free(names);
		return 1;
	}
	if (n == 0)
		mt_console_printf(c, "no clips in %.60s\n", dir);
	else
		mt_console_printf(c, "%-24s %10s  %-19s  %s\n", "clip", "bytes", "start (UTC)",
				  "manifest");
	for (int i = 0; i < n; i++) {
		char path[512], mpath[512], start[20] = "-";
		uint64_t size = 0;
		uint8_t *json = NULL;
		size_t len = 0;
		bool have;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		mt_storage_size(c->cfg->storage, path, &size);
		have = mt_spool_manifest_path(path, mpath, sizeof(mpath)) == 0 &&
		       mt_file_read_all(c->cfg->storage, mpath, MANIFEST_MAX, &json, &len) == 0;
		if (have)
			mt_spool_manifest_start((const char *)json, len, start);
		free(json);
		mt_console_printf(c, "%-24.24s %10llu  %-19s  %s\n", names[i],
				  (unsigned long long)size, start, have ? "yes" : "no");
		mt_thread_beat(&c->thread);
	}
	free(names);
	return 0;
}

static int clips_show(struct mt_console *c, const char *name)
{
	char path[512], mpath[512];
	uint64_t size = 0;
	uint8_t *json = NULL;
	size_t len = 0;
	int ret;

	if (strchr(name, '/') || strcmp(name, "..") == 0) {
		mt_console_printf(c, "clips show: give a clip's name as clips list shows it\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s%s", mt_console_spool(c), name,
		 strstr(name, ".mp4") ? "" : ".mp4");
	ret = mt_storage_size(c->cfg->storage, path, &size);
	if (ret) {
		mt_console_printf(c, "clips show: no clip %.40s (clips list shows them)\n", name);
		return 1;
	}
	mt_console_printf(c, "%s: %llu bytes\n", path, (unsigned long long)size);
	if (mt_spool_manifest_path(path, mpath, sizeof(mpath)) ||
	    mt_file_read_all(c->cfg->storage, mpath, MANIFEST_MAX, &json, &len)) {
		mt_console_printf(c,
				  "no manifest (the clip is not sealed by the evidence signer)\n");
		return 0;
	}
	/* Canonical JSON is one line: break it after each comma so it reads. */
	for (size_t i = 0; i < len; i++) {
		mt_console_write(c, (const char *)&json[i], 1);
		if (json[i] == ',' || json[i] == '{')
			mt_console_write(c, "\n", 1);
	}
	mt_console_write(c, "\n", 1);
	free(json);
	return 0;
}

int mt_cmd_clips(struct mt_console *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "list") == 0 && argc == 2)
		return clips_list(c);
	if (strcmp(sub, "show") == 0 && argc == 3)
		return clips_show(c, argv[2]);
	if (strcmp(sub, "upload") == 0 && argc == 3)
		return mt_console_clips_upload(c, argv[2]);
	mt_console_usage(c, mt_console_cmd_find("clips"));
	return 1;
}

void mt_cmd_clips_complete(struct mt_console *c, int argc, char **argv, mt_console_candidate_fn fn,
			   void *arg)
{
	static const char *const subs[] = { "list", "show", "upload", NULL };
	char(*names)[MT_SPOOL_NAME_MAX];
	int n;

	if (argc == 1) {
		for (size_t i = 0; subs[i]; i++)
			fn(arg, subs[i]);
		return;
	}
	if (argc != 2 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "upload") != 0))
		return;
	names = malloc(MT_SPOOL_LIST_MAX * sizeof(*names));
	if (!names)
		return;
	n = mt_spool_clips(c->cfg->storage, mt_console_spool(c), names, MT_SPOOL_LIST_MAX);
	for (int i = 0; i < n; i++) {
		names[i][strlen(names[i]) - 4] = '\0'; /* without .mp4 */
		fn(arg, names[i]);
	}
	free(names);
}

/* ---- reboot and factory-reset ---- */

int mt_cmd_reboot(struct mt_console *c, int argc, char **argv)
{
	if (argc != 1) {
		mt_console_usage(c, mt_console_cmd_find("reboot"));
		return 1;
	}
	if (!c->cfg->hooks.reboot)
		return mt_console_not_built(c, "reboot", "restarting from the console", 8);
	mt_console_printf(c, "finishing the clip in progress and restarting\n");
	mt_console_flush(c);
	c->exit_requested = true;
	c->cfg->hooks.reboot(c->cfg->hooks.arg);
	return 0;
}

struct erase {
	struct mt_storage *st;
	const char *dir;
	unsigned files;
	int error;
	int depth;
};

static int erase_tree(struct mt_storage *st, const char *dir, int depth, unsigned *files);

static int erase_entry(void *arg, const char *name)
{
	struct erase *e = arg;
	char path[512];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", e->dir, name) >= sizeof(path)) {
		e->error = -ENAMETOOLONG;
		return 0;
	}
	ret = mt_storage_remove(e->st, path);
	if (ret == 0) {
		e->files++;
		return 0;
	}
	/* A folder: empty it first (a journal or a partial upload's state). */
	if (e->depth < 4 && erase_tree(e->st, path, e->depth + 1, &e->files) == 0)
		ret = mt_storage_remove(e->st, path);
	if (ret && !e->error)
		e->error = ret;
	return 0;
}

static int erase_tree(struct mt_storage *st, const char *dir, int depth, unsigned *files)
{
	struct erase e = { .st = st, .dir = dir, .depth = depth };
	int ret = mt_storage_list(st, dir, erase_entry, &e);

	*files += e.files;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	mt_storage_sync_dir(st, dir);
	return e.error;
}

static int erase_file(struct mt_storage *st, const char *path, unsigned *files)
{
	char dir[512];
	int ret = mt_storage_remove(st, path);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	(*files)++;
	if (mt_file_dirname(path, dir, sizeof(dir)) == 0)
		mt_storage_sync_dir(st, dir);
	return 0;
}

int mt_cmd_factory_reset(struct mt_console *c, int argc, char **argv)
{
	const char *keys = c->cfg->keys_dir, *spool = mt_console_spool(c);
	const char *conf = c->cfg->config_path;
	struct mt_storage *st = c->cfg->storage;
	char word[32], tmp[300];
	unsigned files = 0;
	int ret, first = 0;

	if (argc != 1) {
		mt_console_usage(c, mt_console_cmd_find("factory-reset"));
		return 1;
	}
	mt_console_printf(c,
			  "This erases, for good:\n  the keys in %.60s\n"
			  "  the configuration %.56s\n  every clip in %.60s\n"
			  "Clips not yet at the station are lost.\n",
			  keys, conf, spool);
	ret = mt_console_readline(c, "Type " MT_CONSOLE_CONFIRM_WORD " to confirm: ", 60000, word,
				  sizeof(word));
	if (ret || strcmp(word, MT_CONSOLE_CONFIRM_WORD) != 0) {
		mt_console_printf(c, "factory-reset: not confirmed, nothing erased\n");
		return 1;
	}
	ret = erase_tree(st, keys, 0, &files);
	first = ret;
	ret = erase_file(st, conf, &files);
	if (!first)
		first = ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", conf);
	erase_file(st, tmp, &files);
	ret = erase_tree(st, spool, 0, &files);
	if (!first)
		first = ret;
	mt_config_init(&c->work);
	if (first) {
		mt_console_printf(c, "factory-reset: erased %u files, but not all: %s\n", files,
				  mt_strerror(first));
		return 1;
	}
	mt_console_printf(c, "factory-reset: erased %u files\n", files);
	if (c->cfg->hooks.reboot) {
		mt_console_printf(c, "restarting\n");
		mt_console_flush(c);
		c->exit_requested = true;
		c->cfg->hooks.reboot(c->cfg->hooks.arg);
	}
	return 0;
}
