/* Whole-file helpers over the storage hal: write all of a buffer, read all of
 * a small file, and replace a file atomically so that a power cut at any
 * moment leaves either the old contents or the new ones, never a mix. */
#ifndef MT_CORE_FILE_H
#define MT_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>

struct mt_storage;

/* Writes len bytes of buf to fd, looping over short writes and retrying
 * -EINTR. 0, or the negative error of the write that failed (-EIO if the
 * storage wrote nothing without saying why). buf is only read. */
int mt_file_write_all(struct mt_storage *st, int fd, const void *buf, size_t len);

/* Reads all of path into a new buffer. On success *buf (the caller frees it
 * with free()) holds *len bytes followed by a NUL that is not counted, so text
 * can be parsed in place. -EFBIG if the file holds more than max_bytes;
 * otherwise 0 or a negative error, with *buf NULL on any error. */
int mt_file_read_all(struct mt_storage *st, const char *path, size_t max_bytes, uint8_t **buf,
		     size_t *len);

/* Replaces path with len bytes of data: writes "<path>.tmp", syncs it,
 * renames it over path and syncs path's folder. After a power cut at any
 * point path holds the old contents or the new ones. On an error before the
 * rename the old file is untouched and the temporary file is removed; if
 * only the final folder sync fails, the new contents are in place but not
 * known to be durable, and the error is returned so the caller can retry.
 * A .tmp left by a power cut is harmless and overwritten by the next call.
 * One writer per path at a time. */
int mt_file_replace(struct mt_storage *st, const char *path, const void *data, size_t len);

/* mt_file_replace() for a secret (a private key): the new file is created
 * with MT_O_PRIVATE (mode 0600 on POSIX storage). A stale "<path>.tmp" is
 * removed first, since reopening it would keep its old, wider mode. */
int mt_file_replace_private(struct mt_storage *st, const char *path, const void *data, size_t len);

/* The folder holding path ("." for a bare name, "/" for "/name"), written to
 * dir (len bytes). 0, or -ENAMETOOLONG if it does not fit. */
int mt_file_dirname(const char *path, char *dir, size_t len);

#endif
