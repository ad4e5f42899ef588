# Shared part of the cross toolchain files: compiler, sysroot, test emulator.
#
# The compiler is Debian 12's cross gcc (crossbuild-essential-*); the headers and
# libraries are Debian stable's, from the sysroot tools/sysroot.sh makes. Three
# things make that pairing correct, and mt_deps.cmake checks the result:
#   - Debian's cross gcc searches its own libc (libc6-dev-*-cross, glibc 2.36 in
#     /usr/<triple>/{include,lib}) BEFORE --sysroot, so the sysroot's glibc would
#     be silently ignored. -nostdinc and -B<sysroot lib> put the sysroot first;
#     only gcc's own headers (stddef.h, arm_neon.h) and libgcc stay the compiler's.
#   - Debian 13 built armhf with 64-bit time_t (the t64 transition); our code must
#     agree with the sysroot's libraries, which pass time_t in their structs.
#   - The flags go in CMAKE_C_FLAGS_INIT, which try_compile inherits too.
set(CMAKE_SYSTEM_NAME Linux)
if(MT_CROSS_ARCH STREQUAL "armhf")
	set(CMAKE_SYSTEM_PROCESSOR arm)
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

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
	OUTPUT_VARIABLE mt_gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT IS_DIRECTORY "${mt_gcc_include}")
	message(FATAL_ERROR "${CMAKE_C_COMPILER} not usable: apt-get install crossbuild-essential-${MT_CROSS_ARCH}")
endif()
set(mt_sysroot_flags "-nostdinc -isystem ${mt_gcc_include}"
	"-isystem ${MT_SYSROOT}/usr/include/${MT_CROSS_TRIPLE} -isystem ${MT_SYSROOT}/usr/include"
	"-B${MT_SYSROOT}/usr/lib/${MT_CROSS_TRIPLE}/")
string(JOIN " " CMAKE_C_FLAGS_INIT ${mt_sysroot_flags} ${mt_abi_flags})

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Unit tests run under qemu-user with the sysroot as the target's root, so they
# load the sysroot's glibc, mbedTLS and cmocka (the sysroot has an empty
# ld.so.cache, so the host's cache cannot point the loader elsewhere).
set(CMAKE_CROSSCOMPILING_EMULATOR ${MT_QEMU};-L;${MT_SYSROOT})
