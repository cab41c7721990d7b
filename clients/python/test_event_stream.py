"""The Server-Sent Events reader of parley_client, and stream_messages against scripted servers.

    python3 -m unittest -v test_event_stream

Needs no Parley server: the parser is fed crafted bytes, and a loopback HTTP server answers each
request from a script, for what a real server does not do on cue (a stream that ends early while
the run goes on, a 503, a 404 from a server without the stream, ``text_delta`` events).
`test/clients/python-client.test.ts` runs this file; `test_parley_client.py` streams real runs.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import unittest
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from parley_client import ParleyClient, ParleyError, StreamEndedError, _read_server_sent_events, _ServerSentEvent

API_KEY = "event-stream-test-key-0123456789"


def events(*chunks: bytes) -> List[Tuple[str, str, Optional[str]]]:
    """The events the reader makes of these chunks, as ``(event, data, id)``."""
    return list(_read_server_sent_events(chunks))


class ServerSentEventsParserTest(unittest.TestCase):
    def test_reads_named_events_with_ids_and_joins_data_lines_with_newlines(self) -> None:
        stream = b"event: message\nid: 1\ndata: {\"seq\": 1}\n\nevent: note\ndata: one\ndata:two\ndata\ndata:  three\n\n"
        self.assertEqual(
            events(stream),
            [("message", '{"seq": 1}', "1"), ("note", "one\ntwo\n\n three", "1")],
        )

    def test_takes_crlf_lf_and_cr_line_ends_alike(self) -> None:
        expected = [("message", "a\nb", "7"), ("x", "c", "7")]
        for end in (b"\r\n", b"\n", b"\r"):
            stream = end.join([b"id: 7", b"data: a", b"data: b", b"", b"event: x", b"data: c", b"", b""])
            self.assertEqual(events(stream), expected, end)

    def test_skips_comments_retry_and_unknown_fields_and_events_without_data(self) -> None:
        stream = b": heartbeat\n\nretry: 100\nfoo: bar\ndata: kept\n\n:another\nevent: empty\n\nid: 3\n\ndata: after\n\n"
        # An id line alone dispatches nothing but is remembered for the events after it.
        self.assertEqual(events(stream), [("message", "kept", None), ("message", "after", "3")])

    def test_an_event_type_does_not_carry_over_and_an_id_with_nul_is_ignored(self) -> None:
        stream = b"event: a\nid: 1\ndata: x\n\nid: 2\x00\ndata: y\n\n"
        self.assertEqual(events(stream), [("a", "x", "1"), ("message", "y", "1")])

    def test_drops_an_event_cut_off_by_the_end_of_the_stream(self) -> None:
        self.assertEqual(events(b"data: whole\n\ndata: cut off\n"), [("message", "whole", None)])
        self.assertEqual(events(b"data: whole\n\ndata: no newline at all"), [("message", "whole", None)])
        self.assertEqual(events(b"data: whole\r\n\r\nid: 2\r\ndata: cut\r"), [("message", "whole", None)])
        self.assertEqual(events(b""), [])

    def test_a_last_lone_cr_ends_the_event(self) -> None:
        self.assertEqual(events(b"data: a\r\r"), [("message", "a", None)])

    def test_reads_the_same_however_the_bytes_are_split(self) -> None:
        # A CR split from its LF must not read as a blank line, which would dispatch the event
        # with its data so far, or reset its type.
        text = '\ufeffevent: note\r\nid: 12\r\ndata: {"body": "café — ✓"}\r\ndata: 2\r\n\r\n: hb\r\rdata: b\r\n\r\n'
        stream = text.encode("utf-8")
        whole = events(stream)
        self.assertEqual(whole, [("note", '{"body": "café — ✓"}\n2', "12"), ("message", "b", "12")])
        # One byte at a time: splits inside a character, between CR and LF, inside the BOM.
        self.assertEqual(events(*[stream[i : i + 1] for i in range(len(stream))]), whole)
        for at in range(len(stream)):
            self.assertEqual(events(stream[:at], stream[at:]), whole, at)

    def test_yields_an_event_as_soon_as_its_blank_line_arrives(self) -> None:
        arrived: List[bytes] = []

        def chunks() -> Any:
            for chunk in (b"data: first\n", b"\n", b"data: second\n\n"):
                arrived.append(chunk)
                yield chunk

        reader = _read_server_sent_events(chunks())
        self.assertEqual(next(reader), _ServerSentEvent("message", "first", None))
        self.assertEqual(len(arrived), 2, "the first event came before the rest was read")
        self.assertEqual([event.data for event in reader], ["second"])


# -- stream_messages against a scripted server --------------------------------------------------

Part = Union[bytes, float]  # bytes to send, or seconds to pause
Answer = Tuple[int, str, List[Part]]  # status, content type, body


def message(seq: int, type: str = "text_message") -> Dict[str, Any]:
    return {"id": f"m{seq}", "seq": seq, "run_id": "r1", "type": type, "content": {"body": f"#{seq}"}}


def message_event(seq: int, type: str = "text_message") -> bytes:
    return f"event: message\nid: {seq}\ndata: {json.dumps(message(seq, type))}\n\n".encode()


def problem(status: int, code: str) -> Answer:
    body = {"type": "about:blank", "title": code, "status": status, "code": code, "detail": f"scripted {code}", "errors": []}
    return (status, "application/problem+json", [json.dumps(body).encode()])


def run(status: str, last_seq: int) -> Answer:
    return (200, "application/json", [json.dumps({"id": "r1", "status": status, "last_seq": last_seq}).encode()])


class _Scripted(http.server.BaseHTTPRequestHandler):
    """HTTP/1.0: each response ends when its connection closes, as a stream cut short does."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server: ScriptedServer = self.server  # type: ignore[assignment]
        headers = {name.lower(): value for name, value in self.headers.items()}
        with server.lock:
            server.requests.append((self.path, headers))
            answer = server.script(self.path, headers)
        status, content_type, body = answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        try:
            for part in body:
                if isinstance(part, bytes):
                    self.wfile.write(part)
                    self.wfile.flush()
                else:
                    time.sleep(part)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class ScriptedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Callable[[str, Dict[str, str]], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Scripted)
        self.script = script
        self.requests: List[Tuple[str, Dict[str, str]]] = []
        self.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def streams(self) -> List[Tuple[str, Dict[str, str]]]:
        """The event stream requests: path and query, and headers (lower-case names)."""
        with self.lock:
            return [(path, headers) for path, headers in self.requests if "/events" in path]


def query(path: str) -> Dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))


class StreamMessagesScriptedTest(unittest.TestCase):
    def serve(self, script: Callable[[str, Dict[str, str]], Answer]) -> ScriptedServer:
        server = ScriptedServer(script)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    def client(self, server: ScriptedServer, **kwargs: Any) -> ParleyClient:
        return ParleyClient(server.url, api_key=API_KEY, **{"timeout": 10, **kwargs})

    def test_resumes_a_stream_that_ended_before_the_run_with_last_event_id(self) -> None:
        def script(path: str, headers: Dict[str, str]) -> Answer:
            if "/events" not in path:
                return run("running", 2)
            if "last-event-id" not in headers:
                return (200, "text/event-stream", [message_event(1, "workflow_started"), message_event(2), b": heartbeat\n\n"])
            # A proxy that repeats the last message must not make the client repeat it.
            return (200, "text/event-stream", [message_event(2), message_event(3), message_event(4, "workflow_completed")])

        server = self.serve(script)
        seen = list(self.client(server).stream_messages("r1"))

        self.assertEqual([m["seq"] for m in seen], [1, 2, 3, 4])
        self.assertEqual(seen[1], message(2))
        (first_path, first), (second_path, second) = server.streams()
        self.assertEqual(query(first_path), {"after": "0"})
        self.assertEqual((query(second_path), second["last-event-id"]), ({"after": "2"}, "2"))
        for headers in (first, second):
            self.assertEqual(headers["accept"], "text/event-stream")
            self.assertEqual(headers["authorization"], f"Bearer {API_KEY}")
        paths = [urllib.parse.urlsplit(path).path for path, _ in server.requests]
        self.assertEqual(paths, ["/v1/runs/r1/events", "/v1/runs/r1", "/v1/runs/r1/events"], "getRun between the two")

    def test_an_early_end_of_a_finished_run_past_its_last_seq_is_the_end(self) -> None:
        def script(path: str, headers: Dict[str, str]) -> Answer:
            return run("failed", 3) if "/events" not in path else (200, "text/event-stream", [b": heartbeat\n\n"])

        server = self.serve(script)
        self.assertEqual(list(self.client(server).stream_messages("r1", after=3)), [])
        self.assertEqual(len(server.streams()), 1)

    def test_gives_up_with_stream_ended_error_after_retries_early_ends_in_a_row(self) -> None:
        def script(path: str, headers: Dict[str, str]) -> Answer:
            if "/events" not in path:
                return run("running", 1)
            return (200, "text/event-stream", [] if "last-event-id" in headers else [message_event(1)])

        server = self.serve(script)
        seen: List[Dict[str, Any]] = []
        with self.assertRaises(StreamEndedError):
            for item in self.client(server).stream_messages("r1", retries=2):
                seen.append(item)
        self.assertEqual([m["seq"] for m in seen], [1])
        self.assertEqual(len(server.streams()), 3, "the first attempt and two retries")
        self.assertTrue(all(headers.get("last-event-id") == "1" for _, headers in server.streams()[1:]))

    def test_retries_a_503_then_streams(self) -> None:
        answers = [problem(503, "store_unavailable"), problem(502, "bad_gateway")]

        def script(path: str, headers: Dict[str, str]) -> Answer:
            if answers:
                return answers.pop(0)
            return (200, "text/event-stream", [message_event(1, "workflow_started"), message_event(2, "workflow_completed")])

        server = self.serve(script)
        seen = list(self.client(server).stream_messages("r1", retries=2))
        self.assertEqual([m["seq"] for m in seen], [1, 2])
        self.assertEqual(len(server.streams()), 3)

    def test_raises_the_last_5xx_after_retries(self) -> None:
        server = self.serve(lambda path, headers: problem(503, "store_unavailable"))
        with self.assertRaises(ParleyError) as raised:
            list(self.client(server).stream_messages("r1", retries=1))
        self.assertEqual((raised.exception.status, raised.exception.code), (503, "store_unavailable"))
        self.assertEqual(len(server.streams()), 2)

    def test_raises_a_404_from_a_server_without_the_stream_at_once(self) -> None:
        server = self.serve(lambda path, headers: problem(404, "route_not_found"))
        with self.assertRaises(ParleyError) as raised:
            list(self.client(server).stream_messages("r1"))
        error = raised.exception
        self.assertEqual((error.status, error.code, error.detail), (404, "route_not_found", "scripted route_not_found"))
        self.assertEqual(len(server.requests), 1, "a 4xx is not retried")

    def test_raises_a_401_and_a_429_at_once(self) -> None:
        for status, code in ((401, "unauthorized"), (429, "too_many_held_polls")):
            server = self.serve(lambda path, headers: problem(status, code))
            with self.assertRaises(ParleyError) as raised:
                list(self.client(server).stream_messages("r1"))
            self.assertEqual((raised.exception.status, raised.exception.code), (status, code))
            self.assertEqual(len(server.requests), 1)

    def test_yields_text_deltas_only_when_asked_and_skips_other_events(self) -> None:
        delta = {"type": "text_delta", "message_ref": "m2", "index": 0, "delta": "Hel", "sender": "Bot", "recipient": "User"}
        body = [
            message_event(1, "workflow_started"),
            f"event: text_delta\ndata: {json.dumps(delta)}\n\n".encode(),
            b'event: text_delta\ndata: {"message_ref": "m2", "index": 1, "delta": "lo"}\n\n',
            b"event: text_delta\ndata: not json\n\n",
            b'event: something_new\ndata: {"seq": 99}\n\n',
            message_event(2),
            message_event(3, "workflow_completed"),
        ]
        server = self.serve(lambda path, headers: (200, "text/event-stream", body))

        plain = list(self.client(server).stream_messages("r1"))
        self.assertEqual([m["seq"] for m in plain], [1, 2, 3])

        with_deltas = list(self.client(server).stream_messages("r1", deltas=True))
        self.assertEqual(
            with_deltas,
            [
                message(1, "workflow_started"),
                delta,
                {"type": "text_delta", "message_ref": "m2", "index": 1, "delta": "lo"},  # the type filled in
                message(2),
                message(3, "workflow_completed"),
            ],
        )

    def test_a_quiet_stream_outlasts_the_client_timeout_when_heartbeats_are_due(self) -> None:
        # 1.5 s of silence with a 0.5 s timeout: the read timeout is max(0.5, 2 * 1 + 5) = 7 s.
        body = [message_event(1, "workflow_started"), 1.5, message_event(2, "workflow_completed")]
        server = self.serve(lambda path, headers: (200, "text/event-stream", body))
        seen = list(self.client(server, timeout=0.5).stream_messages("r1", heartbeat=1))
        self.assertEqual([m["seq"] for m in seen], [1, 2])
        self.assertEqual(len(server.streams()), 1, "never resumed")
        self.assertEqual(query(server.streams()[0][0]), {"after": "0", "heartbeat": "1"})

    def test_closing_the_generator_closes_the_connection(self) -> None:
        closed = threading.Event()
        body: List[Part] = [message_event(1, "workflow_started"), message_event(2)] + [0.05, b": heartbeat\n\n"] * 2000  # 100 s

        def script(path: str, headers: Dict[str, str]) -> Answer:
            return (200, "text/event-stream", body)

        class Watching(_Scripted):
            def finish(self) -> None:
                super().finish()
                closed.set()

        server = self.serve(script)
        server.RequestHandlerClass = Watching
        stream = self.client(server).stream_messages("r1")
        self.assertEqual(next(stream)["seq"], 1)
        stream.close()
        self.assertTrue(closed.wait(30), "the server's write failed once the client had gone")


if __name__ == "__main__":
    unittest.main()
