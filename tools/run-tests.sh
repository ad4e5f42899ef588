#!/usr/bin/env bash
# README command 2 (and .ci/run): install what is needed, then build and run
# every test: host, host under ASan+UBSan, armhf and arm64 cross builds under
# qemu-user, the libFuzzer targets for a bounded time (clang), and the format
# and cppcheck gates. Ends with ctest's summaries
# and one total line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/deps.sh test || exit 1
# Tests replay real footage: ../shared/footage, or (on a machine without it)
# Debian's vtest.avi frames laid out the same way (tools/footage.sh says so).
MT_FOOTAGE_DIR=$(tools/footage.sh --root) || exit 1
export MT_FOOTAGE_DIR

passed=0
failed=0
status=0
summaries=""
for target in host asan armhf arm64 fuzz; do
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
