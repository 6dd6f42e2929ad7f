#!/usr/bin/env bash
# abi_test.sh - the shared library exports the public API and nothing else, and another language
# can drive it: every symbol libunrest.so exports is a function declared in include/unrest/, every
# function declared there is exported, and tests/bind_test.py (Python's ctypes, no C compiler)
# builds a scenario through the opaque handle, sets and reads values by path, and runs a world.
# Usage: tests/abi_test.sh path/to/libunrest.so
set -euo pipefail
lib=${1:?usage: abi_test.sh path/to/libunrest.so}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$lib" ] || { echo "abi: $lib not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# OpenMP names its critical sections' locks after them (".gomp_critical_user_NAME"): not API
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^\.gomp_critical_user_' | sort -u \
    >"$tmp/exported"
# declarations: a function (a name right before "(", as clang-format writes them; a function
# pointer typedef's return type has a space) or an extern object, outside comments
sed -e 's|/\*.*\*/||g' "$here"/../include/unrest/*.h | grep -v '^\s*\*' >"$tmp/headers"
{
    grep -oE '\bunrest_[a-z0-9_]+\(' "$tmp/headers" | sed -E 's/\($//'
    grep -E '^\s*extern ' "$tmp/headers" | grep -oE '\bunrest_[a-z0-9_]+\s*(\[|;)' |
        sed -E 's/\s*(\[|;)$//'
} | sort -u >"$tmp/declared"
fail=0
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
if [ -n "$extra" ]; then
    echo "abi: exported but not declared in include/unrest/:"; echo "$extra" | sed 's/^/  /'
    fail=1
fi
missing=$(comm -13 "$tmp/exported" "$tmp/declared")
if [ -n "$missing" ]; then
    echo "abi: declared in include/unrest/ but not exported:"; echo "$missing" | sed 's/^/  /'
    fail=1
fi
echo "abi: $(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared"
[ "$fail" = 0 ] || exit 1
python3 "$here/bind_test.py" "$lib"
