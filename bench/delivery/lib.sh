# Shared by bench/delivery/*.sh (sourced): a station with one enrolled
# device, and writing a marked section of docs/performance.md.

# shellcheck source=../../tests/integration/delivery/station_up.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/integration/delivery/station_up.sh"

# station_with_device HOST_BUILD DIR: makes and starts an mt-station in
# DIR/st (its pid in $pid, for the caller's cleanup), enrolls a device into
# DIR/keys with the firmware's enrollment, and sets $url.
station_with_device() {
	local build=$1 dir=$2 station=$1/tools/station/mt-station fp code
	fp=$("$station" init --data "$dir/st" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
	station_up "$station" "$dir/st" 127.0.0.1:0 "$dir/serve.log" ||
		{ echo "bench: mt-station did not start: $(tail -3 "$dir/serve.log")" >&2; return 1; }
	pid=$station_pid
	url="https://localhost:$station_port"
	code=$("$station" enroll-code --data "$dir/st" | tail -1)
	"$build/tests/integration/delivery/mt-test-upload" enroll "$dir/keys" "$url" "$code" "$fp" \
		>/dev/null 2>&1 || { echo "bench: enrollment failed: $(cat "$dir/serve.log")" >&2; return 1; }
}

# write_section DOC NAME TEXT: TEXT (from <!-- NAME:begin --> to
# <!-- NAME:end -->) replaces that section of DOC, or is appended.
write_section() {
	if grep -q "<!-- $2:begin -->" "$1"; then
		python3 - "$1" "$2" "$3" <<'PY'
import re, sys
p, name, sec = sys.argv[1:]
s = open(p).read()
s = re.sub(r'<!-- %s:begin -->.*?<!-- %s:end -->' % (name, name), lambda m: sec, s, flags=re.S)
open(p, 'w').write(s)
PY
	else
		printf '\n%s\n' "$3" >>"$1"
	fi
}
