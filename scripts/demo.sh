#!/usr/bin/env bash
# Builds libwzp and runs the demo:
#   1. the protocol walk-through end to end (identities, handshake, media crypto, a relay);
#   2. a real call: espeak-ng says a sentence, one client sends it through an in-process relay,
#      the other records it, with 0 % and 20 % loss; prints each recording's quality figures
#      (STOI, frames played / recovered / concealed, delay) and writes the WAV files to build/demo/.
#   scripts/demo.sh --no-call     the walk-through only
#   scripts/demo.sh --web [PORT]  browsers in a call: starts a relay (127.0.0.1:4433) and the web
#                                 bridge (http://127.0.0.1:PORT/, default 8080), prints the URL to
#                                 open (two tabs, or two machines' browsers, in the same room hear
#                                 each other); Ctrl-C stops both
set -euo pipefail
cd "$(dirname "$0")/.."
call=1
web=0
web_port=8080
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-call) call=0 ;;
    --web) web=1; if [[ "${2:-}" =~ ^[0-9]+$ ]]; then web_port=$2; shift; fi ;;
    *) args+=("$1") ;;
  esac
  shift
done
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null

if [ "$web" = 1 ]; then
  cmake --build build -j "$jobs" --target wzp-relay wzp-web >/dev/null
  build/examples/wzp-relay --listen 127.0.0.1:4433 &
  relay=$!
  build/examples/wzp-web --listen "127.0.0.1:$web_port" --relay 127.0.0.1:4433 &
  bridge=$!
  trap 'kill $relay $bridge 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
  sleep 1
  echo
  echo "== Open http://127.0.0.1:$web_port/demo in two browser tabs (allow the microphone): they are in"
  echo "   room 'demo' and hear each other. Any path is a room: http://127.0.0.1:$web_port/<room>."
  echo "   From another machine, serve HTTPS (browsers need it for the microphone): see docs/WEB.md."
  echo "   Ctrl-C stops the relay and the bridge."
  wait $bridge
  exit 0
fi
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
