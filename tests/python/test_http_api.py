"""The relay's HTTP API (GET /presence, /presence/{fp}, /peers, /mesh, /healthz, /metrics) through a
real HTTP client, and its metrics parsed by the Prometheus client library's own parser."""
import http.client
import json
import re
import socket
import time
import urllib.parse

import pytest
from prometheus_client.parser import text_string_to_metric_families

import wzp

TIMEOUT = 10.0
TOKEN = "s3cret-token"


def request(port: int, method: str, path: str, headers=None, body=None):
    """(status, headers as a dict with lower-case names, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read().decode()
    finally:
        conn.close()


def get(port: int, path: str, token=None):
    return request(port, "GET", path, {"Authorization": f"Bearer {token}"} if token else None)


def metrics(port: int) -> dict:
    """{(sample name, frozenset(labels)): value} of a /metrics scrape, parsed as Prometheus text."""
    status, headers, body = get(port, "/metrics")
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    out = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def poll(check, what: str):
    """Wait (generously) until check() is truthy; return its value."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def media(seq: int, payload: bytes, report=None) -> bytes:
    header = wzp.MediaHeader(codec=0, seq=seq, timestamp=20 * seq, has_quality_report=report is not None)
    return wzp.build_media_packet(header, payload, report)


@pytest.fixture
def relay():
    with wzp.Relay(metrics_port=0) as r:
        yield r


def test_routes_shapes_and_status(relay):
    port = relay.http_port
    assert port > 0

    status, headers, body = get(port, "/presence")
    assert (status, headers["content-type"]) == (200, "application/json")
    assert isinstance(json.loads(body), list)

    status, _, body = get(port, "/peers")
    assert status == 200 and isinstance(json.loads(body), list)

    status, _, body = get(port, "/healthz")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok"
    assert health["fingerprint"] == relay.fingerprint

    status, headers, body = get(port, "/mesh")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert body == ("Relay Mesh Health\n" + "\u2500" * 41 + "\n"
                    "Target                  RTT   Loss  Jitter  Status\n"
                    "  (no probe targets configured)\n")

    # HEAD answers like GET, without a body.
    status, _, body = request(port, "HEAD", "/metrics")
    assert (status, body) == (200, "")


def test_unknown_fingerprint_answers_as_the_reference(relay):
    port = relay.http_port
    fp = "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789"
    # Colons sent literally and percent-encoded reach the route as the same fingerprint.
    for path in (f"/presence/{fp}", "/presence/" + urllib.parse.quote(fp, safe="")):
        status, _, body = get(port, path)
        assert status == 200
        assert body == '{"fingerprint":"%s","location":null}' % fp
    # Percent-encoding is decoded (a space, a slash); matching is exact and case-sensitive.
    status, _, body = get(port, "/presence/AB%20cd%2Fef")
    assert (status, json.loads(body)) == (200, {"fingerprint": "AB cd/ef", "location": None})
    # An empty segment is not a fingerprint.
    status, _, body = get(port, "/presence/")
    assert status == 404 and "error" in json.loads(body)


def test_presence_lists_a_joined_client_as_local(relay):
    port = relay.http_port
    identity = wzp.Identity.generate()
    client = wzp.Client(port=relay.port, room="here", identity=identity).connect(TIMEOUT)
    fp = identity.fingerprint_str
    entries = poll(lambda: json.loads(get(port, "/presence")[2]), "the client in /presence")
    assert entries == [{"fingerprint": fp, "location": "Local"}]
    for path in (f"/presence/{fp}", "/presence/" + urllib.parse.quote(fp, safe="")):
        status, _, body = get(port, path)
        assert status == 200
        assert body == '{\n  "fingerprint": "%s",\n  "location": "Local"\n}' % fp
    client.hangup()
    poll(lambda: json.loads(get(port, "/presence")[2]) == [], "the client to leave /presence")
    assert get(port, f"/presence/{fp}")[2] == '{"fingerprint":"%s","location":null}' % fp


def test_bad_paths_and_methods_get_json_errors(relay):
    port = relay.http_port
    for path in ("/", "/nope", "/metrics/extra", "/peers/x", "/%ff%fe", "/presence?x=1/"):
        status, headers, body = get(port, path)
        if path.startswith("/presence?"):
            assert status == 200  # the query string is not part of the path
            continue
        assert status == 404, path
        assert headers["content-type"] == "application/json"
        assert "error" in json.loads(body)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, body = request(port, method, "/presence", body=b"")
        assert status == 405, method
        assert headers["allow"] == "GET, HEAD"
        assert json.loads(body)["status"] == 405
    status, _, body = request(port, "POST", "/nowhere", body=b"x")
    assert status == 404 and "error" in json.loads(body)
    # A body larger than the server takes is refused, with a JSON error.
    status, _, body = request(port, "POST", "/metrics", body=b"x" * 100_000)
    assert status == 413 and "error" in json.loads(body)
    # Garbage on the socket: refused, and the server goes on.
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(b"\x00\x01 not http at all\r\n\r\n")
        reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 400")
    assert get(port, "/healthz")[0] == 200


def test_bearer_token_guards_presence_and_peers():
    with wzp.Relay(metrics_port=0, http_token=TOKEN) as relay:
        port = relay.http_port
        for path in ("/presence", "/peers", "/presence/abcd"):
            status, headers, body = get(port, path)
            assert status == 401, path
            assert headers["www-authenticate"] == "Bearer"
            assert "error" in json.loads(body)
            status, headers, _ = get(port, path, token="wrong")
            assert status == 401 and headers["www-authenticate"] == "Bearer"
            status, _, _ = get(port, path, token=TOKEN + "x")
            assert status == 401
            status, _, _ = request(port, "GET", path, {"Authorization": TOKEN})  # not "Bearer ..."
            assert status == 401
            status, _, body = get(port, path, token=TOKEN)
            assert status == 200 and json.loads(body) is not None
        # Health, mesh and metrics stay open.
        for path in ("/healthz", "/mesh", "/metrics"):
            assert get(port, path)[0] == 200
        assert metrics(port)[("wzp_relay_http_unauthorized_total", frozenset())] == 12


def test_metrics_parse_and_counters_move_with_traffic(relay):
    port = relay.http_port
    before = metrics(port)
    for name in ("wzp_relay_active_sessions", "wzp_relay_active_rooms", "wzp_relay_packets_forwarded_total",
                 "wzp_relay_bytes_forwarded_total", "wzp_relay_handshake_duration_seconds_count"):
        assert before[(name, frozenset())] == 0, name
    assert not any(name == "wzp_relay_session_rtt_ms" for name, _ in before)

    a = wzp.Client(port=relay.port, room="metrics").connect(TIMEOUT)
    b = wzp.Client(port=relay.port, room="metrics").connect(TIMEOUT)
    for i in range(5):
        a.send_media(media(i, b"x" * 40))
    for _ in range(5):
        b.wait_for("MEDIA", timeout=TIMEOUT)
    m = poll(lambda: (lambda m: m if m[("wzp_relay_packets_forwarded_total", frozenset())] >= 5 else None)(metrics(port)),
             "packets forwarded")
    assert m[("wzp_relay_active_sessions", frozenset())] == 2
    assert m[("wzp_relay_active_rooms", frozenset())] == 1
    assert m[("wzp_relay_packets_forwarded_total", frozenset())] == 5
    assert m[("wzp_relay_bytes_forwarded_total", frozenset())] == 5 * 40
    assert m[("wzp_relay_handshake_duration_seconds_count", frozenset())] == 2
    assert m[("wzp_relay_handshake_duration_seconds_bucket", frozenset({("le", "+Inf")}))] == 2
    assert m[("wzp_relay_datagrams_received_total", frozenset())] == 5
    # Relay.metrics() gives the same exposition without HTTP.
    assert "wzp_relay_packets_forwarded_total 5\n" in relay.metrics()

    # A sender of quality reports gets its per-session series (32 lower-case hex digits)...
    a.send_media(media(10, b"q" * 10, wzp.QualityReport(loss_pct=128, rtt_4ms=25)))
    b.wait_for("MEDIA", timeout=TIMEOUT)

    def session_series():
        return {dict(labels)["session_id"]: v for (name, labels), v in metrics(port).items()
                if name == "wzp_relay_session_rtt_ms"}

    series = poll(session_series, "a session series")
    [(session_id, rtt)] = series.items()
    assert len(session_id) == 32 and all(c in "0123456789abcdef" for c in session_id)
    assert rtt == 100
    m = metrics(port)
    assert m[("wzp_relay_session_loss_pct", frozenset({("session_id", session_id)}))] == pytest.approx(50.196083068847656)

    # ... which vanish when it leaves.
    a.hangup()
    poll(lambda: not session_series(), "the session series to go")
    m = poll(lambda: (lambda m: m if m[("wzp_relay_active_sessions", frozenset())] == 1 else None)(metrics(port)),
             "one session left")
    assert session_id not in relay.metrics()
    b.hangup()


def test_refusals_are_counted_by_close_code():
    with wzp.Relay(metrics_port=0, max_sessions=1) as relay:
        first = wzp.Client(port=relay.port).connect(TIMEOUT)
        second = wzp.Client(port=relay.port)
        with pytest.raises(wzp.WzpError):
            second.connect(TIMEOUT)
        key = ("wzp_relay_refusals_total", frozenset({("code", "WZP_CLOSE_SERVER_FULL")}))
        poll(lambda: metrics(relay.http_port).get(key) == 1, "the refusal to be counted")
        first.hangup()


def test_http_api_refuses_a_taken_port_with_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        relay = wzp.Relay(metrics_port=port)
        with pytest.raises(wzp.WzpError) as info:
            relay.start()
        assert info.value.name == "WZP_ERR_IO"
        assert f"127.0.0.1:{port}" in info.value.message and "HTTP API" in info.value.message


def test_no_http_api_unless_asked():
    with wzp.Relay() as relay:
        with pytest.raises(wzp.WzpError) as info:
            relay.http_port
        assert info.value.name == "WZP_ERR_INVALID_STATE"
        assert "wzp_relay_active_sessions 0" in relay.metrics()



def test_every_metric_is_documented_and_the_dashboard_uses_real_ones(relay, repo_root):
    guide = (repo_root / "docs" / "MESH.md").read_text(encoding="utf-8")
    families = {f.name for f in text_string_to_metric_families(relay.metrics())}
    # The labelled families a quiet relay does not show yet.
    families |= {"wzp_relay_auth_attempts", "wzp_relay_session_loss_pct", "wzp_relay_session_rtt_ms",
                 "wzp_relay_refusals", "wzp_probe_rtt_ms", "wzp_probe_loss_pct", "wzp_probe_jitter_ms",
                 "wzp_probe_up"}
    for family in families:
        # The parser drops a counter's _total suffix.
        assert f"`{family}`" in guide or f"`{family}_total`" in guide, f"{family} is not in docs/MESH.md"
    dashboard = json.loads((repo_root / "docs" / "grafana" / "wzp-relay.json").read_text(encoding="utf-8"))
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for word in ("sessions", "rooms", "packets", "bytes", "refusals", "probe rtt", "probe loss", "up", "presence"):
        assert word in titles, word

    for name in set(re.findall(r"\b(wzp_[a-z_]+)", exprs)):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert f"`{base}`" in guide, f"the dashboard queries {name}, which docs/MESH.md does not document"


def test_the_http_api_of_a_relay_in_a_mesh():
    a_id, b_id = (wzp.Identity.from_seed(bytes([fill]) * 32) for fill in (0x71, 0x72))
    with wzp.Relay(identity=a_id, mesh_peers=[b_id.fingerprint_str]) as a:
        a_addr = f"127.0.0.1:{a.port}"
        user = wzp.Client(port=a.port, room="mesh").connect(TIMEOUT)
        fp = a.presence()[0]["fingerprint"]
        with wzp.Relay(identity=b_id, probe_targets=[a_addr], mesh_peers=[a_id.fingerprint_str],
                       metrics_port=0, http_token=TOKEN) as b:
            port = b.http_port
            found = poll(lambda: (lambda r: r if r[0] == 200 and "Remote" in r[2] else None)(
                get(port, "/presence/" + urllib.parse.quote(fp, safe=""), token=TOKEN)), "the remote user")
            assert found[2] == ('{\n  "fingerprint": "%s",\n  "location": {\n    "Remote": "%s"\n  }\n}'
                                % (fp, a_addr))
            assert json.loads(get(port, "/presence", token=TOKEN)[2]) == [
                {"fingerprint": fp, "location": {"Remote": a_addr}}]
            peers = json.loads(get(port, "/peers", token=TOKEN)[2])
            assert [(p["addr"], p["fingerprints"]) for p in peers] == [(a_addr, [fp])]
            mesh = get(port, "/mesh")[2].splitlines()
            assert mesh[3].startswith(a_addr.ljust(20) + " ") and mesh[3].endswith("  UP"), mesh
            m = metrics(port)
            assert m[("wzp_probe_up", frozenset({("target", a_addr)}))] == 1
            assert m[("wzp_relay_presence_entries", frozenset({("location", "remote")}))] == 1
            assert m[("wzp_relay_gossip_messages_in_total", frozenset())] >= 1
            assert m[("wzp_relay_probe_pings_sent_total", frozenset())] >= 1
        user.hangup()
