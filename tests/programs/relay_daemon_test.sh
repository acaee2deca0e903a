#!/usr/bin/env bash
# The wzp-relay and wzp-call programs, as an operator runs them: --help documents every
# flag, bad flags fail clearly, two calls meet in a room, and SIGTERM stops the relay cleanly.
set -euo pipefail
bin=$1
# shellcheck source=tests/programs/program_test_lib.sh
. "$(dirname "$0")/program_test_lib.sh"

help=$("$bin/wzp-relay" --help)
for flag in --listen --auth-url --auth-timeout-ms --allow-identity-mismatch --identity --cert --key --room-acl \
            --max-sessions --max-room-size --phase-timeout-ms --idle-timeout-ms --log-level --require-session-v2 \
            --sender-datagrams-per-s --sender-burst --sender-bytes-per-s --max-handshakes --handshake-timeout-ms \
            --auth-max-pending --auth-max-pending-per-address --acl-default-deny --probe --advertise --mesh-peer \
            --mesh-open --presence-ttl --metrics-port --metrics-bind --http-token --mesh-status \
            --http-admin-token-file WZP_HTTP_ADMIN_TOKEN; do
  grep -q -- "$flag" <<<"$help" || fail "wzp-relay --help does not document $flag"
done
call_help=$("$bin/wzp-call" --help)
for flag in --relay host:port --handshake-timeout-ms; do
  grep -q -- "$flag" <<<"$call_help" || fail "wzp-call --help does not document $flag"
done

if "$bin/wzp-relay" --listen nonsense >"$work/bad.out" 2>&1; then fail "a bad --listen was accepted"; fi
grep -q "is not IP:port" "$work/bad.out" || fail "bad --listen gave no clear error: $(cat "$work/bad.out")"
if "$bin/wzp-relay" --no-such-flag >/dev/null 2>&1; then fail "an unknown flag was accepted"; fi
mkdir "$work/seed-dir"
if "$bin/wzp-relay" --listen 127.0.0.1:0 --identity "$work/seed-dir" >"$work/bad.out" 2>&1; then
  fail "a directory was accepted as the identity file"
fi
grep -q "Is a directory" "$work/bad.out" || fail "a directory as --identity gave no clear error: $(cat "$work/bad.out")"

start_relay
fingerprint=$(sed -n 's/.*fingerprint \([0-9a-f:]*\)$/\1/p' "$work/relay.out")
[ "$(wc -c <"$work/relay.seed")" -ge 64 ] || fail "the identity file was not created"
[ "$(stat -c %a "$work/relay.seed")" = 600 ] || fail "the identity file is readable by others"

"$bin/wzp-call" --relay "127.0.0.1:$port" --room general --send 0 --duration 3 --pin-relay "$fingerprint" \
  >"$work/listener.out" 2>&1 &
listener=$!
wait_for_line "$work/listener.out" "^joined"
"$bin/wzp-call" --relay "127.0.0.1:$port" --room general --send 5 --duration 1 >"$work/talker.out" 2>&1 \
  || fail "wzp-call failed: $(cat "$work/talker.out")"
wait "$listener" || fail "the listening wzp-call failed: $(cat "$work/listener.out")"
grep -q "sent 5" "$work/talker.out" || fail "the talker did not send: $(cat "$work/talker.out")"
grep -q "received 5 media packets" "$work/listener.out" || fail "the listener did not hear 5 packets: $(cat "$work/listener.out")"
grep -q "^peer joined: " "$work/talker.out" || fail "the talker was not told who is in the room: $(cat "$work/talker.out")"
grep -q "^peer joined: " "$work/listener.out" || fail "the listener was not told the talker joined: $(cat "$work/listener.out")"
grep -q "^peer left: " "$work/listener.out" || fail "the listener was not told the talker left: $(cat "$work/listener.out")"

# Host names: resolved (the relay listens on 127.0.0.1 only); a name that does not resolve
# is a clear error naming it.
"$bin/wzp-call" --relay "localhost:$port" --send 0 --duration 1 >"$work/named.out" 2>&1 \
  || fail "wzp-call by host name failed: $(cat "$work/named.out")"
grep -q "^joined" "$work/named.out" || fail "wzp-call by host name did not join: $(cat "$work/named.out")"
if "$bin/wzp-call" --relay "nonexistent.invalid:$port" --handshake-timeout-ms 3000 --send 0 >"$work/nowhere.out" 2>&1; then
  fail "wzp-call joined a host that does not exist"
fi
grep -q "WZP_CLOSE_CONNECT_TIMEOUT" "$work/nowhere.out" && grep -q "nonexistent.invalid" "$work/nowhere.out" \
  || fail "an unresolvable host gave no clear error: $(cat "$work/nowhere.out")"

stop_relay
grep -q "SIGTERM, stopping" "$work/relay.out" || fail "the relay did not report its shutdown"
grep -q "5 datagrams forwarded" "$work/relay.out" || fail "the relay did not count 5 forwarded datagrams: $(cat "$work/relay.out")"

# Restarted with the same identity file, the relay keeps its fingerprint. It now requires the
# v2 media session: a call offering only the reference session is refused, a v2 call joins.
"$bin/wzp-relay" --listen 127.0.0.1:0 --identity "$work/relay.seed" --require-session-v2 >"$work/relay2.out" 2>&1 &
relay_pid=$!
wait_for_line "$work/relay2.out" "listening on"
grep -q "fingerprint $fingerprint" "$work/relay2.out" || fail "the fingerprint changed across a restart"
port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\),.*/\1/p' "$work/relay2.out")
if "$bin/wzp-call" --relay "127.0.0.1:$port" --reference-session --send 0 --duration 1 >"$work/old.out" 2>&1; then
  fail "a reference-session call joined a relay that requires v2: $(cat "$work/old.out")"
fi
grep -q "v2 media session is required" "$work/old.out" || fail "no clear refusal: $(cat "$work/old.out")"
"$bin/wzp-call" --relay "127.0.0.1:$port" --require-session-v2 --send 0 --duration 1 >"$work/v2.out" 2>&1 \
  || fail "a v2 call was refused: $(cat "$work/v2.out")"
grep -q "media session v2" "$work/v2.out" || fail "the call did not report its media session: $(cat "$work/v2.out")"
kill -INT "$relay_pid"
wait "$relay_pid" || fail "wzp-relay exited non-zero after SIGINT"
relay_pid=""
# The access list: a plain room name is refused with its line number; with --acl-default-deny a
# room the file does not list refuses every caller.
staff=$(printf 'featherchat-group:staff' | sha256sum | cut -c1-32)
printf '# staff only\nstaff 0000:1111:2222:3333:4444:5555:6666:7777\n' >"$work/plain.acl"
if "$bin/wzp-relay" --listen 127.0.0.1:0 --room-acl "$work/plain.acl" >"$work/bad.out" 2>&1; then
  fail "an ACL file with a plain room name was accepted"
fi
grep -q "line 2: room 'staff' is neither a room hash" "$work/bad.out" || fail "no clear ACL error: $(cat "$work/bad.out")"
printf '%s 0000:1111:2222:3333:4444:5555:6666:7777\n' "$staff" >"$work/staff.acl"
"$bin/wzp-relay" --listen 127.0.0.1:0 --room-acl "$work/staff.acl" --acl-default-deny >"$work/relay3.out" 2>&1 &
relay_pid=$!
wait_for_line "$work/relay3.out" "listening on"
grep -q "ACL on (unlisted rooms denied)" "$work/relay3.out" || fail "default deny not reported: $(cat "$work/relay3.out")"
port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\),.*/\1/p' "$work/relay3.out")
if "$bin/wzp-call" --relay "127.0.0.1:$port" --room general --send 0 --duration 1 >"$work/denied.out" 2>&1; then
  fail "a call to an unlisted room joined a default-deny relay: $(cat "$work/denied.out")"
fi
grep -q "denies by default" "$work/denied.out" || fail "no clear refusal: $(cat "$work/denied.out")"
kill -INT "$relay_pid"
wait "$relay_pid" || fail "wzp-relay exited non-zero after SIGINT"
relay_pid=""

# The HTTP API: --mesh-status reads a running relay's table, its port cannot be taken twice, and an
# unreachable one is a clear failure; without a port it prints the empty table as the reference does.
"$bin/wzp-relay" --mesh-status >"$work/mesh0.out" || fail "--mesh-status without a port failed"
grep -q "(no probe targets configured)" "$work/mesh0.out" || fail "no empty mesh table: $(cat "$work/mesh0.out")"
"$bin/wzp-relay" --listen 127.0.0.1:0 --metrics-port 0 --http-token t0ken >"$work/relay4.out" 2>&1 &
relay_pid=$!
wait_for_line "$work/relay4.out" "HTTP API on http"
http_port=$(sed -n 's|.*HTTP API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/relay4.out")
[ -n "$http_port" ] || fail "the relay did not report its HTTP port: $(cat "$work/relay4.out")"
"$bin/wzp-relay" --mesh-status "$http_port" >"$work/mesh.out" 2>&1 || fail "--mesh-status failed: $(cat "$work/mesh.out")"
grep -q "^Relay Mesh Health$" "$work/mesh.out" || fail "--mesh-status printed no table: $(cat "$work/mesh.out")"
"$bin/wzp-relay" --mesh-status "127.0.0.1:$http_port" >/dev/null 2>&1 || fail "--mesh-status HOST:PORT failed"
if "$bin/wzp-relay" --listen 127.0.0.1:0 --metrics-port "$http_port" >"$work/taken.out" 2>&1; then
  fail "a second relay started its HTTP API on a taken port"
fi
grep -q "WZP_ERR_IO: cannot serve the HTTP API on 127.0.0.1:$http_port" "$work/taken.out" \
  || fail "a taken HTTP port gave no clear error: $(cat "$work/taken.out")"
stop_relay
if "$bin/wzp-relay" --mesh-status "$http_port" >"$work/gone.out" 2>&1; then fail "--mesh-status of a stopped relay succeeded"; fi
grep -q "cannot reach" "$work/gone.out" || fail "an unreachable relay gave no clear error: $(cat "$work/gone.out")"

# The access-list routes: off (403) without an admin token; with one from a file or the
# environment, GET /acl answers the list to that token only.
acl_get() {  # PORT TOKEN -> prints the HTTP status and the body
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/acl", headers={"Authorization": f"Bearer {sys.argv[2]}"})
try:
    with urllib.request.urlopen(req, timeout=10) as res:
        print(res.status, res.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}
printf '\n' >"$work/empty.token"
if "$bin/wzp-relay" --listen 127.0.0.1:0 --http-admin-token-file "$work/empty.token" >"$work/bad.out" 2>&1; then
  fail "an empty admin token file was accepted"
fi
grep -q "must hold one non-empty line" "$work/bad.out" || fail "no clear admin token error: $(cat "$work/bad.out")"
printf 'adm1n\n' >"$work/admin.token"
for how in file env; do
  if [ "$how" = file ]; then
    "$bin/wzp-relay" --listen 127.0.0.1:0 --metrics-port 0 --http-admin-token-file "$work/admin.token" \
      >"$work/relay5.out" 2>&1 &
  else
    WZP_HTTP_ADMIN_TOKEN=adm1n "$bin/wzp-relay" --listen 127.0.0.1:0 --metrics-port 0 >"$work/relay5.out" 2>&1 &
  fi
  relay_pid=$!
  wait_for_line "$work/relay5.out" "HTTP API on http"
  grep -q "acl with the admin token" "$work/relay5.out" || fail "the admin routes were not reported ($how)"
  http_port=$(sed -n 's|.*HTTP API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/relay5.out")
  acl_get "$http_port" adm1n | grep -q '^200 {"enabled":false' || fail "GET /acl with the admin token failed ($how)"
  acl_get "$http_port" wrong | grep -q '^401 ' || fail "GET /acl with a wrong token was not refused ($how)"
  stop_relay
done
"$bin/wzp-relay" --listen 127.0.0.1:0 --metrics-port 0 >"$work/relay6.out" 2>&1 &
relay_pid=$!
wait_for_line "$work/relay6.out" "HTTP API on http"
http_port=$(sed -n 's|.*HTTP API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/relay6.out")
acl_get "$http_port" anything | grep -q '^403 ' || fail "GET /acl without an admin token was not 403"
stop_relay
echo "relay daemon: ok"
