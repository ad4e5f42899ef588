#!/usr/bin/env bash
# The console screenshots in docs/screenshots/: board/host matthan replays
# footage, enrolled with a local mt-station; its console pty is opened with
# picocom in a tmux pane of 80 columns, `status`, `view` and `station test`
# are typed, and each screen is taken with `tmux capture-pane -e -p` (ANSI
# colours kept, *.txt) and rendered to PNG (tools/ansi2png.py, python3-pil).
#
#   tools/screenshots.sh [BUILD_DIR]     (default build/host; build it first)
#
# Needs tools/deps.sh docs (tmux, picocom, python3-pil, fonts-dejavu-core).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/host}
matthan=$build/firmware/app/matthan
station=$build/tools/station/mt-station
out=$src/docs/screenshots
footage=${MT_FOOTAGE:-$src/../shared/footage}/cdnet-highway/input
[ -d "$footage" ] && footage=$(cd "$footage" && pwd)
for f in "$matthan" "$station"; do
	[ -x "$f" ] || { echo "screenshots: no $f (tools/build.sh host first)" >&2; exit 1; }
done
[ -d "$footage" ] || { echo "screenshots: no footage at $footage (MT_FOOTAGE)" >&2; exit 1; }
for p in tmux picocom; do
	command -v $p >/dev/null || { echo "screenshots: no $p (tools/deps.sh docs)" >&2; exit 1; }
done

work=$(mktemp -d)
sock=mt-shots-$$ # a tmux server of our own: nobody else's sessions are touched
spid= mpid=
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	[ -z "$mpid" ] || kill "$mpid" 2>/dev/null || true
	[ -z "$spid" ] || kill "$spid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# a local station, and the box enrolled with it as an installer does
fp=$("$station" init --data "$work/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
"$station" serve --data "$work/station" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
spid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$work/serve.out" 2>/dev/null && break
	sleep 0.1
done
url="https://localhost:$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$work/serve.out")"
code=$("$station" enroll-code --data "$work/station" --device-name screenshots | tail -1)
conf=$work/matthan.conf
printf 'device.keys = "%s/keys"\nspool.path = "%s/spool"\ndevice.location = "Hang Bac 12, Hoan Kiem"\n' \
	"$work" "$work" >"$conf"
# a console password, as setup would store it (there is no default one)
pw=screenshots-1
/usr/bin/python3 -c 'import hashlib, os, sys; s = os.urandom(16); print("console.password = pbkdf2-sha256$1000$%s$%s" % (s.hex(), hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(), s, 1000).hex()))' "$pw" >>"$conf"
"$matthan" --config "$conf" enroll "$url" "$code" "$fp" >"$work/enroll.out" 2>&1 ||
	{ echo "screenshots: enroll failed" >&2; cat "$work/enroll.out" >&2; exit 1; }

"$matthan" --config "$conf" --set "capture.device=$footage" --set capture.loop=true \
	--set console.device=pty --set record.clip_max_s=10 --set motion.privacy="0.8,0 1,0 1,0.3 0.8,0.3" \
	>"$work/report" 2>"$work/log" &
mpid=$!
pty=
for _ in $(seq 100); do
	pty=$(sed -n 's/.*console on pseudo-terminal \(\/dev\/[^ ]*\).*/\1/p' "$work/log" | head -1)
	[ -n "$pty" ] && break
	sleep 0.1
done
[ -n "$pty" ] || { echo "screenshots: matthan printed no pty" >&2; cat "$work/log" >&2; exit 1; }

# picocom on the console in an 80 x 30 pane; TERM with 256 colours for view
tmux -L "$sock" -f /dev/null new-session -d -s shots -x 80 -y 30 \
	"TERM=xterm-256color picocom -q --imap lfcrlf $pty"
tmux -L "$sock" set -g status off
keys() { tmux -L "$sock" send-keys -t shots "$@"; }
shot() { # NAME: the pane as it is, with its colours, and as a PNG
	tmux -L "$sock" capture-pane -t shots -e -p >"$out/$1.txt"
	/usr/bin/python3 "$src/tools/ansi2png.py" "$out/$1.txt" "$out/$1.png" 80
	echo "screenshots: docs/screenshots/$1.txt and .png"
}
mkdir -p "$out"
sleep 1
keys Enter
sleep 1
keys "$pw" Enter
sleep 20 # the scene learnt, a few events recorded and uploaded
keys C-l status Enter
sleep 2
shot status
keys C-l "view color" Enter
sleep 3
shot view
keys q
sleep 1
keys C-l "station test" Enter
sleep 3
shot station-test
keys C-l
