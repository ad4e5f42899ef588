/* mt-station: who is asking: the client certificate of the TLS session,
 * checked against the station CA (GnuTLS) and the device registry. */
#ifndef MT_STATION_AUTH_H
#define MT_STATION_AUTH_H

#include "server.h"

/* Sets r->device to the enrolled, unrevoked device whose certificate the
 * TLS peer presented and returns MHD_YES, or rejects the request with 403
 * (no certificate, not issued by the station CA, unknown or revoked
 * device) and returns the reply's verdict (r->done set). */
enum MHD_Result mt_auth_device(struct mt_req *r);

#endif
