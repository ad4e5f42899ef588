/* Firmware versions as dotted integers ("1.4.12"): parsed strictly and
 * compared part by part, a missing part counting as 0, so "1.2" == "1.2.0"
 * and "1.10" > "1.9". Used for "newer than installed", the bundle's minimum
 * and the anti-rollback floor. */
#ifndef MT_OTA_VERSION_H
#define MT_OTA_VERSION_H

#include <stdint.h>

#define MT_VERSION_PARTS 4
#define MT_VERSION_MAX   40 /* characters of a version string, NUL included */

struct mt_version {
	uint32_t part[MT_VERSION_PARTS];
};

/* Parses text (1 to 4 decimal parts of up to 9 digits, separated by single
 * dots, nothing else) into v. 0 or MT_EFORMAT. */
int mt_version_parse(const char *text, struct mt_version *v);

/* <0, 0 or >0 as a is older than, equal to or newer than b. */
int mt_version_cmp(const struct mt_version *a, const struct mt_version *b);

/* mt_version_cmp() of two strings; MT_EFORMAT in *err (else 0) when either
 * does not parse, and the result is then 0. */
int mt_version_cmp_str(const char *a, const char *b, int *err);

#endif
