#!/usr/bin/env bash
# Proves the build's own rules fire: each case breaks one rule and must fail
# with its message, and a clean control must pass (so a check that always
# fails cannot pass either).
#
#   build_rules.sh layers      fixture trees against cmake/mt_layers.cmake
#   build_rules.sh config      the real tree with impossible Kconfig fragments
#   build_rules.sh no-linux    no <linux/*> include anywhere in firmware/
#
# Environment (set by tests/build/CMakeLists.txt): MT_SRCDIR, MT_CMAKE, and for
# "config" MT_BOARD and MT_SYSROOT (empty unless cross).
set -euo pipefail

src=${MT_SRCDIR:?}
cmake=${MT_CMAKE:-cmake}
tmp=$(mktemp -d /tmp/mt-build-rules.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect <ok|fail> <name> <expected text or ""> <command...>: runs the command,
# checks its outcome and, when it fails, that its output names the reason.
# CMake wraps long messages, so whitespace is squeezed before matching.
expect() {
	local want=$1 name=$2 text=$3 log rc=0
	shift 3
	cases=$((cases + 1))
	log="$tmp/case$cases.log"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$want" = ok ] && [ $rc -ne 0 ]; then
		fail "$name: expected success, got exit $rc"
		sed 's/^/    /' "$log" >&2
	elif [ "$want" = fail ] && [ $rc -eq 0 ]; then
		fail "$name: expected failure, but it succeeded"
	elif [ "$want" = fail ] && ! tr -s ' \n\t' '   ' <"$log" | grep -qF -- "$text"; then
		fail "$name: failed, but without \"$text\""
		sed 's/^/    /' "$log" >&2
	else
		echo "ok: $name"
	fi
}

# A fixture project: one firmware library, one driver library using it and one
# program, plus whatever a case adds ($2, CMake code; files are made by the case).
fixture() {
	local dir="$tmp/$1"
	mkdir -p "$dir/firmware" "$dir/drivers" "$dir/app"
	echo 'int fw_a(void) { return 1; }' >"$dir/firmware/a.c"
	echo 'int fw_c(void) { return 3; }' >"$dir/firmware/c.c"
	echo 'int drv_b(void) { return 2; }' >"$dir/drivers/b.c"
	echo 'int main(void) { return 0; }' >"$dir/app/main.c"
	cat >"$dir/CMakeLists.txt" <<-EOF
		cmake_minimum_required(VERSION 3.25)
		project(fixture C)
		include($src/cmake/mt_layers.cmake)
		mt_firmware_library(fw_a firmware/a.c)
		mt_firmware_library(fw_c firmware/c.c)
		mt_driver_library(drv_b drivers/b.c)
		target_link_libraries(drv_b PUBLIC fw_a)
		mt_executable(prog app/main.c)
		target_link_libraries(prog PRIVATE fw_a drv_b)
		$2
		mt_check_layers()
	EOF
}

configure_fixture() {
	"$cmake" -S "$tmp/$1" -B "$tmp/$1/build" -G Ninja
}

layers() {
	fixture clean ""
	expect ok "clean fixture configures" "" configure_fixture clean

	fixture linux_include ""
	mkdir -p "$tmp/linux_include/firmware/sub"
	printf '#pragma once\n#  include <linux/videodev2.h>\n' >"$tmp/linux_include/firmware/sub/dev.h"
	expect fail "firmware header includes <linux/videodev2.h>" \
		"layering: firmware/sub/dev.h includes a <linux/*> header" configure_fixture linux_include

	fixture links_driver "target_link_libraries(fw_c PRIVATE drv_b)"
	expect fail "firmware library links a driver library" \
		"layering: firmware library 'fw_c' links driver 'drv_b'" configure_fixture links_driver

	# Through another firmware library: the check follows the link closure.
	fixture links_driver_indirect "add_library(glue INTERFACE)
		target_link_libraries(glue INTERFACE drv_b)
		target_link_libraries(fw_c PUBLIC glue)"
	expect fail "firmware library links a driver through an interface library" \
		"layering: firmware library 'fw_c' links driver 'drv_b'" configure_fixture links_driver_indirect
}

# The real tree, only configured, or configured and made to compile the one
# object file that includes firmware/core/config_check.h.
tree() {
	local frag=$1
	"$cmake" -S "$src" -B "$tmp/tree" -G Ninja -DBOARD="$MT_BOARD" -DMT_TESTS=OFF \
		${MT_SYSROOT:+-DMT_SYSROOT="$MT_SYSROOT"} -DMT_CONFIG_FRAGMENTS="$frag"
}

tree_build() {
	tree "$1" && "$cmake" --build "$tmp/tree" --target firmware/core/CMakeFiles/mt_core.dir/errors.c.o
}

# Without Nettle's record sealer the net library builds on mbedTLS alone.
tree_no_nettle() {
	rm -rf "$tmp/tree" # find_path() results stay in a cache
	tree "$1" && ! grep -q '^nettle_' "$tmp/tree/CMakeCache.txt" &&
		"$cmake" --build "$tmp/tree" --target mt_net
}

config() {
	printf 'CONFIG_MT_NET_LWIP=y\n' >"$tmp/lwip.config"
	printf 'CONFIG_MT_CAPTURE_FPS=25\nCONFIG_MT_PREROLL_SECONDS=10\nCONFIG_MT_RING_BYTES=262144\n' \
		>"$tmp/small_ring.config"
	printf 'CONFIG_MT_POSTROLL_SECONDS=20\nCONFIG_MT_CLIP_MAX_SECONDS=10\n' >"$tmp/long_postroll.config"
	printf 'CONFIG_MT_OTA_SLOTS_UBOOT=y\n# CONFIG_MT_DRIVER_SLOT_UBOOT is not set\n' >"$tmp/uboot_nodrv.config"
	printf '# CONFIG_MT_TLS_NETTLE_RECORDS is not set\n' >"$tmp/no_nettle.config"

	expect ok "board $MT_BOARD defconfig builds config_check.h" "" tree_build ""
	expect fail "CONFIG_MT_NET_LWIP=y stops the configure" \
		"CONFIG_MT_NET_LWIP: the lwIP network backend is not built yet" tree "$tmp/lwip.config"
	expect fail "U-Boot slots without their driver stop the configure" \
		"CONFIG_MT_OTA_SLOTS_UBOOT needs CONFIG_MT_DRIVER_SLOT_UBOOT" tree "$tmp/uboot_nodrv.config"
	expect fail "a ring smaller than the pre-roll stops the build" \
		"#error \"ring too small: CONFIG_MT_RING_BYTES must hold" tree_build "$tmp/small_ring.config"
	expect fail "a post-roll as long as a clip stops the build" \
		"#error \"post-roll too long: CONFIG_MT_POSTROLL_SECONDS" tree_build "$tmp/long_postroll.config"
	expect ok "without CONFIG_MT_TLS_NETTLE_RECORDS the net library needs no Nettle" "" \
		tree_no_nettle "$tmp/no_nettle.config"
}

# grep exits 1 when it finds nothing, 2 on an error (which must fail too).
no_linux() {
	local rc=0
	grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<linux/' "$src/firmware" || rc=$?
	case $rc in
	1) echo "ok: no <linux/*> include in firmware/" ;;
	0) fail "firmware/ includes <linux/*> (lines above); only drivers/ may" ;;
	*) fail "grep failed (exit $rc)" ;;
	esac
}

case ${1:-} in
layers) layers ;;
config) config ;;
no-linux) no_linux ;;
*)
	echo "usage: build_rules.sh layers|config|no-linux" >&2
	exit 2
	;;
esac
[ $failures -eq 0 ]
