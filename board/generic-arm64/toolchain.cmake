# 64-bit ARM (Debian arm64): crossbuild-essential-arm64 + a Debian stable sysroot
# made by tools/sysroot.sh; tests run under qemu-user.
set(MT_CROSS_ARCH arm64)
set(MT_CROSS_TRIPLE aarch64-linux-gnu)
set(MT_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
