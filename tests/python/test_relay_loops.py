"""A relay on several event loops (Relay(threads=N)): a room whose members landed on different
loops hears every datagram exactly once, the stats and /healthz say how many loops there are,
/metrics counts the connections held until they end, and bad thread counts are refused."""
import json
import time
import urllib.request

import pytest

import wzp

TIMEOUT = 15.0


def packet(sender, seq):
    return wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=seq, timestamp=20 * seq),
                                  bytes([sender, seq]) * 10)


def in_memory(relay):
    with urllib.request.urlopen(f"http://127.0.0.1:{relay.http_port}/metrics", timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("wzp_relay_connections_in_memory "):
                return float(line.split()[1])
    raise AssertionError("no wzp_relay_connections_in_memory in /metrics")


def eventually(condition, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_room_spread_over_four_loops_hears_everything_once():
    with wzp.Relay(threads=4, metrics_port=0) as relay:
        loop = wzp.Loop()
        members = [wzp.Client(port=relay.port, room="loops", loop=loop) for _ in range(10)]
        for m in members:
            m.connect()
        for m in members:
            m.wait_joined(TIMEOUT)
        for s, m in enumerate(members):
            for seq in range(5):
                m.send_media(packet(s, seq))
        for r, m in enumerate(members):
            got = sorted(m.wait_for("MEDIA", timeout=TIMEOUT).data for _ in range(9 * 5))
            want = sorted(packet(s, seq) for s in range(10) if s != r for seq in range(5))
            assert got == want
        stats = relay.stats()
        assert stats["threads"] == 4
        assert stats["datagrams_forwarded"] == 10 * 9 * 5
        assert stats["datagrams_dropped"] == 0
        assert stats["cross_loop_datagrams"] > 0 and stats["cross_loop_dropped"] == 0
        assert stats["handover_dropped"] == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{relay.http_port}/healthz", timeout=5) as answer:
            assert json.load(answer)["threads"] == 4
        with urllib.request.urlopen(f"http://127.0.0.1:{relay.http_port}/metrics", timeout=5) as answer:
            metrics = answer.read().decode()
        assert "wzp_relay_cross_loop_datagrams_total" in metrics
        assert "wzp_relay_handover_dropped_total 0" in metrics
        # The connections' state is counted on every loop (a 1-s snapshot), and freed once they end.
        assert eventually(lambda: in_memory(relay) >= 10)
        for m in members:
            m.hangup()
        assert eventually(lambda: in_memory(relay) == 0)


def test_thread_counts_are_checked():
    with pytest.raises(ValueError):
        wzp.Relay(threads=65)
    with pytest.raises(TypeError):
        wzp.Relay(threads="4")
    with wzp.Relay() as relay:
        assert relay.stats()["threads"] == 1
