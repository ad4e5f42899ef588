#!/usr/bin/env bash
# The whole path with the real binaries: mt-station is made and started on
# 127.0.0.1; `matthan enroll` enrolls the box with a one-time code and the
# CA fingerprint; matthan replays real footage (CDnet highway frames
# 470-1069, scaled to 640x480 so a 16 MiB spool must evict) in real time
# with station.url set, records events into sealed fMP4 clips (10 s at most:
# chained) and uploads each clip *while it is recorded* (tus
# Upload-Defer-Length, a PATCH per committed fragment). Three runs:
#
#   1. live     the station is killed while a clip is being uploaded live,
#               and restarted 2 s later on the same port (a dropped link)
#   2. crash    matthan is SIGKILLed while a clip is being uploaded live
#   3. reboot   matthan starts again (no event in its short footage): the
#               spool recovers the cut clip, the uploader resumes it from
#               the station's offset and finishes it
#
# Then: live_watch.py saw the station holding bytes of clips whose .part
# was still being recorded; every clip the spool sealed is at the station
# exactly once, OK, its manifest the one the device journaled (SHA-256),
# its signature good under the device's evidence key (openssl), its clip
# file the one the manifest names (sha256sum), byte-identical (cmp) to the
# device's file where that is still in the spool; the device holds a
# checked receipt for every clip still there; the spool evicted receipted
# clips to make room (journal `evict`), never an unsent one (`lost`), and
# refused no event.
#
#   recorder_e2e.sh MATTHAN MT-STATION
set -euo pipefail
matthan=$1 station=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/station_up.sh"
work=$(mktemp -d)
pid= rec= watch=
cleanup() {
	for p in $rec $watch $pid; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -n "${E2E_KEEP:-}" ] && echo "recorder_e2e: kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "recorder_e2e: FAIL: $*" >&2
	exit 1
}
command -v ffmpeg >/dev/null || fail "ffmpeg is missing (tools/deps.sh installs it)"
src=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input
foot=$work/foot short=$work/short
mkdir -p "$foot" "$short"
ffmpeg -nostdin -v error -start_number 470 -i "$src/in%06d.jpg" -frames:v 600 \
	-vf scale=640:480 -q:v 3 -start_number 1 "$foot/in%06d.jpg"
cp "$foot"/in0000[1-4]?.jpg "$short/" # 40 frames: the detector is still learning

fp=$("$station" init --data "$work/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
start_station() { # [PORT]
	station_up "$station" "$work/station" "127.0.0.1:${1:-0}" "$work/serve.log" ||
		fail "mt-station did not start: $(tail -3 "$work/serve.log")"
	pid=$station_pid
}
start_station
port=$station_port
url="https://localhost:$port"
matthan_enroll "$matthan" "$station" "$work/station" "$url" "$fp" "$work" ||
	fail "enroll: $(cat "$work/enroll.out")"
conf=$work/matthan.conf
grep -q "^station.url = \"$url\"" "$conf" || fail "enroll did not save station.url"
sets=(--set capture.fps=25 --set capture.realtime=true --set record.preroll_s=2
	--set record.postroll_s=2 --set record.clip_max_s=10 --set spool.mib=16)

python3 "$here/live_watch.py" "$station" "$work/station" "$work/spool" "$work/live" &
watch=$!
touch "$work/live"
# the number of clips live_watch.py has seen at the station while recorded
live_clips() { awk '{print $3}' "$work/live" | sort -u | grep -c . || true; }
wait_live() { # N SECONDS: until N clips were seen live
	for _ in $(seq $(($2 * 10))); do
		[ "$(live_clips)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "no bytes of a clip being recorded reached the station in $2 s"
}

# 1. live, with the station killed and restarted mid-clip
"$matthan" --config "$conf" --set "capture.device=$foot" "${sets[@]}" \
	>"$work/report1" 2>"$work/log1" &
rec=$!
wait_live 1 40
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "recorder_e2e: station killed while $(tail -1 "$work/live" | awk '{print $3}') was recorded"
sleep 2
start_station "$port"
wait "$rec" || fail "matthan (run 1) exited $?: $(tail -5 "$work/log1")"
rec=
cat "$work/report1"
grep -q "^ *[1-9][0-9]* clips uploaded while recorded" "$work/report1" ||
	fail "run 1 reports no clip uploaded while recorded"

# 2. the recorder crashes while a clip goes up live
seen=$(live_clips)
"$matthan" --config "$conf" --set "capture.device=$foot" "${sets[@]}" \
	>"$work/report2" 2>"$work/log2" &
rec=$!
wait_live $((seen + 1)) 40
sleep 1
cut=
for _ in $(seq 100); do # the kill while a clip is open
	cut=$(ls "$work"/spool/*.part 2>/dev/null | head -1 || true)
	[ -z "$cut" ] || break
	sleep 0.1
done
kill -9 "$rec"
wait "$rec" 2>/dev/null || true
rec=
[ -n "$cut" ] || fail "no clip was being recorded when the recorder was killed"
cut=$(basename "${cut%.mp4.part}")
echo "recorder_e2e: matthan killed while $cut was recorded and uploaded live"

# 3. reboot: recovery closes the cut clip, the uploader finishes it
"$matthan" --config "$conf" --set "capture.device=$short" "${sets[@]}" \
	>"$work/report3" 2>"$work/log3" || fail "matthan (run 3) exited $?: $(tail -5 "$work/log3")"
cat "$work/report3"
kill "$watch"
wait "$watch" 2>/dev/null || true
watch=

# every sealed clip: at the station once, OK, the manifest the device sealed
id=$(cat "$work/keys/device.id")
journal=$work/spool/journal
sealed=$(grep -c '^sealed ' "$journal" || true)
[ "$sealed" -ge 3 ] || fail "only $sealed clips sealed"
! grep -q '^\(lost\|refused\) ' "$journal" || fail "the spool lost or refused: $(grep '^\(lost\|refused\) ' "$journal")"
evicted=$(grep -c '^evict ' "$journal" || true)
[ "$evicted" -ge 1 ] || fail "nothing was evicted: the spool never needed room"
pub=$work/keys/evidence.pub.pem
while read -r _ s _ _ man _; do
	seq=${s#seq=} man=${man#manifest=}
	name=$(printf 'clip-%06d' "$seq")
	dir=$(find "$work/station/clips/$id" -name "$name.json" -printf '%h\n')
	[ "$(echo "$dir" | grep -c .)" -eq 1 ] || fail "$name is not stored exactly once"
	[ "$(sha256sum <"$dir/$name.json" | cut -c1-64)" = "$man" ] ||
		fail "$name: the station's manifest is not the one the device sealed"
	openssl dgst -sha256 -verify "$pub" -signature "$dir/$name.sig" "$dir/$name.json" \
		>/dev/null || fail "$name: the signature does not verify"
	want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clip"]["sha256"])' \
		"$dir/$name.json")
	[ "$(sha256sum <"$dir/$name.mp4" | cut -c1-64)" = "$want" ] ||
		fail "$name: the station's clip is not the one its manifest names"
	if [ -e "$work/spool/$name.mp4" ]; then
		cmp -s "$dir/$name.mp4" "$work/spool/$name.mp4" || fail "$name differs at the station"
		[ -s "$work/spool/$name.rcpt" ] && [ -s "$work/spool/$name.rcpt.sig" ] ||
			fail "$name has no receipt on the device"
	else
		grep -q "^evict seq=$seq " "$journal" || fail "$name left the spool without 'evict'"
	fi
done < <(grep '^sealed ' "$journal")
# clips whose bytes were at the station before their length was known: sent
# while recorded (the uploader gives the length once the clip is sealed)
live=$(grep -c "upload [0-9a-f]* (clip-[0-9]*.mp4 of $id): length [0-9]* given at offset [1-9]" \
	"$work/serve.log" || true)
[ "$live" -ge 2 ] || fail "only $live clips were uploaded while they were recorded"
grep -q "\"end_reason\":\"power_loss\"" "$(find "$work/station/clips/$id" -name "$cut.json")" ||
	fail "$cut: not closed as power_loss after the crash"
"$station" clips --data "$work/station" --json | python3 -c '
import json, sys
clips = json.load(sys.stdin)["clips"]
bad = [c for c in clips if c["state"] != "OK"]
seqs = sorted(c["seq"] for c in clips)
assert clips and not bad, bad
assert seqs == list(range(1, int(sys.argv[1]) + 1)), seqs
print("station:", [(c["seq"], c["state"]) for c in clips])' "$sealed"
echo "recorder_e2e: live at the station while recorded: $(live_clips) clips," \
	"e.g. $(head -1 "$work/live" | awk '{print $3, $4, "bytes"}')"
echo "recorder_e2e: OK ($sealed clips recorded, sealed, verified and receipted, $live of them" \
	"uploaded while recorded; $evicted evicted from the spool after their receipt)"
