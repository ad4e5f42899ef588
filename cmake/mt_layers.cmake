# The layering rules of ARCHITECTURE.md, enforced at configure time:
#   - firmware/ never includes <linux/*>;
#   - a firmware library never links a driver library;
#   - only firmware/app plus one board's drivers make an executable (mt_executable).
# tests/build/ proves these checks fire (a fixture project that breaks each rule).

define_property(TARGET PROPERTY MT_LAYER BRIEF_DOCS "firmware, driver or app"
	FULL_DOCS "Which layer of ARCHITECTURE.md a target belongs to")

# mt_firmware_library(<name> [sources...]): a portable firmware module.
function(mt_firmware_library name)
	add_library(${name} STATIC ${ARGN})
	set_target_properties(${name} PROPERTIES MT_LAYER firmware)
	set_property(GLOBAL APPEND PROPERTY MT_FIRMWARE_TARGETS ${name})
endfunction()

# mt_driver_library(<name> [sources...]): hal implementations (drivers/).
function(mt_driver_library name)
	add_library(${name} STATIC ${ARGN})
	set_target_properties(${name} PROPERTIES MT_LAYER driver)
	set_property(GLOBAL APPEND PROPERTY MT_DRIVER_TARGETS ${name})
endfunction()

# mt_sources_ifdef(<target> <CONFIG_X> sources...): Zephyr-style selection.
function(mt_sources_ifdef target option)
	if(${option})
		target_sources(${target} PRIVATE ${ARGN})
	endif()
endfunction()

# mt_executable(<name> sources...): the one way firmware becomes a program.
function(mt_executable name)
	add_executable(${name} ${ARGN})
	set_target_properties(${name} PROPERTIES MT_LAYER app)
	set_property(GLOBAL APPEND PROPERTY MT_APP_TARGETS ${name})
endfunction()

# All targets reachable through link libraries, depth first.
function(mt_link_closure target out)
	set(seen "")
	set(todo ${target})
	while(todo)
		list(POP_FRONT todo t)
		if(NOT TARGET ${t} OR t IN_LIST seen)
			continue()
		endif()
		list(APPEND seen ${t})
		get_target_property(libs ${t} LINK_LIBRARIES)
		get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
		foreach(l IN LISTS libs ilibs)
			if(l AND TARGET ${l})
				list(APPEND todo ${l})
			endif()
		endforeach()
	endwhile()
	list(REMOVE_ITEM seen ${target})
	set(${out} ${seen} PARENT_SCOPE)
endfunction()

function(mt_check_layers)
	get_property(fw GLOBAL PROPERTY MT_FIRMWARE_TARGETS)
	foreach(t IN LISTS fw)
		mt_link_closure(${t} deps)
		foreach(d IN LISTS deps)
			get_target_property(layer ${d} MT_LAYER)
			if(layer STREQUAL "driver" OR layer STREQUAL "app")
				message(FATAL_ERROR "layering: firmware library '${t}' links ${layer} '${d}'; "
					"firmware/ talks to hardware only through hal/ (ARCHITECTURE.md)")
			endif()
		endforeach()
	endforeach()

	file(GLOB_RECURSE fw_files "${CMAKE_SOURCE_DIR}/firmware/*.[ch]")
	foreach(f IN LISTS fw_files)
		file(STRINGS "${f}" hits REGEX "^[ \t]*#[ \t]*include[ \t]*<linux/")
		if(hits)
			file(RELATIVE_PATH rel "${CMAKE_SOURCE_DIR}" "${f}")
			message(FATAL_ERROR "layering: ${rel} includes a <linux/*> header; only drivers/ may")
		endif()
	endforeach()

	# An executable is app code plus the drivers of one board: nothing that is
	# not a firmware, driver or system library may sneak in, and no app target
	# links another.
	get_property(apps GLOBAL PROPERTY MT_APP_TARGETS)
	foreach(a IN LISTS apps)
		mt_link_closure(${a} deps)
		foreach(d IN LISTS deps)
			get_target_property(layer ${d} MT_LAYER)
			if(NOT layer)
				get_target_property(type ${d} TYPE)
				if(NOT type STREQUAL "INTERFACE_LIBRARY" AND NOT type STREQUAL "UNKNOWN_LIBRARY"
						AND NOT type STREQUAL "SHARED_LIBRARY")
					message(FATAL_ERROR "layering: executable '${a}' links '${d}', which is "
						"neither firmware nor a driver; use mt_firmware_library/mt_driver_library")
				endif()
			elseif(layer STREQUAL "app")
				message(FATAL_ERROR "layering: executable '${a}' links another program '${d}'")
			endif()
		endforeach()
	endforeach()
endfunction()
