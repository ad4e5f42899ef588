/* mt-station: small helpers: time, randomness, hex, durable files, logs. */
#ifndef MT_STATION_UTIL_H
#define MT_STATION_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The station's wall clock in Unix milliseconds (receipts, registry). */
int64_t mt_util_now_ms(void);

/* n bytes from the kernel's CSPRNG. 0 or -errno. */
int mt_util_random(void *buf, size_t n);

/* n bytes as 2n lowercase hex digits and a NUL at out (2n + 1 bytes). */
void mt_util_hex(const uint8_t *in, size_t n, char *out);

/* Writes len bytes to path atomically and durably (temp file, fsync,
 * rename, folder fsync), created with mode. 0 or -errno. */
int mt_util_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Reads path (at most max bytes) into *out, NUL-terminated; free() it.
 * 0, -ENOENT, -EFBIG, or another -errno. */
int mt_util_read_file(const char *path, size_t max, char **out, size_t *len);

/* fsync of the folder path. 0 or -errno. */
int mt_util_fsync_dir(const char *path);

/* mkdir -p with mode for each folder made. 0 or -errno. */
int mt_util_mkdirs(const char *path, mode_t mode);

/* The folder part of path into out ("." for a bare name). */
void mt_util_dirname(const char *path, char *out, size_t cap);

/* One line on stderr, "mt-station: " first; lines of threads never mix. */
void mt_util_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
