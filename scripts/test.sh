#!/usr/bin/env bash
# test.sh - the whole test suite, as CI runs it: install and build (Release), run every test,
# drive the live viewer and a report in a real browser (Playwright + Debian chromium), rebuild
# with AddressSanitizer + UndefinedBehaviorSanitizer and run every test again, check
# formatting, and fuzz every parser for a bounded time.
# Usage: scripts/test.sh        (UNREST_FUZZ_SECONDS=N to change the fuzzing time; 0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== build (Release) and install dependencies"
scripts/bootstrap.sh

echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== golden digests on AVX2-only and SSE2-only builds"
# The Release build above is -march=native: on an AVX-512 machine it runs the AVX-512 paths of
# src/core (#if __AVX512F__ / __AVX512BW__ / __AVX512VPOPCNTDQ__: count_down, list_actors,
# gather_row, the shuffle, the lattice's counts, 8-lane Philox). x86-64-v3 has none of them but
# AVX2 (4-lane Philox), SSE4.1 (pick_block) and BMI2 (word_select); x86-64 has only SSE2, so every
# one of those takes its plain-C path. Each must reproduce the digests pinned in test_golden.c.
for arch in avx2:x86-64-v3 sse2:x86-64; do
    dir=build-${arch%%:*}
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DUNREST_ARCH="${arch#*:}" >/dev/null
    cmake --build "$dir" --target test_golden -j"$jobs"
    "$dir/tests/test_golden"
done

echo "== browser tests (Playwright driving Debian's chromium, headless)"
# reports written by the commands, checked in the browser beside the live viewer's own
art="$PWD/build/test-artifacts"
mkdir -p "$art"
build/unrest run --quiet --set scale.people_per_agent=1000 --days 6 --out "$art/run" \
    --report "$art/run-report.html"
build/unrest compare default --quiet --runs 8 --workers "$jobs" --set scale.people_per_agent=1000 \
    --set time.days=6 --variant force=scenarios/no-concessions.yaml \
    --variant lenity=scenarios/concessions-only.yaml --report "$art/compare-report.html"
UNREST_ARTIFACTS="$art" UNREST_REPORT="$art/run-report.html:$art/compare-report.html" \
    tests/browser/run.sh build/unrest

echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNREST_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== formatting (clang-format)"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find include src cli tests bench -name '*.[ch]')
clang-format --dry-run --Werror $files
echo "formatting: ok"

secs=${UNREST_FUZZ_SECONDS:-60}
if [ "$secs" -gt 0 ]; then
    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNREST_FUZZ=ON \
        -DUNREST_NATIVE=OFF >/dev/null
    # every parser has a harness tests/fuzz_NAME.c and a seed corpus tests/corpus/NAME/
    for harness in tests/fuzz_*.c; do
        name=$(basename "$harness" .c)
        name=${name#fuzz_}
        echo "== fuzzing the $name parser for ${secs}s (libFuzzer)"
        cmake --build build-fuzz --target "fuzz_$name" -j"$jobs"
        corpus=$(mktemp -d)
        cp tests/corpus/"$name"/* "$corpus/"
        build-fuzz/tests/"fuzz_$name" -max_total_time="$secs" -print_final_stats=1 "$corpus" 2>&1 |
            tail -n 5
        rm -rf "$corpus"
    done
fi
echo "all tests: passed"
