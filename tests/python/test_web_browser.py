"""Browsers in calls, as a person uses them: Debian's headless Chromium opens the page that wzp-web
serves, its fake microphone speaks a WAV file (espeak-ng), and the audio goes through the bridge and
a wzp-relay daemon to a Python client, and back. Screenshots of each state go to
<build>/web-screenshots.

Needs chromium, chromium-driver and python3-selenium (scripts/install-deps.sh installs them); the
tests skip without them unless WZP_REQUIRE_BROWSER=1 (scripts/test.sh sets it, so CI cannot pass by
skipping)."""
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

np = pytest.importorskip("numpy")

import web_browser  # noqa: E402
import wzp  # noqa: E402
from featherchat_stub import FeatherChatStub  # noqa: E402
from programs import BridgeProcess, RelayProcess, build_dir, eventually, program  # noqa: E402
from speech import RATE, SENTENCE, WARMUP, espeak_48k, to_int16  # noqa: E402
from wzp import quality  # noqa: E402

TIMEOUT = 30.0
FRAME = 960


def _missing() -> str | None:
    why = web_browser.available()
    if why is None:
        for name in ("wzp-relay", "wzp-web"):
            if program(name) is None:
                why = f"{name} is not built in {build_dir()}"
    return why


if _missing() is not None:
    if os.environ.get("WZP_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"browser tests required but cannot run: {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)

SHOTS = build_dir() / "web-screenshots"


@pytest.fixture(scope="module")
def mic_wav(tmp_path_factory):
    """The page's microphone: the sentence, then 0.3 s of silence, looped by Chromium."""
    return web_browser.write_speech_wav(tmp_path_factory.mktemp("mic") / "sentence.wav")


@pytest.fixture(scope="module")
def sentence():
    return espeak_48k(SENTENCE)


@pytest.fixture
def relay():
    with RelayProcess() as r:
        yield r


def browser(mic_wav, **kw):
    return web_browser.WebBrowser(fake_audio=mic_wav, screenshots=SHOTS, **kw)


class Listener:
    """A Python participant: a wzp.Client and Call in `room`, recording the mix on a thread."""

    def __init__(self, relay_port: int, room: str):
        self.client = wzp.Client(port=relay_port, room=room).connect(TIMEOUT)
        self.call = wzp.Call(self.client)
        self.recording = []
        self.running = True
        self.thread = threading.Thread(target=self._record, daemon=True)
        self.thread.start()

    def _record(self):
        while self.running:
            pcm = self.call.read_pcm(None, FRAME, timeout=0.5)
            if pcm is not None:
                self.recording.append(np.frombuffer(pcm.tobytes(), dtype="<i2"))

    def audio(self):
        return np.concatenate(self.recording).astype(np.float64) if self.recording else np.zeros(0)

    def say(self, signal):
        """Sends int16 PCM paced in real time, 20 ms at a time."""
        pcm = to_int16(signal)
        start = time.monotonic()
        for i in range(0, len(pcm) - FRAME + 1, FRAME):
            self.call.send_pcm(pcm[i:i + FRAME].tobytes())
            delay = start + (i // FRAME + 1) * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.call.close()
        self.client.hangup()


def best_stoi(reference, recording):
    """STOI of the recording against the reference, aligned (the recording holds at least one whole
    repetition of it, anywhere)."""
    ref, rec = quality.align_piecewise(reference, recording, RATE, max_lag_s=len(recording) / RATE)
    return quality.stoi(ref, rec, RATE)


def test_browser_and_python_client_hear_each_other_through_the_relay(relay, mic_wav, sentence):
    """What the browser's microphone says arrives at a Python client as recognisable speech, and
    what the Python client says is played in the page, also recognisable."""
    with BridgeProcess("--relay", relay.address) as bridge, browser(mic_wav) as b:
        listener = Listener(relay.port, "kitchen")
        try:
            b.open(bridge.url("/kitchen"))
            b.wait_state("joined", timeout=TIMEOUT)
            b.screenshot("joined")
            # Two repetitions of the page's sentence, at least one whole.
            loop_s = len(sentence) / RATE + 0.3
            eventually(lambda: len(listener.audio()) > (2 * loop_s + 1) * RATE, timeout=3 * loop_s + 20)
            heard = listener.audio()
            assert np.sqrt(np.mean(heard ** 2)) > 300, "the Python client heard (almost) nothing"
            score = best_stoi(sentence, heard[-int((2 * loop_s + 1) * RATE):])
            print(f"browser -> python: STOI {score:.3f}")
            assert score > 0.6, f"the browser's speech is not recognisable at the Python side (STOI {score:.3f})"

            warmup = espeak_48k(WARMUP)
            listener.say(np.concatenate([warmup, np.zeros(RATE // 2)]))
            listener.say(np.concatenate([sentence, np.zeros(RATE)]))
            b.screenshot("hearing-python")
            played = b.received_pcm().astype(np.float64)
            assert b.test("framesAudible") > 100
            score = best_stoi(sentence, played)
            print(f"python -> browser: STOI {score:.3f}")
            assert score > 0.7, f"the Python client's speech is not recognisable in the page (STOI {score:.3f})"
            assert bridge.metric('wzp_web_frames_bridged_total{direction="up"}') > 100
            assert bridge.metric('wzp_web_frames_bridged_total{direction="down"}') > 100
            assert bridge.metric("wzp_web_active_connections") == 1
        finally:
            listener.close()
        b.js("document.getElementById('leave').click()")
        b.wait_state("closed", "idle")
        assert eventually(lambda: bridge.metric("wzp_web_active_connections") == 0)


def test_auth_url_admits_a_valid_token_and_the_page_shows_a_refusal(mic_wav, tmp_path):
    """With --auth-url, the page sends the auth frame with the token from its URL fragment: a valid
    token joins (and the relay, which checks it again, admits the bridge it trusts); a bad one is
    refused and the page says why, without reconnecting."""
    alice = wzp.Identity.generate()
    with FeatherChatStub({"good-token": alice.fingerprint_str}) as fc:
        # The bridge's stable identity (--identity-file) is what the relay trusts.
        identity_file = tmp_path / "bridge.seed"
        with BridgeProcess("--relay", "127.0.0.1:9", "--identity-file", str(identity_file)) as first_start:
            bridge_fp = first_start.fingerprint
        with RelayProcess("--auth-url", fc.url, "--trusted-bridge", bridge_fp) as relay, \
                BridgeProcess("--relay", relay.address, "--auth-url", fc.url, "--identity-file",
                              str(identity_file)) as bridge, browser(mic_wav) as b:
            b.open(bridge.url("/#room=upstairs&token=good-token"))
            b.wait_state("joined", timeout=TIMEOUT)
            assert "token=" not in b.driver.current_url, "the token stays in the address bar"
            b.wait_counter("framesReceived", 25)
            b.screenshot("auth-joined")
            # The relay admitted the bridge's session as alice, the token's owner.
            relay.wait_output(r"trusted bridge " + bridge_fp + " speaks for " + alice.fingerprint_str)
            relay.wait_output(r"event: PRESENCE fingerprint=" + alice.fingerprint_str + " online")

            b.driver.get("about:blank")  # leaves the call (a new fragment alone would not reload the page)
            assert eventually(lambda: bridge.metric("wzp_web_active_connections") == 0)
            b.open(bridge.url("/#room=upstairs&token=stolen-token"))
            b.wait_state("failed", timeout=TIMEOUT)
            close = b.test("lastClose")
            assert close["code"] == 4001, close
            assert "4001" in b.status_text() and "reject" in b.status_text().lower()
            b.screenshot("auth-refused")
            time.sleep(2.5)  # a refusal is final: the page must not be trying again
            assert b.state() == "failed"
            assert bridge.metric("wzp_web_auth_failures_total") >= 1
            assert eventually(lambda: bridge.metric("wzp_web_active_connections") == 0)


def test_two_browsers_in_one_room_hear_each_other(relay, mic_wav, tmp_path):
    """Two pages, each with its own microphone (speech, and a tone), hear each other."""
    tone = 8000 * np.sin(2 * np.pi * 440 * np.arange(2 * RATE) / RATE)
    tone_wav = web_browser.write_wav(tmp_path / "tone.wav", tone)
    with BridgeProcess("--relay", relay.address) as bridge, browser(mic_wav) as one, browser(tone_wav) as two:
        one.open(bridge.url("/duo"))
        two.open(bridge.url("/duo"))
        one.wait_state("joined", timeout=TIMEOUT)
        two.wait_state("joined", timeout=TIMEOUT)
        one.wait_counter("framesAudible", 100, timeout=TIMEOUT)
        two.wait_counter("framesAudible", 100, timeout=TIMEOUT)
        one.screenshot("duo-one")
        two.screenshot("duo-two")
        heard = one.received_pcm().astype(np.float64)[-RATE:]
        spectrum = np.abs(np.fft.rfft(heard))
        peak_hz = np.argmax(spectrum) * RATE / len(heard)
        assert abs(peak_hz - 440) < 15, f"the first page hears {peak_hz:.0f} Hz, not the second's 440 Hz tone"
        assert bridge.metric("wzp_web_active_connections") == 2


class OtherSite:
    """A web site on another origin (http://127.0.0.1:<its port>) whose page opens a WebSocket to
    the bridge directly, as any site a user visits could, and keeps what happened in window.result."""

    PAGE = """<!doctype html><title>another site</title><p id=out>connecting</p><script>
    window.result = null;
    const ws = new WebSocket(location.hash.slice(1));
    ws.onmessage = (e) => { if (typeof e.data === 'string') window.result = {joined: e.data}; };
    ws.onclose = (e) => { window.result = {code: e.code, reason: e.reason};
                          document.getElementById('out').textContent = e.code + ': ' + e.reason; };
    </script>"""

    def __init__(self):
        page = self.PAGE.encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_another_sites_page_is_refused_unless_its_origin_is_allowed(relay, mic_wav):
    """A page on another origin that opens the bridge's WebSocket is closed with 4003 and a reason;
    the same page is admitted once the bridge lists its origin (--allow-origin), as featherChat's web
    client is."""
    site = OtherSite()
    try:
        for allowed, expect in ((["--allow-origin", "https://chat.example"], "refused"),
                                (["--allow-origin", site.origin], "joined")):
            with BridgeProcess("--relay", relay.address, *allowed) as bridge, browser(mic_wav) as b:
                b.driver.get(f"{site.origin}/#ws://127.0.0.1:{bridge.port}/ws/private?events=1")
                result = b.wait_for(lambda: b.js("return window.result"), timeout=TIMEOUT, what="window.result")
                b.screenshot(f"other-site-{expect}")
                if expect == "refused":
                    assert result.get("code") == 4003, result
                    assert "origin" in result["reason"].lower() and site.origin in result["reason"], result
                else:
                    assert "joined" in result.get("joined", ""), result
    finally:
        site.close()


def test_a_closed_relay_is_reported_in_the_page(relay, mic_wav):
    """A relay that goes away is reported in the page with a code and a reason, and the page tries
    again (with backoff) instead of giving up."""
    with BridgeProcess("--relay", relay.address) as bridge, browser(mic_wav) as b:
        b.open(bridge.url("/lonely"))
        b.wait_state("joined", timeout=TIMEOUT)
        relay.stop()
        b.wait_for(lambda: b.test("lastClose") and b.test("lastClose")["code"] in (4014, 4015, 4008),
                   timeout=TIMEOUT * 2, what="the relay's loss reported")
        close = b.test("lastClose")
        assert close["reason"], close
        b.wait_state("reconnecting", "connecting", timeout=TIMEOUT)
        b.screenshot("relay-gone")
        assert str(close["code"]) in b.status_text(), b.status_text()
