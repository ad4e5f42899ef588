#!/usr/bin/env bash
# matthan pointed at a V4L2 camera that is not there (this machine has no
# V4L2 at all) says so in one error line and exits non-zero, leaving no clip and
# no report behind; a path that is not a device node is named as such.
set -euo pipefail
matthan=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "camera_missing: $*" >&2; exit 1; }

run() { # device → exit status; stdout and stderr in $work
	local rc=0
	${MT_EMULATOR:-} "$matthan" --set "capture.device=$1" --set "spool.path=$work/spool" \
		>"$work/out" 2>"$work/err" || rc=$?
	echo "$rc"
}

dev=/dev/video-matthan-test-absent
[ ! -e "$dev" ] || fail "$dev exists"
rc=$(run "$dev")
[ "$rc" -eq 1 ] || fail "exit $rc for a missing camera, want 1"
[ "$(grep -c '^E ' "$work/err")" -eq 1 ] || { cat "$work/err" >&2; fail "want one error line"; }
grep -q "$dev: no such device" "$work/err" || { cat "$work/err" >&2; fail "the line does not say why"; }
[ ! -s "$work/out" ] || { cat "$work/out" >&2; fail "printed a report for a run that never started"; }
[ -z "$(ls -A "$work/spool" 2>/dev/null)" ] || fail "left files in the spool"

# /dev/null exists but is no camera
rc=$(run /dev/null)
[ "$rc" -eq 1 ] || fail "exit $rc for /dev/null, want 1"
grep -q "/dev/null is not a V4L2 device" "$work/err" || { cat "$work/err" >&2; fail "/dev/null not named"; }
echo "camera_missing: OK"
