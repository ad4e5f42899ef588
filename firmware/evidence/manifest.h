/* The manifest: one canonical JSON document per clip that says what the clip
 * is (who, when, what, where) and pins every byte of it by SHA-256. Its
 * exact bytes are what the detached signature covers; docs/evidence.md
 * lists the fields. */
#ifndef MT_EVIDENCE_MANIFEST_H
#define MT_EVIDENCE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/chain.h"
#include "hal/clock.h"

#define MT_MANIFEST_FORMAT "matthan-manifest-1"
#define MT_MANIFEST_MAX    (4 * 1024 * 1024) /* about 20000 fragments */
#define MT_MANIFEST_ZONES  8
#define MT_MANIFEST_BOXES  16
#define MT_MANIFEST_LOST   64 /* lost clips listed by number; more are counted */

/* A UTC time before this is not believed, even from a clock that says it is
 * synced (2020-01-01T00:00:00Z): the manifest says "unsynced", never 1970
 * as if it were true. */
#define MT_MANIFEST_UTC_FLOOR_US 1577836800000000LL

/* Which clip of which device: in every manifest and checkpoint record. */
struct mt_evidence_id {
	const char *device_id; /* borrowed, like every string here */
	const char *camera_id;
	uint64_t clip_seq; /* monotonic per device, from 1 */
	/* SHA-256 of the previous clip's manifest file; zeros for the first */
	uint8_t prev_manifest_sha256[MT_SHA256_LEN];
};

/* A moment as the device saw it: monotonic, and UTC when the clock has one
 * (utc_ok 0: the clock hal has no UTC at all). */
struct mt_manifest_time {
	int64_t mono_us;
	int utc_ok;
	struct mt_utc utc;
};

struct mt_motion_box {
	int32_t x, y, w, h; /* pixels of the recorded picture */
};

struct mt_manifest_motion {
	int32_t peak_score; /* the detector's highest score in the clip */
	const struct mt_motion_box *boxes;
	size_t nboxes;            /* at most MT_MANIFEST_BOXES */
	const char *const *zones; /* names of the zones that saw motion */
	size_t nzones;            /* at most MT_MANIFEST_ZONES */
};

/* What the recorder knows about a clip beyond its bytes. */
struct mt_manifest_info {
	const char *codec; /* "mjpeg" or "h264" */
	uint32_t width, height;
	struct mt_manifest_time start, end;
	struct mt_manifest_motion motion;
	const char *firmware;   /* firmware version */
	const char *location;   /* the installer's label ("" if none) */
	const char *end_reason; /* "event_end", "clip_max", "power_loss", ... */
	/* Losses since the previous manifest (docs/spool.md): clips never
	 * receipted that a full spool evicted (lost_count, the first nlost of
	 * them listed), and events it had no room to record. Written as
	 * "lost" only when there was one; zeros otherwise. */
	const uint64_t *lost_clips;
	size_t nlost; /* at most MT_MANIFEST_LOST */
	uint64_t lost_count;
	uint64_t refused;
};

/* Everything a manifest is made from. */
struct mt_manifest {
	const struct mt_evidence_id *id;
	const uint8_t *key_id;        /* MT_SHA256_LEN bytes: mt_signer_key_id() */
	const char *clip_file;        /* the clip's file name, without folders */
	const struct mt_chain *chain; /* every fragment, closed */
	uint32_t checkpoints;         /* records in the .ckpt file */
	int64_t checkpoint_us;        /* their interval of media time */
	const struct mt_manifest_info *info;
};

/* The manifest's bytes (canonical JSON and a final newline) in a new buffer
 * (free() it). 0, -EINVAL (a fragment still open, too many boxes or zones),
 * -EILSEQ (a string that is not UTF-8 text) or -ENOMEM. */
int mt_manifest_format(const struct mt_manifest *m, char **out, size_t *len);

struct mt_json;

/* Writes a time object ({"mono_us",...}) as the manifest does: also used
 * by checkpoint records of the spool. */
void mt_manifest_write_time(struct mt_json *j, const struct mt_manifest_time *t);

/* unix_us as "YYYY-MM-DDThh:mm:ss.uuuuuuZ" into out (28 bytes). */
void mt_manifest_utc_string(int64_t unix_us, char out[28]);

#endif
