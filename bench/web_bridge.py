"""The web bridge's cost, next to the plain client in the same run.

1. CPU: N WebSocket sessions (this script in the browsers' place: 1920-byte frames of a tone every
   20 ms up, every frame down read) through `wzp-web` and a `wzp-relay` daemon, the bridge's CPU
   time read from /proc; then N `wzp-call` processes sending the same tone through the same relay
   for as long (their CPU from wait4). Reported: CPU per session-second for each, their ratio, and
   how many 20 ms sessions one core holds (1 / CPU share per session).
2. Added latency: a tone onset after silence, timed from the moment it is handed over to the
   moment a receiver first plays it. Up: WebSocket frame in -> bridge -> relay -> a Python call;
   down: a Python call -> relay -> bridge -> WebSocket frame out. Baseline: Python call -> relay ->
   Python call, the same jitter buffer on the receiving side. The bridge's added latency is the
   difference of the medians.

    python3 bench/web_bridge.py [--sessions 20] [--seconds 10] [--build build]

Needs the wzp package installed (pip install .), numpy and python3-websocket; wzp-web, wzp-relay
and wzp-call built."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import websocket

import wzp

RATE = 48000
FRAME = 960
CLK = os.sysconf("SC_CLK_TCK")


def tone(frames: int, amplitude: float = 8000.0) -> bytes:
    t = np.arange(frames * FRAME) / RATE
    return np.round(amplitude * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


SILENCE = bytes(2 * FRAME)
TONE_FRAME = tone(1)


def start(args, ready):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            sys.exit(f"{args[0]} ended:\n{''.join(lines)}")
        lines.append(line)
        match = re.search(ready, line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(match.group(1))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


class Session(threading.Thread):
    """One browser in the bridge's room `room`: sends `frame` every 20 ms, reads every frame down."""

    def __init__(self, port: int, room: str, seconds: float):
        super().__init__(daemon=True)
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/{room}?events=1", timeout=20)
        while "joined" not in self.ws.recv():  # the status frame comes once the relay room is joined
            pass
        self.seconds = seconds
        self.received = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                if isinstance(self.ws.recv(), bytes):
                    self.received += 1
        except Exception:  # closed at the end of the run
            pass

    def run(self):
        begin = time.monotonic()
        n = 0
        while time.monotonic() - begin < self.seconds:
            self.ws.send_binary(TONE_FRAME)
            n += 1
            delay = begin + n * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def bench_cpu(build: Path, relay_port: int, sessions: int, seconds: float):
    bridge, port = start([str(build / "examples/wzp-web"), "--listen", "127.0.0.1:0", "--relay",
                          f"127.0.0.1:{relay_port}", "--max-sessions", str(sessions + 10)],
                         r"listening on http://127\.0\.0\.1:(\d+)/")
    try:
        clients = [Session(port, f"cpu{i // 2}", seconds) for i in range(sessions)]  # pairs: each hears one
        before = cpu_seconds(bridge.pid)
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        bridge_cpu = cpu_seconds(bridge.pid) - before
        received = sum(c.received for c in clients)
        for c in clients:
            c.ws.close()
    finally:
        bridge.terminate()
        bridge.wait()

    calls = [subprocess.Popen([str(build / "examples/wzp-call"), "--relay", f"127.0.0.1:{relay_port}", "--room",
                               f"cpu{i // 2}", "--send-tone", "440", "--duration", str(int(seconds)), "--send", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(sessions)]
    call_cpu = 0.0
    for p in calls:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = status
        call_cpu += usage.ru_utime + usage.ru_stime
    return bridge_cpu, call_cpu, received


def onset_latency(send_frame, heard, rounds: int):
    """Median seconds from an onset handed to send_frame until heard() sees it (silence in between)."""
    results = []
    for _ in range(rounds):
        for _ in range(25):  # half a second of silence first
            send_frame(SILENCE)
            time.sleep(0.02)
        heard(reset=True)
        t0 = time.monotonic()
        while True:
            send_frame(TONE_FRAME)
            if heard():
                results.append(heard.when - t0)
                break
            time.sleep(0.02)
            if time.monotonic() - t0 > 3:
                break
    return statistics.median(results) if results else float("nan")


class Ear:
    """heard(): has the tone arrived since reset; when: when it first did (a reader thread)."""

    def __init__(self, read_frame):
        self.read_frame = read_frame
        self.when = None
        self.armed = False
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self):
        while True:
            try:
                frame = self.read_frame()
            except Exception:  # the call or the socket closed: the run is over
                return
            if frame is None:
                continue
            loud = np.sqrt(np.mean(np.frombuffer(frame, dtype="<i2").astype(np.float64) ** 2)) > 1000
            if loud and self.armed and self.when is None:
                self.when = time.monotonic()

    def __call__(self, reset=False):
        if reset:
            self.armed = False
            time.sleep(0.3)  # let the silence reach the ear
            self.when = None
            self.armed = True
            return False
        return self.when is not None


def python_call(port: int, room: str):
    client = wzp.Client(port=port, room=room).connect(20)
    return client, wzp.Call(client, silence_suppression=False)


def call_reader(call):
    def read():
        pcm = call.read_pcm(None, FRAME, timeout=0.5)
        return None if pcm is None else pcm.tobytes()
    return read


def bench_latency(build: Path, relay_port: int, rounds: int):
    bridge, port = start([str(build / "examples/wzp-web"), "--listen", "127.0.0.1:0", "--relay",
                          f"127.0.0.1:{relay_port}"], r"listening on http://127\.0\.0\.1:(\d+)/")
    try:
        # Baseline: Python call -> relay -> Python call.
        a_client, a = python_call(relay_port, "lat-base")
        b_client, b = python_call(relay_port, "lat-base")
        base = onset_latency(lambda f: a.send_pcm(f), Ear(call_reader(b)), rounds)
        # Up: WebSocket -> bridge -> relay -> Python call; down: Python call -> ... -> WebSocket.
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/lat-web?events=1", timeout=20)
        while "joined" not in ws.recv():
            pass
        c_client, c = python_call(relay_port, "lat-web")

        def ws_read():
            data = ws.recv()
            return data if isinstance(data, bytes) else None
        up = onset_latency(lambda f: ws.send_binary(f), Ear(call_reader(c)), rounds)
        down = onset_latency(lambda f: c.send_pcm(f), Ear(ws_read), rounds)
        for call, client in ((a, a_client), (b, b_client), (c, c_client)):
            call.close()
            client.hangup()
        ws.close()
    finally:
        bridge.terminate()
        bridge.wait()
    return base, up, down


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--build", type=Path, default=Path(__file__).resolve().parents[1] / "build")
    args = parser.parse_args()
    relay, relay_port = start([str(args.build / "examples/wzp-relay"), "--listen", "127.0.0.1:0", "--max-sessions",
                               str(4 * args.sessions + 20)], r"listening on 127\.0\.0\.1 port (\d+),")
    try:
        bridge_cpu, call_cpu, received = bench_cpu(args.build, relay_port, args.sessions, args.seconds)
        base, up, down = bench_latency(args.build, relay_port, args.rounds)
    finally:
        relay.terminate()
        relay.wait()
    n, s = args.sessions, args.seconds
    per_bridge = bridge_cpu / (n * s)
    per_call = call_cpu / (n * s)
    print(f"CPU, {n} sessions x {s:.0f} s (pairs in a room, a 440 Hz tone both ways):")
    print(f"  wzp-web   {100 * per_bridge:.2f} % of a core per session ({bridge_cpu:.2f} s in all; "
          f"{received} frames played down, {received / (n * s / 0.02):.0%} of the 20 ms ticks)")
    print(f"  wzp-call  {100 * per_call:.2f} % of a core per call ({call_cpu:.2f} s in all)")
    print(f"  ratio     {per_bridge / per_call:.2f}x the plain client")
    print(f"  one core holds about {1 / per_bridge:.0f} bridge sessions")
    print(f"Onset latency, median of {args.rounds} (to the first frame the receiver plays):")
    print(f"  python call -> relay -> python call (baseline)  {1000 * base:.0f} ms")
    print(f"  websocket -> bridge -> relay -> python call     {1000 * up:.0f} ms (+{1000 * (up - base):.0f} ms)")
    print(f"  python call -> relay -> bridge -> websocket     {1000 * down:.0f} ms (+{1000 * (down - base):.0f} ms)")


if __name__ == "__main__":
    main()
