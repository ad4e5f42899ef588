#!/usr/bin/env bash
# Delivery under network faults, in network namespaces: mt-station runs in
# one namespace, the device (the firmware's uploader, mt-test-upload) in
# another, joined by a veth pair. This kernel has no netem, so the faults
# are nftables random drop, a tc tbf throttle, the link set down and up, and
# the device process killed. Cases, each with its own enrolled device and
# freshly sealed clips of real footage:
#
#   loss      20 % of packets dropped each way (nftables numgen)
#   throttle  256 kbit/s each way (tc tbf)
#   cut       the link set down at random offsets mid-upload, then up
#   kill      the device SIGKILLed mid-upload and restarted (journal resume)
#   live      the real matthan ($MT_MATTHAN) records footage in the device
#             namespace and uploads each clip while recording it; the link
#             is cut for 3 s while the station holds part of a clip that is
#             still open, then restored: every clip must still end at the
#             station byte-identical, OK, receipted
#
# Each case must end with every clip at the station byte-identical and
# exactly once (station files compared with cmp, `mt-station clips --json`
# shows one OK row per sequence number). An uploader that gives up while the
# fault lasts must report it, and its clips must still be on the device,
# unchanged and without a receipt; the fault is then lifted and the rest
# delivered, still exactly once.
#
# Needs root, iproute2 (ip, tc) and nftables (nft); without them it FAILS.
#
#   netfaults.sh MT-STATION MT-TEST-UPLOAD MT-TEST-SEAL [CASE...]
set -euo pipefail
station=$1 up=$2 seal=$3
shift 3
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(loss throttle cut kill live)

fail() {
	echo "netfaults: FAIL: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, nftables, tc); run ctest as root"
for tool in ip tc nft; do
	command -v "$tool" >/dev/null ||
		fail "'$tool' is missing: install iproute2 (ip, tc) and nftables (nft)"
done

tag=$$
sns=mtnf-s$tag dns=mtnf-d$tag
sif=mtnfs$tag dif=mtnfd$tag # veth ends (<= 15 characters)
net=10.$((200 + tag % 50)).$((tag / 50 % 250)) # a /30 of our own
sip=$net.2 dip=$net.1
# The station by name: mbedTLS 2.28 (Debian 12) checks a certificate's DNS
# names only, not IP addresses. `ip netns exec` puts /etc/netns/NS/hosts
# over /etc/hosts for the device's namespace.
host=station.mtnf
port=8443
work=$(mktemp -d)
pid=
declare -a bg=()

cleanup() {
	for p in "${bg[@]}" $pid; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$sns" 2>/dev/null || true
	ip netns del "$dns" 2>/dev/null || true
	rm -rf "/etc/netns/$dns"
	[ -n "${NETFAULTS_KEEP:-}" ] && echo "netfaults: kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ins() { ip netns exec "$sns" "$@"; }
ind() { ip netns exec "$dns" "$@"; }

ip netns add "$sns" || fail "ip netns add: $(ip netns add "$sns" 2>&1)"
ip netns add "$dns"
mkdir -p "/etc/netns/$dns"
printf '127.0.0.1 localhost\n%s %s\n' "$sip" "$host" >"/etc/netns/$dns/hosts"
ip link add "$dif" netns "$dns" type veth peer name "$sif" netns "$sns" ||
	fail "cannot make a veth pair"
ins ip addr add "$sip/30" dev "$sif"
ind ip addr add "$dip/30" dev "$dif"
for n in "$sns" "$dns"; do
	ip -n "$n" link set lo up
done
ins ip link set "$sif" up
ind ip link set "$dif" up

footage=${MT_FOOTAGE:?MT_FOOTAGE is not set (ctest sets it)}/cdnet-highway/input/in%06d.jpg
fp=$("$station" init --data "$work/station" --host "$host" |
	sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
[ ${#fp} -eq 64 ] || fail "no fingerprint from mt-station init"
url="https://$host:$port"

start_station() {
	: >"$work/serve.out"
	ip netns exec "$sns" "$station" serve --data "$work/station" --listen "$sip:$port" >"$work/serve.out" \
		2>>"$work/serve.log" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$work/serve.out" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "station did not start: $(cat "$work/serve.log")"
}
start_station
# the device's namespace reaches the station over the veth
ind timeout 5 bash -c "exec 3<>/dev/tcp/$sip/$port" ||
	fail "the device namespace cannot reach the station at $sip:$port"

# faults, applied to both ends of the link so both directions suffer
loss_on() {
	local n
	for n in "$sns" "$dns"; do
		ip netns exec "$n" nft -f - <<-EOF
			table inet mtnf {
				chain in {
					type filter hook input priority 0; policy accept;
					numgen random mod 100 < 20 counter drop
				}
			}
		EOF
	done
}
loss_off() {
	local n
	for n in "$sns" "$dns"; do
		ip netns exec "$n" nft delete table inet mtnf
	done
}
dropped() { # packets the loss rules dropped, both ends
	local total=0 n k
	for n in "$sns" "$dns"; do
		k=$(ip netns exec "$n" nft list table inet mtnf | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
		total=$((total + ${k:-0}))
	done
	echo "$total"
}
loss_off_counted() {
	echo "loss: $(dropped) packets dropped"
	loss_off
}
throttle_on() {
	ins tc qdisc add dev "$sif" root tbf rate 256kbit burst 4kb latency 500ms
	ind tc qdisc add dev "$dif" root tbf rate 256kbit burst 4kb latency 500ms
}
throttle_off() {
	ins tc qdisc del dev "$sif" root
	ind tc qdisc del dev "$dif" root
}

# A device: enrolled over the clean link, with NCLIPS clips of 4 s of real
# footage (60 frames scaled to 160x120 MJPEG, about 95 KB: small enough
# for the throttle) sealed as one chain. Sets keys, spool and id.
new_device() { # NAME NCLIPS FIRST-FRAME
	local name=$1 n=$2 first=$3 frames=60 code i
	keys=$work/$name/keys spool=$work/$name/spool
	mkdir -p "$spool" "$work/$name/orig"
	code=$("$station" enroll-code --data "$work/station" --device-name "$name" | tail -1)
	id=$(ind "$up" enroll "$keys" "$url" "$code" "$fp" 2>"$work/$name/enroll.err") ||
		fail "$name: enroll: $(cat "$work/$name/enroll.err")"
	[[ $id == mt-* ]] || fail "$name: enroll printed '$id'"
	for i in $(seq "$n"); do
		ffmpeg -v error -framerate 15 -start_number $((first + frames * i)) -i "$footage" \
			-frames:v "$frames" -vf scale=160:-2 -c:v mjpeg -q:v 20 \
			-movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 \
			"$spool/clip-00000$i.mp4"
	done
	"$seal" --device "$id" "$keys" "$spool"/clip-*.mp4 >/dev/null
	cp "$spool"/clip-*.mp4 "$work/$name/orig/"
}

# The device's view after a run that failed: every clip without a receipt
# is still there, unchanged; the failure was reported.
check_safe() { # NAME OUTPUT-FILE
	local name=$1 f b
	grep -q "clips delivered in" "$2" || fail "$name: the failed upload reported nothing: $(cat "$2")"
	for f in "$work/$name/orig"/clip-*.mp4; do
		b=$(basename "$f" .mp4)
		[ -e "$spool/$b.rcpt" ] && continue
		cmp -s "$f" "$spool/$b.mp4" || fail "$name: $b left the device without a receipt"
	done
	echo "$name: upload gave up under the fault, undelivered clips safe on the device"
}

# Every clip at the station: once, byte-identical, verified OK, receipted.
check_delivered() { # NAME NCLIPS
	local name=$1 n=$2 i stored
	for i in $(seq "$n"); do
		[ -s "$spool/clip-00000$i.rcpt" ] || fail "$name: clip $i has no receipt"
		stored=$(find "$work/station" -name "clip-00000$i.mp4" -path "*$id*")
		[ "$(echo "$stored" | grep -c .)" -eq 1 ] ||
			fail "$name: clip $i stored $(echo "$stored" | grep -c .) times"
		cmp -s "$stored" "$work/$name/orig/clip-00000$i.mp4" ||
			fail "$name: clip $i differs at the station"
	done
	"$station" clips --data "$work/station" --json >"$work/$name/clips.json"
	python3 - "$work/$name/clips.json" "$id" "$n" "$name" <<-'PY'
		import json, sys
		path, dev, n, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
		rows = [c for c in json.load(open(path))["clips"] if c["device_id"] == dev]
		got = sorted((c["seq"], c["state"]) for c in rows)
		first = got[0][0] if got else 1
		want = [(s, "OK") for s in range(first, first + n)]
		ok = got == want
		print(f"{name}: station has {got}" if ok else f"netfaults: FAIL: {name}: station rows {got}, want {want}")
		sys.exit(0 if ok else 1)
	PY
}

# Runs the uploader in the device namespace; 0 or 1 (it gave up in time).
upload() { # NAME SECONDS [ARGS...] → output in $work/NAME/upN
	local name=$1 s=$2
	shift 2
	runs=$((runs + 1))
	ind "$up" upload "$keys" "$spool" "$url" --seconds "$s" "$@" \
		>"$work/$name/up$runs" 2>&1
}

# The uploader under a fault, then (if it gave up) the fault lifted and the
# rest delivered.
deliver() { # NAME NCLIPS SECONDS LIFT-COMMAND [ARGS...]
	local name=$1 n=$2 s=$3 lift=$4 t0
	shift 4
	runs=0
	t0=$(date +%s%N)
	if upload "$name" "$s" "$@"; then
		$lift
		echo "$name: delivered in $((($(date +%s%N) - t0) / 1000000)) ms:" \
			"$(tail -1 "$work/$name/up1")"
	else
		check_safe "$name" "$work/$name/up1"
		$lift
		upload "$name" 60 || fail "$name: after the fault: $(cat "$work/$name/up$runs")"
		echo "$name: delivered after the fault: $(tail -1 "$work/$name/up$runs")"
	fi
	check_delivered "$name" "$n"
}

nothing() { :; }

for c in "${cases[@]}"; do
	t0=$(date +%s)
	case $c in
	loss)
		new_device loss 2 100
		loss_on
		deliver loss 2 60 loss_off_counted
		;;
	throttle)
		new_device throttle 2 300
		throttle_on
		deliver throttle 2 40 throttle_off
		;;
	cut)
		# the link goes down twice, each time after a random 0.3-2.3 s of
		# upload, for 2-4 s (longer than a TCP retransmit or two)
		new_device cut 3 500
		(
			for _ in 1 2; do
				sleep "$((RANDOM % 20 + 3))e-1"
				ind ip link set "$dif" down
				echo "link down"
				sleep "$((RANDOM % 3 + 2))"
				ind ip link set "$dif" up
				echo "link up"
			done
		) >"$work/cut.log" 2>&1 &
		cutter=$!
		bg+=("$cutter")
		deliver cut 3 60 nothing --kbps 300
		wait "$cutter" || true
		ind ip link set "$dif" up
		[ "$(grep -c 'link down' "$work/cut.log")" -ge 1 ] || fail "cut: the link was never cut"
		echo "cut: $(grep -c 'link down' "$work/cut.log") cuts"
		;;
	kill)
		# SIGKILL at a random 1.0-2.4 s into the upload, twice, then a run
		# to the end: the journal must resume without resending or losing
		new_device kill 3 700
		runs=0
		for k in 1 2; do
			ip netns exec "$dns" "$up" upload "$keys" "$spool" "$url" --kbps 300 --seconds 30 \
				>"$work/kill/killed$k" 2>&1 &
			victim=$!
			bg+=("$victim")
			sleep "$((RANDOM % 15 + 10))e-1"
			kill -9 "$victim" 2>/dev/null || true
			wait "$victim" 2>/dev/null || true
			ls "$spool"/*.up >/dev/null 2>&1 && echo "kill $k: killed with an upload journal"
		done
		deliver kill 3 60 nothing
		# the last run sent less than the clips: the rest was journaled
		total=$(cat "$work/kill/orig"/clip-*.mp4 | wc -c)
		sent=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' "$work/kill/up$runs")
		[ -n "$sent" ] && [ "$sent" -lt "$total" ] ||
			fail "kill: the run after the kills sent ${sent:-?} of $total bytes: no resume"
		echo "kill: the run after the kills sent $sent of $total clip bytes"
		;;
	live)
		matthan=${MT_MATTHAN:?MT_MATTHAN is not set (ctest sets it to the matthan binary)}
		keys=$work/live/keys spool=$work/live/spool
		mkdir -p "$work/live/in"
		for i in $(seq 470 969); do # 20 s at 25 fps: one long event on the highway
			ln -s "${footage%/*}/$(printf 'in%06d.jpg' "$i")" "$work/live/in/"
		done
		conf=$work/live/matthan.conf
		printf 'device.keys = "%s"\nspool.path = "%s"\nconsole.device = "none"\n' \
			"$keys" "$spool" >"$conf"
		code=$("$station" enroll-code --data "$work/station" --device-name live | tail -1)
		ind "$matthan" --config "$conf" enroll "$url" "$code" "$fp" >"$work/live/enroll" 2>&1 ||
			fail "live: enroll: $(cat "$work/live/enroll")"
		id=$(cat "$keys/device.id")
		ind "$matthan" --config "$conf" --set capture.device="$work/live/in" \
			--set capture.fps=25 --set record.preroll_s=2 --set record.postroll_s=2 \
			>"$work/live/report" 2>"$work/live/log" &
		rec=$!
		bg+=("$rec")
		open=
		for _ in $(seq 300); do # until the station holds bytes of an open clip
			open=$(ls "$spool" 2>/dev/null | sed -n 's/\.part$//p' | head -1 || true)
			[ -n "$open" ] && "$station" uploads --data "$work/station" --json |
				python3 -c 'import json,sys; sys.exit(not any(u["filename"] == sys.argv[1] and u["length"] == -1 and u["offset"] > 0 for u in json.load(sys.stdin)["uploads"]))' "$open" &&
				break
			open=
			sleep 0.1
		done
		[ -n "$open" ] || fail "live: no bytes of a clip being recorded reached the station"
		ind ip link set "$dif" down
		echo "live: link down while $open is recorded and partly at the station"
		sleep 3
		[ -e "$spool/$open.part" ] && echo "live: link up, $open still being recorded"
		ind ip link set "$dif" up
		wait "$rec" || fail "live: matthan exited $?: $(tail -5 "$work/live/log")"
		grep "^uploaded\|uploaded while recorded" "$work/live/report"
		grep -q "^ *[1-9][0-9]* clips uploaded while recorded" "$work/live/report" ||
			fail "live: no clip was uploaded while recorded"
		n=$(grep -c '^sealed ' "$spool/journal")
		mkdir -p "$work/live/orig"
		cp "$spool"/clip-*.mp4 "$work/live/orig/"
		check_delivered live "$n"
		;;
	*) fail "unknown case $c" ;;
	esac
	echo "$c: OK in $(($(date +%s) - t0)) s"
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=
echo "netfaults: OK (${cases[*]})"
