#!/usr/bin/env bash
# Configure, build and optionally test one target, each in its own folder:
#
#   tools/build.sh host|armhf|arm64|asan|fuzz [test] [extra cmake arguments...]
#
#   host   board/host (x86-64)                  -> build/host
#   armhf  board/generic-armhf (cross, Debian)   -> build/armhf
#   arm64  board/generic-arm64 (cross, Debian)   -> build/arm64
#   asan   board/host with ASan+UBSan            -> build/asan
#   fuzz   the libFuzzer targets (clang)          -> build/fuzz
#
# "test" also runs ctest (cross tests run under qemu-user). MT_BUILD_DIR
# overrides the folder. The cross targets need crossbuild-essential-armhf or
# -arm64, qemu-user and mmdebstrap; tools/sysroot.sh makes the sysroot once.
set -euo pipefail

usage() {
	echo "usage: tools/build.sh host|armhf|arm64|asan|fuzz [test] [extra cmake arguments...]" >&2
	exit 2
}

target=${1:-}
[ $# -gt 0 ] && shift
case "$target" in
host) args=(-DBOARD=host) ;;
armhf | generic-armhf) target=armhf args=(-DBOARD=generic-armhf) ;;
arm64 | generic-arm64) target=arm64 args=(-DBOARD=generic-arm64) ;;
asan) args=(-DBOARD=host -DMT_SANITIZE=ON) ;;
fuzz) args=(-DBOARD=host -DMT_FUZZ=ON -DMT_TESTS=OFF) ;;
*) usage ;;
esac
run_tests=0
if [ "${1:-}" = test ]; then
	run_tests=1
	shift
fi

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${MT_BUILD_DIR:-$src/build/$target}
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)

if [ "$target" = fuzz ]; then
	# tests/fuzz/README.md: only the fuzz targets, instrumented by clang
	CC=clang cmake -S "$src" -B "$dir" -G Ninja "${args[@]}" "$@"
	cmake --build "$dir" --target mt_fuzz
else
	cmake -S "$src" -B "$dir" -G Ninja "${args[@]}" "$@"
	cmake --build "$dir"
fi
if [ "$run_tests" = 1 ]; then
	ctest --test-dir "$dir" --output-on-failure
fi

echo
echo "${dir#"$src"/}: .config and generated/autoconf.h for the board; programs and tests:"
find "$dir" -name CMakeFiles -prune -o -type f -perm -u+x -print | sed "s|^$src/|  |" | sort
