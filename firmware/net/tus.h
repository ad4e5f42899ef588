/* tus 1.0.0 client (core, creation, creation-defer-length, termination)
 * over the station link. Each call is one request; the caller (the
 * uploader) keeps the upload's location and offset in its journal and
 * decides when to retry. The station's offset is the truth: a 409 or a
 * broken PATCH is followed by a HEAD, and the next PATCH starts there, so
 * acknowledged bytes are never sent twice and none are skipped. */
#ifndef MT_NET_TUS_H
#define MT_NET_TUS_H

#include <stdbool.h>
#include <stdint.h>

#include "net/station.h"

#define MT_TUS_LOCATION_MAX 160

struct mt_tus_upload {
	char location[MT_TUS_LOCATION_MAX]; /* path on the station, "" before create */
	int64_t offset;                     /* bytes the station has */
	int64_t length;                     /* -1 while deferred */
};

/* Results: 0; -EAGAIN (network, timeout, 5xx, 423: try later); -ENOSPC (507,
 * the station's disk is full); -ESTALE (404/410: the upload is gone, create
 * it again); -E2BIG (413); -EACCES (401/403: not enrolled, revoked);
 * -EPROTO (any other answer); MT_EFORMAT (a malformed answer). */

/* POST: a new upload of length bytes (-1: deferred), with metadata filename,
 * kind and seq. Fills u (offset 0). */
int mt_tus_create(struct mt_station *st, const char *filename, const char *kind, uint64_t seq,
		  int64_t length, struct mt_tus_upload *u);

/* HEAD: u->offset (and u->length once known) from the station. */
int mt_tus_head(struct mt_station *st, struct mt_tus_upload *u);

/* PATCH len bytes that fn yields (the upload's bytes from u->offset on).
 * With final, the upload's length is declared as offset + len (deferred
 * uploads). On success u->offset is the station's new offset. On 409 the
 * offset is refreshed with HEAD and -EAGAIN returned. */
int mt_tus_patch(struct mt_station *st, struct mt_tus_upload *u, mt_http_body_fn fn, void *ctx,
		 size_t len, bool final);

/* DELETE (termination). 0 also when it was already gone. */
int mt_tus_delete(struct mt_station *st, struct mt_tus_upload *u);

/* The status code of the last response (for logs), 0 when none came. */
int mt_tus_last_status(const struct mt_station *st);

#endif
