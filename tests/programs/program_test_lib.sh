# Shared by the program tests (sourced): a work folder removed at exit, fail(), and a
# wzp-relay started on a free loopback port. Expects $bin (the programs' folder).
work=$(mktemp -d)
relay_pid=""
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Waits up to 10 s until FILE has a line matching PATTERN (grep -q); no failure by itself.
wait_for_line() {
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 0
}

# Starts wzp-relay (extra flags as arguments); sets relay_pid and port.
start_relay() {
  "$bin/wzp-relay" --listen 127.0.0.1:0 --identity "$work/relay.seed" "$@" >"$work/relay.out" 2>"$work/relay.err" &
  relay_pid=$!
  wait_for_line "$work/relay.out" "listening on"
  port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\),.*/\1/p' "$work/relay.out")
  [ -n "$port" ] || fail "the relay did not report its port: $(cat "$work/relay.out" "$work/relay.err")"
}

# Stops the relay with SIGTERM; fails unless it exits cleanly.
stop_relay() {
  kill -TERM "$relay_pid"
  wait "$relay_pid" || fail "wzp-relay exited non-zero after SIGTERM"
  relay_pid=""
}

# assert_audible WAV: a 48 kHz mono 16-bit recording of at least 2 s whose loudest second is
# clearly not silence (the tests send tones at amplitude 8000-9000).
assert_audible() {
  /usr/bin/python3 - "$1" <<'PYEOF' || fail "the recording $1 is not what a call heard"
import array, math, sys, wave
with wave.open(sys.argv[1]) as w:
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (48000, 1, 2), w.getparams()
    pcm = array.array("h", w.readframes(w.getnframes()))
assert len(pcm) >= 2 * 48000, f"only {len(pcm)} samples recorded"
loudest = max(math.sqrt(sum(v * v for v in pcm[i:i + 48000]) / 48000) for i in range(0, len(pcm) - 47999, 24000))
assert loudest > 1000, f"the recording is near-silent: loudest second RMS {loudest:.0f}"
PYEOF
}
