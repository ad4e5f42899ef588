# 32-bit ARM (Debian armhf): crossbuild-essential-armhf + a Debian stable sysroot
# made by tools/sysroot.sh; tests run under qemu-user.
set(MT_CROSS_ARCH armhf)
set(MT_CROSS_TRIPLE arm-linux-gnueabihf)
set(MT_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
