/* The configuration schema: every runtime key with its type, range, default
 * (from Kconfig's autoconf.h) and help. docs/config.md lists the same. */
#include "core/config.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "autoconf.h"
#include "core/controls.h"
#include "core/password_format.h"

static const char *const format_words[] = { "mjpeg", "yuyv", "nv12", "h264", NULL };
/* The values of V4L2's power line menu: 0 off, 1 50 Hz, 2 60 Hz, 3 auto. */
static const char *const power_words[] = { "off", "50", "60", "auto", "camera", NULL };
static const char *const exposure_words[] = { "camera", "auto", "manual", NULL };
static const char *const codec_words[] = { "mjpeg", "h264", NULL };
static const char *const profile_words[] = { "baseline", "main", "high", NULL };

static const char *check_controls(const char *value, char *why, size_t len)
{
	struct mt_capture_control c[MT_CAPTURE_MAX_CONTROLS];
	uint32_t n = 0;

	return mt_controls_parse(value, c, MT_CAPTURE_MAX_CONTROLS, &n, why, len);
}

/* Empty (no password yet: first setup) or the stored form passwd writes. */
static const char *check_password(const char *value, char *why, size_t len)
{
	if (!*value || mt_password_parse(value, NULL, NULL, NULL) == 0)
		return NULL;
	return "not a stored password (pbkdf2-sha256$ITER$SALT$HASH): set it with passwd";
}

/* The order of enum mt_log_level. */
static const char *const level_words[] = { "err", "wrn", "inf", "dbg", NULL };

/* One key per entry reads better as a table than as clang-format lays it out. */
/* clang-format off */
#define INT(n, lo, hi, d, h)                                                                      \
	{ .name = n, .type = MT_CONFIG_T_INT, .min = lo, .max = hi, .def_int = d, .help = h }
#define BOOL(n, d, h) { .name = n, .type = MT_CONFIG_T_BOOL, .max = 1, .def_int = d, .help = h }
/* A Kconfig bool set to n is left undefined in autoconf.h. */
#ifdef CONFIG_MT_SPOOL_EVICT_UNSENT
#define SPOOL_EVICT_UNSENT 1
#else
#define SPOOL_EVICT_UNSENT 0
#endif
#define STR(n, len, d, h)                                                                         \
	{ .name = n, .type = MT_CONFIG_T_STR, .max_len = len, .def_str = d, .help = h }
#define STRC(n, len, d, h, c)                                                                     \
	{ .name = n, .type = MT_CONFIG_T_STR, .max_len = len, .def_str = d, .help = h, .check = c }
#define ENUM(n, w, di, ds, h)                                                                     \
	{ .name = n, .type = MT_CONFIG_T_ENUM, .words = w, .def_int = di, .def_str = ds, .help = h }

/* Ranges are those of firmware/Kconfig (test_config checks that they agree). */
static const struct mt_config_schema schema[MT_CONFIG_NKEYS] = {
	[MT_CONFIG_CAPTURE_DEVICE] = STR("capture.device", 255, CONFIG_MT_CAPTURE_DEVICE,
		"camera: a V4L2 device (/dev/...), or footage for the replay camera"),
	[MT_CONFIG_CAPTURE_WIDTH] = INT("capture.width", 64, 4096, CONFIG_MT_CAPTURE_WIDTH,
		"frame width asked of the camera (pixels)"),
	[MT_CONFIG_CAPTURE_HEIGHT] = INT("capture.height", 48, 2160, CONFIG_MT_CAPTURE_HEIGHT,
		"frame height asked of the camera (pixels)"),
	[MT_CONFIG_CAPTURE_FPS] = INT("capture.fps", 1, 60, CONFIG_MT_CAPTURE_FPS,
		"frame rate asked of the camera, and the replay camera's pace"),
	[MT_CONFIG_CAPTURE_FORMAT] = ENUM("capture.format", format_words, 0,
		CONFIG_MT_CAPTURE_FORMAT_NAME,
		"frame format: mjpeg and h264 are recorded as they come, yuyv and nv12 encoded"),
	[MT_CONFIG_CAPTURE_REALTIME] = BOOL("capture.realtime", 1,
		"replay camera: pace frames at the footage's rate (false: as fast as read)"),
	[MT_CONFIG_CAPTURE_LOOP] = BOOL("capture.loop", 0,
		"replay camera: start the footage again at its end (false: stop there)"),
	[MT_CONFIG_CAPTURE_BUFFERS] = INT("capture.buffers", 2, 32, CONFIG_MT_CAPTURE_BUFFERS,
		"V4L2 camera: mmap buffers the driver fills while we work"),
	[MT_CONFIG_CAPTURE_POWER_LINE] = ENUM("capture.power_line_hz", power_words, 0,
		CONFIG_MT_CAPTURE_POWER_LINE,
		"mains frequency the camera cancels flicker for (50 in Viet Nam), or off/auto/camera"),
	[MT_CONFIG_CAPTURE_EXPOSURE] = ENUM("capture.exposure", exposure_words, 0,
		CONFIG_MT_CAPTURE_EXPOSURE,
		"exposure mode: auto, manual, or camera (leave the camera's setting)"),
	[MT_CONFIG_CAPTURE_CONTROLS] = STRC("capture.controls", 255,
		CONFIG_MT_CAPTURE_CONTROLS,
		"more camera controls by name, e.g. brightness=140, contrast=40", check_controls),
	[MT_CONFIG_RECORD_PREROLL_S] = INT("record.preroll_s", 0, 60, CONFIG_MT_PREROLL_SECONDS,
		"seconds before the trigger kept in every clip"),
	[MT_CONFIG_RECORD_RING_BYTES] = INT("record.ring_bytes", 262144, 268435456,
		CONFIG_MT_RING_BYTES, "RAM for the pre-roll ring of compressed frames (bytes)"),
	[MT_CONFIG_RECORD_POSTROLL_S] = INT("record.postroll_s", 0, 120, CONFIG_MT_POSTROLL_SECONDS,
		"seconds recorded after motion stops"),
	[MT_CONFIG_RECORD_CLIP_MAX_S] = INT("record.clip_max_s", 10, 3600,
		CONFIG_MT_CLIP_MAX_SECONDS, "longest clip; a longer event is cut into chained clips"),
	[MT_CONFIG_RECORD_MERGE_GAP_S] = INT("record.merge_gap_s", 0, 60, CONFIG_MT_MERGE_GAP_SECONDS,
		"events this close (between a clip's end and the next pre-roll) make one clip"),
	[MT_CONFIG_RECORD_CODEC] = ENUM("record.codec", codec_words, 0, CONFIG_MT_RECORD_CODEC_NAME,
		"what a raw (yuyv, nv12) camera is encoded to: mjpeg or h264"),
	[MT_CONFIG_RECORD_JPEG_QUALITY] = INT("record.jpeg_quality", 1, 100,
		CONFIG_MT_RECORD_JPEG_QUALITY, "JPEG quality of encoded raw frames"),
	[MT_CONFIG_RECORD_H264_KBPS] = INT("record.h264_kbps", 100, 50000,
		CONFIG_MT_RECORD_H264_KBPS, "H.264 bitrate of encoded raw frames (kbit/s)"),
	[MT_CONFIG_RECORD_GOP_S] = INT("record.gop_s", 1, 30, CONFIG_MT_RECORD_GOP_SECONDS,
		"H.264 seconds between IDRs; at most half of record.preroll_s is used"),
	[MT_CONFIG_RECORD_H264_PROFILE] = ENUM("record.h264_profile", profile_words, 0,
		CONFIG_MT_RECORD_H264_PROFILE,
		"H.264 profile asked of the encoder: baseline, main or high"),
	[MT_CONFIG_MOTION_SENSITIVITY] = INT("motion.sensitivity", 1, 100,
		CONFIG_MT_MOTION_SENSITIVITY, "1 = least sensitive, 100 = most"),
	[MT_CONFIG_MOTION_MIN_AREA_PERMILLE] = INT("motion.min_area_permille", 1, 500,
		CONFIG_MT_MOTION_MIN_AREA_PERMILLE,
		"changes smaller than this share of the picture (per mille) are ignored"),
	[MT_CONFIG_MOTION_TRIGGER_FRAMES] = INT("motion.trigger_frames", 1, 50,
		CONFIG_MT_MOTION_TRIGGER_FRAMES,
		"analysed frames in a row with motion needed to start an event"),
	[MT_CONFIG_MOTION_LEARN_S] = INT("motion.learn_s", 1, 60, CONFIG_MT_MOTION_LEARN_SECONDS,
		"seconds the detector learns the scene after start or a scene change"),
	[MT_CONFIG_MOTION_RELEASE_MS] = INT("motion.release_ms", 0, 60000,
		CONFIG_MT_MOTION_RELEASE_MS, "quiet time that ends an event (ms)"),
	[MT_CONFIG_MOTION_MIN_EVENT_MS] = INT("motion.min_event_ms", 0, 60000,
		CONFIG_MT_MOTION_MIN_EVENT_MS, "shortest event (ms)"),
	[MT_CONFIG_MOTION_MAX_EVENT_S] = INT("motion.max_event_s", 10, 86400,
		CONFIG_MT_MOTION_MAX_EVENT_SECONDS,
		"longest event; then the scene is learnt again (s)"),
	[MT_CONFIG_MOTION_IGNORE] = STR("motion.ignore", 255, CONFIG_MT_MOTION_IGNORE,
		"ignore mask: polygons \"x,y x,y x,y; ...\" in 0..1 coordinates"),
	[MT_CONFIG_MOTION_PRIVACY] = STR("motion.privacy", 255, CONFIG_MT_MOTION_PRIVACY,
		"privacy mask: polygons as motion.ignore, never analysed"),
	[MT_CONFIG_MOTION_ZONE1] = STR("motion.zone.1", 255, CONFIG_MT_MOTION_ZONE1,
		"zone with its own sensitivity: \"S: x,y x,y x,y; ...\""),
	[MT_CONFIG_MOTION_ZONE2] = STR("motion.zone.2", 255, CONFIG_MT_MOTION_ZONE2,
		"zone 2, as motion.zone.1"),
	[MT_CONFIG_MOTION_ZONE3] = STR("motion.zone.3", 255, CONFIG_MT_MOTION_ZONE3,
		"zone 3, as motion.zone.1"),
	[MT_CONFIG_MOTION_ZONE4] = STR("motion.zone.4", 255, CONFIG_MT_MOTION_ZONE4,
		"zone 4, as motion.zone.1"),
	[MT_CONFIG_CONSOLE_DEVICE] = STR("console.device", 127, CONFIG_MT_CONSOLE_DEVICE,
		"serial console tty, or \"pty\" for a pseudo-terminal"),
	[MT_CONFIG_CONSOLE_BAUD] = INT("console.baud", 9600, 3000000, CONFIG_MT_CONSOLE_BAUD,
		"serial console speed (8N1)"),
	[MT_CONFIG_CONSOLE_PASSWORD] = { .name = "console.password", .type = MT_CONFIG_T_STR,
		.max_len = MT_PASSWORD_STORED_MAX - 1, .def_str = "", .check = check_password,
		.secret = true,
		.help = "console password as salted PBKDF2-SHA256; set by setup or passwd" },
	[MT_CONFIG_SETUP_DONE] = INT("setup.done", 0, 7, 0,
		"setup steps done that no other key shows: 1 camera, 2 masks, 4 selftest"),
	[MT_CONFIG_SPOOL_PATH] = STR("spool.path", 255, CONFIG_MT_SPOOL_PATH,
		"folder where clips wait for upload"),
	[MT_CONFIG_SPOOL_MIB] = INT("spool.mib", 16, 1048576, CONFIG_MT_SPOOL_BYTES,
		"the spool never grows past this (MiB)"),
	[MT_CONFIG_SPOOL_EVICT_UNSENT] = BOOL("spool.evict_unsent", SPOOL_EVICT_UNSENT,
		"when full: evict the oldest unsent clip (a loss) instead of refusing new events"),
	[MT_CONFIG_LOG_LEVEL] = ENUM("log.level", level_words, CONFIG_MT_LOG_LEVEL, NULL,
		"messages below this level are not printed"),
	[MT_CONFIG_DEVICE_ID] = STR("device.id", 63, MT_DEVICE_ID_UNENROLLED,
		"this box's id, set at enrollment"),
	[MT_CONFIG_DEVICE_LOCATION] = STR("device.location", 127, "",
		"location label written into every clip's manifest"),
	[MT_CONFIG_DEVICE_KEYS] = STR("device.keys", 255, CONFIG_MT_DEVICE_KEYS,
		"folder of the device's keys (evidence key, 0600)"),
	[MT_CONFIG_EVIDENCE_CHECKPOINT_S] = INT("evidence.checkpoint_s", 1, 60,
		CONFIG_MT_EVIDENCE_CHECKPOINT_SECONDS,
		"media seconds between signed checkpoints of a clip's hash chain"),
	[MT_CONFIG_STATION_URL] = STR("station.url", 255, "",
		"the ward station, https://host[:port]; set by matthan enroll"),
	[MT_CONFIG_STATION_KBPS] = INT("station.kbps", 0, 100000, 0,
		"upload cap in kbit/s; 0 = none"),
	[MT_CONFIG_OTA_ROOT] = STR("ota.root", 199, "",
		"folder of the update slots (mt-boot's MT_OTA_ROOT wins); empty = no updates"),
	[MT_CONFIG_OTA_URL] = STR("ota.url", 255, "",
		"bundles from this https:// server instead of the station; empty = the station"),
	[MT_CONFIG_OTA_CHECK_S] = INT("ota.check_s", 0, 604800, CONFIG_MT_OTA_CHECK_SECONDS,
		"seconds between update checks; 0 = only on the console's ota check"),
	[MT_CONFIG_OTA_HEALTH_S] = INT("ota.health_s", 5, 3600, CONFIG_MT_OTA_HEALTH_SECONDS,
		"a trial slot must pass its health check within this many seconds"),
	[MT_CONFIG_OTA_KBPS] = INT("ota.kbps", 0, 100000, 0,
		"update download cap in kbit/s; 0 = none"),
};
/* clang-format on */
/* clang-format on */

/* A Kconfig string too long for its key stops the build. */
_Static_assert(sizeof(CONFIG_MT_CAPTURE_DEVICE) <= 256, "CONFIG_MT_CAPTURE_DEVICE too long");
_Static_assert(sizeof(CONFIG_MT_CONSOLE_DEVICE) <= 128, "CONFIG_MT_CONSOLE_DEVICE too long");
_Static_assert(sizeof(CONFIG_MT_CAPTURE_CONTROLS) <= 256, "CONFIG_MT_CAPTURE_CONTROLS too long");
_Static_assert(sizeof(CONFIG_MT_SPOOL_PATH) <= 256, "CONFIG_MT_SPOOL_PATH too long");
_Static_assert(sizeof(CONFIG_MT_DEVICE_KEYS) <= 256, "CONFIG_MT_DEVICE_KEYS too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_IGNORE) <= 256, "CONFIG_MT_MOTION_IGNORE too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_PRIVACY) <= 256, "CONFIG_MT_MOTION_PRIVACY too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_ZONE1) <= 256, "CONFIG_MT_MOTION_ZONE1 too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_ZONE2) <= 256, "CONFIG_MT_MOTION_ZONE2 too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_ZONE3) <= 256, "CONFIG_MT_MOTION_ZONE3 too long");
_Static_assert(sizeof(CONFIG_MT_MOTION_ZONE4) <= 256, "CONFIG_MT_MOTION_ZONE4 too long");

const struct mt_config_schema *mt_config_schema(enum mt_config_key k)
{
	assert(k >= 0 && k < MT_CONFIG_NKEYS);
	return &schema[k];
}

int mt_config_key_find(const char *name)
{
	for (int k = 0; k < MT_CONFIG_NKEYS; k++)
		if (strcmp(schema[k].name, name) == 0)
			return k;
	return -ENOENT;
}
