# Configurations that cannot build, stopped at configure time with the reason.
# Value checks that C can make live in firmware/core/config_check.h (#error).

if(CONFIG_MT_CAPTURE_V4L2 AND NOT CONFIG_MT_DRIVER_V4L2_CAPTURE)
	message(FATAL_ERROR "CONFIG_MT_CAPTURE_V4L2 needs CONFIG_MT_DRIVER_V4L2_CAPTURE")
endif()
if(CONFIG_MT_CAPTURE_REPLAY AND NOT CONFIG_MT_DRIVER_REPLAY_CAMERA)
	message(FATAL_ERROR "CONFIG_MT_CAPTURE_REPLAY needs CONFIG_MT_DRIVER_REPLAY_CAMERA")
endif()
if(CONFIG_MT_OTA_SLOTS_UBOOT AND NOT CONFIG_MT_DRIVER_SLOT_UBOOT)
	message(FATAL_ERROR "CONFIG_MT_OTA_SLOTS_UBOOT needs CONFIG_MT_DRIVER_SLOT_UBOOT")
endif()
if(CONFIG_MT_NET_LWIP)
	message(FATAL_ERROR "CONFIG_MT_NET_LWIP: the lwIP network backend is not built yet. "
		"Choose CONFIG_MT_NET_SOCKETS.")
endif()
if(CONFIG_MT_BOARD_HOST AND CMAKE_CROSSCOMPILING)
	message(FATAL_ERROR "board host is the x86-64 development board; it cannot be cross-built")
endif()
