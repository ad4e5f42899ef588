#!/usr/bin/env bash
# Install, from Debian's packages, what a group of tasks needs:
#
#   tools/deps.sh run     build and run the recorder on board/host
#   tools/deps.sh test    everything the whole test suite needs (host,
#                         sanitizers, armhf and arm64 under qemu-user, linters)
#   tools/deps.sh bench   what bench/ needs (valgrind, perf, GNU time, the motion peers,
#                         curl, the armhf cross tools and dpkg-source for bench/delivery)
#   tools/deps.sh npm     the reference tus server (@tus/server) for the interop
#                         test, from the committed package-lock.json into
#                         $MT_NPM_CACHE (default /var/cache/matthan/npm), outside
#                         the repository; `test` does this too
#   tools/deps.sh docs    what tools/screenshots.sh needs (tmux, picocom, PIL, a font)
#
# Nothing else is assumed to be on the machine. Runs apt-get only when a
# package is missing, and npm only when the lock file changed.
set -euo pipefail

build="cmake ninja-build gcc libc6-dev pkg-config python3 python3-kconfiglib \
libmbedtls-dev nettle-dev libturbojpeg0-dev libcmocka-dev libcjson-dev \
libmicrohttpd-dev libsqlite3-dev libgnutls28-dev libopenh264-dev libubootenv-dev"
media="ffmpeg"
cross="crossbuild-essential-armhf crossbuild-essential-arm64 qemu-user mmdebstrap \
debian-archive-keyring"
lint="cppcheck clang-format"
# independent checkers and peers the tests run against
checkers="openssl curl util-linux libubootenv-tool nodejs npm iproute2 nftables clang libclang-rt-14-dev nginx libjpeg-turbo-progs"
bench="valgrind linux-perf time python3-opencv python3-numpy motion libjpeg-turbo-progs libjpeg62-turbo-dev \
curl openssl dpkg-dev"

# npm ci of a committed lock into the cache (node and npm: the checkers).
# The lock is written without "resolved" URLs, so npm's configured registry
# is used.
npm_modules() {
	local src dst
	src=$(cd "$(dirname "$0")/../tests/integration/delivery/interop" && pwd)
	dst=${MT_NPM_CACHE:-/var/cache/matthan/npm}/tus-interop
	if cmp -s "$src/package-lock.json" "$dst/package-lock.json" && [ -d "$dst/node_modules/@tus/server" ]; then
		return 0
	fi
	echo "deps: npm ci into $dst" >&2
	mkdir -p "$dst"
	cp "$src/package.json" "$src/package-lock.json" "$dst/"
	(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >&2)
}
# the console screenshots of docs/ (tools/screenshots.sh)
docs="tmux picocom python3-pil fonts-dejavu-core"

case "${1:-}" in
run) want="$build $media" ;;
test) want="$build $media $cross $lint $checkers" ;;
bench) want="$build $media $bench $cross" ;;
npm) want="$checkers" ;;
docs) want="$build $media $docs" ;;
*) echo "usage: tools/deps.sh run|test|bench|npm|docs" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	# a node that ships its own npm (NodeSource) must not get Debian's
	case $p in nodejs | npm) command -v npm >/dev/null && command -v node >/dev/null && continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	case $1 in test | npm) npm_modules ;; esac
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing — run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
case $1 in test | npm) npm_modules ;; esac
