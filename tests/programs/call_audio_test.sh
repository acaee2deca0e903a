#!/usr/bin/env bash
# wzp-call making a real call through wzp-relay: one sends a sound file (16 kHz stereo: wzp-call
# mixes it to mono and resamples it to 48 kHz) over an emulated lossy network, the other records
# what it hears; the recording is not silent and both write
# their final statistics as JSON.
set -euo pipefail
bin=$1
# shellcheck source=tests/programs/program_test_lib.sh
. "$(dirname "$0")/program_test_lib.sh"
py=/usr/bin/python3

help=$("$bin/wzp-call" --help)
for flag in --send-tone --send-wav --send-silence --record --duration --stats-json --loss --burst --jitter \
            --seed --profile --send --interval-ms; do
  grep -q -- "$flag" <<<"$help" || fail "wzp-call --help does not document $flag"
done

# Two seconds of a tone that glides from 300 to 1200 Hz, 16 kHz stereo (the same in both channels).
"$py" - "$work" <<'PYEOF'
import math, struct, sys, wave
rate = 16000
with wave.open(f"{sys.argv[1]}/speech.wav", "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
    n, phase, out = 2 * rate, 0.0, bytearray()
    for i in range(n):
        phase += 2 * math.pi * (300 + 900 * i / n) / rate
        out += struct.pack("<hh", int(9000 * math.sin(phase)), int(9000 * math.sin(phase)))
    w.writeframes(bytes(out))
PYEOF
echo "not a sound file" >"$work/notes.txt"

if "$bin/wzp-call" --relay 127.0.0.1:9 --send-wav "$work/notes.txt" >"$work/bad.out" 2>&1; then
  fail "a text file was accepted as sound"
fi
grep -q -- "--send-wav $work/notes.txt: " "$work/bad.out" || fail "a text file gave no clear error: $(cat "$work/bad.out")"
if "$bin/wzp-call" --relay 127.0.0.1:9 --send-tone 440 --send-silence >/dev/null 2>&1; then
  fail "two send modes at once were accepted"
fi

start_relay

"$bin/wzp-call" --relay "127.0.0.1:$port" --room audio --record "$work/heard.wav" --stats-json "$work/listener.json" \
  --duration 6 >"$work/listener.out" 2>"$work/listener.err" &
listener=$!
wait_for_line "$work/listener.out" "^joined"
"$bin/wzp-call" --relay "127.0.0.1:$port" --room audio --send-wav "$work/speech.wav" --loss 10 --seed 3 \
  --stats-json "$work/talker.json" >"$work/talker.out" 2>"$work/talker.err" \
  || fail "the talking wzp-call failed: $(cat "$work/talker.out" "$work/talker.err")"
wait "$listener" || fail "the recording wzp-call failed: $(cat "$work/listener.out" "$work/listener.err")"

grep -q "loss .*recovered .*concealed .*jitter .*delay .*profile" "$work/listener.err" \
  || fail "no live stats on stderr: $(cat "$work/listener.err")"
grep -q "recorded .* to $work/heard.wav" "$work/listener.out" || fail "no recording reported: $(cat "$work/listener.out")"

assert_audible "$work/heard.wav"
"$py" - "$work" <<'PYEOF' || fail "the recording or the stats are wrong (listener: $(cat "$work/listener.out"))"
import array, json, math, sys, wave
work = sys.argv[1]
with wave.open(f"{work}/heard.wav") as w:
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (48000, 1, 2), w.getparams()
    pcm = array.array("h", w.readframes(w.getnframes()))

listener = json.load(open(f"{work}/listener.json"))
talker = json.load(open(f"{work}/talker.json"))
for key in ("duration_s", "send", "recorded_samples", "recorded_rms", "impairment", "start_profile", "mixed", "sources"):
    assert key in listener, f"listener JSON lacks {key}"
m = listener["mixed"]
for key in ("received", "played", "recovered", "fec_next", "concealed", "late", "duplicate", "underruns",
            "jitter_ms", "current_delay_ms", "target_delay_ms", "loss_pct", "profile"):
    assert key in m, f"mixed stats lack {key}"
assert listener["recorded_samples"] == len(pcm), (listener["recorded_samples"], len(pcm))
assert listener["recorded_rms"] > 100, listener["recorded_rms"]
assert m["received"] > 50 and m["played"] > 50, m
assert len(listener["sources"]) == 1, listener["sources"]
t = talker["mixed"]
assert talker["send"] == "wav" and talker["impairment"] == {"loss_pct": 10.0, "burst": 1, "jitter_ms": 0, "seed": 3}, talker
# Two seconds of 20 ms frames, each one source packet (some after the file: silence, suppressed).
assert t["packets_sent"] >= 100 and t["repair_packets_sent"] > 0, t
# 10 % of the talker's datagrams were dropped on the way (seeded): the listener repaired frames.
assert m["recovered"] + m["fec_next"] + m["concealed"] > 0, m
assert m["played"] >= 80, m
PYEOF

stop_relay
echo "call_audio_test: ok"
