/* The device binding shared by the Linux boards (host, generic-armhf,
 * generic-arm64) until one needs its own board/<name>/board.c: the Linux
 * clock, getrandom, POSIX files as flash, a tty or pty console, and both
 * cameras: V4L2 for a /dev/ device and the replay camera for footage (main
 * picks by capture.device). The watchdog is the kernel's device
 * (CONFIG_MT_WATCHDOG_DEVICE) when it is set and present; otherwise the
 * recording watchdog stands in, and the report says so. */
#include "app/board.h"

#include <unistd.h>

#include "autoconf.h"
#include "fake/fake_watchdog.h"
#include "linux/linux_clock.h"
#ifdef CONFIG_MT_DRIVER_LINUX_NET
#include "linux/linux_net.h"
#endif
#include "linux/linux_random.h"
#include "linux/linux_serial.h"
#ifdef CONFIG_MT_DRIVER_LINUX_WATCHDOG
#include "linux/linux_watchdog.h"
#endif
#include "linux/posix_storage.h"
#ifdef CONFIG_MT_DRIVER_REPLAY_CAMERA
#include "fake/replay_camera.h"
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_CAPTURE
#include "linux/v4l2_capture.h"
#endif
#ifdef CONFIG_MT_DRIVER_TJ_ENCODER
#include "linux/tj_encoder.h"
#endif
#ifdef CONFIG_MT_DRIVER_SW_H264
#include "linux/sw_h264.h"
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_M2M_ENC
#include "linux/v4l2_m2m_enc.h"
#endif

static struct mt_linux_random random_dev;
static struct mt_posix_storage storage;
static struct mt_fake_watchdog watchdog;
#ifdef CONFIG_MT_DRIVER_LINUX_WATCHDOG
static struct mt_linux_watchdog hw_watchdog;
#endif
#ifdef CONFIG_MT_DRIVER_LINUX_NET
static struct mt_linux_net net;
#endif
static struct mt_linux_serial console;
#ifdef CONFIG_MT_DRIVER_REPLAY_CAMERA
static struct mt_replay_camera replay;
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_CAPTURE
static struct mt_v4l2_capture v4l2;
#endif
#ifdef CONFIG_MT_DRIVER_TJ_ENCODER
static struct mt_tj_encoder tj_enc;
#endif
#ifdef CONFIG_MT_DRIVER_SW_H264
static struct mt_sw_h264 sw_h264;
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_M2M_ENC
static struct mt_v4l2_m2m_enc m2m_enc;
#endif

int mt_board_init(struct mt_board *b)
{
	mt_linux_random_init(&random_dev);
	mt_posix_storage_init(&storage);
	mt_fake_watchdog_init(&watchdog, &mt_linux_clock);
	mt_linux_serial_init(&console);

	*b = (struct mt_board){
		.name = CONFIG_MT_BOARD,
		.clock = &mt_linux_clock,
		.random = &random_dev.dev,
		.storage = &storage.dev,
		.watchdog = &watchdog.dev,
		.console = &console.dev,
		.watchdog_note = "recording watchdog (no watchdog device configured)",
	};
#ifdef CONFIG_MT_DRIVER_LINUX_WATCHDOG
	if (CONFIG_MT_WATCHDOG_DEVICE[0] == '\0') {
		/* none configured (host): the recording watchdog, as set above */
	} else if (access(CONFIG_MT_WATCHDOG_DEVICE, F_OK) == 0) {
		mt_linux_watchdog_init(&hw_watchdog, CONFIG_MT_WATCHDOG_DEVICE);
		b->watchdog = &hw_watchdog.dev;
		b->watchdog_note = "hardware, " CONFIG_MT_WATCHDOG_DEVICE;
	} else {
		b->watchdog_note = "recording watchdog (" CONFIG_MT_WATCHDOG_DEVICE " not present)";
	}
#endif
#ifdef CONFIG_MT_DRIVER_REPLAY_CAMERA
	mt_replay_camera_init(&replay);
	b->replay = &replay.dev;
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_CAPTURE
	mt_v4l2_capture_init(&v4l2);
	b->v4l2 = &v4l2.dev;
#endif
	/* Encoders for raw cameras: TurboJPEG; H.264 from the board's M2M
	 * encoder when it has one, else OpenH264. */
#ifdef CONFIG_MT_DRIVER_TJ_ENCODER
	mt_tj_encoder_init(&tj_enc);
	b->jpeg_encoder = &tj_enc.dev;
#endif
#ifdef CONFIG_MT_DRIVER_SW_H264
	mt_sw_h264_init(&sw_h264);
	b->encoder = &sw_h264.dev;
#endif
#ifdef CONFIG_MT_DRIVER_V4L2_M2M_ENC
	if (CONFIG_MT_DRIVER_V4L2_M2M_DEVICE[0]) {
		mt_v4l2_m2m_enc_init(&m2m_enc, CONFIG_MT_DRIVER_V4L2_M2M_DEVICE);
		b->encoder = &m2m_enc.dev;
	}
#endif
#ifdef CONFIG_MT_DRIVER_LINUX_NET
	mt_linux_net_init(&net);
	b->net = &net.dev;
#endif
	return 0;
}
