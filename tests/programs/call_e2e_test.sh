#!/usr/bin/env bash
# wzp-call making an end-to-end encrypted call through wzp-relay, as an operator would: two
# identities known in advance (--seed), each side started with --e2e --members A,B; one sends a
# tone, the other records it. Both print the same safety words, the listener opened the
# talker's frames (none failed) and heard the tone. Also: bad --members values and option
# combinations are refused, and a session without room signals (the reference media session,
# as with a reference relay) is refused by --e2e and goes clear, saying so, with --e2e-preferred.
set -euo pipefail
bin=$1
# shellcheck source=tests/programs/program_test_lib.sh
. "$(dirname "$0")/program_test_lib.sh"
py=/usr/bin/python3

help=$("$bin/wzp-call" --help)
for flag in --e2e --e2e-preferred --members; do
  grep -q -- "$flag" <<<"$help" || fail "wzp-call --help does not document $flag"
done
grep -q "relay forwards what it cannot read" <<<"$help" || fail "--help does not say what --e2e protects"
grep -q "member list" <<<"$help" || fail "--help does not say what --members should be"

# Refused before connecting (usage errors: exit code 2, the bad value named).
if "$bin/wzp-call" --relay 127.0.0.1:9 --e2e --members 'garbage' >"$work/bad.out" 2>&1; then
  fail "--members garbage was accepted"
fi
grep -q "'garbage' is not a fingerprint" "$work/bad.out" || fail "no clear error for --members garbage: $(cat "$work/bad.out")"
good=1a2b:3c4d:5e6f:7a8b:9c0d:1e2f:3a4b:5c6d
set +e
"$bin/wzp-call" --relay 127.0.0.1:9 --e2e --members "$good,1a2b:3c4d" >"$work/bad.out" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "a short fingerprint in --members exited $rc, not 2: $(cat "$work/bad.out")"
grep -q "'1a2b:3c4d' is not a fingerprint" "$work/bad.out" || fail "the short fingerprint is not named: $(cat "$work/bad.out")"
if "$bin/wzp-call" --relay 127.0.0.1:9 --members "$good" >"$work/bad.out" 2>&1; then
  fail "--members without --e2e was accepted"
fi
grep -q -- "--members needs --e2e" "$work/bad.out" || fail "no clear error for --members alone: $(cat "$work/bad.out")"
if "$bin/wzp-call" --relay 127.0.0.1:9 --e2e --e2e-preferred >/dev/null 2>&1; then
  fail "--e2e and --e2e-preferred together were accepted"
fi

start_relay

# The two identities, and their fingerprints as their owners would tell the group: a short visit
# to the room prints them ("wzp-call: FP joining ...").
seed_a=$(printf 'a1%.0s' $(seq 32))
seed_b=$(printf 'b2%.0s' $(seq 32))
fingerprint_of() {
  "$bin/wzp-call" --relay "127.0.0.1:$port" --room e2e-hello --seed "$1" --send 0 --duration 0 >"$work/fp.out" 2>&1 \
    || fail "wzp-call --seed could not join: $(cat "$work/fp.out")"
  sed -n 's/^wzp-call: \([0-9a-f:]\{39\}\) joining.*/\1/p' "$work/fp.out"
}
fp_a=$(fingerprint_of "$seed_a")
fp_b=$(fingerprint_of "$seed_b")
if [ -z "$fp_a" ] || [ -z "$fp_b" ] || [ "$fp_a" = "$fp_b" ]; then fail "no fingerprints: '$fp_a' '$fp_b'"; fi

# B listens and records; A sends a tone. Members are given comma-separated on one side and as
# repeated options (in another form: no colons, upper case) on the other.
"$bin/wzp-call" --relay "127.0.0.1:$port" --room e2e --seed "$seed_b" --e2e --members "$fp_a,$fp_b" \
  --record "$work/heard.wav" --stats-json "$work/listener.json" --duration 7 \
  >"$work/listener.out" 2>"$work/listener.err" &
listener=$!
wait_for_line "$work/listener.out" "^joined"
fp_b_plain=$(tr -d ':' <<<"$fp_b" | tr 'a-f' 'A-F')
"$bin/wzp-call" --relay "127.0.0.1:$port" --room e2e --seed "$seed_a" --e2e --members "$fp_a" --members "$fp_b_plain" \
  --send-tone 440 --duration 4 --stats-json "$work/talker.json" >"$work/talker.out" 2>"$work/talker.err" \
  || fail "the talking wzp-call failed: $(cat "$work/talker.out" "$work/talker.err")"
wait "$listener" || fail "the recording wzp-call failed: $(cat "$work/listener.out" "$work/listener.err")"

for side in talker listener; do
  grep -q "warning: no --members" "$work/$side.err" && fail "$side warned about --members it was given"
  grep -q "^safety words: [a-z]\+\( [a-z]\+\)\{4\}$" "$work/$side.out" \
    || fail "$side printed no safety words: $(cat "$work/$side.out" "$work/$side.err")"
done
grep -q "^e2e: $fp_a ok$" "$work/listener.err" || fail "the listener did not report A's key: $(cat "$work/listener.err")"
grep -q "^e2e: $fp_b ok$" "$work/talker.err" || fail "the talker did not report B's key: $(cat "$work/talker.err")"
# Both read the same words (the first printed; they would be printed again if a key changed
# while another member holding keys is there).
words_a=$(grep -m1 "^safety words: " "$work/talker.out")
words_b=$(grep -m1 "^safety words: " "$work/listener.out")
[ "$words_a" = "$words_b" ] || fail "the two sides read different safety words: '$words_a' / '$words_b'"
grep -q "^wzp-call: end-to-end required: .* opened, 0 failed to authenticate" "$work/listener.out" \
  || fail "no end-to-end summary: $(cat "$work/listener.out")"

assert_audible "$work/heard.wav"
"$py" - "$work" "$fp_a" "$fp_b" "${words_a#safety words: }" <<'PYEOF' \
  || fail "the recording or the reports are wrong (listener: $(cat "$work/listener.out" "$work/listener.err"))"
import json, sys
work, fp_a, fp_b, words = sys.argv[1:]

listener = json.load(open(f"{work}/listener.json"))
talker = json.load(open(f"{work}/talker.json"))
for report in (listener, talker):
    e = report["e2e"]
    assert e["policy"] == "required", e
    assert sorted(e["members"]) == sorted([fp_a, fp_b]), e
    assert e["safety_words"] and len(e["safety_words"].split()) == 5, e
    for key in ("e2e_encrypted", "e2e_decrypted", "e2e_decrypt_failed", "e2e_replayed", "e2e_missing_key",
                "e2e_clear_refused"):
        assert isinstance(e[key], int), (key, e)
l, t = listener["e2e"], talker["e2e"]
assert t["safety_words"] == words, (t, words)  # the final words: the last ones read out
assert t["e2e_encrypted"] >= 100, t  # 4 s of 20 ms frames, sealed
assert l["e2e_decrypted"] >= 100 and l["e2e_decrypt_failed"] == 0, l
assert l["e2e_clear_refused"] == 0 and l["e2e_replayed"] == 0, l
assert listener["mixed"]["played"] >= 80, listener["mixed"]
PYEOF

# A session without room signals (the reference media session: no room extension, as a reference
# relay gives): no keys can be exchanged. --e2e refuses to call; --e2e-preferred calls in the
# clear and says so (and, without --members, warns who would get the key).
if "$bin/wzp-call" --relay "127.0.0.1:$port" --room e2e-ref --reference-session --e2e --duration 1 \
  >"$work/ref.out" 2>"$work/ref.err"; then
  fail "--e2e called without room signals: $(cat "$work/ref.out" "$work/ref.err")"
fi
grep -q "cannot start the call: .*room signals" "$work/ref.err" || fail "no clear refusal: $(cat "$work/ref.err")"
"$bin/wzp-call" --relay "127.0.0.1:$port" --room e2e-ref --reference-session --e2e-preferred --duration 1 \
  --stats-json "$work/ref.json" >"$work/ref.out" 2>"$work/ref.err" \
  || fail "--e2e-preferred failed without room signals: $(cat "$work/ref.out" "$work/ref.err")"
grep -q "warning: no --members: every member of the room gets this call's key" "$work/ref.err" \
  || fail "no warning without --members: $(cat "$work/ref.err")"
grep -q "^e2e: sending clear media: .*room signals" "$work/ref.err" || fail "clear media not reported: $(cat "$work/ref.err")"
grep -q "^safety words" "$work/ref.out" && fail "safety words printed for a clear call: $(cat "$work/ref.out")"
"$py" - "$work/ref.json" <<'PYEOF' || fail "the preferred report is wrong: $(cat "$work/ref.json")"
import json, sys
e = json.load(open(sys.argv[1]))["e2e"]
assert e["policy"] == "preferred" and e["members"] is None and e["safety_words"] is None, e
assert e["e2e_encrypted"] == 0, e
PYEOF

stop_relay
echo "call_e2e_test: ok"
