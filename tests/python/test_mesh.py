"""Presence and the relay mesh from Python: in-process relays (Relay.lookup / presence / peers /
mesh, PRESENCE events) and three wzp-relay processes probing each other, one killed with
SIGKILL and restarted."""
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import wzp

TIMEOUT = 30.0
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(predicate, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def identity(fill: int) -> wzp.Identity:
    return wzp.Identity.from_seed(bytes([fill]) * 32)


def test_two_in_process_relays_share_presence():
    a_id, b_id = identity(0x61), identity(0x62)
    with wzp.Relay(identity=a_id, mesh_peers=[b_id.fingerprint_str]) as a:
        a_addr = f"127.0.0.1:{a.port}"
        with wzp.Client(port=a.port, room="mesh"):
            online = a.wait_for("PRESENCE", timeout=TIMEOUT)
            assert online.type == wzp.EventType.PRESENCE
            assert online.online is True and online.relay_addr is None
            fp = online.fingerprint
            assert a.lookup(fp) == {"fingerprint": fp, "location": "Local"}
            with wzp.Relay(identity=b_id, probe_targets=[a_addr], mesh_peers=[a_id.fingerprint_str],
                           presence_ttl_s=60) as b:
                assert eventually(lambda: b.lookup(fp)["location"] == {"Remote": a_addr})
                event = b.wait_for("PRESENCE", timeout=TIMEOUT)
                assert (event.fingerprint, event.online, event.relay_addr) == (fp, True, a_addr)
                assert b.presence() == [{"fingerprint": fp, "location": {"Remote": a_addr}}]
                assert [p["addr"] for p in b.peers()] == [a_addr]
                mesh = b.mesh()
                assert len(mesh) == 1 and mesh[0]["target"] == a_addr and mesh[0]["kind"] == "libwzp"
                assert mesh[0]["peer_fingerprint"] == a_id.fingerprint_str
                stats = b.stats()
                assert stats["presence_remote"] == 1 and stats["gossip_in"] >= 1
                assert a.stats()["mesh_auth_ok"] == 1
    assert a.mesh() == []


def test_unknown_fingerprint_and_bad_mesh_keywords():
    with wzp.Relay() as relay:
        assert relay.lookup("nobody") == {"fingerprint": "nobody", "location": None}
        assert relay.presence() == [] and relay.peers() == [] and relay.mesh() == []
    with pytest.raises(TypeError, match="probe_targets"):
        wzp.Relay(probe_targets="127.0.0.1:1")
    with pytest.raises(TypeError, match="mesh_peers"):
        wzp.Relay(mesh_peers=[3])
    with pytest.raises(wzp.WzpError):
        wzp.Relay(probe_targets=["nowhere"]).start()


# ---------------------------------------------------------------------------
# wzp-relay processes


def relay_binary() -> Path:
    candidates = [os.environ.get("WZP_RELAY_BIN", "")]
    candidates += [str(REPO_ROOT / d / "examples" / "wzp-relay") for d in ("build", "build-asan", "build-tsan")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return Path(c)
    pytest.fail("wzp-relay is not built (build/examples/wzp-relay, or set WZP_RELAY_BIN)")


class Daemon:
    def __init__(self, tmp: Path, name: str, port: int, seed_fill: int, others):
        self.name, self.port = name, port
        self.identity = identity(seed_fill)
        self.seed_file = tmp / f"{name}.seed"
        self.seed_file.write_text(bytes([seed_fill]).hex() * 32)
        self.others = others
        self.tmp = tmp
        self.runs = 0
        self.proc = None
        self.log = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.runs += 1
        self.log = self.tmp / f"{self.name}.{self.runs}.out"
        args = [str(relay_binary()), "--listen", self.address, "--identity", str(self.seed_file),
                "--presence-ttl", "3", "--log-level", "info"]
        for other in self.others():
            args += ["--probe", other.address, "--mesh-peer", other.identity.fingerprint_str]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        assert eventually(lambda: "listening on" in self.text()), self.text()

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def saw(self, fp: str, online: bool, where: str) -> bool:
        state = "online" if online else "offline"
        return re.search(rf"event: PRESENCE fingerprint={re.escape(fp)} {state} at={re.escape(where)}\b",
                         self.text()) is not None

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=TIMEOUT)


def test_three_daemons_converge_again_after_one_is_killed_and_restarted(tmp_path):
    nodes = []
    ports = [free_udp_port() for _ in range(3)]
    for i, name in enumerate("abc"):
        nodes.append(Daemon(tmp_path, name, ports[i], 0x71 + i, lambda i=i: [n for n in nodes if n is not nodes[i]]))
    a, b, c = nodes
    try:
        for n in nodes:
            n.start()
            assert n.identity.fingerprint_str in n.text()  # printed at start, for operators to exchange
        with wzp.Client(port=a.port, room="mesh", identity=identity(0x11)) as on_a, \
                wzp.Client(port=c.port, room="mesh", identity=identity(0x13)) as on_c:
            fa, fc = identity(0x11).fingerprint_str, identity(0x13).fingerprint_str
            assert eventually(lambda: a.saw(fa, True, "here"))
            assert eventually(lambda: b.saw(fa, True, a.address) and b.saw(fc, True, c.address)), b.text()
            assert eventually(lambda: c.saw(fa, True, a.address)), c.text()

            # B dies without a word and comes back: it learns both users again.
            b.stop(signal.SIGKILL)
            b.start()
            assert eventually(lambda: b.saw(fa, True, a.address) and b.saw(fc, True, c.address)), b.text()

            # A dies: its user goes offline at B and C once the TTL has run out.
            a.stop(signal.SIGKILL)
            assert eventually(lambda: b.saw(fa, False, a.address) and c.saw(fa, False, a.address)), c.text()
            assert not c.saw(fc, False, "here")
    finally:
        for n in nodes:
            n.stop(signal.SIGKILL)
