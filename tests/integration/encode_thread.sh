#!/usr/bin/env bash
# The encode stage on its own thread: a raw camera (CDnet highway as a Y4M
# file, read as NV12) encoded to MJPEG with TurboJPEG and to H.264 with the
# software encoder, and an MJPEG camera with a privacy mask (masked in the
# DCT domain). Each run reports the encode thread, loses no frame, and every
# clip decodes frame for frame with ffprobe/ffmpeg; the masked corner of the
# privacy run is black in the decoded clip.
set -euo pipefail
matthan=$1
src="$MT_FOOTAGE/cdnet-highway/input"
[ -d "$src" ] || { echo "FAIL: no footage at $src (MT_FOOTAGE)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Frames 401-700: traffic after the learning period.
mkdir "$work/frames"
for f in $(ls "$src" | sort | sed -n '401,700p'); do ln -s "$src/$f" "$work/frames/$f"; done
ffmpeg -nostdin -v error -framerate 25 -pattern_type glob -i "$work/frames/*.jpg" \
	-pix_fmt yuv420p "$work/raw.y4m"

run() { # name device extra settings...
	local name=$1 dev=$2
	shift 2
	${MT_EMULATOR:-} "$matthan" --config /dev/null \
		--set "capture.device=$dev" --set capture.fps=25 --set capture.realtime=false \
		--set "spool.path=$work/$name" --set record.preroll_s=2 --set record.postroll_s=2 \
		--set motion.learn_s=2 "$@" \
		--report "$work/$name.txt" >"$work/$name.out" 2>&1 || {
		cat "$work/$name.out"; fail "$name: matthan exited non-zero"; }
	grep -q "on its own thread" "$work/$name.txt" || { cat "$work/$name.txt"; fail "$name: no encode thread"; }
	grep -q "0 failed, 0 frames lost" "$work/$name.txt" || { cat "$work/$name.txt"; fail "$name: clips failed or frames lost"; }
	grep -q "(0 more: encode thread full)" "$work/$name.txt" || fail "$name: the encode thread dropped frames"
	local n=0
	for clip in "$work/$name"/clip-*.mp4; do
		[ -e "$clip" ] || fail "$name: no clip"
		n=$((n + 1))
		want=$(grep -F "$clip " "$work/$name.txt" | sed -n 's/.*  \([0-9]*\) frames .*/\1/p')
		got=$(ffprobe -v error -count_frames -select_streams v:0 \
			-show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$clip")
		[ "$got" = "$want" ] || fail "$clip: ffprobe decodes $got frames, report says $want"
		ffmpeg -nostdin -v error -xerror -i "$clip" -f null - || fail "$clip: ffmpeg -xerror fails"
	done
	echo "$name: $n clip(s), $(grep '^encode' "$work/$name.txt")"
}

run raw-mjpeg "$work/raw.y4m" --set record.codec=mjpeg
run raw-h264 "$work/raw.y4m" --set record.codec=h264 --set record.gop_s=1
grep -q "^encode *[1-9][0-9]* encoded" "$work/raw-h264.txt" || fail "raw-h264: nothing encoded"
codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 \
	"$(ls "$work"/raw-h264/clip-*.mp4 | head -1)")
[ "$codec" = h264 ] || fail "raw-h264: the clip is $codec"

# MJPEG camera, privacy mask over the top-left quarter: masked on the thread.
run masked "$work/frames" --set "motion.privacy=0,0 0.5,0 0.5,0.5 0,0.5"
grep -q "^encode *0 encoded, [1-9][0-9]* masked" "$work/masked.txt" || fail "masked: no frame masked"
clip=$(ls "$work"/masked/clip-*.mp4 | head -1)
# Mean luma of the masked quarter (inside by a block) of the first frame.
mean=$(ffmpeg -nostdin -v error -i "$clip" -frames:v 1 -vf "crop=iw/2-16:ih/2-16:0:0,format=gray" \
	-f rawvideo - | od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) { s += $i; n++ } } END { print int(s / n) }')
[ "$mean" -le 20 ] || fail "masked: the privacy region has mean luma $mean, not black"
echo "PASS: encode thread for raw MJPEG, raw H.264 and masked MJPEG"
