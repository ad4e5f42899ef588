# A local mt-station for the integration tests, sourced:
#   . local_station.sh; work=$(mktemp -d); trap local_station_cleanup EXIT
#   local_station MT-STATION "$work"
# makes the station in $work/station and serves it on 127.0.0.1 (a free
# port): sets fp (the CA's SHA-256, as mt-station init prints it), url and
# pid (starting it with station_up.sh's station_up). local_station_cleanup
# stops it and removes $work.
pid=
local_station_cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}

# shellcheck source-path=SCRIPTDIR source=station_up.sh
. "$(dirname "${BASH_SOURCE[0]}")/station_up.sh"

local_station() {
	fp=$("$1" init --data "$2/station" | sed -n 's/.*fingerprint[^:]*: \([0-9a-f]\{64\}\).*/\1/p')
	[ ${#fp} -eq 64 ] || { echo "FAIL: no CA fingerprint from mt-station init" >&2; exit 1; }
	station_up "$1" "$2/station" 127.0.0.1:0 "$2/serve.log" ||
		{ echo "FAIL: mt-station did not start: $(tail -3 "$2/serve.log")" >&2; exit 1; }
	pid=$station_pid
	url="https://localhost:$station_port"
}
