/* mt-station: the tus 1.0.0 endpoint /files/ (core, creation,
 * creation-defer-length, termination). An upload is a file
 * DIR/uploads/<id>; its offset in the database is durable: the bytes are
 * fsync'ed before the offset is recorded, and the offset is recorded
 * before a PATCH is acknowledged. */
#ifndef MT_STATION_TUS_H
#define MT_STATION_TUS_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/* OPTIONS, POST, HEAD and DELETE are answered here; a PATCH is checked
 * (offset, length, owner) and its file opened. */
enum MHD_Result mt_tus_begin(struct mt_req *r);

/* Bytes of a PATCH body, written at the upload's offset. */
void mt_tus_data(struct mt_req *r, const char *data, size_t size);

/* The end of a PATCH body: fsync, record the offset, 204. */
enum MHD_Result mt_tus_end(struct mt_req *r);

/* The request is over (completed: whether it was answered). A PATCH cut
 * short keeps the bytes that arrived: they are fsync'ed and the offset
 * recorded, so the device resumes from there. */
void mt_tus_finish(struct mt_req *r, bool completed);

/* At start: every open upload's file is cut back to its recorded offset
 * (bytes written after the last acknowledged offset by a station that
 * then died are dropped; the device sends them again). */
void mt_tus_recover(struct mt_station *st);

/* DIR/uploads/<id> into out. */
void mt_tus_path(const struct mt_station *st, const char *id, char *out, size_t cap);

#endif
