#!/usr/bin/env bash
# Delivery end to end over real TLS on 127.0.0.1: a station is made and
# started; the firmware's enrollment (pinned to the printed fingerprint, with
# a one-time code) gets the box its certificates; real footage clips are cut
# as fMP4 by ffmpeg and sealed by the firmware's sealer for the issued
# device id; the firmware's uploader delivers them with tus and checks the
# signed receipts. Then the faults: the station killed and restarted in the
# middle of an upload, a reused code, a wrong fingerprint. Every clip must
# end at the station byte-identical, verified OK, exactly once.
#
#   delivery.sh MT-STATION MT-TEST-UPLOAD MT-TEST-SEAL
set -euo pipefail
station=$1 up=$2 seal=$3
run() { ${MT_EMULATOR:-} "$@"; }
work=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "delivery: FAIL: $*" >&2; exit 1; }
footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input/in%06d.jpg

# shellcheck source-path=SCRIPTDIR source=station_up.sh
. "$(dirname "$0")/station_up.sh"
start_station() { # PORT (0 = any) → sets pid and url
	station_up "$station" "$work/station" "127.0.0.1:$1" "$work/serve.log" ||
		fail "station did not start: $(cat "$work/serve.log")"
	pid=$station_pid
	url="https://localhost:$station_port"
}

fp=$("$station" init --data "$work/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
[ ${#fp} -eq 64 ] || fail "no fingerprint from mt-station init"
start_station 0
code=$("$station" enroll-code --data "$work/station" --device-name bench | tail -1)

# A wrong fingerprint is refused before anything is sent.
bad=$(printf '%s' "$fp" | tr '0123456789abcdef' '123456789abcdef0')
if run "$up" enroll "$work/keys" "$url" "$code" "$bad" 2>"$work/err"; then
	fail "enrolled with a wrong fingerprint"
fi
grep -q "fingerprint" "$work/err" || fail "wrong fingerprint not named: $(cat "$work/err")"
[ ! -e "$work/keys/device.id" ] || fail "a refused enrollment stored an id"

# Enrollment, with the fingerprint written as an installer might.
fp_colons=$(printf '%s' "$fp" | sed 's/../&:/g; s/:$//' | tr a-f A-F)
id=$(run "$up" enroll "$work/keys" "$url" "$code" "$fp_colons")
[[ $id == mt-* ]] || fail "enroll printed '$id'"
for f in tls.key tls.crt ca.pem receipt.pem device.id evidence.key evidence.crt; do
	[ -s "$work/keys/$f" ] || fail "enrollment left no keys/$f"
done
[ "$(stat -c %a "$work/keys/tls.key")" = 600 ] || fail "tls.key is not 0600"
openssl verify -CAfile "$work/keys/ca.pem" "$work/keys/tls.crt" >/dev/null ||
	fail "openssl does not verify the issued TLS certificate"
# The code is used up.
if run "$up" enroll "$work/keys2" "$url" "$code" "$fp" 2>"$work/err"; then
	fail "a used code enrolled again"
fi
grep -q "403" "$work/err" || fail "reused code: $(cat "$work/err")"

# Three clips of real footage, sealed as one chain for the issued id.
mkdir -p "$work/spool"
for i in 1 2 3; do
	ffmpeg -v error -framerate 15 -start_number $((1 + 60 * i)) -i "$footage" -frames:v 60 \
		-c:v copy -movflags frag_keyframe+empty_moov+default_base_moof \
		-frag_duration 1000000 "$work/spool/clip-00000$i.mp4"
done
run "$seal" --device "$id" "$work/keys" "$work/spool"/clip-00000[123].mp4 >/dev/null
for i in 1 2 3; do
	[ -s "$work/spool/clip-00000$i.json" ] && [ -s "$work/spool/clip-00000$i.sig" ] ||
		fail "clip $i was not sealed"
done

# Deliver clip 1 and part of clip 2, then kill the station hard, restart it
# on the same port, and deliver the rest.
port=${url##*:}
run "$up" upload "$work/keys" "$work/spool" "$url" --kbps 400 --seconds 4 >"$work/up1" || true
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
start_station "$port"
run "$up" upload "$work/keys" "$work/spool" "$url" --seconds 60 >"$work/up2" ||
	fail "upload after the restart: $(cat "$work/up2")"
cat "$work/up1" "$work/up2"

# Every clip: a receipt the device checked, the station's copy identical and OK.
for i in 1 2 3; do
	[ -s "$work/spool/clip-00000$i.rcpt" ] || fail "clip $i has no receipt"
	openssl pkey -pubin -in "$work/keys/receipt.pem" -out "$work/rk.pem"
	openssl dgst -sha256 -verify "$work/rk.pem" -signature "$work/spool/clip-00000$i.rcpt.sig" \
		"$work/spool/clip-00000$i.rcpt" >/dev/null || fail "receipt $i does not verify with openssl"
	grep -q "^device=$id$" "$work/spool/clip-00000$i.rcpt" || fail "receipt $i names another device"
	[ ! -e "$work/spool/clip-00000$i.up" ] || fail "clip $i still has an upload journal"
	stored=$(find "$work/station" -name "clip-00000$i.mp4" -path "*$id*")
	[ "$(echo "$stored" | grep -c .)" -eq 1 ] || fail "clip $i stored $(echo "$stored" | grep -c .) times"
	cmp -s "$stored" "$work/spool/clip-00000$i.mp4" || fail "clip $i differs at the station"
done
"$station" clips --data "$work/station" --json >"$work/clips.json"
python3 - "$work/clips.json" "$id" <<'PY'
import json, sys
clips = [c for c in json.load(open(sys.argv[1]))["clips"] if c["device_id"] == sys.argv[2]]
states = sorted((c["seq"], c["state"]) for c in clips)
print("station:", states)
assert [s for _, s in states] == ["OK", "OK", "OK"], states
PY
echo "delivery: OK (3 clips, station restarted mid-upload)"
