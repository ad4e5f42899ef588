#!/usr/bin/env bash
# README command 2 (and .ci/run): install what is needed, then build and run
# every test: host, host under ASan+UBSan, armhf and arm64 cross builds under
# qemu-user, and the format and cppcheck gates. Ends with ctest's summaries
# and one total line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/deps.sh test || exit 1
# Integration tests replay real footage; make sure there is some.
export MT_FOOTAGE_DIR
MT_FOOTAGE_DIR=$(cd "$top/../shared/footage" 2>/dev/null && pwd) || MT_FOOTAGE_DIR=""
if [ -z "$MT_FOOTAGE_DIR" ]; then
	echo "tests: ../shared/footage not found; fetching Debian's vtest.avi instead" >&2
	MT_FOOTAGE_DIR=$(dirname "$(tools/footage.sh)") || exit 1
fi

passed=0
failed=0
status=0
summaries=""
for target in host asan armhf arm64; do
	echo "== $target =="
	log="build/ctest-$target.log"
	mkdir -p build
	if ! tools/build.sh "$target" -DMT_FOOTAGE_DIR="$MT_FOOTAGE_DIR" >"build/build-$target.log" 2>&1; then
		tail -n 40 "build/build-$target.log"
		echo "$target: BUILD FAILED (build/build-$target.log)"
		status=1
		failed=$((failed + 1))
		continue
	fi
	ctest --test-dir "build/$target" --output-on-failure -j2 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log" | tail -n 1)
	summaries="$summaries$target: $line"$'\n'
	if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
		failed=$((failed + BASH_REMATCH[1]))
		passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
	else
		status=1
	fi
done

echo "== gates =="
for gate in tools/check-format.sh tools/cppcheck.sh; do
	if "$gate"; then
		echo "$gate: ok"
		passed=$((passed + 1))
	else
		echo "$gate: FAILED"
		failed=$((failed + 1))
		status=1
	fi
done

echo
echo "== summary =="
printf '%s' "$summaries"
echo "$passed passed, $failed failed"
exit $status
