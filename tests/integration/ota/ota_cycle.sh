#!/usr/bin/env bash
# The OTA agent's full cycles with the real binaries over mutual TLS.
# mt-station is made and started on 127.0.0.1, the box enrolls (and so gets
# the station's update key), version 1.0.0 of matthan sits in slot A, and
# mt-boot runs it in a loop the way the service manager does (restarting
# it whenever it exits), replaying real footage as the camera.
#   a) 2.0.0, a bundle of the same matthan, is published: the box
#      downloads, verifies, installs into B, exits 76; mt-boot starts B on
#      trial; its health check passes (frames, spool, station); it commits
#      and reports 2.0.0 to the station.
#   c) 3.0.0, a program that crashes at start: three trial boots, then B
#      again by itself, and the note reaches the station.
#   d) 4.0.0, a matthan build that cannot reach the station (it records,
#      but its health check fails): three failed checks (exit 77), then B,
#      and the note with the reason reaches the station.
#   b) (with nginx) 2.0.0 served by nginx over TLS (ota.url) installs on a
#      fresh box, the same way.
# After each, the version not taken is never fetched again.
#
#   ota_cycle.sh MATTHAN MT-STATION MT-BUNDLE MT-BOOT [nginx]
set -euo pipefail
matthan=$1 station=$2 bundle=$3 boot=$4 mode=${5:-station}
work=$(mktemp -d)
pids=()
cleanup() {
	touch "$work/stop" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -f "$work/box.pid" ]; then
		# matthan (mt-boot exec'd it) is not this shell's child: wait it out
		box=$(cat "$work/box.pid")
		kill "$box" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$box" 2>/dev/null || break; sleep 0.1; done
	fi
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "ota_cycle: FAIL: $*" >&2
	echo "--- box log (last 40 lines)" >&2
	tail -40 "$work/box.log" >&2 || true
	echo "--- exits: $(tr '\n' ' ' <"$work/exits" 2>/dev/null)" >&2
	exit 1
}
footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input

# ---- the station, the box's enrollment, slot A ----
fp=$("$station" init --data "$work/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
"$station" serve --data "$work/station" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
station_pid=$!
pids+=($station_pid)
for _ in $(seq 100); do
	grep -q "listening on" "$work/serve.out" 2>/dev/null && break
	sleep 0.1
done
station_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$work/serve.out")
url="https://localhost:$station_port"
code=$("$station" enroll-code --data "$work/station" --device-name ota | tail -1)
conf=$work/matthan.conf
printf 'device.keys = "%s/keys"\nspool.path = "%s/spool"\nconsole.device = "pty"\n' \
	"$work" "$work" >"$conf"
# a console password (there is no default one), as setup stores it
python3 -c 'import hashlib, os; s = os.urandom(16); print("console.password = pbkdf2-sha256$1000$%s$%s" % (s.hex(), hashlib.pbkdf2_hmac("sha256", b"ota-cycle-1", s, 1000).hex()))' >>"$conf"
"$matthan" --config "$conf" enroll "$url" "$code" "$fp" >"$work/enroll.out" ||
	fail "enroll: $(cat "$work/enroll.out")"
cmp -s "$work/keys/update.pem" "$work/station/update.pub.pem" ||
	fail "enrollment did not hand over the station's update key"
cat >>"$conf" <<EOF
capture.device = "$footage"
capture.loop = true
ota.check_s = 1
ota.health_s = 8
ota.kbps = 4000
EOF
root=$work/ota
mkdir -p "$root/A"
cp "$matthan" "$root/A/matthan"
printf '1.0.0' >"$root/A/version"
key=$work/station/keys/update.key

if [ "$mode" = nginx ]; then
	# the station's CA signs the mirror's certificate (the box trusts that CA)
	mkdir -p "$work/www"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
		-keyout "$work/nginx.key" -out "$work/nginx.csr" 2>/dev/null
	printf 'subjectAltName=DNS:localhost\n' >"$work/san.ext"
	openssl x509 -req -in "$work/nginx.csr" -CA "$work/station/ca.crt" \
		-CAkey "$work/station/keys/ca.key" -CAcreateserial -days 2 \
		-extfile "$work/san.ext" -out "$work/nginx.crt" 2>/dev/null ||
		fail "cannot issue the mirror's certificate"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$work/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 16; }
http {
	log_format timed '\$msec \$status "\$request" \$body_bytes_sent';
	access_log $work/nginx.access timed;
	client_body_temp_path $work/nginx-tmp;
	proxy_temp_path $work/nginx-tmp;
	fastcgi_temp_path $work/nginx-tmp;
	uwsgi_temp_path $work/nginx-tmp;
	scgi_temp_path $work/nginx-tmp;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $work/nginx.crt;
		ssl_certificate_key $work/nginx.key;
		root $work/www;
	}
}
EOF
	mkdir -p "$work/nginx-tmp"
	nginx -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.start" &
	pids+=($!)
	printf 'ota.url = "https://localhost:%s"\n' "$port" >>"$conf"
fi

# the agent stays off, saying why, without a slot root, an update key or a
# usable ota.url (the recorder runs on regardless)
off_because() { # WHY [--set KEY=VALUE]...
	local why=$1 p
	shift
	"$matthan" --config "$conf" "$@" >/dev/null 2>"$work/off.log" &
	p=$!
	for _ in $(seq 100); do
		grep -q "updates off\|updates on" "$work/off.log" && break
		sleep 0.1
	done
	kill "$p"
	wait "$p" || true
	grep -q "updates off: $why" "$work/off.log" ||
		fail "no 'updates off: $why': $(grep ota "$work/off.log")"
}
off_because "no slot root"
mv "$work/keys/update.pem" "$work/update.pem"
off_because "no update key" --set "ota.root=$root"
mv "$work/update.pem" "$work/keys/update.pem"
off_because "ota.url is not https://" --set "ota.root=$root" --set ota.url=ftp://localhost
[ ! -e "$root/slots.state" ] || fail "an agent that is off wrote the slot state"

# mt-boot in a loop, as the service manager runs it; each exit status noted
(
	for _ in $(seq 40); do
		[ -f "$work/stop" ] && break
		set +e
		"$boot" --root "$root" -- --config "$conf" >>"$work/box.out" 2>>"$work/box.log" &
		echo $! >"$work/box.pid"
		wait $!
		echo $? >>"$work/exits"
		set -e
		sleep 0.2
	done
) &
pids+=($!)

# the station's last health report of this box, as "event|version|note"
reported() {
	"$station" devices --data "$work/station" --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["devices"][0]["health"] or {}
print("%s|%s|%s" % (h.get("event", ""), h.get("version", ""), h.get("note", "")))'
}
wait_report() { # PATTERN SECONDS
	for _ in $(seq $(($2 * 2))); do
		reported | grep -q "$1" && return 0
		sleep 0.5
	done
	fail "the station never got a report matching '$1' (last: $(reported))"
}
state() { tr '\n' ' ' <"$root/slots.state"; }
publish() { # VERSION PAYLOAD
	"$bundle" create --key "$key" --board host --version "$1" --min-version 1.0 "$2" \
		"$work/host-$1.mtb" >/dev/null
	if [ "$mode" = nginx ]; then
		mkdir -p "$work/www/ota/host"
		"$bundle" publish --data "$work/www" "$work/host-$1.mtb" >/dev/null
	else
		"$bundle" publish --data "$work/station" "$work/host-$1.mtb" >/dev/null
	fi
}

# ---- a) 2.0.0: download, install, trial, health, commit, report ----
publish 2.0.0 "$matthan"
if [ "$mode" = station ]; then
	# the link cut mid-download: the station is killed, and back 2 s later
	for _ in $(seq 300); do
		[ "$(stat -c %s "$root/download.part" 2>/dev/null || echo 0)" -gt 300000 ] && break
		sleep 0.1
	done
	cut_at=$(stat -c %s "$root/download.part" 2>/dev/null || echo 0)
	[ "$cut_at" -gt 300000 ] || fail "the download never started"
	kill -9 "$station_pid"
	sleep 2
	"$station" serve --data "$work/station" --listen "127.0.0.1:$station_port" \
		>>"$work/serve.out" 2>>"$work/serve.log" &
	pids+=($!)
fi
wait_report "^committed|2.0.0|" 90
grep -q "active=B trial=- tries=0" <<<"$(state)" || fail "slot state after commit: $(state)"
cmp -s "$root/B/matthan" "$matthan" || fail "slot B does not hold the bundle's program"
[ "$(cat "$root/B/version")" = 2.0.0 ] || fail "slot B's version file"
[ "$(cat "$root/floor")" = 2.0.0 ] || fail "the floor was not raised to 2.0.0"
cmp -s "$root/A/matthan" "$matthan" || fail "slot A was written"
[ "$(head -1 "$work/exits")" = 76 ] || fail "1.0.0 did not exit 76 after installing"
grep -q "health check passed: slot B (2.0.0) committed" "$work/box.log" ||
	fail "no health check pass in the log"
[ ! -e "$root/download.part" ] || fail "the download was left behind"
size=$(stat -c %s "$work/host-2.0.0.mtb")
fetched=$(sed -n 's/.*downloaded 2.0.0: \([0-9]*\) bytes fetched.*/\1/p' "$work/box.log" | head -1)
[ -n "$fetched" ] && [ "$fetched" -le $((size + 65536)) ] ||
	fail "fetched ${fetched:-?} bytes for a bundle of $size"
resumed=$(sed -n 's/.*downloaded 2.0.0: .* resumed from \([0-9]*\).*/\1/p' "$work/box.log" | head -1)
if [ "$mode" = station ]; then
	[ "${resumed:-0}" -ge "$cut_at" ] || fail "resumed from ${resumed:-?}, cut at $cut_at"
	echo "a) link cut (part at >= $cut_at bytes), resumed from $resumed; $((fetched - size)) bytes sent twice"
fi
echo "a) 2.0.0 installed, trial passed, committed, reported ($fetched bytes fetched of $size)"
if [ "$mode" = nginx ]; then
	grep -q ' 206 "GET /ota/host/host-2.0.0.mtb HTTP/1.1"' "$work/nginx.access" ||
		fail "nginx served no Range request of the bundle"
	# ota.kbps = 4000 paces it: the last piece is asked for no sooner than
	# the bytes before it take at 4000 kbit/s (20 % slack)
	took=$(python3 - "$work/nginx.access" "$size" <<'PY'
import sys
t = [float(l.split()[0]) for l in open(sys.argv[1]) if " 206 " in l and ".mtb" in l]
need = (int(sys.argv[2]) - 65536) * 8 / 4000e3
print("%.2f %.2f" % (t[-1] - t[0], need))
sys.exit(0 if t[-1] - t[0] >= 0.8 * need else 1)
PY
) || fail "the download was not paced at ota.kbps: $took (s taken, s needed)"
	echo "b) paced at ota.kbps 4000: ${took% *} s for what takes ${took#* } s at the cap"
	! grep -q "GET /ota/" "$work/serve.log" || fail "the station served OTA files"
	echo "b) through nginx: $(grep -c ' 206 ' "$work/nginx.access") Range requests (206)"
	! grep -E "stuck: no heartbeat|watchdog feed failed" "$work/box.log" ||
		fail "the supervisor saw a stuck thread"
	exit 0
fi

# VERSION PAYLOAD NOTE EXITS: VERSION fails on trial; B comes back by itself,
# the station gets the note, the exits were EXITS, VERSION is not taken again
rolled_back() {
	local n0 got
	n0=$(wc -l <"$work/exits")
	publish "$1" "$2"
	wait_report "^rolled back|2.0.0|$1: slot A failed its trial boots$3" 150
	grep -q "active=B trial=- tries=0" <<<"$(state)" || fail "slot state after $1: $(state)"
	got=$(tail -n +$((n0 + 1)) "$work/exits" | head -4 | tr '\n' ' ')
	[ "$got" = "$4" ] || fail "exits after $1: $got"
	[ "$(cat "$root/skip")" = "$1" ] || fail "$1 is not marked as failed"
	[ "$(cat "$root/floor")" = 2.0.0 ] || fail "the floor moved"
}

# ---- c) 3.0.0 crashes at start: 3 trial boots, back to B, note reported ----
printf '#!/bin/sh\necho "3.0.0: cannot start" >&2\nexit 1\n' >"$work/crash.sh"
rolled_back 3.0.0 "$work/crash.sh" "; back to B" "76 1 1 1 "
echo "c) 3.0.0 crashed 3 times; B back; reported: $(reported)"

# ---- d) 4.0.0 starts but cannot reach the station: health fails 3 times ----
printf '#!/bin/sh\nexec "%s" "$@" --set station.url=https://localhost:9\n' "$matthan" \
	>"$work/nostation.sh"
rolled_back 4.0.0 "$work/nostation.sh" \
	" (4.0.0 health check failed after 8 s: station localhost:9 not reached: Connection refused); back to B" \
	"76 77 77 77 "
grep -q "slot A (4.0.0): health check failed after 8 s: station localhost:9 not reached: Connection refused" \
	"$work/box.log" || fail "the log does not say why 4.0.0 failed"
echo "d) 4.0.0 failed its health check 3 times; B back; reported: $(reported)"
# B stays: no more installs of 3.0.0 or 4.0.0
n1=$(wc -l <"$work/exits")
sleep 3
[ "$(wc -l <"$work/exits")" -eq "$n1" ] || fail "the box restarted again after 4.0.0: $(tr '\n' ' ' <"$work/exits")"

# PTY [COMMAND PATTERN | sleep:S]...: types each command on the box's console
# and waits for its answer to match PATTERN (a python regex over bytes)
console() {
	python3 - "$@" <<'PY' || fail "console"
import os, re, select, sys, termios, time, tty

fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
tty.setraw(fd, termios.TCSANOW)
buf = b""

def expect(pattern, timeout=10):
    global buf
    end = time.time() + timeout
    while not re.search(pattern, buf, re.S):
        left = end - time.time()
        if left <= 0:
            sys.exit("no %r on the console:\n%s" % (pattern, buf.decode(errors="replace")[-2000:]))
        if select.select([fd], [], [], left)[0]:
            try:
                buf += os.read(fd, 65536)
            except (BlockingIOError, OSError):
                pass
    got, buf = buf, b""
    return got

os.write(fd, b"\r")
if re.search(rb"password: ", expect(rb"password: |matthan> ")):
    os.write(fd, b"ota-cycle-1\r")
    expect(rb"matthan> ")
args = sys.argv[2:]
while args:
    if args[0].startswith("sleep:"):
        time.sleep(float(args[0][6:]))
        args = args[1:]
        continue
    os.write(fd, args[0].encode() + b"\r")
    print(expect(args[1].encode()).decode(errors="replace").replace("\r", ""))
    args = args[2:]
PY
}
last_pty() { sed -n 's/.*console on pseudo-terminal \(\S*\).*/\1/p' "$work/box.log" | tail -1; }

# ---- e) the console of the running box: ota status, check, apply, rollback ----
console "$(last_pty)" \
	"ota status" "running   slot B, version 2\.0\.0 \(board host\).*slots     active B, trial - .*other slot A holds 4\.0\.0.*floor     2\.0\.0.*reported  2\.0\.0 rolled back: 4\.0\.0: .*matthan> " \
	"ota check" "checking localhost for a newer version.*matthan> " sleep:2 \
	"ota status" "check     4\.0\.0 is offered, but it failed or was refused here before.*matthan> " \
	"ota rollback" "dropping a pending trial, if any.*matthan> " sleep:1 \
	"ota status" "agent     rollback: no slot is on trial.*matthan> " \
	"ota apply" "installing the newest version \(checking first\).*matthan> " sleep:2 \
	"ota status" "check     4\.0\.0 is offered, but it failed or was refused here before.*matthan> " \
	"ota upgrade" "usage: ota status.*example: ota check.*matthan> " \
	"help ota" "ota: firmware updates.*ota rollback .*matthan> "
n2=$(wc -l <"$work/exits")
[ "$n2" -eq "$n1" ] || fail "the console's apply of a failed version restarted the box"
echo "e) console: ota status, check, apply, rollback answer on the running box"

# ---- f) ota rollback on the console of a slot on trial ----
# 5.0.0 cannot reach the station either: its trial lasts the 8 s of its
# health check, time enough for the installer to drop it by hand
printf '#!/bin/sh\nexec "%s" "$@" --set station.url=https://localhost:9\n' "$matthan" \
	>"$work/nostation5.sh"
publish 5.0.0 "$work/nostation5.sh"
for _ in $(seq 100); do
	grep -q "updates on: slot A, version 5.0.0, ON TRIAL" "$work/box.log" && break
	sleep 0.2
done
grep -q "updates on: slot A, version 5.0.0, ON TRIAL" "$work/box.log" || fail "5.0.0 never started"
console "$(last_pty)" \
	"ota status" "running   slot A, version 5\.0\.0, ON TRIAL.*trial A \(2 tries left\).*matthan> " \
	"ota rollback" "dropping this trial: the recorder restarts on the committed slot"
wait_report "^rolled back|2.0.0|5.0.0: slot A abandoned: rolled back on the console" 60
grep -q "active=B trial=- tries=0" <<<"$(state)" || fail "slot state after the rollback: $(state)"
[ "$(tail -n +$((n2 + 1)) "$work/exits" | head -2 | tr '\n' ' ')" = "76 76 " ] ||
	fail "exits around the console's rollback: $(tail -n +$((n2 + 1)) "$work/exits" | tr '\n' ' ')"
echo "f) console rollback of 5.0.0 on trial: B back; reported: $(reported)"
# ---- g) 6.0.0 signed with another key: refused, reported, not fetched again ----
n3=$(wc -l <"$work/exits")
openssl ecparam -name prime256v1 -genkey -noout -out "$work/other.key" 2>/dev/null
key=$work/other.key publish 6.0.0 "$matthan"
wait_report "^refused|2.0.0|.*signature" 60
[ "$(cat "$root/skip")" = 6.0.0 ] || fail "6.0.0 is not marked as refused"
[ ! -e "$root/download.part" ] || fail "the refused download was left behind"
sleep 3
[ "$(wc -l <"$work/exits")" -eq "$n3" ] || fail "the box restarted for a refused bundle"
grep -q "active=B trial=- tries=0" <<<"$(state)" || fail "slot state after 6.0.0: $(state)"
echo "g) 6.0.0 with another key: refused, reported: $(reported)"

# recording never stalled behind the agent: no thread went without a heartbeat
! grep -E "stuck: no heartbeat|watchdog feed failed" "$work/box.log" ||
	fail "the supervisor saw a stuck thread"
echo "ota_cycle: OK"
