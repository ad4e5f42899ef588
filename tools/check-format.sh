#!/usr/bin/env bash
# Fails, naming them, if C files do not follow /.clang-format.
#
#   tools/check-format.sh [files...]     (default: every *.c and *.h under
#                                         firmware drivers tests tools bench)
#
# Fix a file with: clang-format -i <file>
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(find firmware drivers tests tools bench -name '*.[ch]' -type f 2>/dev/null | sort)
fi
[ ${#files[@]} -gt 0 ] || exit 0

# --dry-run -Werror reports every misformatted spot as "file:line:col: error";
# collect the files, one line each.
mapfile -t bad < <(clang-format --dry-run -Werror "${files[@]}" 2>&1 |
	sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ ${#bad[@]} -gt 0 ]; then
	echo "check-format: ${#bad[@]} file(s) differ from .clang-format (fix: clang-format -i <file>):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "check-format: ${#files[@]} files OK"
