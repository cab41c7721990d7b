"""A small, standard-library-only client for the Parley v1 HTTP API.

Every method maps to one operation of the OpenAPI contract (``/openapi.json``) and returns the
decoded JSON exactly as the server sent it: dicts and lists with the wire's snake_case names.
HTTP errors raise :class:`ParleyError`, which carries the RFC 9457 problem fields.

Example::

    from parley_client import ParleyClient

    client = ParleyClient("http://localhost:8008")
    run = client.create_run("greet", {"greeting": "Hi"})
    for message in client.follow(run["id"]):
        if message["type"] == "text_input":
            client.reply(run["id"], message["id"], "Ada")
        elif message["type"] == "multiple_choice":
            client.reply(run["id"], message["id"], message["content"]["choices"][0])
        else:
            print(message["type"], message["content"])

``stream_messages`` yields the same messages pushed over Server-Sent Events instead.

Webhooks: ``create_webhook`` registers a URL the server POSTs your events to, and
:func:`verify_webhook` checks, on the receiving side, that a delivery is Parley's and fresh.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import hmac
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Union

__all__ = [
    "ParleyClient",
    "ParleyError",
    "StreamEndedError",
    "WebhookVerificationError",
    "verify_webhook",
    "FINISHED_STATUSES",
    "Answer",
    "Json",
]

Json = Dict[str, Any]
"""A decoded JSON object, keys as on the wire (snake_case)."""

Answer = Union[str, List[str]]
"""A reply: a string, or a list of strings for a multi-select question."""

FINISHED_STATUSES = frozenset({"completed", "failed", "cancelled"})
"""Run statuses after which no message is ever appended."""

# Gateways in front of several server processes answer these while one restarts; a follower
# retries them like a dropped connection. Every other HTTP error is the caller's to handle.
_RETRYABLE_STATUSES = frozenset({502, 503, 504})

# What the event stream retries besides a dropped connection: any 5xx, and 408 (a proxy's timeout).
# Every other 4xx is raised: an unknown run, a bad key, a server without the stream (404).
_STREAM_RETRYABLE_STATUSES = frozenset({408})

# Seconds between heartbeats when stream_messages() leaves them to the server (its default).
_SERVER_HEARTBEAT = 15

# Errors that mean "the connection failed", not "the server said no".
_CONNECTION_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,  # RemoteDisconnected, IncompleteRead, BadStatusLine
    ConnectionError,
    socket.timeout,
    TimeoutError,
)


def _origin(url: str) -> tuple:
    """``(scheme, host, port)`` of a URL, the port filled in from the scheme when left out."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port)


class _SameOriginAuthRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, but never carries ``Authorization`` to another origin.

    urllib copies every header onto the redirected request, so a redirect to another host, port
    or scheme (a misconfigured proxy, a hostile server) would receive the API key.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and _origin(redirected.full_url) != _origin(req.full_url):
            for name in list(redirected.headers):
                if name.lower() == "authorization":
                    del redirected.headers[name]
        return redirected


_OPENER = urllib.request.build_opener(_SameOriginAuthRedirectHandler())


class ParleyError(Exception):
    """An HTTP error answered by the server, with its problem+json fields (RFC 9457).

    Attributes:
        status: the HTTP status, e.g. 404.
        code: Parley's stable machine-readable code, e.g. ``"run_not_found"``; switch on this.
        title: a short human summary of the problem type.
        detail: what went wrong with this request.
        errors: one ``{"field": ..., "message": ...}`` per invalid field (may be empty).
        type: the problem type URI.
        instance: the request path the problem occurred on.
        body: the whole decoded problem (or ``None`` when the body was not JSON).
    """

    def __init__(
        self,
        status: int,
        code: Optional[str],
        title: str,
        detail: str,
        errors: Optional[List[Json]] = None,
        type: Optional[str] = None,
        instance: Optional[str] = None,
        body: Optional[Json] = None,
    ) -> None:
        super().__init__(f"{status} {code or 'http_error'}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors: List[Json] = list(errors or [])
        self.type = type
        self.instance = instance
        self.body = body

    @property
    def fields(self) -> List[str]:
        """The names of the invalid fields, e.g. ``["query.wait"]``."""
        return [str(error.get("field")) for error in self.errors if isinstance(error, dict)]

    @classmethod
    def from_response(cls, status: int, reason: str, raw: bytes) -> "ParleyError":
        """Builds the error from a response body, problem+json or not."""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            text = raw.decode("utf-8", "replace").strip()[:500]
            return cls(status, None, reason or "HTTP error", text or reason or f"HTTP {status}")
        return cls(
            status=int(body.get("status") or status),
            code=body.get("code"),
            title=str(body.get("title") or reason or ""),
            detail=str(body.get("detail") or ""),
            errors=body.get("errors") if isinstance(body.get("errors"), list) else None,
            type=body.get("type"),
            instance=body.get("instance"),
            body=body,
        )


class StreamEndedError(ConnectionError):
    """The event stream ended before the run's last message (the server stopped, say).

    :meth:`ParleyClient.stream_messages` resumes after it; it is raised only once ``retries``
    attempts in a row have ended so.
    """


class ParleyClient:
    """A client for one Parley server.

    Args:
        base_url: the server's root, e.g. ``"http://localhost:8008"`` (``/v1`` is added).
        api_key: sent as ``Authorization: Bearer <api_key>`` when the server has keys configured.
        timeout: seconds to wait for any response; a long-poll waits ``wait`` seconds more.
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    # -- workflows ---------------------------------------------------------------------------

    def list_workflows(self) -> List[Json]:
        """``listWorkflows``: every workflow with its name, description and ``params_schema``."""
        return self._request("GET", "/v1/workflows")["workflows"]

    def get_workflow(self, name: str) -> Json:
        """``getWorkflow``: one workflow; ``ParleyError`` 404 ``workflow_not_found`` if unknown."""
        return self._request("GET", f"/v1/workflows/{_segment(name)}")

    # -- runs --------------------------------------------------------------------------------

    def create_run(self, workflow: str, params: Optional[Mapping[str, Any]] = None, idempotency_key: Optional[str] = None) -> Json:
        """``createRun``: starts ``workflow`` with ``params`` and returns the Run.

        With ``idempotency_key``, repeating the same call returns the run the first one created
        instead of starting another, so a create can be retried safely after a network error.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else None
        body = {"workflow": workflow, "params": dict(params or {})}
        return self._request("POST", "/v1/runs", body=body, headers=headers)

    def list_runs(
        self,
        status: Optional[str] = None,
        workflow: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Json:
        """``listRuns``: a page of your runs, newest first: ``{"runs": [...], "next_cursor": ...}``.

        Pass ``next_cursor`` back as ``cursor`` for the next page; it is ``None`` on the last one.
        """
        query = {"status": status, "workflow": workflow, "limit": limit, "cursor": cursor}
        return self._request("GET", "/v1/runs", query=query)

    def get_run(self, run_id: str) -> Json:
        """``getRun``: status, params, result or error, pending question, ``last_seq``."""
        return self._request("GET", f"/v1/runs/{_segment(run_id)}")

    def cancel_run(self, run_id: str) -> Json:
        """``cancelRun``: cancels the run and returns it; ``ParleyError`` 409 if it already finished."""
        return self._request("POST", f"/v1/runs/{_segment(run_id)}/cancel")

    # -- messages ----------------------------------------------------------------------------

    def list_messages(self, run_id: str, after: int = 0, wait: float = 0, limit: Optional[int] = None) -> Json:
        """``listMessages``, the long-poll: the messages with ``seq`` greater than ``after``.

        Answers at once when there are some or the run has finished; otherwise the server holds
        the request up to ``wait`` seconds (at most 60). Returns
        ``{"messages": [...], "next_after": n, "run_status": ..., "last_seq": n}``; send
        ``next_after`` as ``after`` next time.
        """
        query = {"after": after, "wait": _number(wait), "limit": limit}
        return self._request("GET", f"/v1/runs/{_segment(run_id)}/messages", query=query, timeout=self.timeout + float(wait))

    # -- the inbox -----------------------------------------------------------------------------

    def list_questions(
        self,
        status: str = "pending",
        workflow: Optional[str] = None,
        run_id: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        wait: float = 0,
    ) -> Json:
        """``listQuestions``, your inbox: the questions you may answer across runs, newest first.

        Your runs' questions and those a workflow assigned to you (``assignees``), each as
        ``{"question", "status", "run": {"id", "workflow", "status", "created_at"}, "expires_at", "mine"}``,
        in ``{"questions": [...], "next_cursor": ...}``. With ``wait`` (seconds, at most 60) an empty
        first page is held until a question is asked of you. Answer one with
        ``reply(item["run"]["id"], item["question"]["id"], answer)``.
        """
        query = {"status": status, "workflow": workflow, "run_id": run_id, "limit": limit, "cursor": cursor}
        if wait:
            query["wait"] = _number(wait)
        return self._request("GET", "/v1/questions", query=query, timeout=self.timeout + float(wait))

    def reply(self, run_id: str, question_id: str, answer: Answer) -> Json:
        """``replyToQuestion``: answers the pending question; returns the recorded ``reply`` message.

        ``answer`` is a string for ``text_input`` and single-choice questions, a list of strings
        drawn from ``choices`` for a multi-select one. Sending the same reply twice is harmless.
        """
        body = {"question_id": question_id, "answer": answer if isinstance(answer, str) else list(answer)}
        return self._request("POST", f"/v1/runs/{_segment(run_id)}/replies", body=body)

    def follow(
        self,
        run_id: str,
        after: int = 0,
        wait: float = 25,
        *,
        max_retries: Optional[int] = 10,
        backoff: float = 0.5,
        max_backoff: float = 15.0,
    ) -> Iterator[Json]:
        """Yields each message of the run once, in ``seq`` order, until the run has finished.

        Long-polls ``listMessages`` and follows its cursor, so nothing is skipped or repeated,
        even across reconnects. A dropped connection or a 502/503/504 is retried with
        exponential backoff (``backoff`` doubling up to ``max_backoff`` seconds); after
        ``max_retries`` failures in a row (``None``: never give up) the last error is raised.
        Other HTTP errors raise :class:`ParleyError` at once.

        It is fine to call :meth:`reply` while the generator is paused on a question.
        """
        cursor = after
        failures = 0
        while True:
            try:
                page = self.list_messages(run_id, after=cursor, wait=wait)
            except (ParleyError, *_CONNECTION_ERRORS) as error:
                if isinstance(error, ParleyError) and error.status not in _RETRYABLE_STATUSES:
                    raise
                failures += 1
                if max_retries is not None and failures > max_retries:
                    raise
                time.sleep(min(max_backoff, backoff * (2 ** (failures - 1))))
                continue
            failures = 0
            for message in page["messages"]:
                # The cursor already excludes what was yielded; this guards a misbehaving proxy.
                if message["seq"] <= cursor:
                    continue
                cursor = message["seq"]
                yield message
            cursor = max(cursor, int(page["next_after"]))
            if page["run_status"] in FINISHED_STATUSES and cursor >= int(page["last_seq"]):
                return

    def stream_messages(
        self,
        run_id: str,
        after: int = 0,
        heartbeat: Optional[float] = None,
        deltas: bool = False,
        retries: int = 5,
    ) -> Iterator[Json]:
        """Yields each message of the run once, in ``seq`` order, pushed over Server-Sent Events.

        ``streamRunEvents`` (``GET /v1/runs/{run_id}/events``): one request for the whole run
        instead of one per page, each message sent the moment it is stored. It ends after
        ``workflow_completed``, the run's last message. Messages are the same dicts
        :meth:`list_messages` returns.

        A dropped connection, a 5xx (or 408), or a stream that ends before the run did is
        resumed from the last message seen (``Last-Event-ID``), so nothing is skipped or
        repeated, after a short pause (0.1 s, doubling, at most 2 s), up to ``retries`` times in
        a row (a message received resets the count); then the last error is raised
        (:class:`StreamEndedError` for a stream that kept ending early). Any other HTTP error
        raises :class:`ParleyError` at once, such as 404 ``run_not_found`` — or a 404 from a
        server older than the stream: :meth:`follow`, the long-poll, works with every server.

        ``heartbeat`` asks the server for a ``: heartbeat`` comment after that many quiet seconds
        (1–60; the server's default, 15, when ``None``); it keeps proxies from closing an idle
        stream. The socket's timeout applies to each read rather than to the whole stream, and
        is ``max(timeout, 2 * heartbeat + 5)`` seconds: a quiet run is not a dead connection, but
        one that misses two heartbeats is dropped and resumed.

        With ``deltas``, the live ``text_delta`` events are yielded too, interleaved with the
        messages: ``{"type": "text_delta", "message_ref": ..., "index": ..., "delta": ...,
        "sender": ..., "recipient": ...}``, pieces of a text being written. They are a preview:
        they carry no ``seq``, are not replayed on a resume, and the complete text always comes
        as a message. Other events the client does not know are skipped.

        It is fine to call :meth:`reply` while the generator is paused on a question; closing the
        generator (``break``) closes the connection.
        """
        cursor = after
        failures = 0
        read_timeout = max(self.timeout, 2 * float(_SERVER_HEARTBEAT if heartbeat is None else heartbeat) + 5)
        path = f"/v1/runs/{_segment(run_id)}/events"
        while True:
            error: Exception
            try:
                # Resuming, the cursor goes as Last-Event-ID too (what EventSource sends).
                resumed = cursor != after or failures > 0
                query = {"after": cursor, "heartbeat": heartbeat}
                headers = {"Last-Event-ID": str(cursor)} if resumed else {}
                with self._open_stream(path, query, headers, read_timeout) as response:
                    for event in _read_server_sent_events(_read_chunks(response)):
                        if event.event == "message":
                            message = json.loads(event.data)
                            if message["seq"] <= cursor:  # guards a misbehaving proxy
                                continue
                            cursor = message["seq"]
                            failures = 0
                            yield message
                            if message["type"] == "workflow_completed":
                                return
                        elif event.event == "text_delta" and deltas:
                            delta = _json_object(event.data)
                            if delta is not None:  # a preview: a garbled one is not worth failing for
                                delta.setdefault("type", "text_delta")
                                yield delta
                # Ended without the last message: the run may have finished at or before the cursor
                # (nothing left to send), or the server stopped.
                run = self.get_run(run_id)
                if run["status"] in FINISHED_STATUSES and cursor >= int(run["last_seq"]):
                    return
                error = StreamEndedError(f"the event stream of run {run_id} ended after seq {cursor}, before the run did")
            except ParleyError as problem:
                if problem.status < 500 and problem.status not in _STREAM_RETRYABLE_STATUSES:
                    raise
                error = problem
            except _CONNECTION_ERRORS as dropped:
                error = dropped
            failures += 1
            if failures > retries:
                raise error
            time.sleep(min(2.0, 0.1 * 2 ** (failures - 1)))

    # -- webhooks ----------------------------------------------------------------------------

    def create_webhook(
        self,
        url: str,
        events: Iterable[str],
        secret: Optional[str] = None,
        description: Optional[str] = None,
    ) -> Json:
        """``createWebhook``: registers ``url`` to receive ``events``, POSTed and signed.

        ``events`` are among ``question.created``, ``question.closed`` and ``run.finished``.
        Returns the webhook with its ``secret`` (``whsec_...``; the server makes one unless you
        pass your own): it is shown this once, keep it for :func:`verify_webhook`. A URL the
        server refuses raises ``ParleyError`` 422 naming ``body.url``.
        """
        body: Json = {"url": url, "events": list(events)}
        if secret is not None:
            body["secret"] = secret
        if description is not None:
            body["description"] = description
        return self._request("POST", "/v1/webhooks", body=body)

    def list_webhooks(self) -> List[Json]:
        """``listWebhooks``: your webhooks, oldest first, without their secrets."""
        return self._request("GET", "/v1/webhooks")["webhooks"]

    def get_webhook(self, webhook_id: str) -> Json:
        """``getWebhook``: one webhook; ``ParleyError`` 404 ``webhook_not_found`` if unknown (or another user's)."""
        return self._request("GET", f"/v1/webhooks/{_segment(webhook_id)}")

    def delete_webhook(self, webhook_id: str) -> None:
        """``deleteWebhook``: nothing more is sent to it; ``ParleyError`` 404 if unknown."""
        self._request("DELETE", f"/v1/webhooks/{_segment(webhook_id)}")

    def webhook_deliveries(
        self,
        webhook_id: str,
        status: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Json:
        """``listWebhookDeliveries``: a page of what was sent to the webhook, newest first.

        ``{"deliveries": [...], "next_cursor": ...}``, each delivery with its ``event``, its
        ``status`` (``pending``, ``delivered``, ``failed``), every attempt and ``next_attempt_at``.
        Pass ``next_cursor`` back as ``cursor`` for the next page; it is ``None`` on the last one.
        """
        query = {"status": status, "limit": limit, "cursor": cursor}
        return self._request("GET", f"/v1/webhooks/{_segment(webhook_id)}/deliveries", query=query)

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        url = self.base_url + path
        pairs = [(key, value) for key, value in (query or {}).items() if value is not None]
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        data = None
        all_headers = {"Accept": "application/json, application/problem+json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        elif method == "POST":
            data = b""
        if self.api_key:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers or {})
        request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout if timeout is None else timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _problem(error) from None
        return json.loads(raw.decode("utf-8")) if raw else None


    def _open_stream(
        self, path: str, query: Mapping[str, Any], headers: Mapping[str, str], timeout: float
    ) -> http.client.HTTPResponse:
        """Opens an event stream; an HTTP error raises :class:`ParleyError`."""
        pairs = [(key, _number(value)) for key, value in query.items() if value is not None]
        url = self.base_url + path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")
        all_headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.api_key:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers)
        request = urllib.request.Request(url, headers=all_headers, method="GET")
        try:
            return _OPENER.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            raise _problem(error) from None


class WebhookVerificationError(Exception):
    """A webhook delivery that is not one Parley signed with this secret, or not a fresh one.

    Answer the request with a 4xx. ``reason`` says why, for code to switch on:
    ``missing_header``, ``invalid_timestamp``, ``timestamp_too_old``, ``timestamp_too_new``,
    ``no_matching_signature`` or ``invalid_body``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def verify_webhook(
    secret: str,
    headers: Any,
    body: Union[bytes, str],
    tolerance_seconds: float = 300,
    now: Optional[float] = None,
) -> Json:
    """Checks that a delivery comes from Parley, signed with ``secret``, and is fresh.

    Returns the parsed event (``{"id", "type", "timestamp", "data"}``) or raises
    :class:`WebhookVerificationError`. As the Standard Webhooks spec says
    (https://www.standardwebhooks.com): the signature is ``v1,`` and the base64 HMAC-SHA256 of
    ``{id}.{timestamp}.{body}``, keyed with the base64-decoded part of ``secret`` after
    ``whsec_``; the header may carry several, space-separated, and any match is accepted
    (compared with :func:`hmac.compare_digest`). The timestamp (seconds since the epoch) must be
    within ``tolerance_seconds`` of ``now`` (default: ``time.time()``), so that a captured
    delivery cannot be replayed later.

    ``headers`` is any mapping with ``items()``, its names in any case: a dict,
    ``http.server``'s ``self.headers``, Flask's or Django's ``request.headers``. ``Parley-Id``,
    ``Parley-Timestamp`` and ``Parley-Signature`` are read, falling back to ``webhook-id`` ....
    ``body`` is the raw body as received (bytes, or the exact text): not JSON parsed and dumped
    again. A delivery may come more than once: deduplicate on the event's ``id``.

    A ``secret`` that is not base64 raises ``ValueError``: a setup mistake, not a forged delivery.
    """
    found: Dict[str, str] = {}
    for name, value in headers.items():
        found.setdefault(str(name).lower(), str(value))

    def header(name: str) -> Optional[str]:
        return found.get(f"parley-{name}", found.get(f"webhook-{name}"))

    event_id, timestamp, signatures = header("id"), header("timestamp"), header("signature")
    if event_id is None or timestamp is None or signatures is None:
        missing = "Parley-Id" if event_id is None else "Parley-Timestamp" if timestamp is None else "Parley-Signature"
        raise WebhookVerificationError("missing_header", f"No {missing} header (nor its webhook-* twin)")
    if not re.fullmatch(r"\d{1,15}", timestamp):
        raise WebhookVerificationError("invalid_timestamp", f"Parley-Timestamp is not a number of seconds: {timestamp[:40]}")
    age = int(time.time() if now is None else now) - int(timestamp)
    if age > tolerance_seconds:
        raise WebhookVerificationError("timestamp_too_old", f"Signed {age} s ago, more than {tolerance_seconds} s")
    if -age > tolerance_seconds:
        raise WebhookVerificationError("timestamp_too_new", f"Signed {-age} s ahead of now, more than {tolerance_seconds} s")

    key = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    key += "=" * (-len(key) % 4)  # padding may be left off, as atob and the server's decoder allow
    try:
        key_bytes = base64.b64decode(key, validate=True)
    except ValueError:
        key_bytes = b""
    if not key_bytes:
        raise ValueError("The webhook secret is not whsec_ and base64")
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = hmac.new(key_bytes, f"{event_id}.{timestamp}.".encode("utf-8") + raw, hashlib.sha256).digest()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version != "v1":  # other versions, and empty parts of the list, are skipped
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(given, expected):
            break
    else:
        raise WebhookVerificationError("no_matching_signature", "No signature matches this secret, id, timestamp and body")

    try:
        event = json.loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one too
        raise WebhookVerificationError("invalid_body", "The signed body is not JSON") from None
    return event


def _problem(error: urllib.error.HTTPError) -> ParleyError:
    """The :class:`ParleyError` an HTTP error response stands for; closes the response."""
    try:
        raw = error.read()
    except (OSError, ValueError, http.client.HTTPException):
        raw = b""
    finally:
        error.close()
    return ParleyError.from_response(error.code, str(error.reason or ""), raw)


def _segment(value: str) -> str:
    """Quotes one path segment, so an id can never change which endpoint is called."""
    return urllib.parse.quote(str(value), safe="")


def _number(value: float) -> str:
    """``25`` rather than ``25.0`` in the query string; fractions are kept."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _json_object(text: str) -> Optional[Json]:
    """``text`` decoded when it is a JSON object, else ``None``."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- Server-Sent Events ----------------------------------------------------------------------


class _ServerSentEvent(NamedTuple):
    """One dispatched event: its name (``message`` when the stream gives none), its data, and
    the last ``id`` seen (which carries over to later events without one)."""

    event: str
    data: str
    id: Optional[str]


_LINE_END = re.compile(r"\r\n|\r|\n")


def _read_chunks(response: http.client.HTTPResponse, size: int = 65536) -> Iterator[bytes]:
    """The body as it arrives: each read returns what one ``recv`` brought, not ``size`` bytes."""
    while True:
        chunk = response.read1(size)
        if not chunk:
            return
        yield chunk


def _read_server_sent_events(chunks: Iterable[bytes]) -> Iterator[_ServerSentEvent]:
    """The events of an event stream, in order, parsed as the HTML standard says.

    https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation:
    lines end with CRLF, LF or CR; a blank line dispatches the event; ``data:`` lines are joined
    with ``\\n``; a line starting with ``:`` is a comment (a heartbeat); one space after the
    colon is dropped; ``retry:`` and unknown fields are ignored; an event with no data is not
    dispatched; an event cut off by the end of the stream is dropped. ``chunks`` may split the
    bytes anywhere, even within a character or between CR and LF.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buffer = ""
    started = False
    event = ""
    data: List[str] = []
    last_id: Optional[str] = None

    def lines(final: bool) -> Iterator[str]:
        nonlocal buffer
        start = 0
        for end in _LINE_END.finditer(buffer):
            # A CR at the very end may be the first half of a CRLF still on its way.
            if not final and end.group() == "\r" and end.end() == len(buffer):
                break
            yield buffer[start : end.start()]
            start = end.end()
        buffer = buffer[start:]

    def dispatch(chunk: bytes, final: bool) -> Iterator[_ServerSentEvent]:
        nonlocal buffer, started, event, data, last_id
        buffer += decoder.decode(chunk, final)
        if not started and buffer:
            started = True
            if buffer.startswith("\ufeff"):  # a byte order mark is not part of the first field
                buffer = buffer[1:]
        for line in lines(final):
            if line == "":
                if data:
                    yield _ServerSentEvent(event or "message", "\n".join(data), last_id)
                event, data = "", []
                continue
            if line.startswith(":"):
                continue
            field, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id" and "\0" not in value:
                last_id = value

    for chunk in chunks:
        yield from dispatch(chunk, False)
    # The end: a last lone CR ends its line; whatever event is still open is dropped.
    yield from dispatch(b"", True)
