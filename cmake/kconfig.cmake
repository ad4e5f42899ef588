# Kconfig through kconfiglib (Debian python3-kconfiglib).
#
# The build folder keeps its own .config. It is made from board/<BOARD>/defconfig
# (plus any MT_CONFIG_FRAGMENTS, later lines winning) the first time, and kept
# after that, so `cmake --build <dir> -t menuconfig` edits persist. autoconf.h and
# the CONFIG_* CMake variables are regenerated from it on every configure.
#
# apt's python3 is called by path: the python3 first on PATH may not see apt's
# modules.

set(MT_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with kconfiglib (apt python3-kconfiglib)")
set(MT_CONFIG_FRAGMENTS "" CACHE STRING "Extra Kconfig fragments merged over the board defconfig")
set(MT_KCONFIG_ROOT "${CMAKE_SOURCE_DIR}/Kconfig")
set(MT_DOTCONFIG "${CMAKE_BINARY_DIR}/.config")
set(MT_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
set(MT_KCONFIG_ENV srctree=${CMAKE_SOURCE_DIR} KCONFIG_CONFIG=${MT_DOTCONFIG}
	BOARD=${BOARD} BOARD_DIR=${MT_BOARD_DIR})

execute_process(COMMAND ${MT_PYTHON} -c "import kconfiglib"
	RESULT_VARIABLE mt_rc OUTPUT_QUIET ERROR_QUIET)
if(NOT mt_rc EQUAL 0)
	message(FATAL_ERROR "kconfiglib not found for ${MT_PYTHON}: apt-get install python3-kconfiglib")
endif()

function(mt_kconfig_run)
	execute_process(COMMAND ${CMAKE_COMMAND} -E env ${MT_KCONFIG_ENV} ${MT_PYTHON} ${ARGN}
		WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "Kconfig: ${ARGN} failed:\n${out}${err}")
	endif()
	# kconfiglib reports assignments it could not honour as warnings: with a
	# defconfig these are mistakes (a typo, an out-of-range value), so stop.
	# A fragment overriding a board line is intended; anything else is not.
	string(REGEX REPLACE "[^\n]*set more than once[^\n]*\n?" "" err "${err}")
	if(err MATCHES "warning:")
		message(FATAL_ERROR "Kconfig: ${err}")
	endif()
endfunction()

# (Re)make .config when it is missing or the board defconfig or fragments
# changed (their content, not only their names: a board that gains a line
# must reach old build folders). menuconfig edits survive until then.
set(merged "${CMAKE_BINARY_DIR}/defconfig.merged")
file(READ "${MT_BOARD_DIR}/defconfig" text)
foreach(frag IN LISTS MT_CONFIG_FRAGMENTS)
	file(READ "${frag}" more)
	string(APPEND text "\n${more}")
endforeach()
string(SHA256 mt_config_sources "${MT_BOARD_DIR};${text}")
if(NOT EXISTS "${MT_DOTCONFIG}" OR NOT "${mt_config_sources}" STREQUAL "${MT_CONFIG_SOURCES_USED}")
	if(EXISTS "${MT_DOTCONFIG}")
		message(STATUS "Kconfig: ${MT_BOARD_DIR}/defconfig or a fragment changed: .config remade")
	endif()
	file(WRITE "${merged}" "${text}")
	mt_kconfig_run(-m defconfig --kconfig ${MT_KCONFIG_ROOT} ${merged})
	set(MT_CONFIG_SOURCES_USED "${mt_config_sources}" CACHE INTERNAL "")
endif()

# Symbols added to Kconfig since .config was made get their defaults; the
# folder's own choices stay.
mt_kconfig_run(-m olddefconfig ${MT_KCONFIG_ROOT})

file(MAKE_DIRECTORY "${MT_GENERATED_DIR}")
mt_kconfig_run(-m genconfig --header-path ${MT_GENERATED_DIR}/autoconf.h
	--file-list ${CMAKE_BINARY_DIR}/kconfig-files.txt ${MT_KCONFIG_ROOT})

# Reconfigure when .config or any Kconfig file changes.
file(STRINGS "${CMAKE_BINARY_DIR}/kconfig-files.txt" mt_kconfig_files)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
	"${MT_DOTCONFIG}" ${mt_kconfig_files} ${MT_BOARD_DIR}/defconfig)

# Import CONFIG_* as CMake variables (strings without their quotes).
file(STRINGS "${MT_DOTCONFIG}" mt_lines REGEX "^CONFIG_")
foreach(line IN LISTS mt_lines)
	if(line MATCHES "^(CONFIG_[A-Za-z0-9_]+)=\"?(.*[^\"])?\"?$")
		set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
	endif()
endforeach()

add_custom_target(menuconfig
	COMMAND ${CMAKE_COMMAND} -E env ${MT_KCONFIG_ENV} ${MT_PYTHON} -m menuconfig ${MT_KCONFIG_ROOT}
	WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} USES_TERMINAL)
add_custom_target(savedefconfig
	COMMAND ${CMAKE_COMMAND} -E env ${MT_KCONFIG_ENV} ${MT_PYTHON} -m savedefconfig
		--kconfig ${MT_KCONFIG_ROOT} --out ${CMAKE_BINARY_DIR}/defconfig
	COMMAND ${CMAKE_COMMAND} -E echo "wrote ${CMAKE_BINARY_DIR}/defconfig"
	WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
