#!/usr/bin/env bash
# README command 1: install what is needed, build for board/host, and run the
# recorder on real footage (../shared/footage, or Debian's vtest.avi on a
# machine without it) until the footage ends; then check every clip with
# ffprobe, an independent decoder. The recorder's own report comes first.
#
#   tools/run-recorder.sh [extra matthan arguments, e.g. --set capture.realtime=false]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/deps.sh run
mkdir -p build
if ! tools/build.sh host >build/build-host.log 2>&1; then
	tail -n 40 build/build-host.log
	echo "matthan: the build failed (build/build-host.log)" >&2
	exit 1
fi
footage=$(tools/footage.sh)

# The replay camera plays at the footage's own rate when it has one.
fps=25
if [ -f "$footage" ]; then
	rate=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate \
		-of default=nw=1:nk=1 "$footage")
	fps=$(( ${rate%/*} / ${rate#*/} ))
fi

data="$top/matthan-data"
mkdir -p "$data"
echo "matthan: replaying $footage at $fps fps (Ctrl-C stops early)"
build/host/firmware/app/matthan --config "$data/matthan.conf" \
	--set "capture.device=$footage" --set "capture.fps=$fps" \
	--set "spool.path=$data/spool" --report "$data/report.txt" "$@"

echo
echo "== independent check: ffprobe decodes each clip =="
n=0
for clip in "$data"/spool/clip-*.mjpeg; do
	[ -e "$clip" ] || continue
	frames=$(ffprobe -v error -f mjpeg -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$clip")
	echo "  $(basename "$clip"): $frames frames decoded"
	n=$((n + 1))
done
echo "$n clips in $data/spool (this run and earlier ones); report saved to $data/report.txt"
