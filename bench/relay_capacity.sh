#!/usr/bin/env bash
# Relay capacity, as docs/PERFORMANCE.md reports it: wzp-relay pinned to one core (taskset), wzp-load
# pinned to another, and the same generator against wzp-udp-forwarder (a bare UDP forwarder) on the
# same core in the same run, for comparison. Needs two cores at least; results are JSON files in
# the output folder and a summary on stdout (Markdown tables).
#
#   bench/relay_capacity.sh [options] [PART...]     PART: capacity scaling joins (default: all three)
#     capacity   for each room size: a --ramp to the last load with zero loss and p99 < --max-p99-ms,
#                relay and forwarder; the relay's CPU there gives its cost per forwarded datagram
#     scaling    fixed loads (rooms of 2..50 at about 600 consumers; 100..800 participants in rooms of 4):
#                relay CPU per forwarded datagram as rooms and participants grow
#     joins      a burst of 1000 joins at once (rooms of 4): join latency, joins per second, and the
#                relay's RSS before and after (memory per participant)
#   --bin DIR          wzp-relay, wzp-load, wzp-udp-forwarder (default: build/examples)
#   --out DIR          where the JSON goes (default: a new temporary folder, kept)
#   --rooms "2 4 ..."  room sizes of the capacity part (default: "2 4 8 16 50")
#   --threads N        relay event loops (default 1; they share the relay's core)
#   --relay-cpu C      core of the relay / forwarder (default 0); --load-cpu C: of wzp-load (default 1)
#   --duration S       seconds of sending per step (default 5)
#   --max-p99-ms MS    the latency bound of the capacity ramps (default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/examples
out=""
rooms="2 4 8 16 50"
threads=1
relay_cpu=0
load_cpu=1
duration=5
max_p99=2
parts=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    --rooms) rooms=$2; shift ;;
    --threads) threads=$2; shift ;;
    --relay-cpu) relay_cpu=$2; shift ;;
    --load-cpu) load_cpu=$2; shift ;;
    --duration) duration=$2; shift ;;
    --max-p99-ms) max_p99=$2; shift ;;
    capacity|scaling|joins) parts+=("$1") ;;
    *) echo "relay_capacity.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#parts[@]} -gt 0 ] || parts=(capacity scaling joins)
for program in wzp-relay wzp-load wzp-udp-forwarder; do
  [ -x "$bin/$program" ] || { echo "relay_capacity.sh: $bin/$program not found (build it, or give --bin)" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "relay_capacity.sh: taskset (util-linux) is not installed" >&2; exit 2; }
[ -n "$out" ] || out=$(mktemp -d /tmp/wzp-capacity-XXXXXX)
mkdir -p "$out"
echo "relay_capacity: results in $out (relay on CPU $relay_cpu, $threads loop(s); wzp-load on CPU $load_cpu)"

target_pid="" target_port=""
stop_target() {
  if [ -n "$target_pid" ]; then
    kill "$target_pid" 2>/dev/null || true
    wait "$target_pid" 2>/dev/null || true
  fi
  target_pid=""
}
trap stop_target EXIT
free_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start_target() {  # relay|udp, log file
  stop_target
  target_port=$(free_port)
  if [ "$1" = relay ]; then
    taskset -c "$relay_cpu" "$bin/wzp-relay" --listen "127.0.0.1:$target_port" --threads "$threads" \
      --max-sessions 100000 --log-level warn >"$2" 2>&1 &
  else
    taskset -c "$relay_cpu" "$bin/wzp-udp-forwarder" --bind "127.0.0.1:$target_port" >"$2" 2>&1 &
  fi
  target_pid=$!
  sleep 1
  kill -0 "$target_pid" 2>/dev/null || { echo "relay_capacity: $1 did not start: $(cat "$2")" >&2; exit 1; }
}
load() {  # relay|udp, json file, wzp-load arguments...
  local kind=$1 json=$2
  shift 2
  local udp=()
  [ "$kind" = udp ] && udp=(--udp)
  taskset -c "$load_cpu" "$bin/wzp-load" "${udp[@]}" --relay "127.0.0.1:$target_port" --relay-pid "$target_pid" \
    --json "$json" "$@" >"${json%.json}.out" 2>&1 || { echo "relay_capacity: wzp-load failed: $(tail -5 "${json%.json}.out")" >&2; exit 1; }
}

for part in "${parts[@]}"; do
  case "$part" in
    capacity)
      for p in $rooms; do
        for kind in relay udp; do
          start=$(( (60 + p - 1) / p * p ))
          [ "$p" -lt 16 ] || start=$p  # one room to begin with
          echo "relay_capacity: capacity, rooms of $p, $kind: ramp from $start participants"
          start_target "$kind" "$out/capacity-$kind-$p.log"
          load "$kind" "$out/capacity-$kind-$p.json" --participants "$start" --room-size "$p" --duration "$duration" \
            --ramp --ramp-step x1.25 --ramp-max 20000 --max-loss 0 --max-p99-ms "$max_p99" --join-rate 1000
        done
      done
      ;;
    scaling)
      # About 600 consumers each (one room of 50: 2450), so the generator keeps up.
      for p in 2 4 8 16 50; do
        n=$(( (600 / (p - 1) + p - 1) / p * p ))
        echo "relay_capacity: scaling, $n participants in rooms of $p"
        start_target relay "$out/scaling-rooms-$p.log"
        load relay "$out/scaling-rooms-$p.json" --participants "$n" --room-size "$p" --duration "$duration" \
          --max-p99-ms 1000000 --max-loss 100 --join-rate 1000
      done
      for n in 100 200 400 800; do
        echo "relay_capacity: scaling, $n participants in rooms of 4"
        start_target relay "$out/scaling-participants-$n.log"
        load relay "$out/scaling-participants-$n.json" --participants "$n" --room-size 4 --duration "$duration" \
          --max-p99-ms 1000000 --max-loss 100 --join-rate 1000
      done
      ;;
    joins)
      echo "relay_capacity: a burst of 1000 joins (rooms of 4)"
      start_target relay "$out/joins.log"
      load relay "$out/joins.json" --participants 1000 --room-size 4 --duration 2 --join-rate 1000000 \
        --join-timeout-ms 30000 --max-p99-ms 1000000 --max-loss 100
      ;;
  esac
done
stop_target

python3 - "$out" <<'PYEOF'
import glob, json, os, sys
out = sys.argv[1]
def load(path):
    try: return json.load(open(path))
    except (OSError, ValueError): return None
def us_per_datagram(r):
    # the target's CPU over the window, per datagram it sent on (each delivered copy is one)
    if not r or not r.get("delivered") or r.get("relay_cpu_pct") is None: return float("nan")
    return r["relay_cpu_pct"] / 100 * r["window_s"] / r["delivered"] * 1e6
def held(ramp):
    if not ramp: return None
    ok = [s for s in ramp["steps"] if s["ok"]]
    return ok[-1] if ok else None
def f(v, spec=".0f"):
    return "-" if v is None or v != v else format(v, spec)

caps = sorted(glob.glob(f"{out}/capacity-relay-*.json"), key=lambda p: int(p.rsplit("-", 1)[1][:-5]))
if caps:
    print("\n### Capacity: the last step with zero loss and p99 under the bound\n")
    print("| room | relay: participants | consumers | p99 ms | relay CPU % | µs / datagram | consumers / core at 100 % "
          "| forwarder: participants | consumers | p99 ms | CPU % | µs / datagram | generator saturated |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for path in caps:
        p = path.rsplit("-", 1)[1][:-5]
        r, u = held(load(path)), held(load(f"{out}/capacity-udp-{p}.json"))
        def cols(s):
            if not s: return ["0", "0", "-", "-", "-"]
            return [str(s["participants"]), str(s["consumers"]), f(s["latency_p99_ms"], ".2f"),
                    f(s["relay_cpu_pct"]), f(us_per_datagram(s), ".2f")]
        rc, uc = cols(r), cols(u)
        per_core = r["consumers"] * 100 / r["relay_cpu_pct"] if r and r.get("relay_cpu_pct") else float("nan")
        sat = [("relay run" if s and s.get("generator_saturated") else "") for s in (r,)] + \
              [("forwarder run" if s and s.get("generator_saturated") else "") for s in (u,)]
        print(f"| {p} | " + " | ".join(rc) + f" | {f(per_core)} | " + " | ".join(uc) +
              f" | {', '.join(x for x in sat if x) or 'no'} |")
    print("\nWhat ended each ramp (first step that failed):\n")
    for path in caps:
        p = path.rsplit("-", 1)[1][:-5]
        for kind in ("relay", "udp"):
            ramp = load(f"{out}/capacity-{kind}-{p}.json")
            bad = [s for s in ramp["steps"] if not s["ok"]] if ramp else []
            if bad:
                s = bad[0]
                print(f"- rooms of {p}, {'relay' if kind == 'relay' else 'forwarder'}: {s['participants']} participants: "
                      f"{s['verdict']} (generator CPU {f(s['load_cpu_pct'])} %, saturated {s['generator_saturated']})")

rows = []
for p in (2, 4, 8, 16, 50):
    r = load(f"{out}/scaling-rooms-{p}.json")
    if r: rows.append((f"{r['participants']} in rooms of {p}", r))
for n in (100, 200, 400, 800):
    r = load(f"{out}/scaling-participants-{n}.json")
    if r: rows.append((f"{n} in rooms of 4", r))
if rows:
    print("\n### Cost as rooms and participants grow (relay, fixed loads)\n")
    print("| load | consumers | datagrams out / s | relay CPU % | µs / datagram out | loss % | p50 ms | p99 ms | generator CPU % |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        rate = r["delivered"] / r["window_s"] if r["window_s"] else float("nan")
        print(f"| {name} | {r['consumers']} | {f(rate)} | {f(r['relay_cpu_pct'])} | {f(us_per_datagram(r), '.2f')} "
              f"| {f(r['loss_pct'], '.3f')} | {f(r['latency_p50_ms'], '.2f')} | {f(r['latency_p99_ms'], '.2f')} "
              f"| {f(r['load_cpu_pct'])} |")

j = load(f"{out}/joins.json")
if j:
    per = (j["relay_rss_kb"] - j["relay_rss_kb_start"]) / j["joined"] if j.get("joined") else float("nan")
    print("\n### A burst of 1000 joins (rooms of 4)\n")
    print(f"joined {j['joined']}, failures {j['join_failures']}; join latency p50 {f(j['join_p50_ms'], '.1f')} ms, "
          f"p99 {f(j['join_p99_ms'], '.1f')} ms, max {f(j['join_max_ms'], '.1f')} ms; {f(j['joins_per_s'])} joins/s; "
          f"relay RSS {j['relay_rss_kb_start']} kB before, {j['relay_rss_kb']} kB with {j['joined']} joined "
          f"({f(per, '.1f')} kB per participant)")
PYEOF
