/* Slot hal over files; see slot_files.h. A missing state file is a fresh
 * device (A active); a state file that does not parse is MT_ECORRUPT, which
 * cannot come from a power cut since every store is an atomic replace. */
#include "ota/slot_files.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/errors.h"
#include "core/file.h"
#include "hal/storage.h"
#include "ota/slots.h"

static struct mt_slot_files *files(struct mt_slot *dev)
{
	return dev->priv;
}

static int load(struct mt_slot *dev, struct mt_slot_state *out)
{
	struct mt_slot_files *f = files(dev);
	char path[MT_SLOT_FILES_ROOT_MAX + 16];
	uint8_t *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/slots.state", f->root);
	ret = mt_file_read_all(f->st, path, 1024, &buf, &len);
	if (ret == -ENOENT) {
		mt_slots_fresh(out);
		return 0;
	}
	if (ret)
		return ret;
	ret = mt_slots_parse((const char *)buf, len, out) ? MT_ECORRUPT : 0;
	free(buf);
	return ret;
}

static int store(struct mt_slot *dev, const struct mt_slot_state *s)
{
	struct mt_slot_files *f = files(dev);
	char path[MT_SLOT_FILES_ROOT_MAX + 16], text[MT_SLOT_NOTE_MAX + 64];
	int n;

	if (!mt_slots_valid(s))
		return -EINVAL;
	n = mt_slots_format(s, text, sizeof(text));
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "%s/slots.state", f->root);
	return mt_file_replace(f->st, path, text, (size_t)n);
}

static int dir(struct mt_slot *dev, char slot, char *out, size_t cap)
{
	int n;

	if (slot != 'A' && slot != 'B')
		return -EINVAL;
	n = snprintf(out, cap, "%s/%c", files(dev)->root, slot);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static const struct mt_slot_ops ops = { .load = load, .store = store, .dir = dir };

void mt_slot_files_init(struct mt_slot_files *f, struct mt_storage *st, const char *root)
{
	f->dev = (struct mt_slot){ .ops = &ops, .name = "slot-files", .priv = f };
	f->st = st;
	snprintf(f->root, sizeof(f->root), "%s", root);
}

int mt_slot_files_prepare(struct mt_slot_files *f)
{
	char path[MT_SLOT_FILES_ROOT_MAX + 4];
	int ret = mt_storage_mkdir(f->st, f->root);

	for (char s = 'A'; !ret && s <= 'B'; s++) {
		snprintf(path, sizeof(path), "%s/%c", f->root, s);
		ret = mt_storage_mkdir(f->st, path);
	}
	/* the new folders must survive a power cut before anything goes in */
	if (!ret)
		ret = mt_storage_sync_dir(f->st, f->root);
	if (!ret && !mt_file_dirname(f->root, path, sizeof(path)))
		ret = mt_storage_sync_dir(f->st, path);
	return ret;
}
