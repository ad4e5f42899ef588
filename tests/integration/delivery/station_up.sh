# Sourced by the delivery tests and bench/delivery: starts mt-station.
#
#   station_up MT-STATION DATA ADDR:PORT LOG   (PORT 0: any free port)
#
# serves DATA on 127.0.0.1 in the background, appending its log to LOG;
# sets station_pid and station_port once it listens, or returns 1.
station_up() {
	local out=$4.out
	"$1" serve --data "$2" --listen "$3" >"$out" 2>>"$4" &
	station_pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$out" 2>/dev/null && break
		sleep 0.1
	done
	station_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$station_port" ]
}

# matthan_enroll MATTHAN MT-STATION DATA URL FINGERPRINT WORK
#
# writes WORK/matthan.conf (keys and spool in WORK, no console) and enrolls
# the real matthan with the station with a fresh one-time code; matthan
# saves station.url into the file. Its output goes to WORK/enroll.out.
matthan_enroll() {
	local code
	code=$("$2" enroll-code --data "$3" --device-name "$(basename "$6")" | tail -1)
	printf 'device.keys = "%s/keys"\nspool.path = "%s/spool"\nconsole.device = "none"\n' \
		"$6" "$6" >"$6/matthan.conf"
	"$1" --config "$6/matthan.conf" enroll "$4" "$code" "$5" >"$6/enroll.out" 2>&1
}
