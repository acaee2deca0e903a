#!/usr/bin/env bash
# Soak test of wzp-relay: a real redis-server (presence backend) and a wzp-relay daemon started as
# an operator would, then wzp-load with 500 participants in rooms of 4 for MINUTES (default 10) with
# churn (participants leave and replacements join every second; each room's first member stays), the
# relay's /metrics, RSS and open fds sampled every 5 s into a CSV. Exits non-zero unless every criterion holds:
#   1. loss:     participants present the whole time lost nothing (wzp-load's stayed_lost == 0), no
#                join failure, no disconnect, and the churn asked for happened
#   2. flat:     relay RSS and open fds grow < 5 % from the warm-up sample (40 % of the run, 10-240 s
#                into the sending window: under churn glibc's free lists take minutes to settle) to
#                the largest of the last 3 samples of the sending window
#   3. counters: the relay's final counters add up (identities printed with the figures), and
#                agree with wzp-load's (every datagram it sent was received, none counted twice)
#   4. clean:    once the load left, no session, room, presence entry or Redis key remains; every
#                scrape answered, /healthz says ok, SIGTERM exits 0, no ERROR line in the relay log
#
#   scripts/soak.sh [MINUTES] [options]     MINUTES may be fractional: 0.5 is a 30-second run
#     --bin DIR           folder of wzp-relay and wzp-load (default: build/examples)
#     --out DIR           keep the run here (default: a temporary folder, removed when every criterion held)
#     --participants N    default 500        --room-size N     default 4
#     --churn N           leaves (each followed by a join) per second, default 5
#     --threads N         relay event loops, default 2
#     --sample-every S    seconds between samples, default 5
# The run folder holds samples.csv, metrics/ (every scrape), final.prom, healthz.json, load.json,
# load.out, progress.jsonl, relay.log and redis.log. Needs redis-server, curl and python3; exits 77
# (skipped) when redis-server is not installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

minutes=10
bin=$root/build/examples
out=""
participants=500
room_size=4
churn=5
threads=2
every=5
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    --participants) participants=$2; shift ;;
    --room-size) room_size=$2; shift ;;
    --churn) churn=$2; shift ;;
    --threads) threads=$2; shift ;;
    --sample-every) every=$2; shift ;;
    -*) echo "soak.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) minutes=$1 ;;
  esac
  shift
done
number() {  # name value: a positive number or exit 2
  if ! [[ "$2" =~ ^[0-9]+([.][0-9]+)?$ && "$2" =~ [1-9] ]]; then
    echo "soak.sh: $1 '$2' is not a positive number" >&2
    exit 2
  fi
}
number MINUTES "$minutes"; number --participants "$participants"; number --room-size "$room_size"
number --churn "$churn"; number --threads "$threads"; number --sample-every "$every"
for program in wzp-relay wzp-load; do
  [ -x "$bin/$program" ] || { echo "soak.sh: $bin/$program not found (build it, or give --bin)" >&2; exit 2; }
done
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "soak.sh: $tool is not installed" >&2; exit 2; }
done
if ! command -v redis-server >/dev/null; then
  echo "soak.sh: SKIPPED: redis-server is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
duration=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 0.5 }')
[ "$duration" -ge 10 ] || { echo "soak.sh: a run of $duration s is too short (10 s at least)" >&2; exit 2; }
# Warm-up: 40 % of the run, at least 10 s, at most 240 s, counted from the start of the sending window.
warmup=$(awk -v d="$duration" 'BEGIN { w = d * 0.4; if (w < 10) w = 10; if (w > 240) w = 240; printf "%d", w }')

keep=0
if [ -n "$out" ]; then
  mkdir -p "$out"
  run=$(cd "$out" && pwd)
  keep=1
else
  run=$(mktemp -d /tmp/wzp-soak-XXXXXX)
fi
mkdir -p "$run/metrics"
rm -f "$run/metrics/"*.prom "$run/samples.csv" "$run/final.prom" "$run/healthz.json" "$run/load.json" \
  "$run/progress.jsonl"

redis_pid="" relay_pid="" load_pid="" passed=0
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  for pid in "$load_pid" "$relay_pid" "$redis_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  if [ "$keep" = 0 ] && [ "$passed" = 1 ]; then
    rm -rf "$run"
  else
    echo "soak: the run is in $run"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "soak: FAIL: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {  # seconds, command...: true once the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# Redis: loopback, a free port, no persistence, its files in the run folder.
for _ in 1 2 3; do
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run" --save "" --appendonly no --daemonize no \
    --logfile "$run/redis.log" &
  redis_pid=$!
  if wait_for 10 redis-cli -p "$redis_port" ping >/dev/null 2>&1; then break; fi
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_pid" ] || die "redis-server did not start: $(tail -5 "$run/redis.log" 2>/dev/null)"

# The relay, as an operator starts it: its banner says where it listens.
"$bin/wzp-relay" --listen 127.0.0.1:0 --presence-redis "redis://127.0.0.1:$redis_port" --metrics-port 0 \
  --max-sessions $((participants * 4)) --threads "$threads" >"$run/relay.log" 2>&1 &
relay_pid=$!
wait_for 10 grep -qs "HTTP API on http" "$run/relay.log" || die "the relay did not start: $(cat "$run/relay.log")"
relay_port=$(sed -n 's/.*listening on 127.0.0.1 port \([0-9]*\),.*/\1/p' "$run/relay.log")
http_port=$(sed -n 's|.*HTTP API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$run/relay.log")
if [ -z "$relay_port" ] || [ -z "$http_port" ]; then die "no ports in the relay's banner: $(cat "$run/relay.log")"; fi
http=http://127.0.0.1:$http_port
wait_for 10 sh -c "curl -fsS --max-time 2 $http/metrics | grep -q '^wzp_relay_redis_connected 1'" \
  || die "the relay did not connect to Redis: $(cat "$run/relay.log")"

echo "soak: $participants participants in rooms of $room_size for ${duration} s, churn $churn/s, relay pid $relay_pid" \
  "on 127.0.0.1:$relay_port ($threads threads, HTTP $http_port), Redis on $redis_port; samples every ${every} s," \
  "warm-up ${warmup} s; run folder $run"

# One sample: relay RSS, fds (read before the scrape, so its connection is not counted), CPU since the
# last sample, the scraped counters, Redis keys, and wzp-load's phase (its latest progress line).
metric() { awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print "" }' "$2"; }
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$relay_pid/stat" 2>/dev/null || echo 0; }
echo "t_s,phase,rss_kb,rss_anon_kb,rss_file_kb,fds,threads,cpu_pct,sessions,connections,rooms,presence_local,redis_keys,received,delivered,dropped,fanout,no_recipient,rate_limited,malformed,scrape_ok" \
  >"$run/samples.csv"
sample_no=0
last_t="" last_ticks=""
sample() {
  local t rss anon file fds tasks now_ticks cpu prom phase keys ok=1
  t=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$relay_pid/status" 2>/dev/null || true)
  anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$relay_pid/status" 2>/dev/null || true)
  file=$(awk '/^RssFile:/ { print $2 }' "/proc/$relay_pid/status" 2>/dev/null || true)
  fds=$(find "/proc/$relay_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  tasks=$(find "/proc/$relay_pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  now_ticks=$(cpu_ticks)
  cpu=""
  if [ -n "$last_t" ]; then
    cpu=$(awk -v d="$((now_ticks - last_ticks))" -v hz="$ticks" -v t1="$t" -v t0="$last_t" \
      'BEGIN { if (t1 > t0) printf "%.1f", 100 * d / hz / (t1 - t0) }')
  fi
  last_t=$t last_ticks=$now_ticks
  prom=$run/metrics/$(printf '%04d' "$sample_no").prom
  sample_no=$((sample_no + 1))
  curl -fsS --max-time 5 "$http/metrics" >"$prom" 2>/dev/null || ok=0
  phase=$(sed -n 's/.*"phase":"\([a-z]*\)".*/\1/p' "$run/progress.jsonl" 2>/dev/null | tail -1)
  if [ -n "${1:-}" ]; then phase=$1; fi
  keys=$(redis-cli -p "$redis_port" dbsize 2>/dev/null || true)
  echo "$t,${phase:-starting},$rss,$anon,$file,$fds,$tasks,$cpu,$(metric wzp_relay_active_sessions "$prom"),$(metric wzp_relay_connections_in_memory "$prom"),$(metric wzp_relay_active_rooms "$prom"),$(metric 'wzp_relay_presence_entries{location="local"}' "$prom"),$keys,$(metric wzp_relay_datagrams_received_total "$prom"),$(metric wzp_relay_datagrams_delivered_total "$prom"),$(metric wzp_relay_datagrams_dropped_total "$prom"),$(metric wzp_relay_packets_forwarded_total "$prom"),$(metric wzp_relay_datagrams_no_recipient_total "$prom"),$(metric wzp_relay_datagrams_rate_limited_total "$prom"),$(metric wzp_relay_datagrams_malformed_total "$prom"),$ok" \
    >>"$run/samples.csv"
}

# The load. Its own latency limit is lifted (a shared machine); the verdicts are this script's.
t0=$EPOCHREALTIME
"$bin/wzp-load" --relay "127.0.0.1:$relay_port" --participants "$participants" --room-size "$room_size" \
  --duration "$duration" --churn "$churn" --relay-pid "$relay_pid" --json "$run/load.json" \
  --report-every 1 --progress "$run/progress.jsonl" --max-p99-ms 100000 --run-id "soak$$" >"$run/load.out" 2>&1 &
load_pid=$!
next=0
while kill -0 "$load_pid" 2>/dev/null; do
  now=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
  if awk -v n="$now" -v x="$next" 'BEGIN { exit !(n >= x) }'; then
    sample
    next=$(awk -v x="$next" -v e="$every" 'BEGIN { print x + e }')
    tail -1 "$run/samples.csv" | awk -F, '{ printf "soak: t=%6ss %-9s RSS %s kB, %s fds, CPU %s %%, %s sessions, %s connections, %s received\n", $1, $2, $3, $6, $8, $9, $10, $14 }'
  fi
  sleep 0.2
done
load_rc=0
wait "$load_pid" || load_rc=$?
load_pid=""

# After the load: wait until the relay let everyone go, then the final figures.
# shellcheck disable=SC2317  # run by wait_for
settled() {  # no session held, no connection state left (closing ones drain; a 1-s snapshot)
  curl -fsS --max-time 2 "$http/metrics" | grep -cxE 'wzp_relay_(sessions_held|connections_in_memory) 0' | grep -qx 2
}
wait_for 15 settled || true
sleep 1  # the Redis worker writes the departures
sample after
cp "$run/metrics/$(printf '%04d' $((sample_no - 1))).prom" "$run/final.prom"
health_ok=0
curl -fsS --max-time 5 "$http/healthz" >"$run/healthz.json" 2>/dev/null && health_ok=1
redis_keys_after=$(redis-cli -p "$redis_port" dbsize 2>/dev/null || echo "?")

# SIGTERM: the relay must stop within 20 s and exit 0.
kill -TERM "$relay_pid"
relay_rc=""
for _ in $(seq 200); do
  if ! kill -0 "$relay_pid" 2>/dev/null; then
    relay_rc=0
    wait "$relay_pid" || relay_rc=$?
    break
  fi
  sleep 0.1
done
if [ -z "$relay_rc" ]; then
  kill -KILL "$relay_pid" 2>/dev/null || true
  wait "$relay_pid" 2>/dev/null || true
  relay_rc="hung"
fi
relay_pid=""

verdict=0
python3 - "$run" "$duration" "$warmup" "$room_size" "$churn" "$participants" "$load_rc" "$relay_rc" "$health_ok" \
  "$redis_keys_after" <<'PYEOF' || verdict=$?
import csv, json, re, sys
run, duration, warmup, room_size, churn, participants, load_rc, relay_rc, health_ok, redis_keys_after = sys.argv[1:]
duration, warmup, room_size, participants = int(duration), int(warmup), int(room_size), int(participants)
churn = float(churn)
failures = []
lines = []
def say(s=""): lines.append(s)
def check(ok, criterion, text):
    say(f"  [{'PASS' if ok else 'FAIL'}] {text}")
    if not ok: failures.append(f"{criterion}: {text}")

def prom(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip(): continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out

rows = list(csv.DictReader(open(f"{run}/samples.csv")))
try:
    load = json.load(open(f"{run}/load.json"))
except (OSError, ValueError):
    load = None
m = prom(f"{run}/final.prom")
g = lambda name: int(m.get(name, 0))

say("== criterion 1: zero loss for participants that stayed")
if load is None or load_rc != "0":
    check(False, "loss", f"wzp-load exited {load_rc} and wrote {'no' if load is None else 'its'} JSON; see load.out")
    load = load or {}
else:
    check(load["stayed"] > 0 and load["stayed_expected"] > 0 and load["stayed_lost"] == 0, "loss",
          f"stayed_lost {load['stayed_lost']}: {load['stayed']} participants stayed throughout, "
          f"{load['stayed_delivered']} of {load['stayed_expected']} datagrams owed to them delivered")
    check(load["join_failures"] == 0 and load["churn_join_failures"] == 0 and load["disconnected"] == 0, "loss",
          f"join failures {load['join_failures']}, churn join failures {load['churn_join_failures']}, "
          f"disconnected {load['disconnected']} {json.dumps(load['disconnect_reasons']) if load['disconnected'] else ''}")
    asked = churn * duration
    rooms = -(-participants // room_size)  # each room's first member never leaves
    least = max(participants - load["churn_leaves"], rooms)
    check(load["churn_leaves"] >= 0.9 * asked - 1 and load["churn_joins"] >= load["churn_leaves"] - churn - 1
          and load["stayed"] >= least, "loss",
          f"churn: {load['churn_leaves']} left and {load['churn_joins']} joined ({asked:.0f} asked); "
          f"stayed {load['stayed']} >= {least} (the {rooms} rooms' first members, at least {participants} - "
          f"{load['churn_leaves']} left)")
    say(f"  (all receivers, churned ones over their own spans: {load['delivered']} of {load['expected']} "
        f"delivered, {load['lost']} lost; latency p50 {load['latency_p50_ms']} ms, p99 {load['latency_p99_ms']} ms; "
        f"generator saturated: {load['generator_saturated']})")

say(f"== criterion 2: RSS and fds flat after warm-up (< 5 % growth; warm-up {warmup} s into the sending window)")
def num(v):
    try: return float(v)
    except (TypeError, ValueError): return None
def t_of(r): return float(r["t_s"])
sending = [r for r in rows if r["phase"] == "sending"]
if len(sending) < 2:
    check(False, "flat", f"only {len(sending)} samples in the sending window")
else:
    # The sending window opened by wzp-load's first progress line (one a second, its time from its
    # start, which is t = 0 here) that says so; without one, at the first sample that saw it sending.
    progress = []
    try:
        progress = [json.loads(l) for l in open(f"{run}/progress.jsonl") if l.strip()]
    except (OSError, ValueError):
        pass
    start = next((p["t"] for p in progress if p.get("phase") == "sending"), t_of(sending[0]))
    say(f"  sending window from t={start:.1f}s; warm-up sample: the first at t >= {start + warmup:.1f}s")
    after = [r for r in sending if t_of(r) >= start + warmup]
    if len(after) < 2:
        check(False, "flat", f"{len(after)} samples after the warm-up: the run is too short for the warm-up of {warmup} s")
    else:
        base = after[0]
        tail = [r for r in sending[-3:] if t_of(r) > t_of(base)]
        for key, label in (("rss_kb", "RSS kB"), ("fds", "open fds")):
            b = num(base[key]); end = max(num(r[key]) for r in tail)
            peak = max(num(r[key]) for r in after)
            growth = 100.0 * (end - b) / b
            check(growth < 5.0, "flat",
                  f"{label}: {b:.0f} at t={base['t_s']}s -> {end:.0f} (largest of t={','.join(r['t_s'] for r in tail)}s): "
                  f"{growth:+.2f} % (peak after warm-up {peak:.0f}; first sample {rows[0][key]}, "
                  f"after the load left {rows[-1][key]})")

say("== criterion 3: counters consistent (the relay's final /metrics, and wzp-load's figures)")
R, F, D = g("wzp_relay_datagrams_received_total"), g("wzp_relay_datagrams_delivered_total"), g("wzp_relay_datagrams_dropped_total")
FO, NR = g("wzp_relay_packets_forwarded_total"), g("wzp_relay_datagrams_no_recipient_total")
RL, M = g("wzp_relay_datagrams_rate_limited_total"), g("wzp_relay_datagrams_malformed_total")
XD = g("wzp_relay_cross_loop_dropped_total")
say("  relay_shard.cpp accounts every received datagram exactly once, as not joined (dropped), rate limited,")
say("  malformed, no recipient, or fanned out to k >= 1 receivers (fanout += k); every fanned-out copy is then")
say("  delivered or dropped (cross-loop drops included). So, with fanout = packets_forwarded_total:")
say("    dropped_for_receivers = fanout - delivered                          >= 0")
say("    dropped_not_joined    = dropped - dropped_for_receivers             >= 0")
say("    fanned_out            = received - not_joined - rate_limited - malformed - no_recipient")
say(f"    fanned_out <= fanout <= (room size - 1) x fanned_out")
drop_recv = FO - F
drop_nj = D - drop_recv
fanned = R - drop_nj - RL - M - NR
say(f"  received {R}, fanout {FO}, delivered {F}, dropped {D} (cross-loop {XD}), no_recipient {NR}, "
    f"rate_limited {RL}, malformed {M}")
check(drop_recv >= 0, "counters", f"fanout {FO} = delivered {F} + dropped_for_receivers {drop_recv} (>= 0)")
check(drop_nj >= 0, "counters", f"dropped {D} = dropped_not_joined {drop_nj} (>= 0) + dropped_for_receivers {drop_recv}")
check(fanned >= 0 and fanned <= FO <= (room_size - 1) * fanned, "counters",
      f"received {R} = not_joined {drop_nj} + rate_limited {RL} + malformed {M} + no_recipient {NR} + fanned_out {fanned}; "
      f"fanout per fanned-out datagram {FO / fanned if fanned else float('nan'):.3f} (1..{room_size - 1})")
if load:
    check(R == load["sent"], "counters", f"wzp-load sent {load['sent']} = relay received {R}")
    check(F >= load["delivered"], "counters",
          f"relay delivered {F} >= wzp-load counted {load['delivered']} (the rest: copies outside the receivers' "
          f"counting windows, churned receivers' grace, the drain: {F - load['delivered']})")
    check(RL == 0 and M == 0 and drop_nj == 0, "counters",
          f"wzp-load sends well-formed media within its rate and only while joined: rate_limited {RL}, "
          f"malformed {M}, dropped_not_joined {drop_nj} all 0")
    cc = load.get("client_counters", {})
    if cc: say(f"  (clients connected at the end: {json.dumps(cc)}; host UDP buffer overflows "
               f"{load.get('host_udp_rcvbuf_errors')} receive, {load.get('host_udp_sndbuf_errors')} send)")

say("== criterion 4: the relay clean and healthy at the end")
last = rows[-1]
check(all(last[k] == "0" for k in ("sessions", "connections", "rooms", "presence_local"))
      and g("wzp_relay_sessions_held") == 0, "clean",
      f"after the load left: sessions {last['sessions']}, held {g('wzp_relay_sessions_held')}, connections in memory "
      f"{last['connections']}, rooms {last['rooms']}, presence entries {last['presence_local']}")
check(redis_keys_after == "0" and g("wzp_relay_redis_connected") == 1 and g("wzp_relay_redis_errors_total") == 0, "clean",
      f"Redis: {redis_keys_after} keys left, connected {g('wzp_relay_redis_connected')}, errors "
      f"{g('wzp_relay_redis_errors_total')}, reconnects {g('wzp_relay_redis_reconnects_total')}, "
      f"writes {g('wzp_relay_redis_writes_total')}")
failed_scrapes = sum(1 for r in rows if r["scrape_ok"] != "1")
check(failed_scrapes == 0, "clean", f"{len(rows)} scrapes of /metrics, {failed_scrapes} failed")
try:
    health = json.load(open(f"{run}/healthz.json"))
except (OSError, ValueError):
    health = {}
check(health_ok == "1" and health.get("status") == "ok", "clean", f"GET /healthz: {json.dumps(health) if health else 'no answer'}")
check(relay_rc == "0", "clean", f"SIGTERM: the relay exited {relay_rc}")
log = open(f"{run}/relay.log", errors="replace").read().splitlines()
errors = [l for l in log if re.match(r"^\d+\.\d+ ERROR ", l)]
warns = [l for l in log if re.match(r"^\d+\.\d+ WARN ", l)]
check(not errors, "clean", f"relay log: {len(errors)} ERROR lines{': ' + errors[0] if errors else ''} "
      f"({len(warns)} WARN{': ' + warns[0] if warns else ''})")
check(any("SIGTERM, stopping" in l for l in log), "clean", "the relay reported its shutdown")

say("== summary")
def f(v, fmt="{:.0f}"):
    x = num(v); return "-" if x is None else fmt.format(x)
cpu = [num(r["cpu_pct"]) for r in sending if num(r["cpu_pct"]) is not None]
say(f"  {'duration':<24}{duration} s sending, churn {churn:g}/s, {len(rows)} samples")
if sending:
    say(f"  {'relay RSS kB':<24}first {f(rows[0]['rss_kb'])}, sending {f(sending[0]['rss_kb'])} -> {f(sending[-1]['rss_kb'])}, "
        f"peak {max(num(r['rss_kb']) for r in rows):.0f}, after {f(rows[-1]['rss_kb'])}")
    say(f"  {'relay RSS anon/file kB':<24}sending {f(sending[0]['rss_anon_kb'])}/{f(sending[0]['rss_file_kb'])} -> "
        f"{f(sending[-1]['rss_anon_kb'])}/{f(sending[-1]['rss_file_kb'])}")
    say(f"  {'relay fds':<24}first {rows[0]['fds']}, sending {sending[0]['fds']} -> {sending[-1]['fds']}, after {rows[-1]['fds']}")
    say(f"  {'relay CPU %':<24}mean {sum(cpu) / len(cpu) if cpu else float('nan'):.1f}, max {max(cpu) if cpu else float('nan'):.1f} (100 = one core)")
if load:
    say(f"  {'wzp-load':<24}sent {load['sent']}, delivered {load['delivered']}/{load['expected']}, stayed {load['stayed']} "
        f"lost {load['stayed_lost']}, churn {load['churn_leaves']} left / {load['churn_joins']} joined")
say(f"  {'relay counters':<24}received {R}, fanout {FO}, delivered {F}, dropped {D}, no_recipient {NR}")
say(f"  {'verdict':<24}{'PASS' if not failures else 'FAIL (' + '; '.join(failures) + ')'}")
print("\n".join(lines))
sys.exit(1 if failures else 0)
PYEOF
if [ "$verdict" = 0 ]; then
  passed=1
  echo "soak: PASS"
else
  echo "soak: FAIL"
fi
exit "$verdict"
