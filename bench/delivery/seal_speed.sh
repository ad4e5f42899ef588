#!/usr/bin/env bash
# The bulk cipher of the records the box sends, one core, 16 KiB records:
# mbedTLS (what its record layer calls) against the record sealer
# (net/tls_seal.c, Nettle, whole TLS 1.2 records), with `openssl speed` as
# the peer (what curl's OpenSSL does). Decides tls.c's default of who seals
# which suite (Kconfig MT_TLS_NETTLE_CHACHA). Run it on the board before
# changing that default for one: qemu timings say nothing.
# Writes the "delivery-ciphers" section of docs/performance.md.
#
#   bench/delivery/seal_speed.sh [BUILD_DIR] [SECONDS_EACH]    (build/host, 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/delivery/lib.sh
. "$root/bench/delivery/lib.sh"
build=$(cd "${1:-$root/build/host}" && pwd)
secs=${2:-2}
cmake --build "$build" --target bench_seal_speed >/dev/null
out=$("$build/bench/delivery/bench_seal_speed" "$secs")
echo "$out" >&2
ossl() { # EVP name → MiB/s
	openssl speed -evp "$1" -bytes 16384 -seconds "$secs" -mr 2>/dev/null |
		awk -F: '/^\+F:/ { printf "%.0f", $4 / 1048576 }'
}
get() { echo "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
row() { # LABEL MBEDTLS SEALER OPENSSL_EVP
	local m s o
	m=$(get "$2") s=$(get "$3") o=$(ossl "$4")
	echo "| $1 | $m | $s | $o | $(awk -v a="$s" -v b="$m" 'BEGIN { printf "%.1f", a / b }')x |"
}
section=$(cat <<MD
<!-- delivery-ciphers:begin -->
### Who seals the records: mbedTLS, Nettle, OpenSSL

\`bench/delivery/seal_speed.sh\`, $(date -u +%Y-%m-%d), $(uname -m), one core, 16 KiB
records, MiB/s; mbedTLS $(cat /usr/include/mbedtls/build_info.h /usr/include/mbedtls/version.h 2>/dev/null |
	sed -n 's/.*MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' | head -1), Nettle $(dpkg-query -W -f '\${Version}' libnettle8 2>/dev/null || echo '?'), $(openssl version | cut -d' ' -f1-2) (\`openssl speed -evp\`, the peer).
The sealer's figure is whole TLS 1.2 records (header, nonce, AAD, tag).

| AEAD | mbedTLS | sealer (Nettle) | OpenSSL | sealer / mbedTLS |
| --- | --- | --- | --- | --- |
$(row AES-128-GCM mbedtls-aes-128-gcm sealer-aes-128-gcm aes-128-gcm)
$(row AES-256-GCM mbedtls-aes-256-gcm sealer-aes-256-gcm aes-256-gcm)
$(row ChaCha20-Poly1305 mbedtls-chacha20-poly1305 sealer-chacha20-poly1305 chacha20-poly1305)

So Nettle seals AES-GCM records by default, and mbedTLS keeps
ChaCha20-Poly1305 unless a board turns on \`CONFIG_MT_TLS_NETTLE_CHACHA\`
after measuring it there (Nettle has NEON ChaCha20 for Armv7, mbedTLS has
portable C; not measured on hardware).
<!-- delivery-ciphers:end -->
MD
)
write_section "$root/docs/performance.md" delivery-ciphers "$section"
echo "$section"
