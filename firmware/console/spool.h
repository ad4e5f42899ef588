/* What the console shows of the spool folder: its size, its clips, and a
 * clip's manifest start time, through the storage hal. */
#ifndef MT_CONSOLE_SPOOL_H
#define MT_CONSOLE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define MT_SPOOL_NAME_MAX 64
#define MT_SPOOL_LIST_MAX 256 /* clips listed at most */

struct mt_storage;

struct mt_spool_usage {
	uint64_t bytes; /* all files */
	unsigned files;
	unsigned clips; /* *.mp4 */
};

/* Sums the files of dir. 0 (a missing folder is an empty spool) or the
 * storage's error. */
int mt_spool_usage(struct mt_storage *st, const char *dir, struct mt_spool_usage *out);

/* The clips (*.mp4) of dir, sorted by name, into names (max entries).
 * Returns how many (at most max), or the storage's negative error. */
int mt_spool_clips(struct mt_storage *st, const char *dir, char (*names)[MT_SPOOL_NAME_MAX],
		   unsigned max);

/* The UTC start time in the manifest text (n bytes) as
 * "YYYY-MM-DD hh:mm:ss", or "-" when it has none. out holds 20 bytes. */
void mt_spool_manifest_start(const char *json, size_t n, char out[20]);

/* "dir/clip-000001.mp4" -> "dir/clip-000001.json" into out (len bytes):
 * 0, or -ENAMETOOLONG. */
int mt_spool_manifest_path(const char *clip_path, char *out, size_t len);

#endif
