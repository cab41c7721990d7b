"""Tests of parley_client against a real Parley server serving the example workflows.

    PARLEY_URL=http://127.0.0.1:8008 python3 -m unittest -v test_parley_client

PARLEY_API_KEY is sent when set (and then an unknown key must be refused). Without PARLEY_URL
every test is skipped. `test/clients/python-client.test.ts` starts a server and runs this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import threading
import unittest
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional, Tuple

from parley_client import (
    FINISHED_STATUSES,
    Answer,
    ParleyClient,
    ParleyError,
    WebhookVerificationError,
    verify_webhook,
)

URL = os.environ.get("PARLEY_URL")
API_KEY = os.environ.get("PARLEY_API_KEY") or None


def setUpModule() -> None:
    if not URL:
        raise unittest.SkipTest("set PARLEY_URL to a Parley server serving the example workflows")


def answer_for(question: Dict[str, Any]) -> Answer:
    """An answer typed as the question takes it."""
    content = question["content"]
    if question["type"] == "text_input":
        return "Ada"
    if content["single"]:
        return content["choices"][-1]
    return content["choices"][:2]


class FlakyClient(ParleyClient):
    """Drops the connection of its first `failures` long-polls, like a flaky network."""

    def __init__(self, *args: Any, failures: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failures = failures
        self.calls = 0

    def list_messages(self, run_id: str, after: int = 0, wait: float = 0, limit: Any = None) -> Dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionResetError("connection reset by peer (simulated)")
        return super().list_messages(run_id, after=after, wait=wait, limit=limit)


class CuttingProxy:
    """A TCP proxy on loopback in front of the server, recording the head of every request.

    With ``cut_after``, the first event stream through it is cut (both connections closed) as
    soon as those bytes have gone by from the server: a dropped connection at a known place,
    whatever the timing. Everything else passes untouched.
    """

    def __init__(self, target_url: str, cut_after: Optional[bytes] = None) -> None:
        parts = urllib.parse.urlsplit(target_url)
        self.target: Tuple[str, int] = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.cut_after = cut_after
        self.heads: List[bytes] = []
        self.received = b""  # everything the server sent on event streams
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def stream_heads(self) -> List[bytes]:
        """The head of each event stream request, in order, lower-cased."""
        with self.lock:
            return [head.lower() for head in self.heads if _is_stream(head)]

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            is_stream = _is_stream(head)
            with self.lock:
                self.heads.append(head)
                cut = is_stream and self.cut_after is not None and sum(map(_is_stream, self.heads)) == 1
            upstream.sendall(head)
            threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()
            seen = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    return
                if is_stream:
                    with self.lock:
                        self.received += chunk
                if cut and self.cut_after is not None:
                    seen += chunk
                    at = seen.find(self.cut_after)
                    if at >= 0:
                        # Forward up to the end of the marker, then drop both connections.
                        client.sendall(chunk[: at + len(self.cut_after) - (len(seen) - len(chunk))])
                        return
                client.sendall(chunk)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


def _is_stream(head: bytes) -> bool:
    """Whether a request's head asks for an event stream."""
    return b"/events" in head.split(b"\r\n", 1)[0]


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                return
            target.sendall(chunk)
    except OSError:
        return


class ParleyClientTest(unittest.TestCase):
    client: ParleyClient

    @classmethod
    def setUpClass(cls) -> None:
        cls.client = ParleyClient(URL or "", api_key=API_KEY, timeout=10)

    def follow_answering(self, run_id: str) -> List[Dict[str, Any]]:
        """Follows the run to its end, answering each question; returns every message seen."""
        seen = []
        for message in self.client.follow(run_id, wait=5, max_retries=2):
            seen.append(message)
            if message["type"] in ("text_input", "multiple_choice"):
                reply = self.client.reply(run_id, message["id"], answer_for(message))
                self.assertEqual(reply["type"], "reply")
                self.assertEqual(reply["content"]["question_id"], message["id"])
        return seen

    def test_lists_the_workflows_with_their_params_schema(self) -> None:
        workflows = {workflow["name"]: workflow for workflow in self.client.list_workflows()}
        self.assertIn("greet", workflows)
        self.assertIn("pick_toppings", workflows)
        greet = self.client.get_workflow("greet")
        self.assertEqual(greet, workflows["greet"])
        self.assertEqual(greet["params_schema"]["type"], "object")
        self.assertIn("greeting", greet["params_schema"]["properties"])

    def test_runs_greet_to_completion_answering_each_question(self) -> None:
        run = self.client.create_run("greet", {"greeting": "Hi"})
        self.assertEqual(run["workflow"], "greet")
        self.assertEqual(run["params"], {"greeting": "Hi"})

        messages = self.follow_answering(run["id"])

        self.assertEqual([m["seq"] for m in messages], list(range(1, len(messages) + 1)))
        self.assertEqual(
            [m["type"] for m in messages],
            ["workflow_started", "text_input", "reply", "multiple_choice", "reply", "text_message", "workflow_completed"],
        )
        self.assertEqual(messages[5]["content"]["body"], "Hi, Ada (bad)")
        final = self.client.get_run(run["id"])
        self.assertEqual(final["status"], "completed")
        self.assertEqual(final["result"], "greeted Ada")
        self.assertEqual(final["last_seq"], len(messages))

    def test_follow_resumes_from_a_cursor_without_repeating(self) -> None:
        run = self.client.create_run("echo", {"text": "once"})
        everything = list(self.client.follow(run["id"], wait=5))
        rest = list(self.client.follow(run["id"], after=1, wait=5))
        self.assertEqual([m["seq"] for m in rest], [m["seq"] for m in everything[1:]])
        self.assertEqual(list(self.client.follow(run["id"], after=everything[-1]["seq"])), [])

    def test_follow_retries_dropped_connections_and_skips_nothing(self) -> None:
        run = self.client.create_run("echo", {"text": "flaky"})
        flaky = FlakyClient(URL or "", api_key=API_KEY, timeout=10, failures=3)
        messages = list(flaky.follow(run["id"], wait=5, backoff=0.01))
        self.assertEqual([m["type"] for m in messages], ["workflow_started", "text_message", "workflow_completed"])
        self.assertEqual(flaky.calls, 4)

    def test_follow_gives_up_after_max_retries(self) -> None:
        run = self.client.create_run("echo", {"text": "down"})
        flaky = FlakyClient(URL or "", api_key=API_KEY, timeout=10, failures=100)
        with self.assertRaises(ConnectionResetError):
            list(flaky.follow(run["id"], max_retries=2, backoff=0.01))
        self.assertEqual(flaky.calls, 3)

    def test_answers_a_multi_select_question_with_a_list(self) -> None:
        run = self.client.create_run("pick_toppings", {"choices": ["cheese", "olives", "basil"]})
        messages = self.follow_answering(run["id"])
        replies = [m for m in messages if m["type"] == "reply"]
        self.assertEqual(replies[0]["content"]["answer"], ["cheese", "olives"])
        self.assertEqual(self.client.get_run(run["id"])["result"], "cheese, olives")

    def test_refuses_an_answer_of_the_wrong_type(self) -> None:
        run = self.client.create_run("greet", {})
        follower = self.client.follow(run["id"], wait=5)
        question = next(m for m in follower if m["type"] == "text_input")
        with self.assertRaises(ParleyError) as raised:
            self.client.reply(run["id"], question["id"], ["not", "a", "string"])
        self.assertEqual(raised.exception.status, 422)
        self.assertEqual(raised.exception.code, "answer_invalid")
        self.assertIn("body.answer", raised.exception.fields)
        self.client.cancel_run(run["id"])
        follower.close()

    def test_cancels_a_run_waiting_for_an_answer(self) -> None:
        run = self.client.create_run("greet", {})
        follower = self.client.follow(run["id"], wait=5)
        question = next(m for m in follower if m["type"] == "text_input")
        self.assertEqual(self.client.get_run(run["id"])["pending_question"]["id"], question["id"])

        cancelled = self.client.cancel_run(run["id"])

        self.assertEqual(cancelled["status"], "cancelled")
        self.assertIsNone(cancelled["pending_question"])
        rest = list(follower)
        self.assertEqual(rest[-1]["type"], "workflow_completed")
        with self.assertRaises(ParleyError) as raised:
            self.client.cancel_run(run["id"])
        self.assertEqual((raised.exception.status, raised.exception.code), (409, "run_not_active"))
        with self.assertRaises(ParleyError) as raised:
            self.client.reply(run["id"], question["id"], "too late")
        self.assertEqual((raised.exception.status, raised.exception.code), (409, "question_not_pending"))

    def test_raises_parley_error_with_the_problem_on_404(self) -> None:
        missing = f"no-such-run-{uuid.uuid4()}"
        with self.assertRaises(ParleyError) as raised:
            self.client.get_run(missing)
        error = raised.exception
        self.assertEqual(error.status, 404)
        self.assertEqual(error.code, "run_not_found")
        self.assertTrue(error.title)
        self.assertIn(missing, error.detail)
        self.assertEqual(error.errors, [])
        with self.assertRaises(ParleyError) as raised:
            self.client.get_workflow("no_such_workflow")
        self.assertEqual((raised.exception.status, raised.exception.code), (404, "workflow_not_found"))

    def test_raises_parley_error_naming_the_field_on_422(self) -> None:
        with self.assertRaises(ParleyError) as raised:
            self.client.create_run("echo", {"text": ""})
        self.assertEqual(raised.exception.status, 422)
        self.assertEqual(raised.exception.code, "validation_failed")
        self.assertIn("body.params.text", raised.exception.fields)

        run = self.client.create_run("echo", {"text": "x"})
        with self.assertRaises(ParleyError) as raised:
            self.client.list_messages(run["id"], wait=61)
        self.assertIn("query.wait", raised.exception.fields)
        with self.assertRaises(ParleyError) as raised:
            self.client.list_runs(limit=0)
        self.assertIn("query.limit", raised.exception.fields)

    def test_lists_runs_page_by_page_without_repeats(self) -> None:
        tag = uuid.uuid4().hex
        created = [self.client.create_run("echo", {"text": f"{tag}-{n}"})["id"] for n in range(5)]
        for run_id in created:
            list(self.client.follow(run_id, wait=5))

        seen: List[str] = []
        cursor = None
        pages = 0
        while True:
            page = self.client.list_runs(workflow="echo", limit=2, cursor=cursor)
            self.assertLessEqual(len(page["runs"]), 2)
            seen.extend(run["id"] for run in page["runs"])
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)), "a run appeared on two pages")
        # Newest first: the five runs come in reverse order of creation.
        self.assertEqual([run_id for run_id in seen if run_id in created], list(reversed(created)))
        self.assertGreaterEqual(pages, 3)

        completed = self.client.list_runs(status="completed", workflow="echo", limit=100)
        self.assertTrue(all(run["status"] == "completed" for run in completed["runs"]))
        self.assertTrue(all(run["status"] in FINISHED_STATUSES for run in completed["runs"]))

    def test_create_run_with_an_idempotency_key_returns_the_same_run(self) -> None:
        key = str(uuid.uuid4())
        first = self.client.create_run("echo", {"text": "idem"}, idempotency_key=key)
        again = self.client.create_run("echo", {"text": "idem"}, idempotency_key=key)
        self.assertEqual(first["id"], again["id"])

    # -- the inbox ------------------------------------------------------------------------------

    def test_list_questions_shows_a_pending_question_of_your_run_and_a_reply_records_who_answered(self) -> None:
        run = self.client.create_run("approval", {"request": "Ship it"})
        question = None
        for message in self.client.follow(run["id"]):
            if message["type"] == "multiple_choice":
                question = message
                break
        self.assertIsNotNone(question)
        inbox = self.client.list_questions(run_id=run["id"])
        self.assertEqual([item["question"]["id"] for item in inbox["questions"]], [question["id"]])
        item = inbox["questions"][0]
        self.assertEqual(item["status"], "pending")
        self.assertTrue(item["mine"])
        self.assertEqual(item["run"]["workflow"], "approval")
        self.assertIsNotNone(item["expires_at"])

        reply = self.client.reply(item["run"]["id"], item["question"]["id"], "approve")
        self.assertEqual(reply["content"]["answered_by"], "python")
        self.assertEqual(self.client.list_questions(run_id=run["id"])["questions"], [])
        answered = self.client.list_questions(status="answered", run_id=run["id"])
        self.assertEqual([i["status"] for i in answered["questions"]], ["answered"])
        with self.assertRaises(ParleyError) as refused:
            self.client.list_questions(status="later")
        self.assertEqual(refused.exception.status, 422)
        self.assertIn("query.status", refused.exception.fields)

    # -- stream_messages (Server-Sent Events) ---------------------------------------------------

    def test_stream_messages_follows_a_run_with_questions_as_list_messages_sees_it(self) -> None:
        run = self.client.create_run("greet", {"greeting": "Hi"})
        seen = []
        for message in self.client.stream_messages(run["id"]):
            seen.append(message)
            if message["type"] in ("text_input", "multiple_choice"):
                self.client.reply(run["id"], message["id"], answer_for(message))

        self.assertEqual(
            [m["type"] for m in seen],
            ["workflow_started", "text_input", "reply", "multiple_choice", "reply", "text_message", "workflow_completed"],
        )
        # The same messages, the same JSON, as the long-poll returns them.
        self.assertEqual(seen, self.client.list_messages(run["id"])["messages"])
        self.assertEqual(self.client.get_run(run["id"])["status"], "completed")

    def test_stream_messages_with_deltas_shows_an_agent_reply_before_it_is_stored(self) -> None:
        run = self.client.create_run("simple_learning", {"max_turns": 1})
        items = []
        for item in self.client.stream_messages(run["id"], deltas=True):
            items.append(item)
            if item["type"] == "text_input":
                self.client.reply(run["id"], item["id"], "Fractions")

        teacher = [i for i in items if i["type"] == "text_message" and i["sender"] == "Teacher_Agent"]
        self.assertEqual(len(teacher), 1)
        deltas = [i for i in items if i["type"] == "text_delta" and i["message_ref"] == teacher[0]["id"]]
        self.assertGreater(len(deltas), 3)
        self.assertEqual([d["index"] for d in deltas], list(range(len(deltas))))
        self.assertEqual("".join(d["delta"] for d in deltas), teacher[0]["content"]["body"])
        # Every delta comes before the message it becomes; the log itself holds no delta.
        self.assertLess(items.index(deltas[-1]), items.index(teacher[0]))
        self.assertEqual([i for i in items if i["type"] != "text_delta"], self.client.list_messages(run["id"])["messages"])

    def test_stream_messages_resumes_from_after_without_a_gap_or_a_duplicate(self) -> None:
        run = self.client.create_run("ticker", {"count": 8, "interval_ms": 20})
        first = []
        for message in self.client.stream_messages(run["id"]):
            first.append(message)
            if len(first) == 4:
                break
        rest = list(self.client.stream_messages(run["id"], after=first[-1]["seq"]))

        everything = self.client.list_messages(run["id"])["messages"]
        self.assertEqual(first + rest, everything)
        self.assertEqual([m["seq"] for m in everything], list(range(1, 11)))
        # From the last seq of a finished run: nothing, and it ends.
        self.assertEqual(list(self.client.stream_messages(run["id"], after=everything[-1]["seq"])), [])

    def test_stream_messages_resumes_a_dropped_connection_from_the_last_seq(self) -> None:
        # The proxy cuts the first stream in the middle of message 6, after its id line: the
        # client has 1–5 whole, and an event cut off, which it must not count as received.
        proxy = CuttingProxy(URL or "", cut_after=b"\nid: 6\n")
        self.addCleanup(proxy.close)
        client = ParleyClient(proxy.url, api_key=API_KEY, timeout=10)
        run = client.create_run("ticker", {"count": 12, "interval_ms": 50})

        seen = list(client.stream_messages(run["id"]))

        self.assertEqual([m["seq"] for m in seen], list(range(1, 15)))
        self.assertEqual(seen, self.client.list_messages(run["id"])["messages"])
        heads = proxy.stream_heads()
        self.assertEqual(len(heads), 2, "one cut, one resume")
        self.assertNotIn(b"last-event-id", heads[0])
        self.assertIn(b"last-event-id: 5\r\n", heads[1])
        self.assertIn(b"after=5", heads[1].split(b"\r\n", 1)[0])

    def test_stream_messages_waits_through_heartbeats_longer_than_the_client_timeout(self) -> None:
        # One tick, two seconds of quiet, the next: with a 1 s timeout the stream reads on,
        # as its read timeout is max(timeout, 2 * heartbeat + 5).
        proxy = CuttingProxy(URL or "")
        self.addCleanup(proxy.close)
        client = ParleyClient(proxy.url, api_key=API_KEY, timeout=1)
        run = self.client.create_run("ticker", {"count": 2, "interval_ms": 2000})

        seen = list(client.stream_messages(run["id"], heartbeat=1))

        self.assertEqual([m["type"] for m in seen], ["workflow_started", "text_message", "text_message", "workflow_completed"])
        self.assertEqual(len(proxy.stream_heads()), 1, "the stream was never resumed")
        self.assertIn(b"heartbeat=1", proxy.stream_heads()[0].split(b"\r\n", 1)[0])
        self.assertIn(b": heartbeat\n", proxy.received)

    def test_stream_messages_raises_parley_error_with_the_problem_on_404(self) -> None:
        missing = f"no-such-run-{uuid.uuid4()}"
        with self.assertRaises(ParleyError) as raised:
            list(self.client.stream_messages(missing))
        error = raised.exception
        self.assertEqual((error.status, error.code), (404, "run_not_found"))
        self.assertTrue(error.title)
        self.assertIn(missing, error.detail)

    def test_stream_messages_raises_parley_error_naming_the_field_on_422(self) -> None:
        run = self.client.create_run("echo", {"text": "x"})
        with self.assertRaises(ParleyError) as raised:
            list(self.client.stream_messages(run["id"], heartbeat=61))
        self.assertEqual((raised.exception.status, raised.exception.code), (422, "validation_failed"))
        self.assertIn("query.heartbeat", raised.exception.fields)

    @unittest.skipUnless(API_KEY, "the server has no API keys configured")
    def test_stream_messages_with_an_unknown_api_key_is_refused(self) -> None:
        run = self.client.create_run("echo", {"text": "mine"})
        stranger = ParleyClient(URL or "", api_key="not-a-key", timeout=10)
        with self.assertRaises(ParleyError) as raised:
            list(stranger.stream_messages(run["id"]))
        self.assertEqual((raised.exception.status, raised.exception.code), (401, "unauthorized"))

    # -- webhooks -------------------------------------------------------------------------------

    # A name that never resolves (RFC 6761), so nothing is ever delivered while the test runs.
    HOOK_URL = "https://receiver.parley.invalid/hook"

    def test_creates_lists_gets_and_deletes_a_webhook(self) -> None:
        created = self.client.create_webhook(self.HOOK_URL, ["run.finished"], description="python")
        self.addCleanup(self._delete_quietly, created["id"])
        self.assertRegex(created["secret"], r"^whsec_[A-Za-z0-9+/]+=*$")
        self.assertEqual((created["url"], created["events"], created["description"]), (self.HOOK_URL, ["run.finished"], "python"))
        webhook = {key: value for key, value in created.items() if key != "secret"}

        mine = self.client.create_webhook(self.HOOK_URL, ("question.created", "question.closed"), secret=KNOWN_SECRET)
        self.addCleanup(self._delete_quietly, mine["id"])
        self.assertEqual(mine["secret"], KNOWN_SECRET)
        self.assertIsNone(mine["description"])

        listed = {item["id"]: item for item in self.client.list_webhooks()}
        self.assertEqual(listed[webhook["id"]], webhook)
        self.assertNotIn("secret", listed[mine["id"]])
        self.assertEqual(self.client.get_webhook(webhook["id"]), webhook)
        self.assertEqual(self.client.webhook_deliveries(webhook["id"]), {"deliveries": [], "next_cursor": None})

        self.assertIsNone(self.client.delete_webhook(webhook["id"]))
        for gone in (self.client.get_webhook, self.client.delete_webhook, self.client.webhook_deliveries):
            with self.assertRaises(ParleyError) as raised:
                gone(webhook["id"])
            self.assertEqual((raised.exception.status, raised.exception.code), (404, "webhook_not_found"))
        self.assertNotIn(webhook["id"], [item["id"] for item in self.client.list_webhooks()])

    def test_create_webhook_raises_parley_error_naming_the_field_on_422(self) -> None:
        with self.assertRaises(ParleyError) as raised:
            self.client.create_webhook("ftp://x", ["question.created"])
        self.assertEqual((raised.exception.status, raised.exception.code), (422, "validation_failed"))
        self.assertEqual(raised.exception.fields, ["body.url"])
        with self.assertRaises(ParleyError) as raised:
            self.client.create_webhook(self.HOOK_URL, ["question.asked"])
        self.assertIn("body.events.0", raised.exception.fields)

        webhook = self.client.create_webhook(self.HOOK_URL, ["run.finished"])
        self.addCleanup(self._delete_quietly, webhook["id"])
        with self.assertRaises(ParleyError) as raised:
            self.client.webhook_deliveries(webhook["id"], status="later")
        self.assertIn("query.status", raised.exception.fields)
        with self.assertRaises(ParleyError) as raised:
            self.client.webhook_deliveries(webhook["id"], limit=0)
        self.assertIn("query.limit", raised.exception.fields)

    def _delete_quietly(self, webhook_id: str) -> None:
        try:
            self.client.delete_webhook(webhook_id)
        except ParleyError as error:
            if error.code != "webhook_not_found":
                raise

    @unittest.skipUnless(API_KEY, "the server has no API keys configured")
    def test_an_unknown_api_key_is_refused(self) -> None:
        stranger = ParleyClient(URL or "", api_key="not-a-key", timeout=10)
        with self.assertRaises(ParleyError) as raised:
            stranger.list_workflows()
        self.assertEqual((raised.exception.status, raised.exception.code), (401, "unauthorized"))


# A Standard Webhooks secret and a delivery signed with it. The expected signature is the one the
# `standardwebhooks` npm package computes for these inputs (`new Webhook(secret).sign(id, date,
# body)`), an implementation independent of both Parley's and this client's.
KNOWN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3Q1Xa2uNfUs="
KNOWN_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
KNOWN_TIMESTAMP = 1614265330
KNOWN_BODY = b'{"test": 2432232314}'
KNOWN_SIGNATURE = "v1,CdFiMIxe3bn9SGxNxT6aAuZ48xnA9OdKiBjoAusfRZ4="


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The signature computed here with hmac, as the spec defines it, not by the client under test."""
    key = base64.b64decode(secret[len("whsec_") :])
    mac = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class VerifyWebhookTest(unittest.TestCase):
    def headers(self, signature: str = KNOWN_SIGNATURE, **extra: str) -> Dict[str, str]:
        return {"Parley-Id": KNOWN_ID, "Parley-Timestamp": str(KNOWN_TIMESTAMP), "Parley-Signature": signature, **extra}

    def refusal(self, *args: Any, **kwargs: Any) -> str:
        with self.assertRaises(WebhookVerificationError) as raised:
            verify_webhook(*args, **kwargs)
        return raised.exception.reason

    def test_the_known_vector_signs_as_the_spec_says(self) -> None:
        self.assertEqual(sign(KNOWN_SECRET, KNOWN_ID, KNOWN_TIMESTAMP, KNOWN_BODY), KNOWN_SIGNATURE)

    def test_accepts_a_signed_delivery_and_returns_its_parsed_body(self) -> None:
        expected = json.loads(KNOWN_BODY)
        self.assertEqual(verify_webhook(KNOWN_SECRET, self.headers(), KNOWN_BODY, now=KNOWN_TIMESTAMP), expected)
        # The body as text, header names in any case, the webhook-* names alone, a secret without whsec_.
        lower = {name.lower(): value for name, value in self.headers().items()}
        standard = {name.replace("parley-", "Webhook-"): value for name, value in lower.items()}
        self.assertEqual(verify_webhook(KNOWN_SECRET, lower, KNOWN_BODY.decode(), now=KNOWN_TIMESTAMP), expected)
        self.assertEqual(verify_webhook(KNOWN_SECRET, standard, KNOWN_BODY, now=KNOWN_TIMESTAMP + 299), expected)
        self.assertEqual(verify_webhook(KNOWN_SECRET[len("whsec_") :], standard, KNOWN_BODY, now=KNOWN_TIMESTAMP), expected)
        # Base64 without its padding is the same key: the server accepts such a secret.
        padded = "whsec_" + base64.b64encode(b"\x03" * 25).decode()
        unpadded = padded.rstrip("=")
        signature = sign(padded, KNOWN_ID, KNOWN_TIMESTAMP, KNOWN_BODY)
        self.assertEqual(verify_webhook(unpadded, self.headers(signature), KNOWN_BODY, now=KNOWN_TIMESTAMP), expected)

    def test_accepts_a_header_with_several_signatures_when_any_matches(self) -> None:
        other = sign("whsec_" + base64.b64encode(b"\x09" * 32).decode(), KNOWN_ID, KNOWN_TIMESTAMP, KNOWN_BODY)
        several = f"{other} v1,not-base64! {KNOWN_SIGNATURE}"
        self.assertEqual(verify_webhook(KNOWN_SECRET, self.headers(several), KNOWN_BODY, now=KNOWN_TIMESTAMP)["test"], 2432232314)
        v2 = KNOWN_SIGNATURE.replace("v1,", "v2,")
        self.assertEqual(self.refusal(KNOWN_SECRET, self.headers(f"{other} {v2}"), KNOWN_BODY, now=KNOWN_TIMESTAMP), "no_matching_signature")

    def test_refuses_a_tampered_body_another_secret_or_id(self) -> None:
        tampered = KNOWN_BODY.replace(b"2432232314", b"2432232315")
        self.assertEqual(self.refusal(KNOWN_SECRET, self.headers(), tampered, now=KNOWN_TIMESTAMP), "no_matching_signature")
        other_secret = "whsec_" + base64.b64encode(b"\x08" * 32).decode()
        self.assertEqual(self.refusal(other_secret, self.headers(), KNOWN_BODY, now=KNOWN_TIMESTAMP), "no_matching_signature")
        replayed = self.headers(**{"Parley-Id": "msg_another"})
        self.assertEqual(self.refusal(KNOWN_SECRET, replayed, KNOWN_BODY, now=KNOWN_TIMESTAMP), "no_matching_signature")

    def test_refuses_a_timestamp_outside_the_tolerance(self) -> None:
        self.assertEqual(self.refusal(KNOWN_SECRET, self.headers(), KNOWN_BODY, now=KNOWN_TIMESTAMP + 301), "timestamp_too_old")
        self.assertEqual(self.refusal(KNOWN_SECRET, self.headers(), KNOWN_BODY, now=KNOWN_TIMESTAMP - 301), "timestamp_too_new")
        # Left to the clock, a delivery signed in 2021 is stale.
        self.assertEqual(self.refusal(KNOWN_SECRET, self.headers(), KNOWN_BODY), "timestamp_too_old")
        within = verify_webhook(KNOWN_SECRET, self.headers(), KNOWN_BODY, tolerance_seconds=3600, now=KNOWN_TIMESTAMP + 3000)
        self.assertEqual(within, json.loads(KNOWN_BODY))
        garbled = self.headers(**{"Parley-Timestamp": "2021-02-25"})
        self.assertEqual(self.refusal(KNOWN_SECRET, garbled, KNOWN_BODY, now=KNOWN_TIMESTAMP), "invalid_timestamp")

    def test_names_a_missing_header(self) -> None:
        headers = self.headers()
        del headers["Parley-Signature"]
        with self.assertRaises(WebhookVerificationError) as raised:
            verify_webhook(KNOWN_SECRET, headers, KNOWN_BODY, now=KNOWN_TIMESTAMP)
        self.assertEqual(raised.exception.reason, "missing_header")
        self.assertIn("Parley-Signature", str(raised.exception))

    def test_raises_value_error_for_a_secret_that_is_not_base64(self) -> None:
        with self.assertRaises(ValueError) as raised:
            verify_webhook("whsec_not base64!", self.headers(), KNOWN_BODY, now=KNOWN_TIMESTAMP)
        self.assertNotIsInstance(raised.exception, WebhookVerificationError)


if __name__ == "__main__":
    unittest.main()
