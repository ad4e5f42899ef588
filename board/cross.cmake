# Shared part of the cross toolchain files: compiler, sysroot, test emulator.
set(CMAKE_SYSTEM_NAME Linux)
if(MT_CROSS_ARCH STREQUAL "armhf")
	set(CMAKE_SYSTEM_PROCESSOR arm)
	# Debian 13 built armhf with 64-bit time_t (the t64 transition); our
	# Debian 12 cross compiler must agree with the sysroot's libraries.
	set(mt_abi_flags "-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64")
else()
	set(CMAKE_SYSTEM_PROCESSOR aarch64)
	set(mt_abi_flags "")
endif()

set(CMAKE_C_COMPILER ${MT_CROSS_TRIPLE}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${MT_CROSS_TRIPLE})

if(NOT MT_SYSROOT)
	set(MT_SYSROOT "$ENV{MT_SYSROOT}")
endif()
if(NOT MT_SYSROOT)
	execute_process(COMMAND ${CMAKE_CURRENT_LIST_DIR}/../tools/sysroot.sh ${MT_CROSS_ARCH}
		OUTPUT_VARIABLE MT_SYSROOT OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "tools/sysroot.sh ${MT_CROSS_ARCH} failed")
	endif()
endif()
set(MT_SYSROOT "${MT_SYSROOT}" CACHE PATH "Debian sysroot for ${MT_CROSS_ARCH}")
set(CMAKE_SYSROOT "${MT_SYSROOT}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MT_SYSROOT)
set(CMAKE_C_FLAGS_INIT "${mt_abi_flags}")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR ${MT_QEMU};-L;${MT_SYSROOT})
