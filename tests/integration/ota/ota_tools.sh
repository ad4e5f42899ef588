#!/usr/bin/env bash
# mt-bundle and mt-boot as a station and a box use them: a bundle signed
# with the update key `mt-station init` made, checked by mt-bundle (the
# firmware's own check) and by stock openssl, refused when tampered,
# published into the station's OTA tree; then mt-boot with a slot B on
# trial whose program crashes at start: three tries, then slot A by itself.
#
#   ota_tools.sh MT-STATION MT-BUNDLE MT-BOOT
set -euo pipefail
station=$1 bundle=$2 boot=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "ota_tools: FAIL: $*" >&2; exit 1; }

"$station" init --data "$work/st" >/dev/null
key=$work/st/keys/update.key pub=$work/st/update.pub.pem
head -c 300000 /dev/urandom >"$work/payload"
"$bundle" create --key "$key" --board host --version 1.2.0 --min-version 1.0 \
	"$work/payload" "$work/b.mtb" >/dev/null
"$bundle" verify --pubkey "$pub" "$work/b.mtb" | grep -q "OK: board=host version=1.2.0" ||
	fail "a good bundle does not verify"
"$bundle" verify --pubkey "$pub" --board host --installed 1.1 "$work/b.mtb" >/dev/null ||
	fail "a good bundle is refused for a 1.1 host"

# openssl checks the manifest's signature too (prefix: MTB1, u32 mlen, u32 slen)
python3 - "$work" <<'PY'
import struct, sys
d = open(sys.argv[1] + "/b.mtb", "rb").read()
assert d[:4] == b"MTB1"
m, s = struct.unpack(">II", d[4:12])
open(sys.argv[1] + "/manifest", "wb").write(d[12:12 + m])
open(sys.argv[1] + "/sig", "wb").write(d[12 + m:12 + m + s])
PY
openssl dgst -sha256 -verify "$pub" -signature "$work/sig" "$work/manifest" >/dev/null ||
	fail "openssl does not verify the manifest signature"
grep -q "^sha256=$(sha256sum "$work/payload" | cut -c1-64)$" "$work/manifest" ||
	fail "the manifest does not pin the payload's SHA-256"

refused() { # WHY ARGS... : the bundle must be refused naming WHY
	local why=$1
	shift
	if "$bundle" verify --pubkey "$pub" "$@" 2>"$work/err" >/dev/null; then
		fail "accepted: $*"
	fi
	grep -q "$why" "$work/err" || fail "refused without '$why': $(cat "$work/err")"
}
cp "$work/b.mtb" "$work/t.mtb"
printf 'X' | dd of="$work/t.mtb" bs=1 seek=200000 conv=notrunc status=none
refused "payload hash mismatch" "$work/t.mtb"
cp "$work/b.mtb" "$work/t.mtb"
sed -i '0,/board=host/s//board=hosx/' "$work/t.mtb"
refused "bad signature" "$work/t.mtb"
head -c -1 "$work/b.mtb" >"$work/t.mtb"
refused "payload truncated" "$work/t.mtb"
{ cat "$work/b.mtb"; printf 'x'; } >"$work/t.mtb"
refused "longer than declared" "$work/t.mtb"
refused "wrong board" --board rpi3 --installed 1.1 "$work/b.mtb"
refused "not newer" --board host --installed 1.2.0 "$work/b.mtb"
refused "anti-rollback floor" --board host --installed 1.1 --floor 1.3 "$work/b.mtb"
refused "below the bundle's minimum" --board host --installed 0.9 "$work/b.mtb"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/other.key" 2>/dev/null
"$bundle" create --key "$work/other.key" --board host --version 1.2.0 --min-version 1.0 \
	"$work/payload" "$work/o.mtb" >/dev/null
refused "bad signature" "$work/o.mtb"

# publish: the bundle under ota/host/ and latest.json naming it
"$bundle" publish --data "$work/st" "$work/b.mtb" >/dev/null
cmp -s "$work/b.mtb" "$work/st/ota/host/host-1.2.0.mtb" || fail "published bundle differs"
python3 - "$work/st/ota/host/latest.json" "$(stat -c %s "$work/b.mtb")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j == {"board": "host", "version": "1.2.0", "file": "host-1.2.0.mtb",
             "size": int(sys.argv[2])}, j
PY

# mt-boot: A is healthy and committed; B on trial crashes at start
mkdir -p "$work/box/A" "$work/box/B"
printf '#!/bin/sh\necho "A slot=$MT_SLOT trial=$MT_SLOT_TRIAL"\n' >"$work/box/A/matthan"
printf '#!/bin/sh\necho "B slot=$MT_SLOT trial=$MT_SLOT_TRIAL"\nexit 3\n' >"$work/box/B/matthan"
printf 'active=A\ntrial=B\ntries=3\nnote=\n' >"$work/box/slots.state"
for i in 1 2 3; do
	out=$("$boot" --root "$work/box" || true)
	[ "$out" = "B slot=B trial=1" ] || fail "boot $i started '$out'"
done
out=$("$boot" --root "$work/box")
[ "$out" = "A slot=A trial=0" ] || fail "after 3 failed tries: '$out'"
grep -q "^trial=-$" "$work/box/slots.state" || fail "trial not dropped"
grep -q "^note=slot B failed its trial boots; back to A$" "$work/box/slots.state" ||
	fail "no note of the rollback: $(cat "$work/box/slots.state")"
# a trial slot with no program is never started
printf 'active=A\ntrial=B\ntries=3\nnote=\n' >"$work/box/slots.state"
rm "$work/box/B/matthan"
out=$("$boot" --root "$work/box")
[ "$out" = "A slot=A trial=0" ] || fail "an empty trial slot: '$out'"
echo "ota_tools: OK"
