#!/usr/bin/env bash
# Make (once) and cache a Debian sysroot for cross builds, and print its path.
#
#   tools/sysroot.sh armhf|arm64
#   tools/sysroot.sh --mirror      print the Debian mirror it would use
#
# The sysroot holds the -dev packages the firmware links, for the target
# architecture, extracted with mmdebstrap (no maintainer scripts run, so no
# emulation is needed to build it). The mirror is read from this machine's apt
# sources; the suite is Debian stable (MT_SYSROOT_SUITE, default trixie, which
# carries mbedTLS 3.6). The result is cached under MT_SYSROOT_CACHE
# (default /var/cache/matthan) and rebuilt only when the package list changes.
set -euo pipefail

suite=${MT_SYSROOT_SUITE:-trixie}
cache=${MT_SYSROOT_CACHE:-/var/cache/matthan}
packages="libc6-dev libmbedtls-dev nettle-dev libcmocka-dev libturbojpeg0-dev libcjson-dev libopenh264-dev libubootenv-dev"

# The first non-security Debian mirror named in the apt sources (deb822 or one-line).
mirror_from_apt_sources() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f" | grep -v -- '-security' | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" \
			| grep -v -- '-security' | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	return 1
}

if [ "${1:-}" = --mirror ]; then
	[ -z "${MT_SYSROOT_MIRROR:-}" ] || { echo "$MT_SYSROOT_MIRROR"; exit 0; }
	mirror_from_apt_sources
	exit
fi
arch=${1:?usage: tools/sysroot.sh armhf|arm64}
case "$arch" in armhf|arm64) ;; *) echo "sysroot: unknown architecture '$arch' (armhf or arm64)" >&2; exit 2 ;; esac

mirror=${MT_SYSROOT_MIRROR:-$(mirror_from_apt_sources)} || {
	echo "sysroot: no Debian mirror found in /etc/apt/sources.list*; set MT_SYSROOT_MIRROR" >&2
	exit 1
}

dir="$cache/sysroot-$suite-$arch"
# Bump the layout number when the post-processing below changes.
stamp="layout 3: $suite $arch $packages"
if [ -f "$dir/.matthan-stamp" ] && [ "$(cat "$dir/.matthan-stamp")" = "$stamp" ]; then
	echo "$dir"
	exit 0
fi

hooks=/usr/share/mmdebstrap/hooks/merged-usr
[ -d "$hooks" ] || { echo "sysroot: $hooks missing (apt-get install mmdebstrap)" >&2; exit 1; }

echo "sysroot: building $dir from $mirror ($suite, $arch)" >&2
rm -rf "$dir.tmp"
mkdir -p "$cache"
mmdebstrap --quiet --mode=root --variant=extract --architectures="$arch" \
	--hook-dir="$hooks" \
	--include="$(echo "$packages" | tr ' ' ',')" \
	"$suite" "$dir.tmp" "deb $mirror $suite main" >&2
# Under qemu-user -L, a path that exists in the sysroot hides the host's. The
# tests must see the host's devices (the sysroot's dev/ptmx has no devpts
# beside it: openpty fails with ENODEV), temp files and network settings.
rm -rf "$dir.tmp/dev" "$dir.tmp/tmp" "$dir.tmp/etc/resolv.conf" "$dir.tmp/etc/hostname"
# Absolute symlinks (e.g. libfoo.so -> /lib/...) would resolve on the host, not
# in the sysroot: make them relative, so they also survive moving the cache.
find "$dir.tmp" -type l -lname '/*' | while read -r l; do
	ln -sfnr "$dir.tmp$(readlink "$l")" "$l"
done
# qemu-user -L looks up the target's /etc/ld.so.cache in the sysroot and falls
# back to the host's, which could point the loader at host files. An empty cache
# is ignored by ld.so, which then searches the sysroot's multiarch folders.
: >"$dir.tmp/etc/ld.so.cache"
echo "$stamp" >"$dir.tmp/.matthan-stamp"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
