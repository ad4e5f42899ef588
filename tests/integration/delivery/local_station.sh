# A local mt-station for the integration tests, sourced:
#   . local_station.sh; work=$(mktemp -d); trap local_station_cleanup EXIT
#   local_station MT-STATION "$work"
# makes the station in $work/station and serves it on 127.0.0.1 (a free
# port): sets fp (the CA's SHA-256, as mt-station init prints it), url and
# pid. local_station_cleanup stops it and removes $work.
pid=
local_station_cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}

local_station() {
	fp=$("$1" init --data "$2/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
	[ ${#fp} -eq 64 ] || { echo "FAIL: no CA fingerprint from mt-station init" >&2; exit 1; }
	"$1" serve --data "$2/station" --listen 127.0.0.1:0 >"$2/serve.out" 2>"$2/serve.log" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$2/serve.out" 2>/dev/null && break
		sleep 0.1
	done
	url="https://localhost:$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$2/serve.out")"
}
