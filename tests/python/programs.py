"""The example programs as an operator runs them: wzp-relay and wzp-web started from the build
folder (WZP_BUILD_DIR, default <repo>/build), their output collected, their ports read from the
lines they print at start, stopped with SIGTERM."""
from __future__ import annotations

import http.client
import os
import re
import ssl
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 20.0


def build_dir() -> Path:
    return Path(os.environ.get("WZP_BUILD_DIR", str(REPO_ROOT / "build")))


def program(name: str) -> Path | None:
    """The built program, or None when it is not built."""
    path = build_dir() / "examples" / name
    return path if os.access(path, os.X_OK) else None


def eventually(check, timeout: float = TIMEOUT, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return check()


class Program:
    """A running program; `ready` is a regular expression of its start line, whose first group is
    its port."""

    def __init__(self, name: str, args, ready: str):
        path = program(name)
        assert path is not None, f"{name} is not built in {build_dir()}"
        # The sanitizer runs preload ASan into the interpreter; a program built with it links it itself.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        self.args = [str(path), *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                     text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        found = eventually(lambda: re.search(ready, self.output()) or self.proc.poll() is not None)
        match = re.search(ready, self.output())
        assert match, f"{name} did not start ({found}):\n{self.output()}"
        self.port = int(match.group(1))

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_output(self, pattern: str, timeout: float = TIMEOUT) -> re.Match:
        match = eventually(lambda: re.search(pattern, self.output()), timeout)
        assert match, f"{pattern!r} not in the output:\n{self.output()}"
        return match

    def stop(self) -> int:
        """SIGTERM, as an operator stops it; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class RelayProcess(Program):
    """wzp-relay on 127.0.0.1 with a free port."""

    def __init__(self, *args: str):
        super().__init__("wzp-relay", ["--listen", "127.0.0.1:0", *args],
                         r"listening on 127\.0\.0\.1 port (\d+), fingerprint")
        self.fingerprint = re.search(r"fingerprint ([0-9a-f:]+)", self.output()).group(1)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


class BridgeProcess(Program):
    """wzp-web on 127.0.0.1 with a free port."""

    def __init__(self, *args: str):
        super().__init__("wzp-web", ["--listen", "127.0.0.1:0", *args],
                         r"wzp-web: listening on https?://127\.0\.0\.1:(\d+)/")
        self.scheme = "https" if "--tls" in args else "http"
        self.fingerprint = self.wait_output(r"wzp-web: bridge fingerprint ([0-9a-f:]+)").group(1)

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def get(self, path: str):
        """(status, Content-Type, body) of a GET sent as written (no client-side normalisation)."""
        if self.scheme == "https":
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=TIMEOUT,
                                               context=ssl._create_unverified_context())
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request("GET", path)
            res = conn.getresponse()
            return res.status, res.getheader("Content-Type"), res.read()
        finally:
            conn.close()

    def ws(self, room: str, events: bool = True, **options):
        """A WebSocket to /ws/<room> (python3-websocket), as a browser's page opens it."""
        import websocket

        scheme = "wss" if self.scheme == "https" else "ws"
        query = "?events=1" if events else ""
        if scheme == "wss":
            options.setdefault("sslopt", {"cert_reqs": ssl.CERT_NONE, "check_hostname": False})
        return websocket.create_connection(f"{scheme}://127.0.0.1:{self.port}/ws/{room}{query}",
                                           timeout=TIMEOUT, **options)

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                # Every session over: the gauge is back to 0, whatever way each one ended.
                try:
                    back_to_zero = eventually(lambda: self.metric("wzp_web_active_connections") == 0)
                except OSError as e:
                    raise AssertionError(f"wzp-web is gone ({e}):\n{self.output()}") from e
                assert back_to_zero, self.output()
        finally:
            self.stop()
        if exc[0] is None:
            assert self.proc.returncode == 0, self.output()
            assert "wzp-web: stopped" in self.output()

    def metric(self, name: str) -> float:
        """The value of the /metrics line that starts with `name` (labels included) and a space."""
        _, _, body = self.get("/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        raise AssertionError(f"{name} not in /metrics:\n{body.decode()}")
