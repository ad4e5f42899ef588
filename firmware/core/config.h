/* Runtime configuration store: the key = value file the installer edits on
 * the serial console ("config set", "config save") and the firmware reads at
 * start. Every key has a type, a range and a default from Kconfig; a file
 * is taken whole or not at all, and is saved atomically (docs/config.md). */
#ifndef MT_CORE_CONFIG_H
#define MT_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_storage;

/* device.id until enrollment sets it: the device id in the manifests of
 * clips sealed before (the station takes them from the device whose
 * evidence key signed them: docs/protocol.md). */
#define MT_DEVICE_ID_UNENROLLED "unenrolled"

enum mt_config_key {
	MT_CONFIG_CAPTURE_DEVICE,
	MT_CONFIG_CAPTURE_WIDTH,
	MT_CONFIG_CAPTURE_HEIGHT,
	MT_CONFIG_CAPTURE_FPS,
	MT_CONFIG_CAPTURE_FORMAT,
	MT_CONFIG_CAPTURE_REALTIME,
	MT_CONFIG_CAPTURE_LOOP,
	MT_CONFIG_CAPTURE_BUFFERS,
	MT_CONFIG_CAPTURE_POWER_LINE,
	MT_CONFIG_CAPTURE_EXPOSURE,
	MT_CONFIG_CAPTURE_CONTROLS,
	MT_CONFIG_RECORD_PREROLL_S,
	MT_CONFIG_RECORD_RING_BYTES,
	MT_CONFIG_RECORD_POSTROLL_S,
	MT_CONFIG_RECORD_CLIP_MAX_S,
	MT_CONFIG_RECORD_MERGE_GAP_S,
	MT_CONFIG_RECORD_CODEC,
	MT_CONFIG_RECORD_JPEG_QUALITY,
	MT_CONFIG_RECORD_H264_KBPS,
	MT_CONFIG_RECORD_GOP_S,
	MT_CONFIG_RECORD_H264_PROFILE,
	MT_CONFIG_MOTION_SENSITIVITY,
	MT_CONFIG_MOTION_MIN_AREA_PERMILLE,
	MT_CONFIG_MOTION_TRIGGER_FRAMES,
	MT_CONFIG_MOTION_LEARN_S,
	MT_CONFIG_MOTION_RELEASE_MS,
	MT_CONFIG_MOTION_MIN_EVENT_MS,
	MT_CONFIG_MOTION_MAX_EVENT_S,
	MT_CONFIG_MOTION_IGNORE,
	MT_CONFIG_MOTION_PRIVACY,
	MT_CONFIG_MOTION_ZONE1,
	MT_CONFIG_MOTION_ZONE2,
	MT_CONFIG_MOTION_ZONE3,
	MT_CONFIG_MOTION_ZONE4,
	MT_CONFIG_CONSOLE_DEVICE,
	MT_CONFIG_CONSOLE_BAUD,
	MT_CONFIG_CONSOLE_PASSWORD,
	MT_CONFIG_SETUP_DONE,
	MT_CONFIG_SPOOL_PATH,
	MT_CONFIG_SPOOL_MIB,
	MT_CONFIG_SPOOL_EVICT_UNSENT,
	MT_CONFIG_LOG_LEVEL,
	MT_CONFIG_DEVICE_ID,
	MT_CONFIG_DEVICE_LOCATION,
	MT_CONFIG_DEVICE_KEYS,
	MT_CONFIG_EVIDENCE_CHECKPOINT_S,
	MT_CONFIG_STATION_URL,
	MT_CONFIG_STATION_KBPS,
	MT_CONFIG_OTA_ROOT,
	MT_CONFIG_OTA_URL,
	MT_CONFIG_OTA_CHECK_S,
	MT_CONFIG_OTA_HEALTH_S,
	MT_CONFIG_OTA_KBPS,
	MT_CONFIG_NKEYS,
};

enum mt_config_type {
	MT_CONFIG_T_INT,  /* decimal integer in [min, max] */
	MT_CONFIG_T_BOOL, /* true/false (also yes/no, on/off, 1/0) */
	MT_CONFIG_T_STR,  /* text of at most max_len bytes of UTF-8 */
	MT_CONFIG_T_ENUM, /* one of words; the value is the word's index */
};

struct mt_config_schema {
	const char *name;
	enum mt_config_type type;
	int64_t min, max;         /* INT */
	size_t max_len;           /* STR, in bytes */
	const char *const *words; /* ENUM, NULL-terminated */
	int64_t def_int;          /* INT, BOOL; ENUM when def_str is NULL */
	const char *def_str;      /* STR; ENUM as a word */
	const char *help;
	/* STR: optional check of the value's syntax; NULL or why not */
	const char *(*check)(const char *value, char *why, size_t len);
	/* STR: never shown ("config show" says "(set)") nor put in an error */
	bool secret;
};

#define MT_CONFIG_STR_MAX  255
#define MT_CONFIG_FILE_MAX (64 * 1024)

union mt_config_value {
	int64_t i; /* INT, BOOL (0 or 1), ENUM (index into words) */
	char s[MT_CONFIG_STR_MAX + 1];
};

/* Plain data: copy it with =, compare it with mt_config_equal(). */
struct mt_config {
	union mt_config_value v[MT_CONFIG_NKEYS];
	bool from_file; /* false: defaults (init, or load found no file) */
};

/* What went wrong, for one line of text (mt_config_error_format). */
struct mt_config_error {
	char file[128]; /* "" for mt_config_set() */
	int line;       /* 1-based; 0 when not about one line */
	char key[64];   /* "" when no key is involved */
	char value[64]; /* the offending value as written, maybe shortened */
	char msg[160];
};

/* All keys at their defaults. Cannot fail. */
void mt_config_init(struct mt_config *c);

/* Loads path, read whole through st. Keys not in the file take their
 * default. *c is replaced only when the whole file is valid; otherwise it is
 * left as it was and err (may be NULL) says why. A missing file is not an
 * error: *c becomes the defaults with from_file false. Returns 0,
 * MT_ECONFIG (bad content), -EFBIG (over MT_CONFIG_FILE_MAX) or the
 * storage's negative error. Never writes. */
int mt_config_load(struct mt_config *c, struct mt_storage *st, const char *path,
		   struct mt_config_error *err);

/* As load, from len bytes of text (need not be NUL-terminated); name is the
 * file name used in errors. */
int mt_config_parse(struct mt_config *c, const char *name, const char *text, size_t len,
		    struct mt_config_error *err);

/* Sets key from text written as in the file (quotes optional). On an error
 * (MT_ECONFIG, err filled if not NULL) *c is unchanged. */
int mt_config_set(struct mt_config *c, const char *key, const char *text,
		  struct mt_config_error *err);

/* Writes the whole configuration to path with mt_file_replace(): a power cut
 * leaves the old file or the new one. Keys at their default are written as
 * comments, so a new firmware's defaults apply to them. */
int mt_config_save(const struct mt_config *c, struct mt_storage *st, const char *path);

/* The file text save writes, snprintf-style: returns the length it needs
 * (without the NUL) and writes at most len bytes, NUL-terminated. */
size_t mt_config_format(const struct mt_config *c, char *buf, size_t len);

/* One value as the file writes it (strings quoted), snprintf-style. */
size_t mt_config_value_format(const struct mt_config *c, enum mt_config_key k, char *buf,
			      size_t len);

/* "file:line: key = value: reason" (parts that are empty are left out),
 * snprintf-style. */
size_t mt_config_error_format(const struct mt_config_error *e, char *buf, size_t len);

bool mt_config_equal(const struct mt_config *a, const struct mt_config *b);
bool mt_config_is_default(const struct mt_config *c, enum mt_config_key k);

/* The key called name, or -ENOENT. */
int mt_config_key_find(const char *name);
const struct mt_config_schema *mt_config_schema(enum mt_config_key k);

/* Typed access by key. int: INT, BOOL (0/1) and ENUM (the index); str: STR
 * and ENUM (the word). Asking for the wrong type is a programmer error. The
 * returned string lives as long as *c is not changed. */
int64_t mt_config_int(const struct mt_config *c, enum mt_config_key k);
bool mt_config_bool(const struct mt_config *c, enum mt_config_key k);
const char *mt_config_str(const struct mt_config *c, enum mt_config_key k);

/* The same by name ("capture.fps"); an unknown name is a programmer error. */
int64_t mt_config_get_int(const struct mt_config *c, const char *key);
bool mt_config_get_bool(const struct mt_config *c, const char *key);
const char *mt_config_get_str(const struct mt_config *c, const char *key);

#endif
