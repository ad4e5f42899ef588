/* A board: the set of hal devices the application runs on. Each board
 * provides mt_board_init() (board/<name>/board.c, or the shared
 * board/linux_board.c), binding its drivers; the application sees only the
 * hal. A device a board does not have (yet) is NULL, and the application
 * says so rather than pretending. */
#ifndef MT_APP_BOARD_H
#define MT_APP_BOARD_H

struct mt_capture;
struct mt_delivery;
struct mt_clock;
struct mt_encoder;
struct mt_led;
struct mt_net;
struct mt_random;
struct mt_serial;
struct mt_status;
struct mt_storage;
struct mt_watchdog;

struct mt_board {
	const char *name;
	struct mt_clock *clock;
	struct mt_random *random;
	struct mt_storage *storage;
	struct mt_capture *capture;      /* the camera the recorder uses (main picks) */
	struct mt_capture *v4l2;         /* a /dev/ camera; NULL if not built */
	struct mt_capture *replay;       /* footage played as a camera; NULL if not built */
	struct mt_encoder *encoder;      /* raw → H.264; NULL: none */
	struct mt_encoder *jpeg_encoder; /* raw → JPEG; NULL: none */
	struct mt_watchdog *watchdog;
	struct mt_serial *console;
	struct mt_led *led;           /* NULL: no status LED */
	struct mt_net *net;           /* NULL: no network backend built */
	const char *watchdog_note;    /* e.g. "recording watchdog (no /dev/watchdog)" */
	struct mt_status *status;     /* the console's window on the recorder; NULL: none */
	struct mt_delivery *delivery; /* the uploader, told of the spool; NULL: none */
};

/* Fill b with the board's devices. 0 or a negative errno. */
int mt_board_init(struct mt_board *b);

#endif
