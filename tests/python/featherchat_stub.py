"""A stand-in for featherChat's token validation endpoint (POST /v1/auth/validate),
run on 127.0.0.1 in a thread, for the relay's auth tests."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple


class FeatherChatStub:
    """tokens maps a token to either a fingerprint (valid), or one of the special
    behaviours: "invalid", "no-fingerprint", "http-500", "garbage", ("slow", seconds)."""

    def __init__(self, tokens: Dict[str, object]):
        self.tokens = tokens
        self.requests: List[Tuple[str, str, bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

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

    def __enter__(self) -> "FeatherChatStub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
