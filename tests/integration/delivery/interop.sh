#!/usr/bin/env bash
# tus interop: the firmware's tus client (mt-test-tus: net/tus.c over
# net/station.c and net/tls.c) against the reference server, @tus/server
# with @tus/file-store under node, behind HTTPS that requires a client
# certificate of a test CA made here with openssl. Every upload must end in
# the server's store byte-identical to the source clip.
#
#   interop.sh MT-TEST-TUS
#
# The node modules come from tools/deps.sh npm (MT_NPM_MODULES, default
# /var/cache/matthan/npm/tus-interop/node_modules); without them the test
# fails and says so. Cases are functions named case_*; add one to extend
# (e.g. live upload with deferred length, when the client grows it).
set -euo pipefail
tus=$1
here=$(cd "$(dirname "$0")" && pwd)
mods=${MT_NPM_MODULES:-/var/cache/matthan/npm/tus-interop/node_modules}
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
	echo "interop: FAIL: $*" >&2
	[ ! -s "$work/server.log" ] || { echo "-- server log:" && tail -n 30 "$work/server.log"; } >&2
	exit 1
}
[ -d "$mods/@tus/server" ] && [ -d "$mods/@tus/file-store" ] ||
	fail "@tus/server is not installed in $mods: run tools/deps.sh npm"
command -v node >/dev/null || fail "node is not installed: run tools/deps.sh npm"
footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input/in%06d.jpg

# A test CA, the server's certificate (localhost), a device certificate of
# that CA and one of another CA; P-256 like the station's.
cd "$work"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
issue() { # NAME CN CA-PREFIX [EXTFILE]
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -days 2 -out "$1.crt" \
		${4:+-extfile "$4"} 2>/dev/null
}
for ca in ca other-ca; do
	key "$ca.key"
	openssl req -x509 -new -key "$ca.key" -subj "/CN=interop $ca" -days 2 -out "$ca.pem"
done
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
issue server localhost ca san.ext
issue device mt-0123456789abcdef ca
issue stranger mt-fedcba9876543210 other-ca
mkdir keys stranger-keys store
cp ca.pem keys/ca.pem && cp device.crt keys/tls.crt && cp device.key keys/tls.key
cp ca.pem stranger-keys/ca.pem && cp stranger.crt stranger-keys/tls.crt &&
	cp stranger.key stranger-keys/tls.key

# A real clip: 300 frames of footage as fragmented MP4 (about 1.5 MiB).
ffmpeg -v error -framerate 15 -start_number 470 -i "$footage" -frames:v 300 -c:v copy \
	-movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 clip.mp4
size=$(stat -c %s clip.mp4)
[ "$size" -gt 1000000 ] || fail "the clip is only $size bytes"

node "$here/interop/server.mjs" "$mods" store server.key server.crt ca.pem >server.out \
	2>server.log &
pid=$!
for _ in $(seq 100); do
	grep -q "listening on" server.out 2>/dev/null && break
	sleep 0.1
done
url="https://localhost:$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' server.out)"
[ "$url" != "https://localhost:" ] || fail "@tus/server did not start"

# put NAME ARGS...: upload the clip; the server's copy must be identical.
put() {
	local name=$1 loc id
	shift
	run "$tus" put "$url" keys clip.mp4 "$@" >"$name.out" 2>"$name.err" ||
		fail "$name: $(cat "$name.err")"
	loc=$(sed -n 's/^created //p' "$name.out")
	id=${loc##*/}
	[ -n "$id" ] && [ -f "store/$id" ] || fail "$name: no upload stored for '$loc'"
	cmp -s "store/$id" clip.mp4 || fail "$name: the server's copy differs from the clip"
	grep -q "^done $size $size " "$name.out" || fail "$name: $(cat "$name.out")"
	echo "$id"
}

case_whole() { # POST with Upload-Length, PATCHes of 256 KiB
	local id
	id=$(put whole --chunk 262144)
	grep -q "^POST /files/ from mt-0123456789abcdef upload-length=$size\$" server.log ||
		fail "whole: the POST did not carry Upload-Length $size"
	[ "$(grep -c "^PATCH /files/$id " server.log)" -eq $(((size + 262143) / 262144)) ] ||
		fail "whole: not one PATCH per 256 KiB"
}

case_cut() { # the connection dropped mid-PATCH: HEAD, then on from the server's offset
	local id at has
	id=$(put cut --cut-at 600000)
	read -r at has < <(sed -n 's/^cut at \([0-9]*\): server has \([0-9]*\)$/\1 \2/p' cut.out)
	[ "${at:-}" = 600000 ] || fail "cut: no cut at 600000: $(cat cut.out)"
	[ "$has" -gt 0 ] && [ "$has" -le 600000 ] || fail "cut: the server had $has after the cut"
	grep -q "^HEAD /files/$id " server.log || fail "cut: no HEAD after the cut"
	grep -q "^PATCH /files/$id from .* upload-offset=$has\$" server.log ||
		fail "cut: no PATCH resumed at the server's offset $has"
	echo "cut at 600000, the server kept $has, resumed there"
}

case_defer() { # creation-defer-length: the length comes with the last PATCH
	local id
	id=$(put defer --defer --chunk 500000)
	grep -q "^POST /files/ from .* upload-defer-length=1\$" server.log ||
		fail "defer: the POST did not carry Upload-Defer-Length"
	grep -q "^PATCH /files/$id from .* upload-offset=$((size / 500000 * 500000)) upload-length=$size\$" \
		server.log || fail "defer: the last PATCH did not declare Upload-Length"
	[ "$(grep -c "^PATCH /files/$id .*upload-length" server.log)" -eq 1 ] ||
		fail "defer: Upload-Length sent more than once"
}

case_delete() { # termination: DELETE, then HEAD finds the upload gone
	local id
	run "$tus" put "$url" keys clip.mp4 --delete >delete.out 2>delete.err ||
		fail "delete: $(cat delete.err)"
	id=$(sed -n 's/^created .*\///p' delete.out)
	grep -q "^done $size $size " delete.out || fail "delete: not whole before the DELETE"
	grep -q "^deleted (HEAD: 4[01][04])$" delete.out || fail "delete: $(cat delete.out)"
	grep -q "^DELETE /files/$id " server.log || fail "delete: no DELETE reached the server"
	[ ! -e "store/$id" ] || fail "delete: the server still stores the upload"
}

case_stranger() { # a certificate of another CA is refused by the server
	if run "$tus" put "$url" stranger-keys clip.mp4 >stranger.out 2>stranger.err; then
		fail "stranger: a certificate of another CA uploaded"
	fi
	grep -q "^created" stranger.out && fail "stranger: created an upload"
	echo "stranger refused: $(head -n 1 stranger.err)"
}

for c in whole cut defer delete stranger; do
	"case_$c"
	echo "interop: $c OK"
done
echo "interop: OK (@tus/server $(node -p "require('$mods/@tus/server/package.json').version"), clip of $size bytes)"
