#!/usr/bin/env bash
# End to end on board/host: replay 600 frames of CDnet "highway" (cars all
# along) as fast as they read, and check that events become clips that an
# independent decoder (ffprobe) reads frame for frame, with pre-roll: fMP4
# clips of JPEG samples at their capture times.
set -euo pipefail
matthan=$1
src="$MT_FOOTAGE/cdnet-highway/input"
[ -d "$src" ] || { echo "FAIL: no footage at $src (MT_FOOTAGE)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/frames"
# Frames 1-600: the scene the detector must learn, then traffic.
for f in $(ls "$src" | sort | head -n 600); do ln -s "$src/$f" "$work/frames/$f"; done

${MT_EMULATOR:-} "$matthan" --config "$work/none.conf" \
	--set "capture.device=$work/frames" --set capture.fps=25 --set capture.realtime=false \
	--set "spool.path=$work/spool" --set record.preroll_s=2 --set record.postroll_s=2 \
	--set "device.keys=$work/keys" \
	--report "$work/report.txt" >"$work/out.txt" 2>"$work/err.txt" || {
	cat "$work/out.txt" "$work/err.txt"; echo "FAIL: matthan exited non-zero"; exit 1; }
cat "$work/out.txt"

fail() { echo "FAIL: $*"; exit 1; }
grep -q "600 captured, 0 dropped by the camera, 0 corrupt" "$work/report.txt" ||
	fail "report does not show 600 frames captured"
events=$(sed -n 's/^events *\([0-9]*\) .*/\1/p' "$work/report.txt")
merged=$(sed -n 's/^events *[0-9]* (\([0-9]*\) continued the clip before them)$/\1/p' "$work/report.txt")
[ "${events:-0}" -ge 1 ] || fail "no event recorded from a busy road"
grep -q "0 failed, 0 frames lost" "$work/report.txt" || fail "clips failed or frames lost"
[ ! -e "$work"/spool/*.part ] 2>/dev/null || fail "a .part file was left in the spool"

clips=0
for clip in "$work"/spool/clip-*.mp4; do
	clips=$((clips + 1))
	want=$(grep -F "$clip " "$work/report.txt" | sed -n 's/.*  \([0-9]*\) frames .*/\1/p')
	got=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$clip")
	[ "$got" = "$want" ] || fail "$clip: ffprobe decodes $got frames, report says $want"
	# A fragmented MP4 of JPEG samples that decodes without one error.
	codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,codec_tag_string \
		-of csv=p=0 "$clip")
	[ "$codec" = "mjpeg,jpeg" ] || fail "$clip: stream is '$codec', not MJPEG in 'jpeg' samples"
	ffmpeg -nostdin -v error -xerror -i "$clip" -f null - || fail "$clip: ffmpeg -xerror fails"
	# Frame times are the capture times: 25 fps from a replay, 0.04 s apart.
	ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$clip" |
		awk 'NR == 1 && $1 != 0 { bad = 1 } NR > 1 && ($1 - p < 0.0399 || $1 - p > 0.0401) { bad = 1 }
			{ p = $1 } END { exit bad }' || fail "$clip: frame times are not the capture times"
	sum=$(sha256sum "$clip" | cut -d' ' -f1)
	grep -q "sha256 $sum" "$work/report.txt" || fail "$clip: sha256 in the report is wrong"
	# Full pre-roll, unless the clip starts with the footage itself.
	pre=$(grep -F "$clip " "$work/report.txt" | sed -n 's/.*(pre-roll \([0-9.]*\) s).*/\1/p')
	at=$(grep -F "$clip " "$work/report.txt" | sed -n 's/.*  at \([0-9.]*\) s .*/\1/p')
	awk -v p="$pre" -v a="$at" 'BEGIN { exit !(p >= 1.9 || a == 0) }' ||
		fail "$clip: pre-roll $pre s < 2 s for a clip starting at $at s"
done
[ "$clips" -eq $((events - merged)) ] || fail "$events events ($merged merged) but $clips clips"

# Evidence (issue 6): every clip sealed, the chain whole, mt-verify says OK
# for each; and stock openssl checks a manifest with the public key the key
# store exported beside the key.
verify="$(cd "$(dirname "$matthan")/../.." && pwd)/tools/verify/mt-verify"
pub="$work/keys/evidence.pub.pem"
[ -s "$pub" ] || fail "no exported public key $pub"
[ "$(stat -c %a "$work/keys/evidence.key")" = 600 ] || fail "evidence.key is not mode 0600"
grep -q "^signed  *$clips clips sealed" "$work/report.txt" || fail "report does not say $clips clips signed"
${MT_EMULATOR:-} "$verify" --pubkey "$pub" --chain "$work/spool" >"$work/verify.txt" ||
	{ cat "$work/verify.txt"; fail "mt-verify --chain fails"; }
[ "$(grep -c ': OK$' "$work/verify.txt")" -eq "$clips" ] ||
	{ cat "$work/verify.txt"; fail "mt-verify does not say OK for every clip"; }
openssl dgst -sha256 -verify "$pub" -signature "$work/spool/clip-000001.sig" \
	"$work/spool/clip-000001.json" | grep -q "Verified OK" || fail "openssl does not verify clip 1's manifest"
grep -q "^ *write amplification" "$work/report.txt" || fail "no write amplification in the report"
grep "^signed\|^spool\|write amplification" "$work/report.txt"
echo "PASS: mt-verify OK for all $clips clips, openssl verifies a manifest with the exported key"
echo "PASS: $events events, $clips clips, each decoded by ffprobe with its pre-roll"
