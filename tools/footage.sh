#!/usr/bin/env bash
# Print the path of real footage to replay as the camera.
#
#   tools/footage.sh            the default scene (a folder of JPEGs or an MJPEG AVI)
#   tools/footage.sh --root     a footage root for the tests (MT_FOOTAGE_DIR)
#
# Prefers ../shared/footage/cdnet-highway/input (real CDnet highway frames,
# 320x240 JPEG) next to the project. On a machine without it, fetches
# Debian's opencv-doc package, takes its vtest.avi (a real pedestrian scene)
# and converts it to MJPEG with ffmpeg, cached in MT_FOOTAGE_CACHE
# (default /var/cache/matthan/footage).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shared="$top/../shared/footage/cdnet-highway/input"
if [ -d "$shared" ]; then
	[ "${1:-}" = --root ] && shared="$shared/../.."
	(cd "$shared" && pwd)
	exit 0
fi

cache=${MT_FOOTAGE_CACHE:-/var/cache/matthan/footage}
out="$cache/vtest-mjpeg.avi"
if [ ! -s "$out" ]; then
	echo "footage: $shared not found; using Debian opencv-doc's vtest.avi" >&2
	mkdir -p "$cache"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get download opencv-doc >&2)
	dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb |
		tar -x -C "$work" ./usr/share/doc/opencv-doc/examples/data/vtest.avi
	ffmpeg -nostdin -loglevel error -y \
		-i "$work/usr/share/doc/opencv-doc/examples/data/vtest.avi" \
		-an -c:v mjpeg -q:v 4 -f avi "$out.tmp"
	mv "$out.tmp" "$out"
fi

if [ "${1:-}" = --root ]; then
	# The tests read $MT_FOOTAGE/cdnet-highway/input/in%06d.jpg (320x240 JPEG).
	# Without ../shared, vtest's frames stand in, at that size and naming;
	# the folder's NOTE says so.
	root="$cache/vtest-root"
	if [ ! -s "$root/cdnet-highway/input/in000600.jpg" ]; then
		rm -rf "$root"
		mkdir -p "$root/cdnet-highway/input"
		ffmpeg -nostdin -loglevel error -i "$out" -vf scale=320:240 -q:v 4 \
			"$root/cdnet-highway/input/in%06d.jpg"
		echo "vtest.avi (Debian opencv-doc) frames standing in for CDnet highway" >"$root/NOTE"
	fi
	echo "$root"
	exit 0
fi
echo "$out"
