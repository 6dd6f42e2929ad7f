#!/usr/bin/env bash
# bootstrap.sh - install what unrest needs on Debian (if missing) and build it into build/.
# Usage: scripts/bootstrap.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config libyaml-dev librandom123-dev libcmocka-dev clang
      libomp-dev clang-format python3 libgsl-dev libsqlite3-dev sqlite3 libmicrohttpd-dev libpng-dev
      libjansson-dev libopenmpi-dev openmpi-bin lrslib liblrs-dev
      curl)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
