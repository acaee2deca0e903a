"""wzp.Presence: the standalone presence registry (local users per connection, peer
reports, lookups, bounds, expiry)."""
import shutil
import socket
import subprocess
import threading
import time

import pytest

import wzp
from probes import poll


def test_local_user_stays_online_until_its_last_connection_leaves():
    p = wzp.Presence()
    assert p.lookup("aa:bb") is None
    assert p.register_local("aa:bb", 1, alias="alice", room="lobby") is True
    assert p.register_local("aa:bb", 2) is False
    assert p.lookup("aa:bb") == {"fingerprint": "aa:bb", "location": "Local"}
    assert p.unregister_local("aa:bb", 1) is False
    assert p.lookup("aa:bb") == {"fingerprint": "aa:bb", "location": "Local"}
    assert p.unregister_local("aa:bb", 2) is True
    assert p.lookup("aa:bb") is None
    assert p.unregister_local("aa:bb", 2) is False


def test_peer_reports_list_and_local_wins():
    p = wzp.Presence()
    p.update_peer("10.0.0.2:4433", ["u1", "u2", "u1"])
    assert p.lookup("u1") == {"fingerprint": "u1", "location": {"Remote": "10.0.0.2:4433"}}
    p.register_local("u2", 7)
    assert p.lookup("u2")["location"] == "Local"
    assert p.list() == [
        {"fingerprint": "u2", "location": "Local"},
        {"fingerprint": "u1", "location": {"Remote": "10.0.0.2:4433"}},
    ]
    assert p.peers() == [{"addr": "10.0.0.2:4433", "fingerprints": ["u1", "u2"], "rtt_ms": None}]
    assert p.counts() == (1, 2, 1)
    # A second report replaces the first; the last reporter of a user wins.
    p.update_peer("10.0.0.2:4433", ["u3"])
    p.update_peer("[::1]:4433", ["u3"])
    assert p.lookup("u1") is None
    assert p.lookup("u3")["location"] == {"Remote": "[::1]:4433"}
    p.remove_peer("[::1]:4433")
    assert p.lookup("u3") is None


def test_expiry_removes_quiet_peers_but_never_locals():
    p = wzp.Presence()
    p.register_local("me", 1)
    p.update_peer("x:1", ["a", "b"])
    assert p.expire(3_600_000) == 0
    expired, deadline = 0, time.monotonic() + 10
    while expired < 2 and time.monotonic() < deadline:
        expired += p.expire(0)
    assert expired == 2
    assert p.list() == [{"fingerprint": "me", "location": "Local"}]
    assert p.peers() == []


def test_bounds_raise_too_large_and_change_nothing():
    p = wzp.Presence(max_local=1, max_remote=2, max_peers=1)
    p.register_local("a", 1)
    with pytest.raises(wzp.WzpError) as e:
        p.register_local("b", 2)
    assert e.value.code == -42
    with pytest.raises(wzp.WzpError):
        p.update_peer("p:1", ["x", "y", "z"])
    assert p.peers() == []
    p.update_peer("p:1", ["x", "y"])
    with pytest.raises(wzp.WzpError):
        p.update_peer("q:1", ["z"])
    assert p.counts() == (1, 2, 1)


def test_bad_arguments():
    p = wzp.Presence()
    with pytest.raises(wzp.WzpError):
        p.register_local("", 1)
    with pytest.raises(wzp.WzpError):
        p.update_peer("", [])
    with pytest.raises(wzp.WzpError):
        p.update_peer("p:1", ["ok", ""])
    with pytest.raises(ValueError):
        p.register_local("a\0b", 1)
    with pytest.raises(TypeError):
        p.update_peer("p:1", "not-a-list-of-str" and 5)
    assert p.list() == []


def test_threads_share_one_registry():
    p = wzp.Presence()

    def work(t):
        for i in range(200):
            fp = f"u{i % 5}"
            p.register_local(fp, t * 1000 + i)
            p.update_peer(f"peer:{t}", [fp])
            p.list()
            p.unregister_local(fp, t * 1000 + i)
        p.remove_peer(f"peer:{t}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert p.list() == []


# ---------------------------------------------------------------------------
# A relay's presence in Redis (Relay(presence_redis=...)), checked in Redis itself.

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if not REDIS_SERVER or not REDIS_CLI:
        pytest.skip("redis-server / redis-cli are not installed (scripts/install-deps.sh)")
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path),
                             "--logfile", str(tmp_path / "redis.log")])
    try:
        assert poll(lambda: redis_cli(port, "PING") == "PONG"), "redis-server did not start"
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def redis_cli(port: int, *args: str) -> str:
    done = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *args],
                          capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


def test_relay_refuses_a_bad_redis_url():
    with pytest.raises(wzp.WzpError) as e:
        wzp.Relay(presence_redis="http://127.0.0.1:6379")
    assert e.value.code == -1
    assert "Redis URL" in str(e.value)
    with pytest.raises(TypeError):
        wzp.Relay(presence_redis=6379)


def test_a_joined_client_is_published_in_redis_until_it_leaves(redis_url):
    port = redis_url
    identity = wzp.Identity.generate()
    key = "wzp:presence:" + identity.fingerprint_str
    with wzp.Relay(presence_redis=f"redis://127.0.0.1:{port}") as relay:
        with wzp.Client(port=relay.port, room="general", identity=identity) as c:
            c.wait_joined(10)
            assert poll(lambda: redis_cli(port, "GET", key) == relay.address)
            members = redis_cli(port, "SMEMBERS", "wzp:relay:" + relay.address).split()
            assert members == [identity.fingerprint_str]
            assert 0 < int(redis_cli(port, "PTTL", key)) <= 30_000
        assert poll(lambda: redis_cli(port, "EXISTS", key) == "0")
