#!/usr/bin/env bash
# Install, from Debian's packages, what a group of tasks needs:
#
#   tools/deps.sh run     build and run the recorder on board/host
#   tools/deps.sh test    everything the whole test suite needs (host,
#                         sanitizers, armhf and arm64 under qemu-user, linters)
#   tools/deps.sh bench   what bench/ needs (valgrind, perf, GNU time, the motion peers)
#
# Nothing else is assumed to be on the machine. Runs apt-get only when a
# package is missing.
set -euo pipefail

build="cmake ninja-build gcc libc6-dev pkg-config python3 python3-kconfiglib \
libmbedtls-dev libturbojpeg0-dev libcmocka-dev libcjson-dev \
libmicrohttpd-dev libsqlite3-dev libgnutls28-dev libopenh264-dev"
media="ffmpeg"
cross="crossbuild-essential-armhf crossbuild-essential-arm64 qemu-user mmdebstrap \
debian-archive-keyring"
lint="cppcheck clang-format"
# independent checkers and peers the tests run against
checkers="openssl curl util-linux nodejs npm iproute2 nftables clang libclang-rt-14-dev libjpeg-turbo-progs"
bench="valgrind linux-perf time python3-opencv python3-numpy motion libjpeg-turbo-progs libjpeg62-turbo-dev"

case "${1:-}" in
run) want="$build $media" ;;
test) want="$build $media $cross $lint $checkers" ;;
bench) want="$build $media $bench" ;;
*) echo "usage: tools/deps.sh run|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	# a node that ships its own npm (NodeSource) must not get Debian's
	case $p in nodejs | npm) command -v npm >/dev/null && command -v node >/dev/null && continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing — run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
