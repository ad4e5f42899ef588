/* mt-station: POST /clips/commit (docs/protocol.md "Commit and receipt"):
 * the four uploads of a clip become files of one folder
 * DIR/clips/<device>/<seq>-<n>/, are verified with mt-verify's checks
 * (tools/verify), placed in the device's chain, and answered with a
 * receipt signed by the station's receipt key. */
#ifndef MT_STATION_COMMIT_H
#define MT_STATION_COMMIT_H

#include "server.h"

enum MHD_Result mt_commit_end(struct mt_req *r);

/* The receipt text of docs/protocol.md into out. */
void mt_commit_receipt_text(char *out, size_t cap, const char *device, int64_t seq,
			    const char *manifest_sha256, int64_t received_ms, const char *status);

#endif
