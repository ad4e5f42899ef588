#!/usr/bin/env bash
# Resuming a clip that was being uploaded while it was recorded, with the
# firmware's uploader (mt-test-upload) against a real mt-station over
# mutual TLS. The state a reboot mid-live-clip leaves is made by hand with
# curl, as the device's own certificate: a deferred-length upload
# (Upload-Defer-Length: 1) holding part of the clip, and the device's upload
# journal (clip-N.up) one acknowledged PATCH behind (offset 0), as after a
# power cut between the station's 204 and the journal's write.
#
#   resume     the station holds the first half of clip 1: the uploader's
#              PATCH at 0 gets 409, HEAD says where the station stands, the
#              rest goes up with Upload-Length on its last PATCH; nothing
#              acknowledged is sent again (the uploader's byte count is the
#              second half plus the sidecars)
#   truncated  the station holds more of clip 2 than the device's final file
#              (a recovery cut the clip shorter than what went up): the
#              upload is terminated (DELETE) and the clip sent again whole
#
# Both clips must end at the station byte-identical (cmp), OK, receipted.
#
#   live_resume.sh MT-STATION MT-TEST-UPLOAD MT-TEST-SEAL
set -euo pipefail
station=$1 up=$2 seal=$3
. "$(dirname "$0")/station_up.sh"
run() { ${MT_EMULATOR:-} "$@"; }
work=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "live_resume: FAIL: $*" >&2
	exit 1
}
command -v curl >/dev/null || fail "curl is missing (tools/deps.sh installs it)"
footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input/in%06d.jpg

fp=$("$station" init --data "$work/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
station_up "$station" "$work/station" 127.0.0.1:0 "$work/serve.log" ||
	fail "station did not start: $(cat "$work/serve.log")"
pid=$station_pid
url=https://localhost:$station_port
code=$("$station" enroll-code --data "$work/station" --device-name live | tail -1)
id=$(run "$up" enroll "$work/keys" "$url" "$code" "$fp")

mkdir -p "$work/spool"
for i in 1 2; do
	ffmpeg -v error -framerate 15 -start_number $((470 + 60 * i)) -i "$footage" -frames:v 60 \
		-c:v copy -movflags frag_keyframe+empty_moov+default_base_moof \
		-frag_duration 1000000 "$work/spool/clip-00000$i.mp4"
done
run "$seal" --device "$id" "$work/keys" "$work/spool"/clip-00000[12].mp4 >/dev/null

tus() { # curl as the device, with tus headers
	curl -sS --cacert "$work/keys/ca.pem" --cert "$work/keys/tls.crt" \
		--key "$work/keys/tls.key" --key-type DER -H "Tus-Resumable: 1.0.0" "$@"
}
b64() { printf '%s' "$1" | base64 -w0; }
create() { # SEQ → prints the upload's path
	local name
	name=$(printf 'clip-%06d.mp4' "$1")
	tus -D - -o /dev/null -X POST -H "Upload-Defer-Length: 1" \
		-H "Upload-Metadata: filename $(b64 "$name"),kind $(b64 clip),seq $(b64 "$1")" \
		"$url/files/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p'
}
patch() { # PATH FILE: the file's bytes at offset 0
	tus -o /dev/null -w '%{http_code}' -X PATCH \
		-H "Content-Type: application/offset+octet-stream" -H "Upload-Offset: 0" \
		--data-binary "@$2" "$url$1"
}
size1=$(stat -c %s "$work/spool/clip-000001.mp4")
size2=$(stat -c %s "$work/spool/clip-000002.mp4")
half=$((size1 / 2))

# resume: the first half of clip 1 is at the station
loc1=$(create 1)
head -c "$half" "$work/spool/clip-000001.mp4" >"$work/half"
[ "$(patch "$loc1" "$work/half")" = 204 ] || fail "could not PATCH half of clip 1"
printf 'clip %s 0 0 -1\n' "$loc1" >"$work/spool/clip-000001.up"
# truncated: the station has clip 2 and 1000 bytes more
loc2=$(create 2)
{
	cat "$work/spool/clip-000002.mp4"
	head -c 1000 /dev/urandom
} >"$work/long"
[ "$(patch "$loc2" "$work/long")" = 204 ] || fail "could not PATCH clip 2 and more"
printf 'clip %s 0 0 -1\n' "$loc2" >"$work/spool/clip-000002.up"
"$station" uploads --data "$work/station"

run "$up" upload "$work/keys" "$work/spool" "$url" --seconds 60 >"$work/up" 2>"$work/up.err" ||
	fail "upload: $(cat "$work/up" "$work/up.err")"
cat "$work/up"

# resume: the station's half was kept, never sent again
grep -q "upload ${loc1##*/} (clip-000001.mp4 of $id): length $size1 given at offset" \
	"$work/serve.log" || fail "clip 1's deferred length was never given"
side=0
for e in json sig ckpt; do
	for i in 1 2; do
		[ -e "$work/spool/clip-00000$i.$e" ] &&
			side=$((side + $(stat -c %s "$work/spool/clip-00000$i.$e")))
	done
done
want=$((size1 - half + size2 + side))
grep -q " bytes=$want " "$work/up" ||
	fail "the uploader sent $(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' "$work/up") bytes, not $want (acknowledged bytes sent again?)"
# truncated: the long upload was terminated, the clip sent again
grep -q " restarts=1 " "$work/up" || fail "clip 2's upload was not begun again"
code=$(tus -o /dev/null -w '%{http_code}' -I "$url$loc2")
[ "$code" = 410 ] || fail "clip 2's long upload answers HEAD with $code, not 410 (terminated)"

for i in 1 2; do
	[ -s "$work/spool/clip-00000$i.rcpt" ] || fail "clip $i has no receipt"
	stored=$(find "$work/station/clips" -name "clip-00000$i.mp4")
	[ "$(echo "$stored" | grep -c .)" -eq 1 ] || fail "clip $i is not stored exactly once"
	cmp -s "$stored" "$work/spool/clip-00000$i.mp4" || fail "clip $i differs at the station"
done
"$station" clips --data "$work/station" --json | python3 -c '
import json, sys
states = sorted((c["seq"], c["state"]) for c in json.load(sys.stdin)["clips"])
print("station:", states)
assert states == [(1, "OK"), (2, "OK")], states'
echo "live_resume: OK (resumed from the station's offset; a longer upload terminated and redone)"
