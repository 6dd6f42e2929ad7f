#!/usr/bin/env bash
# run.sh - end-to-end browser tests of the viewer and reports (tests/browser/viewer.test.mjs).
# Installs Debian's chromium (and nodejs/npm) if missing, installs playwright-core from
# package-lock.json with `npm ci`, then runs the tests with node's test runner.
# usage: tests/browser/run.sh [PATH/TO/unrest]    (default build/unrest)
#        UNREST_ARTIFACTS=DIR for the screenshots (default build/test-artifacts)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export UNREST_BIN=$(realpath "${1:-${UNREST_BIN:-$root/build/unrest}}")
export UNREST_ARTIFACTS=${UNREST_ARTIFACTS:-$root/build/test-artifacts}

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    echo "browser tests: installing ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
export CHROMIUM=${CHROMIUM:-$(command -v chromium)}

cd "$here"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
mkdir -p "$UNREST_ARTIFACTS"
node --test --test-reporter=spec viewer.test.mjs
echo "browser tests: screenshots in $UNREST_ARTIFACTS"
