#!/usr/bin/env bash
# Recording benchmark (issue #5), all at 1920x1080 from cdnet-highway scaled by
# ffmpeg (-q:v 5):
#   - peak RSS of matthan recording 1080p MJPEG at 15 fps with 5 s of
#     pre-roll, against the ring's configured bytes (/usr/bin/time -v);
#   - privacy masking per frame in the DCT domain (the scan walker, and the
#     lossless transform it falls back to) against TurboJPEG decode + black +
#     encode of the same frames, in the same run (bench_record); again on
#     the same frames with a restart interval per MCU row (jpegtran -restart 1);
#   - payload copies per frame from capture to disk.
# Writes the "Recording" section of docs/performance.md.
#
#   bench/record/run.sh [BUILD_DIR]      (default build/host)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/host}
footage=${MT_FOOTAGE:-$root/../shared/footage}
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -G Ninja -DBOARD=host >/dev/null
cmake --build "$build" --target bench_record matthan >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mask="0.1,0.1 0.42,0.16 0.36,0.47 0.05,0.4"

# Masking: 10 frames, 20 rounds, CPU time of the thread.
ffmpeg -nostdin -v error -start_number 500 -i "$footage/cdnet-highway/input/in%06d.jpg" \
	-frames:v 10 -vf scale=1920:1080 -q:v 5 "$work/f%02d.jpg"
"$build/bench/record/bench_record" 20 "$mask" "$work"/f*.jpg >"$work/mask"
for f in "$work"/f*.jpg; do jpegtran -restart 1 -outfile "$work/r${f##*/}" "$f"; done
"$build/bench/record/bench_record" 20 "$mask" "$work"/rf*.jpg >"$work/mask_rst"
val() { sed -n "s/^$1=//p" "$work/mask"; }
rst() { sed -n "s/^$1=//p" "$work/mask_rst"; }
[ "$(val walker_fallback)" = 0 ] && [ "$(rst walker_fallback)" = 0 ] && [ "$(rst restart)" = 120 ] ||
	{ echo "bench_record: the walker fell back, or no restart intervals" >&2; exit 1; }

# RSS: 30 s of 1080p MJPEG at 15 fps, paced as a camera; the ring gets
# room for pre-roll + 2 s of writer lag at the footage's frame size.
# A folder of JPEGs, not one .mjpeg file: the replay camera indexes a .mjpeg
# file by mapping all of it at start, which would be the peak instead.
mkdir "$work/in"
ffmpeg -nostdin -v error -start_number 1 -i "$footage/cdnet-highway/input/in%06d.jpg" \
	-frames:v 450 -vf scale=1920:1080 -q:v 5 "$work/in/in%06d.jpg"
frame=$(( $(du -sb "$work/in" | cut -f1) / 450 ))
ring=$(( (frame * 15 * 7 * 5 / 4 + 1048575) / 1048576 * 1048576 ))
/usr/bin/time -v "$build/firmware/app/matthan" --config /dev/null \
	--set capture.device="$work/in" --set capture.format=mjpeg \
	--set capture.realtime=true --set capture.width=1920 --set capture.height=1080 \
	--set capture.fps=15 --set record.preroll_s=5 --set record.ring_bytes=$ring \
	--set spool.path="$work/spool" --set console.device=pty >"$work/run" 2>"$work/time"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
limit=$(( ring / 1024 + 4096 ))
clips=$(sed -n "s/^clips *//p" "$work/run" | head -1 | sed "s/ written to [^,]*,/,/")

section=$(cat <<MD
<!-- record:begin -->
## Recording: masking, memory, copies (1080p)

\`bench/record/run.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m).
Footage: cdnet-highway scaled to 1920x1080 by ffmpeg (\`-q:v 5\`, mean
$((frame / 1024)) KiB per frame).

**Privacy masking**, $(val frames) frames x $(val rounds) rounds, CPU time of the
thread, interleaved frame by frame with the peers; mask: the quadrilateral
\`$mask\`, $(val masked_blocks) of $(val total_blocks) MCUs.

| path | per 1080p frame | output |
| --- | --- | --- |
| DCT domain: \`mt_privacy_mask_jpeg\`, scan walker (bits of unmasked blocks copied) | $(val dct_ms) ms | $(val dct_kib) KiB |
| DCT domain: lossless transform + coefficient filter (the walker's fallback) | $(val xf_ms) ms | $(val xf_kib) KiB |
| peer: TurboJPEG decode to YUV planes, black, encode (q 90) | $(val full_ms) ms | $(val full_kib) KiB |
| peer: TurboJPEG decode to RGB, black, encode (q 90) | $(val rgb_ms) ms | |
| scan walker is cheaper by | $(val ratio)x (YUV peer), $(val rgb_ratio)x (RGB peer) | target 5x |
| lossless transform is cheaper by | $(val xf_ratio)x (YUV peer) | |

The same frames with a restart interval per MCU row (\`jpegtran -restart 1\`,
mean $(rst in_kib) KiB): the walker copies the $(( $(rst mcu_rows) - $(rst masked_rows) )) of
$(rst mcu_rows) intervals without a masked MCU byte for byte and walks the rest.

| path | per 1080p frame | output |
| --- | --- | --- |
| scan walker | $(rst dct_ms) ms | $(rst dct_kib) KiB |
| lossless transform + coefficient filter | $(rst xf_ms) ms | $(rst xf_kib) KiB |
| peer: TurboJPEG decode to YUV planes, black, encode (q 90) | $(rst full_ms) ms | $(rst full_kib) KiB |
| scan walker is cheaper by | $(rst ratio)x (YUV peer) | target 5x |

**Memory**: matthan recording 30 s of 1080p MJPEG at 15 fps, 5 s pre-roll,
\`record.ring_bytes\` = $ring ($((ring / 1048576)) MiB: pre-roll + 2 s of frames, + 25 %).
Clips: $clips.

| measure | value |
| --- | --- |
| peak RSS (\`/usr/bin/time -v\`) | $rss KiB |
| ring bytes + 4 MiB (target) | $limit KiB |

**Payload copies per frame, capture to disk**: V4L2 capture copies each
frame once out of its mmap buffer (the Capture section: 1.000 per frame). After
that, none: an MJPEG frame is passed through the encode stage by reference
(\`test_preroll\` checks the pointer), the ring and the clip writer hold
references, and the muxer hands each frame's own buffer to \`write()\`. A
masked JPEG is a new payload made by the scan walker (or the transform it
falls back to), written in place into a frame that is then shrunk with \`realloc\` (no copy). A raw frame is encoded
(TurboJPEG writes into its frame the same way; OpenH264 and the M2M encoder's
CAPTURE buffer are copied once into a frame of exact size).
<!-- record:end -->
MD
)
doc=$root/docs/performance.md
if grep -q '<!-- record:begin -->' "$doc"; then
	python3 - "$doc" "$section" <<'PY'
import re, sys
p, sec = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r'<!-- record:begin -->.*?<!-- record:end -->', lambda m: sec, s, flags=re.S)
open(p, 'w').write(s)
PY
else
	printf '\n%s\n' "$section" >>"$doc"
fi
echo "$section"
