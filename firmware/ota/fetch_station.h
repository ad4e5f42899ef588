/* The agent's fetcher over the station link (or any HTTPS server holding
 * the same static tree): GET <base>/ota/<board>/<file> with a Range header,
 * on the kept-alive connection of a struct mt_station. Also the report of
 * an update's outcome: POST /devices/health with a JSON body. */
#ifndef MT_OTA_FETCH_STATION_H
#define MT_OTA_FETCH_STATION_H

#include "net/station.h"
#include "ota/agent.h"

struct mt_ota_fetch_station {
	struct mt_ota_fetch fetch;  /* give &f->fetch to the agent */
	struct mt_station *station; /* borrowed */
	const char *board;          /* borrowed */
	int timeout_ms;
};

/* Cannot fail. */
void mt_ota_fetch_station_init(struct mt_ota_fetch_station *f, struct mt_station *station,
			       const char *board, int timeout_ms);

/* POSTs json (NUL-terminated) to /devices/health. 0 on a 2xx answer,
 * -EPROTO for another status, or a link error. */
int mt_ota_report(struct mt_station *station, const char *json, int timeout_ms);

#endif
