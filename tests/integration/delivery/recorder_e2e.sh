#!/usr/bin/env bash
# The whole path with the real binaries: mt-station is made and started on
# 127.0.0.1; `matthan enroll` enrolls the box with a one-time code and the
# CA fingerprint; matthan replays real footage with station.url set, records
# events into sealed fMP4 clips and uploads them while it runs. Then: every
# clip in the spool has a receipt the box checked, the report says so, the
# station holds each clip once, byte-identical, verified OK.
#
#   recorder_e2e.sh MATTHAN MT-STATION
set -euo pipefail
matthan=$1 station=$2
# shellcheck source-path=SCRIPTDIR source=local_station.sh
. "$(dirname "$0")/local_station.sh"
work=$(mktemp -d)
trap local_station_cleanup EXIT
fail() { echo "recorder_e2e: FAIL: $*" >&2; exit 1; }
footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input

local_station "$station" "$work"
code=$("$station" enroll-code --data "$work/station" --device-name e2e | tail -1)

conf=$work/matthan.conf
printf 'device.keys = "%s/keys"\nspool.path = "%s/spool"\nconsole.device = "none"\n' \
	"$work" "$work" >"$conf"
"$matthan" --config "$conf" enroll "$url" "$code" "$fp" >"$work/enroll.out" ||
	fail "enroll: $(cat "$work/enroll.out")"
grep -q "^station.url = \"$url\"" "$conf" || fail "enroll did not save station.url"

"$matthan" --config "$conf" --set "capture.device=$footage" --set capture.realtime=false \
	--set record.preroll_s=2 --set record.postroll_s=2 >"$work/report" 2>"$work/log" ||
	fail "matthan exited $?: $(tail -5 "$work/log")"
cat "$work/report"
clips=$(ls "$work"/spool/clip-*.mp4 | wc -l)
[ "$clips" -ge 1 ] || fail "no clip recorded"
grep -q "^uploaded   $clips clips delivered with a checked station receipt" "$work/report" ||
	fail "the report does not say all $clips clips were delivered"
id=$(cat "$work/keys/device.id")
for clip in "$work"/spool/clip-*.mp4; do
	name=$(basename "$clip")
	[ -s "${clip%.mp4}.rcpt" ] && [ -s "${clip%.mp4}.rcpt.sig" ] || fail "$name has no receipt"
	stored=$(find "$work/station/clips/$id" -name "$name")
	[ "$(echo "$stored" | grep -c .)" -eq 1 ] || fail "$name is not stored exactly once"
	cmp -s "$stored" "$clip" || fail "$name differs at the station"
done
"$station" clips --data "$work/station" --json | python3 -c '
import json, sys
clips = json.load(sys.stdin)["clips"]
bad = [c for c in clips if c["state"] != "OK"]
assert clips and not bad, bad
print("station:", [(c["seq"], c["state"]) for c in clips])'
echo "recorder_e2e: OK ($clips clips recorded, sealed, delivered and verified)"
