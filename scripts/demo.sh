#!/usr/bin/env bash
# Builds libwzp and runs the demo: the protocol walk-through end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target wzp-demo >/dev/null
exec build/examples/wzp-demo "$@"
