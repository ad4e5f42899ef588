#!/usr/bin/env bash
# A bad configuration file is named (file, line, key) in one clear error; the
# recorder keeps running on the last good configuration, and the file is left
# exactly as it was. A bad --set is a usage error (exit 2).
set -euo pipefail
matthan=$1
src="$MT_FOOTAGE/cdnet-highway/input"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/frames"
for f in $(ls "$src" | sort | head -n 30); do ln -s "$src/$f" "$work/frames/$f"; done
fail() { echo "FAIL: $*"; exit 1; }

printf 'capture.fps = 25\n# a comment\nrecord.preroll_s = 500\n' >"$work/bad.conf"
before=$(sha256sum "$work/bad.conf")
${MT_EMULATOR:-} "$matthan" --config "$work/bad.conf" --set "capture.device=$work/frames" \
	--set capture.realtime=false --set "spool.path=$work/spool" >"$work/out" 2>"$work/err" ||
	{ cat "$work/err"; fail "a bad config file stopped the recorder"; }
grep -q "bad.conf:3: record.preroll_s" "$work/err" || { cat "$work/err"; fail "error does not name file:line:key"; }
[ "$(grep -c "bad.conf:3" "$work/err")" -eq 1 ] || fail "the error is not one line"
[ "$(sha256sum "$work/bad.conf")" = "$before" ] || fail "the bad file was modified"
grep -q "30 captured" "$work/out" || fail "the recorder did not run on defaults"

printf 'capture.fsp = 25\n' >"$work/typo.conf"
${MT_EMULATOR:-} "$matthan" --config "$work/typo.conf" --set "capture.device=$work/frames" \
	--set capture.realtime=false --set "spool.path=$work/spool" >/dev/null 2>"$work/err" || true
grep -q "typo.conf:1: capture.fsp" "$work/err" || { cat "$work/err"; fail "unknown key not named"; }

set +e
${MT_EMULATOR:-} "$matthan" --set capture.fps=999 >/dev/null 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad --set exited $rc, not 2"
grep -q "capture.fps" "$work/err" || fail "bad --set error does not name the key"
echo "PASS: bad files named by file:line:key, recorder kept running, file untouched"
