#!/usr/bin/env bash
# Brightness steps and a flash on a static stretch of real footage raise no
# motion event (issue 4). Nothing in cdnet-highway is ever still, so the
# static stretch is its frame 1 repeated for 8 s at 25 fps with sensor noise
# (ffmpeg's temporal noise filter); the variants multiply every pixel by 1.4
# or 0.6 from frame 120 on (after the 4 s learning period), or by 2.5 for
# frames 120-121 (a flash). A control on 200 real frames with traffic must
# raise an event, so the detector is alive with the same settings. Each
# variant's brightness change is checked with ffmpeg's signalstats, so a
# broken filter cannot pass for a quiet detector.
#
# usage: motion_robustness.sh path/to/mt-motion-eval   (needs ffmpeg)
set -euo pipefail
eval_bin=$1
src="$MT_FOOTAGE/cdnet-highway/input"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

# make_variant NAME GAIN-EXPRESSION: 200 frames of the still frame with noise, each
# channel multiplied by the expression (N is the 0-based frame number).
make_variant() {
	local k=$2
	mkdir "$work/$1"
	ffmpeg -nostdin -v error -loop 1 -i "$src/in000001.jpg" -frames:v 200 \
		-vf "noise=alls=8:allf=t,format=rgb24,geq=r='min(255,r(X,Y)*$k)':g='min(255,g(X,Y)*$k)':b='min(255,b(X,Y)*$k)'" \
		-q:v 3 "$work/$1/%06d.jpg"
}

# yavg FILE: mean luma of one image.
yavg() {
	ffmpeg -nostdin -v error -i "$1" -vf signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=- \
		-f null - | sed -n 's/^lavfi.signalstats.YAVG=//p'
}

# ratio NAME A B: mean luma of frame B over frame A (1-based), 2 decimals.
ratio() {
	awk -v a="$(yavg "$work/$1/$(printf %06d "$2").jpg")" \
		-v b="$(yavg "$work/$1/$(printf %06d "$3").jpg")" 'BEGIN { printf "%.2f", b / a }'
}

# events NAME: the number of events mt-motion-eval reports.
events() {
	local out
	out=$(${MT_EMULATOR:-} "$eval_bin" --frames "$work/$1" --fps 25 --json) ||
		fail "mt-motion-eval failed on $1"
	echo "$out" >"$work/$1.json"
	echo "$out" | { grep -o '"start"' || true; } | wc -l
}

make_variant step_up 'if(gte(N,119),1.4,1)'
make_variant step_down 'if(gte(N,119),0.6,1)'
make_variant flash 'if(between(N,119,120),2.5,1)'

# The variants are what they claim to be (clipping at 255 keeps +40% lower).
awk -v r="$(ratio step_up 110 130)" 'BEGIN { exit !(r >= 1.25 && r <= 1.45) }' ||
	fail "step_up: frame 130/110 brightness $(ratio step_up 110 130), not about 1.4"
awk -v r="$(ratio step_down 110 130)" 'BEGIN { exit !(r >= 0.55 && r <= 0.65) }' ||
	fail "step_down: frame 130/110 brightness $(ratio step_down 110 130), not about 0.6"
awk -v r="$(ratio flash 110 120)" 'BEGIN { exit !(r >= 1.6) }' ||
	fail "flash: frame 120/110 brightness $(ratio flash 110 120), no flash"
awk -v r="$(ratio flash 110 130)" 'BEGIN { exit !(r >= 0.95 && r <= 1.05) }' ||
	fail "flash: frame 130/110 brightness $(ratio flash 110 130), the flash did not end"

for v in step_up step_down flash; do
	n=$(events $v)
	[ "$n" -eq 0 ] || fail "$v raised $n event(s): $(cat "$work/$v.json")"
done

# Control: real traffic (frames 470-669, all with moving cars) triggers.
mkdir "$work/traffic"
for i in $(seq 470 669); do
	ln -s "$src/$(printf in%06d.jpg "$i")" "$work/traffic/$(printf %06d.jpg "$i")"
done
n=$(events traffic)
[ "$n" -ge 1 ] || fail "real traffic raised no event: $(cat "$work/traffic.json")"

echo "PASS: +40%, -40% steps and a flash on a still scene raise no event; traffic raises $n"
