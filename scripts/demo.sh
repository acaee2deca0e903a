#!/usr/bin/env bash
# Builds libwzp and runs the demo:
#   1. the protocol walk-through end to end (identities, handshake, media crypto, a relay);
#   2. a real call: espeak-ng says a sentence, one client sends it through an in-process relay,
#      the other records it, with 0 % and 20 % loss; prints each recording's quality figures
#      (STOI, frames played / recovered / concealed, delay) and writes the WAV files to build/demo/.
#   scripts/demo.sh --no-call     the walk-through only
set -euo pipefail
cd "$(dirname "$0")/.."
call=1
args=()
for a in "$@"; do
  if [ "$a" = "--no-call" ]; then call=0; else args+=("$a"); fi
done
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j "$jobs" --target wzp-demo >/dev/null
build/examples/wzp-demo "${args[@]}"
[ "$call" = 1 ] || exit 0

echo
echo "== A real call (building the Python package into build/demo-venv) ..."
venv=build/demo-venv
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
WZP_PY_BUILD_DIR="$(pwd)/build/python" "$venv/bin/python" -m pip install --quiet --no-build-isolation --no-deps \
  --no-index . >/dev/null
"$venv/bin/python" examples/python/call_demo.py --out build/demo
