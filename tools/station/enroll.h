/* mt-station: enrollment (docs/protocol.md "Enrollment"): one-time codes,
 * the rate limit per address, and certificates issued from the device's
 * two CSRs. */
#ifndef MT_STATION_ENROLL_H
#define MT_STATION_ENROLL_H

#include <stdint.h>

#include "server.h"

#define MT_ENROLL_CODE_TEXT 15 /* "XXXX-XXXX-XXXX" and a NUL */

/* A new one-time code for a device to be called name (may be NULL), valid
 * for valid_ms, stored (as its SHA-256) in db; its text into code. 0 or
 * < 0. */
int mt_enroll_new_code(struct mt_db *db, const char *name, int64_t valid_ms,
		       char code[MT_ENROLL_CODE_TEXT]);

/* POST /enroll: the rate limit (429) before the body is read. */
enum MHD_Result mt_enroll_begin(struct mt_req *r);

/* POST /enroll with its body: 200 with the certificates, 400, 403. */
enum MHD_Result mt_enroll_end(struct mt_req *r);

#endif
