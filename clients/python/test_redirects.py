"""parley_client follows redirects, but never carries the API key to another origin.

    python3 -m unittest -v test_redirects

Needs no Parley server: two HTTP servers on loopback, on two ports (two origins), record the
``Authorization`` header each request brought. `test/clients/python-client.test.ts` runs this file.
"""

from __future__ import annotations

import http.server
import json
import threading
import unittest
from parley_client import ParleyClient

API_KEY = "redirect-test-key-0123456789"


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers ``GET /v1/workflows`` with ``[]``; ``GET /moved?to=URL`` with a 302 to URL."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.seen.append((self.path, self.headers.get("Authorization")))  # type: ignore[attr-defined]
        if self.path.startswith("/v1/moved"):
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)  # type: ignore[attr-defined]
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps([]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def _start() -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    server.redirect_to = ""  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _url(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


class RedirectTest(unittest.TestCase):
    def setUp(self) -> None:
        self.home = _start()
        self.other = _start()

    def tearDown(self) -> None:
        for server in (self.home, self.other):
            server.shutdown()
            server.server_close()

    def test_drops_authorization_on_a_redirect_to_another_port(self) -> None:
        self.home.redirect_to = f"{_url(self.other)}/v1/workflows"  # type: ignore[attr-defined]
        client = ParleyClient(_url(self.home), api_key=API_KEY, timeout=10)
        self.assertEqual(client._request("GET", "/v1/moved"), [])
        self.assertEqual(self.home.seen, [("/v1/moved", f"Bearer {API_KEY}")])  # type: ignore[attr-defined]
        self.assertEqual(self.other.seen, [("/v1/workflows", None)])  # type: ignore[attr-defined]

    def test_keeps_authorization_on_a_redirect_within_the_same_origin(self) -> None:
        self.home.redirect_to = f"{_url(self.home)}/v1/workflows"  # type: ignore[attr-defined]
        client = ParleyClient(_url(self.home), api_key=API_KEY, timeout=10)
        self.assertEqual(client._request("GET", "/v1/moved"), [])
        self.assertEqual(
            self.home.seen,  # type: ignore[attr-defined]
            [("/v1/moved", f"Bearer {API_KEY}"), ("/v1/workflows", f"Bearer {API_KEY}")],
        )


if __name__ == "__main__":
    unittest.main()
