#!/usr/bin/env bash
# wzp-load and wzp-udp-forwarder as an operator runs them: --help documents every flag, bad flags
# exit 2 with a clear message, a small load through a wzp-relay daemon arrives whole with every
# figure in the JSON, a small ramp reports its steps and the last one that held, churn leaves those
# who stayed without loss, Opus frames from a WAV go through, and the plain-UDP baseline through
# wzp-udp-forwarder arrives whole too. Loopback and a light load: zero loss is a fair assertion.
set -euo pipefail
bin=$1
# shellcheck source=tests/programs/program_test_lib.sh
. "$(dirname "$0")/program_test_lib.sh"
py=/usr/bin/python3

help=$("$bin/wzp-load" --help)
for flag in --relay --participants --room-size --duration --loops --join-rate --join-timeout-ms --payload --wav \
            --opus-bitrate --interval-ms --drain-ms --relay-pid --token --udp --churn --leave-grace-ms --ramp \
            --ramp-start --ramp-step --ramp-max --ramp-pause-ms --max-loss --max-p99-ms --json --report-every \
            --progress --per-receiver --run-id --log-level Example; do
  grep -q -- "$flag" <<<"$help" || fail "wzp-load --help does not document $flag"
done
"$bin/wzp-udp-forwarder" --help | grep -q -- "--bind" || fail "wzp-udp-forwarder --help does not document --bind"

# Bad flags: exit status 2 and a message that says what is wrong.
expect_bad() {  # pattern, wzp-load arguments...
  local pattern=$1 rc=0
  shift
  "$bin/wzp-load" "$@" >"$work/bad.out" 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "wzp-load $* exited with $rc, not 2: $(cat "$work/bad.out")"
  grep -q -- "$pattern" "$work/bad.out" || fail "wzp-load $*: no clear message ($pattern): $(cat "$work/bad.out")"
}
expect_bad "no-such-flag" --relay 127.0.0.1:9 --participants 4 --no-such-flag
expect_bad "participants is required" --relay 127.0.0.1:9
expect_bad "is not host:port" --relay nonsense --participants 4
expect_bad "room-size" --relay 127.0.0.1:9 --participants 4 --room-size 1
expect_bad "ramp-step" --relay 127.0.0.1:9 --participants 4 --ramp --ramp-step x0.5
expect_bad "need --ramp" --relay 127.0.0.1:9 --participants 4 --ramp-max 10
expect_bad "no such process" --relay 127.0.0.1:9 --participants 4 --relay-pid 2147483647
expect_bad "payload" --relay 127.0.0.1:9 --participants 4 --payload 10
rc=0
"$bin/wzp-udp-forwarder" --bind nonsense >"$work/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "is not IP:port" "$work/bad.out" || fail "wzp-udp-forwarder --bind nonsense: exit $rc: $(cat "$work/bad.out")"

# check_json FILE PYTHON: runs the assertions with `r` the parsed JSON; fails with the file.
check_json() {
  "$py" - "$1" "$2" <<'PYEOF' || fail "$1 is not what was expected: $(cat "$1")"
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[2])
PYEOF
}

start_relay --max-sessions 200
"$bin/wzp-load" --relay "127.0.0.1:$port" --participants 12 --room-size 4 --duration 3 --json "$work/out.json" \
  --relay-pid "$relay_pid" >"$work/load.out" 2>&1 || fail "wzp-load failed: $(cat "$work/load.out")"
grep -q "^result: " "$work/load.out" || fail "no summary: $(cat "$work/load.out")"
check_json "$work/out.json" '
keys = ["participants", "consumers", "sent", "delivered", "expected", "lost", "duplicates", "reordered",
        "latency_p50_ms", "latency_p99_ms", "latency_max_ms", "jitter_ms", "join_p50_ms", "join_p99_ms",
        "joins_per_s", "join_failures", "relay_cpu_pct", "relay_rss_kb"]
missing = [k for k in keys if k not in r]
assert not missing, f"missing keys {missing}"
assert r["participants"] == 12 and r["consumers"] == 36, (r["participants"], r["consumers"])
assert r["sent"] > 0 and r["expected"] == 3 * r["sent"], (r["sent"], r["expected"])
assert r["delivered"] == r["expected"] and r["lost"] == 0, (r["delivered"], r["expected"], r["lost"])
assert r["join_failures"] == 0 and r["duplicates"] == 0
for k in ["latency_p50_ms", "latency_p99_ms", "latency_max_ms", "join_p50_ms", "join_p99_ms", "joins_per_s"]:
    assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r[k])
assert r["latency_p50_ms"] <= r["latency_p99_ms"] <= r["latency_max_ms"]
assert isinstance(r["jitter_ms"], (int, float)) and r["jitter_ms"] >= 0
assert isinstance(r["relay_cpu_pct"], (int, float)) and r["relay_cpu_pct"] >= 0, r["relay_cpu_pct"]
assert isinstance(r["relay_rss_kb"], int) and r["relay_rss_kb"] > 0
'

# A ramp from 4 to 16 participants, 1 s per step (limits loose enough for a shared or sanitized build).
"$bin/wzp-load" --relay "127.0.0.1:$port" --participants 4 --room-size 4 --duration 1 --ramp --ramp-step x2 \
  --ramp-max 16 --ramp-pause-ms 200 --max-p99-ms 1000 --max-loss 1 --json "$work/ramp.json" \
  --relay-pid "$relay_pid" >"$work/ramp.out" 2>&1 || fail "wzp-load --ramp failed: $(cat "$work/ramp.out")"
grep -q "^last step that held: 16 participants" "$work/ramp.out" || fail "no ramp conclusion: $(cat "$work/ramp.out")"
check_json "$work/ramp.json" '
steps = r["steps"]
assert [s["participants"] for s in steps] == [4, 8, 16], [s["participants"] for s in steps]
assert all(s["ok"] and s["sent"] > 0 and s["delivered"] > 0 for s in steps), steps
assert r["last_ok_participants"] == 16, r["last_ok_participants"]
'

# Churn: 3 leave and are replaced each second; those that stayed lose nothing. Progress lines too.
"$bin/wzp-load" --relay "127.0.0.1:$port" --participants 12 --room-size 4 --duration 3 --churn 3 \
  --report-every 1 --progress "$work/progress.jsonl" --json "$work/churn.json" >"$work/churn.out" 2>&1 \
  || fail "wzp-load --churn failed: $(cat "$work/churn.out")"
check_json "$work/churn.json" '
assert r["churn_leaves"] >= 6 and r["churn_joins"] >= 6, (r["churn_leaves"], r["churn_joins"])
assert r["churn_join_failures"] == 0, r["join_failure_reasons"]
assert 0 < r["stayed"] < 12, r["stayed"]
assert r["stayed_expected"] > 0 and r["stayed_lost"] == 0, (r["stayed_expected"], r["stayed_lost"])
'
"$py" - "$work/progress.jsonl" <<'PYEOF' || fail "bad progress lines: $(cat "$work/progress.jsonl")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 2 and lines[-1]["sent"] > 0, lines
PYEOF

# Real Opus frames from a WAV file.
"$py" - "$work/tone.wav" <<'PYEOF'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 48000))) for i in range(48000)))
PYEOF
"$bin/wzp-load" --relay "127.0.0.1:$port" --participants 4 --room-size 4 --duration 1 --wav "$work/tone.wav" \
  --json "$work/opus.json" >"$work/opus.out" 2>&1 || fail "wzp-load --wav failed: $(cat "$work/opus.out")"
check_json "$work/opus.json" '
assert r["payload"] == "opus" and 24 < r["payload_bytes"] < 200, (r["payload"], r["payload_bytes"])
assert r["sent"] > 0 and r["delivered"] == r["expected"], (r["delivered"], r["expected"])
'
stop_relay

# The baseline: the same load over plain UDP through wzp-udp-forwarder.
"$bin/wzp-udp-forwarder" --bind 127.0.0.1:0 >"$work/fwd.out" 2>&1 &
fwd_pid=$!
wait_for_line "$work/fwd.out" "listening on"
fwd_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\)$/\1/p' "$work/fwd.out")
[ -n "$fwd_port" ] || fail "the forwarder did not report its port: $(cat "$work/fwd.out")"
"$bin/wzp-load" --udp --relay "127.0.0.1:$fwd_port" --participants 12 --room-size 4 --duration 2 \
  --relay-pid "$fwd_pid" --json "$work/udp.json" >"$work/udp.out" 2>&1 || fail "wzp-load --udp failed: $(cat "$work/udp.out")"
check_json "$work/udp.json" '
assert r["mode"] == "udp" and r["participants"] == 12 and r["consumers"] == 36
assert r["sent"] > 0 and r["delivered"] == r["expected"] and r["lost"] == 0, (r["delivered"], r["expected"])
assert r["join_failures"] == 0 and isinstance(r["relay_cpu_pct"], (int, float))
'
kill -TERM "$fwd_pid"
wait "$fwd_pid" || fail "wzp-udp-forwarder exited non-zero after SIGTERM"
grep -q "SIGTERM, stopping: received [1-9][0-9]*, forwarded [1-9]" "$work/fwd.out" \
  || fail "no forwarder summary: $(cat "$work/fwd.out")"
echo "load test: ok"
