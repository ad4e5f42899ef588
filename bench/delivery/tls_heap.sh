#!/usr/bin/env bash
# Heap per TLS connection: bench_tls_heap (its own counting allocator, see
# tls_heap.c) cross-built for armhf and run under qemu-user against a real
# mt-station on 127.0.0.1 (mutual TLS, the device enrolled as an installer
# does), with:
#   - Debian's mbedTLS 3.6 from the sysroot (16 KiB IN/OUT content lengths,
#     no MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH), without and with
#     max_fragment_length 4096;
#   - the board configuration: the same Debian source package (apt-get
#     source, a deb-src line for the sysroot's suite on this machine's
#     mirror, in a private apt state), the same configuration as
#     debian/rules, with MBEDTLS_SSL_IN_CONTENT_LEN / OUT_CONTENT_LEN 4096,
#     cross-built once into $MT_SYSROOT_CACHE/mbedtls-board-armhf, loaded instead of
#     Debian's libraries with LD_LIBRARY_PATH;
#   - the host build's mbedTLS 2.28 (x86-64) for comparison.
# Writes the "tls-heap" section of docs/performance.md.
#
#   bench/delivery/tls_heap.sh [HOST_BUILD] [ARMHF_BUILD]   (build/host, build/armhf)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/delivery/lib.sh
. "$root/bench/delivery/lib.sh"
host=${1:-$root/build/host}
armhf=${2:-$root/build/armhf}
cache=${MT_SYSROOT_CACHE:-/var/cache/matthan}
[ -f "$host/CMakeCache.txt" ] || cmake -S "$root" -B "$host" -G Ninja -DBOARD=host >/dev/null
[ -f "$armhf/CMakeCache.txt" ] || cmake -S "$root" -B "$armhf" -G Ninja -DBOARD=generic-armhf >/dev/null
host=$(cd "$host" && pwd) armhf=$(cd "$armhf" && pwd)
cmake --build "$host" --target mt-station mt-test-upload bench_tls_heap >/dev/null
cmake --build "$armhf" --target bench_tls_heap >/dev/null
sysroot=$(sed -n 's/^MT_SYSROOT:PATH=//p' "$armhf/CMakeCache.txt")
[ -d "$sysroot" ] || { echo "tls_heap: no sysroot for $armhf" >&2; exit 1; }
suite=$(basename "$sysroot" | sed 's/^sysroot-\(.*\)-armhf$/\1/')
work=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The board configuration of Debian's mbedTLS 3.6, built once.
board=$cache/mbedtls-board-armhf
if [ ! -e "$board/lib/libmbedtls.so" ]; then
	src=$work/mbedtls
	mkdir -p "$src/lists/partial"
	echo "deb-src $("$root/tools/sysroot.sh" --mirror) $suite main" >"$src/sources.list"
	apt=(-o "Dir::Etc::SourceList=$src/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$src/lists")
	apt-get update -qq "${apt[@]}"
	want=$(sed -n 's/.*MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' \
		"$sysroot/usr/include/mbedtls/build_info.h")
	(cd "$src" && apt-get source -qq --download-only "${apt[@]}" mbedtls >/dev/null 2>&1)
	dsc=$(ls "$src"/mbedtls_"$want"-*.dsc 2>/dev/null | head -n 1)
	[ -n "$dsc" ] || { echo "tls_heap: no source of mbedTLS $want in $suite" >&2; exit 1; }
	dpkg-source -x "$dsc" "$src/tree" >/dev/null
	(
		cd "$src/tree"
		# debian/rules' override_dh_auto_configure, then the board's record sizes
		sed -n 's/^\tscripts\/config.py set \(MBEDTLS_[A-Z0-9_]*\)$/\1/p' debian/rules |
			while read -r o; do python3 scripts/config.py set "$o"; done
		cmp -s include/mbedtls/mbedtls_config.h "$sysroot/usr/include/mbedtls/mbedtls_config.h" || {
			echo "tls_heap: the rebuilt configuration is not Debian's" >&2
			exit 1
		}
		python3 scripts/config.py set MBEDTLS_SSL_IN_CONTENT_LEN 4096
		python3 scripts/config.py set MBEDTLS_SSL_OUT_CONTENT_LEN 4096
	)
	cmake -S "$src/tree" -B "$src/build" -G Ninja \
		-DCMAKE_TOOLCHAIN_FILE="$root/board/generic-armhf/toolchain.cmake" \
		-DMT_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release -DUSE_SHARED_MBEDTLS_LIBRARY=ON \
		-DUSE_STATIC_MBEDTLS_LIBRARY=OFF -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF \
		-DMBEDTLS_FATAL_WARNINGS=OFF >/dev/null
	cmake --build "$src/build" >/dev/null
	mkdir -p "$board.tmp/lib"
	cp -a "$src/build/library/"*.so* "$board.tmp/lib/"
	echo "mbedTLS $want ($(basename "$dsc")), IN/OUT_CONTENT_LEN 4096" >"$board.tmp/README"
	rm -rf "$board" && mv "$board.tmp" "$board"
fi

station_with_device "$host" "$work"

bin=$armhf/bench/delivery/bench_tls_heap
qemu=(qemu-arm -L "$sysroot")
measure() { # NAME COMMAND...: key=value lines into NAME.out, or the error
	local name=$1
	shift
	"$@" >"$work/$name.out" 2>"$work/$name.err" || true
}
measure debian "${qemu[@]}" "$bin" "$url" "$work/keys"
measure debian_mfl "${qemu[@]}" "$bin" "$url" "$work/keys" 4096
measure board "${qemu[@]}" -E "LD_LIBRARY_PATH=$board/lib" "$bin" "$url" "$work/keys"
measure board_nettle "${qemu[@]}" -E "LD_LIBRARY_PATH=$board/lib" -E MT_BENCH_RECORDS=nettle \
	"$bin" "$url" "$work/keys"
measure host_mbedtls env MT_BENCH_RECORDS=mbedtls "$host/bench/delivery/bench_tls_heap" "$url" "$work/keys"
measure host "$host/bench/delivery/bench_tls_heap" "$url" "$work/keys"
measure host_mfl "$host/bench/delivery/bench_tls_heap" "$url" "$work/keys" 4096
for n in debian board board_nettle host host_mbedtls host_mfl; do
	grep -q '^second_after_close=' "$work/$n.out" ||
		{ echo "tls_heap: $n: $(cat "$work/$n.err")" >&2; exit 1; }
done
head -n 50 "$work"/*.out >&2

v() { sed -n "s/^$2=//p" "$work/$1.out"; }
kib() { awk -v b="$(v "$1" "$2")" 'BEGIN { printf "%.1f", b / 1024 }'; }
row() { # NAME LABEL
	echo "| $2 | $(v "$1" second_version), records: $(v "$1" second_records) | $(kib "$1" first_handshake_peak) / $(kib "$1" second_handshake_peak) | $(kib "$1" first_steady) / $(kib "$1" second_steady) | $(kib "$1" second_request_peak) | $(v "$1" second_steady_blocks) |"
}
mfl_debian=$(if grep -q '^second_after_close=' "$work/debian_mfl.out"; then
	echo "connects, and changes nothing: handshake peak $(kib debian_mfl second_handshake_peak) KiB, steady $(kib debian_mfl second_steady) KiB"
else
	echo "**fails**: \`$(sed 's/^bench_tls_heap: //' "$work/debian_mfl.err" | head -n 1)\`"
fi)

section=$(cat <<MD
<!-- tls-heap:begin -->
## Delivery: heap per TLS connection

\`bench/delivery/tls_heap.sh\`, $(date -u +%Y-%m-%d). \`bench_tls_heap\` counts every byte
the process asks of malloc/calloc/realloc (it defines them itself, so mbedTLS's
shared libraries allocate through it; Debian builds mbedTLS without
\`MBEDTLS_PLATFORM_MEMORY\`), while \`net/tls.c\` connects with mutual TLS to a
real \`mt-station\` on 127.0.0.1 and \`net/http.c\`/\`net/tus.c\` send a GET
/health and a 1 MiB tus upload (POST, PATCH). armhf builds run under
qemu-user. Bytes asked for, without the allocator's own overhead. The first
connection is a full handshake that also sets up once-per-process state; the
second (the same client, the station does not resume sessions) is what every
later connection costs.

| mbedTLS | protocol, who seals what we send | handshake peak, 1st / 2nd (KiB) | steady while connected, 1st / 2nd (KiB) | peak during a request, 2nd (KiB) | largest blocks held while connected (bytes) |
| --- | --- | --- | --- | --- | --- |
$(row debian "Debian 3.6 (armhf sysroot): IN/OUT_CONTENT_LEN 16384")
$(row board "board: Debian's 3.6 source, IN/OUT_CONTENT_LEN 4096")
$(row board_nettle "board, records sealed by Nettle (forced; armhf's default leaves ChaCha20 to mbedTLS)")
$(row host "host: Debian 12's 2.28 (x86-64)")
$(row host_mbedtls "host, records sealed by mbedTLS")

The record sealer (\`net/tls_seal.c\`) adds its record buffer (the largest
record mbedTLS would send + 29 bytes) and the cipher's context, per
connection: $(awk -v a="$(v board_nettle second_steady)" -v b="$(v board second_steady)" 'BEGIN { printf "%.1f", (a - b) / 1024 }') KiB on the board configuration (4 KiB records, ChaCha20-Poly1305),
$(awk -v a="$(v host second_steady)" -v b="$(v host_mbedtls second_steady)" 'BEGIN { printf "%.1f", (a - b) / 1024 }') KiB on the host (16 KiB records, AES-GCM with Nettle's 4 KiB GHASH table).

The config object, CA, our certificate and key (\`mt_tls_client_new\`) are
$(kib debian client) KiB more, once per client, not per connection.

**Why Debian's build needs $(kib debian second_steady) KiB per connection:** it is built
with 16 KiB \`MBEDTLS_SSL_IN_CONTENT_LEN\`/\`OUT_CONTENT_LEN\` and without
\`MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH\`, so every connection allocates an input
and an output record buffer of $(v debian second_steady_blocks | cut -d' ' -f1) bytes each (16384 +
header, IV, MAC and padding room) at \`mbedtls_ssl_setup\` and keeps both
until it is closed: $(awk -v b="$(v debian second_steady_blocks | cut -d' ' -f1)" 'BEGIN { printf "%.1f", 2 * b / 1024 }') KiB of the steady state before
anything else (the transform, the session, the peer's certificate chain).
The 32 KiB target cannot be met with that library build.

**max_fragment_length** (\`mt_tls_config.max_frag_len\`, RFC 6066) does not
shrink those buffers: without \`MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH\` they are
sized at compile time. With mbedTLS 2.28 (TLS 1.2) asking for 4096 connects;
steady state $(v host_mfl second_steady) bytes against $(v host second_steady) without it, handshake peak
$(v host_mfl second_handshake_peak) against $(v host second_handshake_peak). With Debian's 3.6, which speaks TLS 1.3 to the
station, it $mfl_debian: the station (GnuTLS) answers the extension and
mbedTLS 3.6's TLS 1.3 client refuses that answer; \`MBEDTLS_SSL_RECORD_SIZE_LIMIT\`
(the TLS 1.3 way) is off in Debian's build. So the firmware does not set it.

**The board configuration** ($(cat "$board/README")) needs
$(kib board second_handshake_peak) KiB at the handshake's peak and $(kib board second_steady) KiB while connected: within the
32 KiB target. Its limit is that the station must not send records over
4096 bytes: the answers to the device's requests are small (a few hundred
bytes), but an OTA download through it needs the station to send short
records (max_fragment_length in TLS 1.2 or record_size_limit in TLS 1.3,
both of which the board's mbedTLS would then need); not tested here.
During a request \`net/http.c\` adds its own
$(awk -v a="$(v board second_request_peak)" -v b="$(v board second_steady)" 'BEGIN { printf "%.1f", (a - b) / 1024 }') KiB on top (the response head buffer and the reader, 8 KiB each, freed after the request).
<!-- tls-heap:end -->
MD
)
write_section "$root/docs/performance.md" tls-heap "$section"
echo "$section"
