"""A stand-in for featherChat's token validation endpoint (POST /v1/auth/validate),
run on 127.0.0.1 in a thread, for the relay's auth tests; it also answers
GET /v1/wzp/relay-config (FC-10) with ``relay_config``."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple


class FeatherChatStub:
    """tokens maps a token to either a fingerprint (valid), or one of the special
    behaviours: "invalid", "no-fingerprint", "http-500", "garbage", ("slow", seconds)."""

    def __init__(self, tokens: Dict[str, object], relay_config: object = None,
                 relay_config_token: Optional[str] = None):
        """relay_config: a dict (served as JSON), a str or bytes (served as it is, e.g. malformed),
        an int (that HTTP status, empty body) or None (404: featherChat has none).
        relay_config_token: when set, GET /v1/wzp/relay-config requires it as a bearer token."""
        self.tokens = tokens
        self.relay_config = relay_config
        self.relay_config_token = relay_config_token
        self.requests: List[Tuple[str, str, bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                stub.requests.append((self.path, self.headers.get("Authorization", ""), b""))
                if self.path != "/v1/wzp/relay-config":
                    return self._answer(404, b'{"error":"not found"}')
                if stub.relay_config_token is not None and \
                        self.headers.get("Authorization") != "Bearer " + stub.relay_config_token:
                    return self._answer(401, b'{"error":"unauthorized"}')
                answer = stub.relay_config
                if answer is None:
                    return self._answer(404, b'{"error":"no relay-config"}')
                if isinstance(answer, int):
                    return self._answer(answer, b"")
                if isinstance(answer, dict):
                    answer = json.dumps(answer)
                return self._answer(200, answer.encode() if isinstance(answer, str) else answer)

            def _answer(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stub.requests.append((self.path, self.headers.get("Content-Type", ""), body))
                try:
                    token = json.loads(body)["token"]
                except (ValueError, KeyError, TypeError):
                    token = None
                behaviour = stub.tokens.get(token, "invalid")
                status, answer = 200, None
                if isinstance(behaviour, tuple) and behaviour[0] == "slow":
                    time.sleep(behaviour[1])
                    answer = {"valid": True, "fingerprint": "slow"}
                elif behaviour == "invalid":
                    answer = {"valid": False, "error": "unknown token"}
                elif behaviour == "no-fingerprint":
                    answer = {"valid": True}
                elif behaviour == "http-500":
                    status, answer = 500, {"error": "internal"}
                elif behaviour == "garbage":
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"<html>not json</html>")
                    return
                else:
                    answer = {"valid": True, "fingerprint": behaviour, "alias": "tester", "eth_address": None}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/auth/validate"

    @property
    def relay_config_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/wzp/relay-config"

    def __enter__(self) -> "FeatherChatStub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
