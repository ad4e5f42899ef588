/* mt-station: GET /ota/<board>/<file>: static files of DIR/ota/ for the
 * devices' update agent, with single HTTP Range requests (206,
 * Content-Range; 416 for a range past the end) so a download resumes. */
#ifndef MT_STATION_OTA_H
#define MT_STATION_OTA_H

#include "server.h"

enum MHD_Result mt_ota_get(struct mt_req *r);

#endif
