#!/usr/bin/env bash
# README command 1: install what is needed, build for board/host, start a
# local ward station (mt-station on 127.0.0.1), enroll the box with it the
# way an installer does (one-time code + CA fingerprint), and run the
# recorder on real footage (../shared/footage, or Debian's vtest.avi on a
# machine without it) until the footage ends. Clips are sealed and uploaded
# as they are made. The recorder's own report comes first (recorded, signed,
# uploaded); then independent checks: ffprobe decodes every clip, mt-verify
# checks the chain, and the station lists what it received and verified.
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
station_data="$data/station"
mkdir -p "$data"
bin=build/host
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT

# The station: made once, started for this run on a free port.
if [ ! -d "$station_data/keys" ]; then
	$bin/tools/station/mt-station init --data "$station_data" >"$data/station-init.txt"
fi
fp=$(sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p' "$data/station-init.txt")
$bin/tools/station/mt-station serve --data "$station_data" --listen 127.0.0.1:0 \
	>"$data/station.out" 2>"$data/station.log" &
pid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$data/station.out" 2>/dev/null && break
	sleep 0.1
done
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$data/station.out")
[ -n "$port" ] || { cat "$data/station.log" >&2; echo "matthan: the station did not start" >&2; exit 1; }
url="https://localhost:$port"
echo "matthan: local ward station at $url (data in $station_data)"

# Enroll once, as the installer would type it: URL, code, fingerprint.
if [ ! -s "$data/keys/device.id" ]; then
	code=$($bin/tools/station/mt-station enroll-code --data "$station_data" --device-name bench | tail -1)
	$bin/firmware/app/matthan --config "$data/matthan.conf" enroll "$url" "$code" "$fp"
fi

echo "matthan: replaying $footage at $fps fps (Ctrl-C stops early)"
$bin/firmware/app/matthan --config "$data/matthan.conf" \
	--set "capture.device=$footage" --set "capture.fps=$fps" \
	--set "spool.path=$data/spool" --set "device.keys=$data/keys" \
	--set "station.url=$url" --report "$data/report.txt" "$@"

echo
echo "== independent checks =="
n=0
for clip in "$data"/spool/clip-*.mp4; do
	[ -e "$clip" ] || continue
	frames=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$clip")
	echo "  ffprobe $(basename "$clip"): $frames frames decoded"
	n=$((n + 1))
done
echo "  mt-verify --chain:"
$bin/tools/verify/mt-verify --pubkey "$data/keys/evidence.pub.pem" --chain "$data/spool" |
	sed 's/^/    /' || true
echo "  the station received:"
$bin/tools/station/mt-station clips --data "$station_data" | sed 's/^/    /'
echo "$n clips in $data/spool (this run and earlier ones); report saved to $data/report.txt"
