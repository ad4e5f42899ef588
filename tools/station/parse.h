/* mt-station: parsers of what clients send (listen address, HTTP Range,
 * tus metadata, upload URLs, enrollment codes, file names). Pure functions
 * with no I/O, unit-tested on their own (tests/station/test_parse.c). */
#ifndef MT_STATION_PARSE_H
#define MT_STATION_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "A.B.C.D:PORT" or "[IPV6]:PORT" (literals only; PORT 0 picks a free
 * one) into *ss and *len. 0 or -1. */
int mt_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* A decimal number with nothing else, at most max. 0 or -1. */
int mt_parse_u64(const char *s, uint64_t max, uint64_t *out);

enum mt_range {
	MT_RANGE_NONE,         /* no usable Range: send the whole file (200) */
	MT_RANGE_PARTIAL,      /* send bytes *first..*last (206) */
	MT_RANGE_UNSATISFIABLE /* 416 */
};

/* An HTTP Range header (RFC 9110 14.2) for a file of size bytes. Only one
 * "bytes" range is served; a list of them, another unit or bad syntax is
 * ignored (the whole file, as the RFC allows). hdr may be NULL. */
enum mt_range mt_parse_range(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last);

/* The value of key in a tus Upload-Metadata header ("k1 b64,k2 b64,k3"),
 * base64-decoded into out (cap bytes, NUL-terminated). 1 found, 0 absent
 * (or a key without a value), -1 malformed or too long. */
int mt_parse_tus_metadata(const char *hdr, const char *key, char *out, size_t cap);

#define MT_UPLOAD_ID_LEN 32 /* hex digits */

/* The upload id of "/files/<id>" or "https://host:port/files/<id>" into id
 * (MT_UPLOAD_ID_LEN + 1 bytes). 0 or -1. */
int mt_parse_upload_id(const char *url, char *id);

#define MT_CODE_LEN 12 /* characters of an enrollment code, without dashes */

/* An enrollment code as typed ("k7q2-9xpm 3htd") into its canonical form
 * (MT_CODE_LEN upper-case characters of the code alphabet) at out
 * (MT_CODE_LEN + 1 bytes). 0 or -1. */
int mt_parse_code(const char *in, char *out);

/* The characters an enrollment code is made of: no 0/O, 1/I/L or U. */
extern const char mt_parse_code_alphabet[];

/* 1 if s is a safe single path element: 1 to 128 of [A-Za-z0-9._-], not
 * starting with '.'. */
int mt_parse_safe_name(const char *s);

#endif
