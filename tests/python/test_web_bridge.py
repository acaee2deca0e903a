"""wzp-web, the browser bridge, as an operator runs it: the program started with its flags, a relay
in-process, and WebSocket clients (python3-websocket) in the browser's place. Checks audio both
ways against a Python call in the same room, the close codes of every refusal, the metrics (the
gauge back to 0 after every session), the page's routes and TLS with the self-signed certificate."""
import array
import json
import math
import os
import socket
import struct
import threading
import time

import pytest

import wzp
from featherchat_stub import FeatherChatStub
from programs import BridgeProcess as Bridge
from programs import build_dir, eventually, program

websocket = pytest.importorskip("websocket")
if program("wzp-web") is None:
    if os.environ.get("WZP_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"wzp-web is not built in {build_dir()}")
    pytest.skip(f"wzp-web is not built in {build_dir()} (set WZP_BUILD_DIR)", allow_module_level=True)

TIMEOUT = 20.0
FRAME_BYTES = 1920


def free_port() -> int:
    """A local TCP/UDP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def relay():
    with wzp.Relay() as r:
        yield r


def recv_close(ws):
    """Reads until the bridge's close frame; (code, reason)."""
    while True:
        opcode, frame = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", frame[:2])[0] if len(frame) >= 2 else None
            return code, frame[2:].decode("utf-8")


def recv_joined(ws) -> dict:
    while True:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT:
            msg = json.loads(data)
            assert msg["type"] == "joined"
            return msg
        assert opcode != websocket.ABNF.OPCODE_CLOSE, data


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def tone(frame: int) -> bytes:
    """20 ms of a 440 Hz tone, continuing from the previous frame."""
    return array.array("h", [int(8000 * math.sin(2 * math.pi * 440 * (frame * 960 + i) / 48000))
                             for i in range(960)]).tobytes()


class Receiver:
    """Reads the bridge's frames on a thread (the bridge's clock paces them, not ours)."""

    def __init__(self, ws):
        self.ws = ws
        self.frames = []
        self.sizes = set()
        self.close = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while True:
                opcode, data = self.ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_BINARY:
                    self.sizes.add(len(data))
                    self.frames.append(data)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    self.close = data
                    return
        except Exception:  # the socket closed under us at the end of the test
            return


def test_audio_both_ways_with_a_python_call(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as bridge:
        ws = bridge.ws("bridge-audio")
        joined = recv_joined(ws)
        assert joined["room"] == "bridge-audio" and joined["relay"] == relay.fingerprint
        rx = Receiver(ws)
        # Nobody speaks yet: frames come anyway, on the bridge's playout clock.
        assert eventually(lambda: len(rx.frames) >= 25)
        assert rx.sizes == {FRAME_BYTES}
        assert all(rms(f) < 50 for f in rx.frames[:25])

        client = wzp.Client(port=relay.port, room="bridge-audio").connect(TIMEOUT)
        with wzp.Call(client) as call:
            # Python -> relay -> bridge -> WebSocket.
            start = len(rx.frames)
            for i in range(100):
                call.send_pcm(tone(i))
                time.sleep(0.02)
            assert eventually(lambda: any(rms(f) > 1000 for f in rx.frames[start:]))

            # WebSocket -> bridge -> relay -> Python.
            heard = []

            def listen():
                deadline = time.monotonic() + TIMEOUT
                while time.monotonic() < deadline and not any(r > 1000 for r in heard):
                    pcm = call.read_pcm(timeout=1.0)
                    if pcm is not None:
                        heard.append(rms(pcm.tobytes()))

            listener = threading.Thread(target=listen)
            listener.start()
            for i in range(150):
                ws.send_binary(tone(i))
                time.sleep(0.02)
            listener.join()
            assert any(r > 1000 for r in heard), heard[-20:]
        client.hangup()
        assert bridge.metric('wzp_web_frames_bridged_total{direction="up"}') >= 100
        assert bridge.metric('wzp_web_frames_bridged_total{direction="down"}') >= 100
        assert bridge.metric("wzp_web_handshake_latency_seconds_count") == 1
        ws.close()
        assert rx.sizes == {FRAME_BYTES}


def test_no_status_frames_without_events_and_short_frames_are_counted(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as bridge:
        ws = bridge.ws("bridge-plain", events=False)
        opcode, data = ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_BINARY and len(data) == FRAME_BYTES  # no text first
        ws.send_binary(b"\x01\x02" * 5)
        ws.send_binary(b"")
        ws.send(b"\x00" * 100, opcode=websocket.ABNF.OPCODE_BINARY)
        ws.send_binary(b"\x00" * (FRAME_BYTES + 10))  # longer: first 960 samples used, not bad
        assert eventually(lambda: bridge.metric("wzp_web_bad_frames_total") == 3)
        ws.close()


def test_origin_check(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--allow-origin", "https://chat.example") as bridge:
        ws = bridge.ws("bridge-origin", origin="http://evil.example")
        code, reason = recv_close(ws)
        assert code == 4003 and reason
        ws.close()
        for origin in ("https://chat.example", f"http://127.0.0.1:{bridge.port}"):
            ws = bridge.ws("bridge-origin", origin=origin)
            recv_joined(ws)
            ws.close()
        ws = bridge.ws("bridge-origin", suppress_origin=True)
        recv_joined(ws)
        ws.close()
        assert bridge.metric('wzp_web_sessions_refused_total{reason="origin"}') == 1


def test_session_cap(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--max-sessions", "1") as bridge:
        first = bridge.ws("bridge-cap")
        recv_joined(first)
        second = bridge.ws("bridge-cap")
        code, reason = recv_close(second)
        assert code == 4013 and reason
        second.close()
        first.close()
        # The place is free again once the first session is over.
        assert eventually(lambda: bridge.metric("wzp_web_active_connections") == 0)
        third = bridge.ws("bridge-cap")
        recv_joined(third)
        third.close()


def test_relay_not_running():
    with Bridge("--relay", f"127.0.0.1:{free_port()}") as bridge:
        ws = bridge.ws("bridge-no-relay")
        code, reason = recv_close(ws)
        assert code in (4014, 4008), (code, reason)
        assert reason
        ws.close()
        assert bridge.metric('wzp_web_sessions_refused_total{reason="relay"}') + \
            bridge.metric('wzp_web_sessions_refused_total{reason="timeout"}') == 1


def test_tokens_checked_with_featherchat():
    # The relay checks the token again (the bridge passes it on); the bridge joins with its own
    # identity, which a relay accepts with --trusted-bridge or, as here, allow_identity_mismatch.
    with FeatherChatStub({"good-token": "aaaa:bbbb"}) as stub, \
            wzp.Relay(auth_url=stub.url, allow_identity_mismatch=True) as relay, \
            Bridge("--relay", f"127.0.0.1:{relay.port}", "--auth-url", stub.url) as bridge:
        ws = bridge.ws("bridge-auth")
        ws.send('{"type":"auth","token":"good-token"}')
        recv_joined(ws)
        ws.close()
        # Checked twice: by the bridge and by the relay.
        assert sum(json.loads(body) == {"token": "good-token"} for _, _, body in stub.requests) == 2

        ws = bridge.ws("bridge-auth")
        ws.send('{"type":"auth","token":"stolen"}')
        assert recv_close(ws)[0] == 4001
        ws.close()

        for first in ('{"type":"hello"}', "not json", '{"type":"auth","token":""}'):
            ws = bridge.ws("bridge-auth")
            ws.send(first)
            assert recv_close(ws)[0] == 4000, first
            ws.close()
        ws = bridge.ws("bridge-auth")
        ws.send_binary(b"\x00" * FRAME_BYTES)  # audio before the auth frame
        assert recv_close(ws)[0] == 4000
        ws.close()
        assert bridge.metric("wzp_web_auth_failures_total") == 5


def test_auth_frame_must_come_in_time(relay):
    with FeatherChatStub({}) as stub, \
            Bridge("--relay", f"127.0.0.1:{relay.port}", "--auth-url", stub.url) as bridge:
        ws = bridge.ws("bridge-auth-late")
        code, reason = recv_close(ws)  # after the bridge's 10 s
        assert code == 4008 and reason
        ws.close()
        assert bridge.metric("wzp_web_auth_failures_total") == 1


def test_auth_service_unreachable(relay):
    url = f"http://127.0.0.1:{free_port()}/v1/auth/validate"
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--auth-url", url) as bridge:
        ws = bridge.ws("bridge-auth-down")
        ws.send('{"type":"auth","token":"any"}')
        code, reason = recv_close(ws)
        assert code == 4002 and reason
        ws.close()
        assert bridge.metric("wzp_web_auth_failures_total") == 1


def test_without_auth_url_an_auth_frame_is_ignored(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as bridge:
        ws = bridge.ws("bridge-auth-ignored")
        ws.send('{"type":"auth","token":"whatever"}')
        recv_joined(ws)
        ws.close()


def test_relay_refusal_reaches_the_browser():
    with wzp.Relay(acl_enabled=True, acl_default_deny=True) as strict, \
            Bridge("--relay", f"127.0.0.1:{strict.port}") as bridge:
        ws = bridge.ws("bridge-acl")
        code, reason = recv_close(ws)
        assert code == 4004 and reason
        ws.close()


def test_identity_file_gives_a_stable_fingerprint(relay, tmp_path):
    seed = tmp_path / "bridge.seed"
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--identity-file", str(seed)) as first:
        fingerprint = first.fingerprint
    assert fingerprint and oct(seed.stat().st_mode & 0o777) == "0o600"
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--identity-file", str(seed)) as second:
        assert second.fingerprint == fingerprint
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as other:
        assert other.fingerprint != fingerprint


def test_http_routes(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as bridge:
        status, ctype, index = bridge.get("/")
        assert status == 200 and ctype.startswith("text/html") and index
        assert bridge.get("/some-room") == (200, ctype, index)  # single-page fallback
        assert bridge.get("/index.html")[2] == index
        assert bridge.get("/../etc/passwd")[0] in (400, 403, 404)
        assert bridge.get("/%2e%2e/etc/passwd")[0] in (400, 403, 404)
        assert b"root:" not in bridge.get("/static/../../etc/passwd")[2]
        assert bridge.get("/healthz")[:2] == (200, "text/plain; charset=utf-8")
        status, ctype, body = bridge.get("/metrics")
        assert status == 200 and ctype.startswith("text/plain")
        text = body.decode()
        for name in ("wzp_web_active_connections", 'wzp_web_frames_bridged_total{direction="up"}',
                     "wzp_web_auth_failures_total", 'wzp_web_handshake_latency_seconds_bucket{le="0.01"}',
                     'wzp_web_handshake_latency_seconds_bucket{le="+Inf"}', "wzp_web_bad_frames_total",
                     "wzp_web_sessions_total"):
            assert name in text
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            return
        names = {f.name for f in text_string_to_metric_families(text)}
        assert "wzp_web_handshake_latency_seconds" in names


def test_static_folder(relay, tmp_path):
    (tmp_path / "index.html").write_text("<p>folder page</p>")
    (tmp_path / "wzp-web.js").write_text("export const x = 1;")
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--static", str(tmp_path)) as bridge:
        assert bridge.get("/")[2] == b"<p>folder page</p>"
        status, ctype, body = bridge.get("/wzp-web.js")
        assert status == 200 and ctype.startswith("text/javascript") and body == b"export const x = 1;"
        assert bridge.get("/room-7")[2] == b"<p>folder page</p>"


def test_tls_with_the_self_signed_certificate(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}", "--tls") as bridge:
        assert "listening on https://" in bridge.output()
        assert bridge.get("/healthz")[0] == 200
        ws = bridge.ws("bridge-tls")
        recv_joined(ws)
        opcode, data = ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_BINARY and len(data) == FRAME_BYTES
        ws.close()


def test_room_names_are_percent_decoded(relay):
    with Bridge("--relay", f"127.0.0.1:{relay.port}") as bridge:
        ws = bridge.ws("caf%C3%A9%20room")
        assert recv_joined(ws)["room"] == "café room"
        ws.close()


def test_relay_stopping_closes_the_browser_with_its_reason():
    with wzp.Relay() as own_relay, Bridge("--relay", f"127.0.0.1:{own_relay.port}") as bridge:
        ws = bridge.ws("bridge-relay-stops")
        recv_joined(ws)
        own_relay.stop()
        code, reason = recv_close(ws)
        assert code == 4015 and reason, (code, reason)
        ws.close()


def test_sigterm_closes_open_sessions_and_exits_cleanly(relay):
    bridge = Bridge("--relay", f"127.0.0.1:{relay.port}")
    try:
        ws = bridge.ws("bridge-sigterm")
        recv_joined(ws)
        bridge.proc.terminate()
        code, _ = recv_close(ws)
        assert code == 1001
        ws.close()
        assert bridge.stop() == 0
        assert "wzp-web: stopped" in bridge.output()
    finally:
        bridge.stop()
