#!/usr/bin/env bash
# Print the path of real footage to replay as the camera.
#
#   tools/footage.sh            the default scene (a folder of JPEGs or an MJPEG AVI)
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
	(cd "$shared" && pwd)
	exit 0
fi

cache=${MT_FOOTAGE_CACHE:-/var/cache/matthan/footage}
out="$cache/vtest-mjpeg.avi"
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

echo "footage: $shared not found; using Debian opencv-doc's vtest.avi" >&2
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download opencv-doc >&2)
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb |
	tar -x -C "$work" ./usr/share/doc/opencv-doc/examples/data/vtest.avi
ffmpeg -nostdin -loglevel error -y -i "$work/usr/share/doc/opencv-doc/examples/data/vtest.avi" \
	-an -c:v mjpeg -q:v 4 -f avi "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
