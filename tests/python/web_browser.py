"""Headless Chromium for the web page tests: Debian's chromium + chromedriver through selenium.

    wav = write_speech_wav(tmp_path / "mic.wav")
    with WebBrowser(fake_audio=wav, screenshots=build_dir / "web-screenshots") as b:
        b.open(f"http://127.0.0.1:{port}/myroom")
        b.wait_state("joined")
        b.wait_for(lambda: b.test("framesAudible") > 50)
        pcm = b.received_pcm()          # numpy int16, up to the last 10 s
        b.screenshot("joined")

The page exposes window.wzpTest (state, joined, framesSent, framesReceived, framesAudible, lastClose,
receivedPcm()); this module only reads it.
"""
from __future__ import annotations

import base64
import os
import re
import shutil
import time
import wave
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
RATE = 48000


def available() -> str | None:
    """None when a browser test can run here, else why not (for pytest.skip)."""
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not Path(exe).exists() and not shutil.which(Path(exe).name):
            return f"{exe} not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium not installed"
    return None


def write_wav(path, pcm, rate: int = RATE) -> Path:
    """Mono 16-bit PCM WAV, the format Chromium's --use-file-for-fake-audio-capture reads."""
    import numpy as np

    path = Path(path)
    data = np.clip(np.round(np.asarray(pcm, dtype="float64")), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path


def write_speech_wav(path, text: str | None = None, rate: int = RATE, pause_s: float = 0.3) -> Path:
    """`text` (default: the intelligibility sentence) spoken by wzp.quality.speak at `rate` Hz, with a short
    pause after it. Chromium loops the file, so the microphone keeps talking for the whole test."""
    import numpy as np
    from wzp import quality

    if text is None:
        from speech import SENTENCE as text
    speech = quality.speak(text, rate)
    return write_wav(path, np.concatenate([speech, np.zeros(int(pause_s * rate))]), rate)


class WebBrowser:
    """One headless Chromium window. fake_audio: a WAV used as the microphone (None: Chromium's beep
    device); screenshots: folder for screenshot(); tls: accept self-signed certificates."""

    def __init__(self, fake_audio=None, screenshots=None, tls: bool = True, extra_args=(), window=(900, 700)):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            f"--window-size={window[0]},{window[1]}",
            *extra_args,
        ):
            opts.add_argument(arg)
        if fake_audio is not None:
            opts.add_argument(f"--use-file-for-fake-audio-capture={Path(fake_audio).resolve()}")
        if tls:
            opts.add_argument("--ignore-certificate-errors")
        # Console messages, so a failing test can show what the page said.
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.screenshots = Path(screenshots) if screenshots is not None else None
        # Not the sanitizer runs' LD_PRELOAD (ASan in the interpreter): chromedriver aborts with it.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER, env=env), options=opts)
        self.driver.set_script_timeout(30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.driver is not None:
            self.driver.quit()
            self.driver = None

    # --- page ---

    def open(self, url: str):
        self.driver.get(url)
        self.wait_for(lambda: self.js("return typeof window.wzpTest === 'object'"), timeout=10,
                      what="window.wzpTest")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def test(self, name: str):
        """window.wzpTest[name]."""
        return self.js("return window.wzpTest[arguments[0]]", name)

    def counters(self) -> dict:
        return self.js("""const t = window.wzpTest; return {state: t.state, joined: t.joined,
            framesSent: t.framesSent, framesReceived: t.framesReceived, framesAudible: t.framesAudible,
            lastClose: t.lastClose, status: document.getElementById('status').textContent};""")

    def state(self) -> str:
        return self.test("state")

    def status_text(self) -> str:
        return self.js("return document.getElementById('status').textContent")

    def received_pcm(self):
        """Up to the last 10 s of audio the page received, as numpy int16."""
        import numpy as np

        b64 = self.js("return window.wzpTest.receivedPcm()")
        return np.frombuffer(base64.b64decode(b64), dtype="<i2").copy()

    def console(self) -> list[str]:
        try:
            return [f"{e['level']}: {e['message']}" for e in self.driver.get_log("browser")]
        except Exception:  # not every driver keeps the log
            return []

    # --- waiting ---

    def wait_for(self, predicate, timeout: float = 20, interval: float = 0.1, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not reached in {timeout} s; page: {self._describe()}")
            time.sleep(interval)

    def wait_state(self, *states: str, timeout: float = 20) -> str:
        """Waits until wzpTest.state is one of `states`; returns it."""
        return self.wait_for(lambda: (s := self.state()) in states and s, timeout=timeout,
                             what=f"wzpTest.state in {states}")

    def wait_counter(self, name: str, at_least: int, timeout: float = 20) -> int:
        """Waits until wzpTest[name] (framesSent, framesReceived, framesAudible, joins) >= at_least."""
        return self.wait_for(lambda: (v := self.test(name)) >= at_least and v, timeout=timeout,
                             what=f"wzpTest.{name} >= {at_least}")

    def _describe(self) -> str:
        try:
            return repr(self.counters())
        except Exception as e:  # the page itself may be what broke
            return f"(no wzpTest: {e})"

    # --- evidence ---

    def screenshot(self, name: str) -> Path | None:
        if self.screenshots is None:
            return None
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
        self.driver.save_screenshot(str(path))
        return path
