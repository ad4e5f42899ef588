# Libraries the firmware links, found in the host system or the cross sysroot.
# Each becomes an imported target mt::<name>; a missing one stops the configure
# with the Debian package that provides it.

function(mt_find_lib target header package)
	find_path(${target}_INCLUDE ${header})
	set(libs "")
	foreach(name IN LISTS ARGN)
		find_library(${target}_${name}_LIB ${name})
		if(NOT ${target}_${name}_LIB)
			message(FATAL_ERROR "lib${name} not found: apt-get install ${package}")
		endif()
		list(APPEND libs ${${target}_${name}_LIB})
	endforeach()
	if(NOT ${target}_INCLUDE)
		message(FATAL_ERROR "${header} not found: apt-get install ${package}")
	endif()
	add_library(mt::${target} INTERFACE IMPORTED GLOBAL)
	target_include_directories(mt::${target} INTERFACE ${${target}_INCLUDE})
	target_link_libraries(mt::${target} INTERFACE ${libs})
endfunction()

# The C library the compiler really uses. On a cross build it must be the
# sysroot's (see board/cross.cmake: Debian's cross gcc prefers its own older
# glibc); everywhere time_t and off_t must be 64-bit (Y2038, files over 2 GiB,
# and the armhf t64 ABI of the sysroot's libraries). try_compile sees exactly the
# flags the build uses, so this also proves they reach it.
include(CheckCSourceCompiles)
set(mt_glibc_check "")
if(CMAKE_CROSSCOMPILING)
	file(STRINGS "${CMAKE_SYSROOT}/usr/include/features.h" v REGEX "define[ \t]+__GLIBC(_MINOR)?__[ \t]")
	if(NOT v MATCHES "__GLIBC__[ \t]+([0-9]+);.*__GLIBC_MINOR__[ \t]+([0-9]+)")
		message(FATAL_ERROR "no glibc in the sysroot ${CMAKE_SYSROOT} (libc6-dev)")
	endif()
	set(mt_glibc "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
	set(mt_glibc_check "#if __GLIBC__ != ${CMAKE_MATCH_1} || __GLIBC_MINOR__ != ${CMAKE_MATCH_2}
#error glibc headers are not the sysroot's
#endif")
endif()
unset(MT_LIBC_ABI_OK CACHE) # checked on every configure: flags may have changed
set(CMAKE_REQUIRED_QUIET ON)
check_c_source_compiles("#include <features.h>
#include <sys/types.h>
#include <time.h>
${mt_glibc_check}
_Static_assert(sizeof(time_t) == 8 && sizeof(off_t) == 8, \"32-bit time_t or off_t\");
int main(void) { return 0; }" MT_LIBC_ABI_OK)
unset(CMAKE_REQUIRED_QUIET)
if(NOT MT_LIBC_ABI_OK)
	message(FATAL_ERROR "the C library seen by ${CMAKE_C_COMPILER} is not the expected one "
		"(cross: the sysroot's glibc ${mt_glibc}; everywhere: 64-bit time_t and off_t). "
		"Were the toolchain's CMAKE_C_FLAGS replaced on the command line? "
		"See ${CMAKE_BINARY_DIR}/CMakeFiles/CMakeError.log")
endif()
if(CMAKE_CROSSCOMPILING AND MT_TESTS)
	list(GET CMAKE_CROSSCOMPILING_EMULATOR 0 mt_emulator)
	find_program(MT_EMULATOR_PATH ${mt_emulator} NO_CMAKE_FIND_ROOT_PATH)
	if(NOT MT_EMULATOR_PATH)
		message(FATAL_ERROR "${mt_emulator} not found (it runs the cross-built tests): apt-get install qemu-user")
	endif()
	message(STATUS "cross: glibc ${mt_glibc} from ${CMAKE_SYSROOT}, tests under ${mt_emulator}")
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
mt_find_lib(mbedtls mbedtls/ssl.h libmbedtls-dev mbedtls mbedx509 mbedcrypto)
mt_find_lib(turbojpeg turbojpeg.h libturbojpeg0-dev turbojpeg)
if(CONFIG_MT_TLS_NETTLE_RECORDS)
	mt_find_lib(nettle nettle/gcm.h nettle-dev nettle)
endif()
if(MT_TESTS)
	mt_find_lib(cmocka cmocka.h libcmocka-dev cmocka)
endif()

# Which mbedTLS: 2.28 on Debian 12 hosts, 3.6 in the Debian stable sysroot.
foreach(h mbedtls/build_info.h mbedtls/version.h)
	if(EXISTS "${mbedtls_INCLUDE}/${h}")
		file(STRINGS "${mbedtls_INCLUDE}/${h}" v REGEX "define MBEDTLS_VERSION_STRING ")
		if(v MATCHES "\"([0-9.]+)\"")
			set(MT_MBEDTLS_VERSION ${CMAKE_MATCH_1})
			break()
		endif()
	endif()
endforeach()
message(STATUS "mbedTLS ${MT_MBEDTLS_VERSION} (${mbedtls_INCLUDE})")
