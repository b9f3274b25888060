"""A local stand-in for the OpenAI HTTP API, for end-to-end tests without internet.

Stdlib only.  It speaks enough of the real wire protocol that the real
``openai`` SDK and LlamaIndex's ``OpenAI`` / ``OpenAILike`` classes work against
it unchanged::

    with OpenAIStub() as stub:
        client = openai.OpenAI(base_url=stub.base_url, api_key="test", max_retries=0)
        client.chat.completions.create(model="stub-model", messages=[...])
        stub.last_messages()          # what the client sent

Endpoints (all under ``/v1``)
-----------------------------
* ``POST /v1/chat/completions`` -- JSON, or Server-Sent Events when the body has
  ``"stream": true``: a first chunk carrying ``delta.role``, one chunk per word
  (``stub.stream_delay`` seconds apart), a chunk with ``finish_reason: "stop"``,
  a usage chunk (``choices: []``) if ``stream_options.include_usage`` is true, then
  ``data: [DONE]``.  Streams use ``Transfer-Encoding: chunked`` like the real API,
  which is what lets the client notice a connection cut mid-stream.
* ``POST /v1/embeddings`` -- deterministic, L2-normalised vectors of
  ``stub.embedding_dim`` floats derived from a SHA-256 of each input text; ``input``
  may be a string or a list; honours ``encoding_format`` ``"float"`` and
  ``"base64"`` (the openai SDK asks for base64 unless told otherwise).
* ``GET /v1/models`` -- one model, ``stub.model``.
* anything else -- 404 with an OpenAI-style error body.

Replies
-------
``stub.responder(request_json) -> str`` produces the assistant text; replace it
freely.  The default (:func:`default_responder`) looks in the *last user message*
for numbered passages -- ``<passage id="1" ...>text</passage>``, or blocks that
start with ``[1]`` at the beginning of a line -- and answers
``"<first sentence of passage 1> [1]"``; without passages it answers
``"Not in the corpus."``.  If the responder raises, the request gets a 500 whose
error message names the exception (so a broken responder is visible, not silent).

Faults
------
``stub.faults`` is a FIFO list of fault names; each request (on a path matched by
``stub.fault_paths``, default: every path) pops one *before* normal handling.  When
the list is empty requests succeed.  ``"ok"`` (or ``None``) is an explicit
"no fault this time" entry.

* ``"timeout"``   sleep ``stub.timeout_seconds`` (default 5 s), then answer normally
                  (the sleep ends early when the stub is closed).
* ``"429"``       429 + ``Retry-After: stub.retry_after`` (default ``"1"``) + JSON error.
* ``"500"``, ``"503"``  that status + JSON error body.
* ``"cut"``       streaming: role chunk + two content chunks, then the connection
                  is closed without the terminating chunk / ``[DONE]``;
                  non-streaming: ``Content-Length`` larger than the body sent, then close.
* ``"malformed"`` 200 whose JSON body is truncated; streaming: a valid first
                  chunk, then ``data: {not json``, then ``[DONE]``.
* ``"empty"``     200 with ``choices: []`` (embeddings: ``data: []``); streaming:
                  one chunk with ``choices: []`` then ``[DONE]``.

Recording
---------
``stub.requests`` is a list of ``{"path", "method", "headers", "json", "fault"}``
dicts (header names lower-cased; ``json`` is the parsed body or ``None``;
``fault`` is the fault applied or ``None``), appended when a request arrives
(before any fault sleep).  ``stub.chat_requests()`` returns the chat-completion
bodies, ``stub.last_messages()`` the ``messages`` of the last one.
``stub.client_closed_streams`` counts streamed replies whose client hung up before the end.

Retries: configure them in ONE place
------------------------------------
Two retry layers exist when LlamaIndex talks to OpenAI:

1. the openai SDK client: ``max_retries`` retries (so ``max_retries + 1`` HTTP
   requests) on connection errors, timeouts, 408, 409, 429 and 5xx; it sleeps for
   ``Retry-After`` / ``retry-after-ms`` when 0 < value <= 120 s, otherwise
   0.5 s * 2**n with jitter (capped at 8 s); a ``Retry-After`` above 120 s makes it
   give up immediately;
2. LlamaIndex ``OpenAI`` / ``OpenAILike``: ``llm_retry_decorator`` wraps ``chat``,
   ``complete`` (and async variants) in a tenacity retry with
   ``stop_after_attempt(max_retries)`` (so ``max_retries`` *attempts* in total),
   sleeping >= 1 s (random exponential, or Retry-After on 429) -- and, when
   LlamaIndex builds the SDK client itself, it passes the *same* ``max_retries``
   to it.  With the default ``max_retries=3`` a persistent 500 therefore costs
   3 x 4 = 12 HTTP requests.  The decorator does *not* cover streaming (the
   request is made lazily inside the returned generator).

To have exactly one layer, build the SDK client yourself and switch LlamaIndex's
layer off::

    client = openai.OpenAI(base_url=..., api_key=..., max_retries=N, timeout=T)
    llm = OpenAILike(model=..., api_base=..., api_key=..., is_chat_model=True,
                     context_window=..., openai_client=client, max_retries=0)

Then a persistent 500 costs exactly N + 1 requests (verified in
``tests/test_openai_stub.py``).  Close ``client`` yourself when done.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

__all__ = ["FAULTS", "OpenAIStub", "default_responder", "first_sentence", "find_passages"]

FAULTS = frozenset({"timeout", "429", "500", "503", "cut", "malformed", "empty"})
_NO_FAULT = ("ok", None)

NOT_IN_CORPUS = "Not in the corpus."

_PASSAGE_TAG = re.compile(
    r"<passage\b[^>]*?\bid\s*=\s*[\"']?(\d+)[\"']?[^>]*>(.*?)</passage\s*>",
    re.DOTALL | re.IGNORECASE,
)
_BRACKET_HEADER = re.compile(r"^[ \t]*\[(\d+)\][ \t]*:?", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


# --------------------------------------------------------------------------- replies


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def find_passages(text: str) -> list[tuple[int, str]]:
    """Numbered passages in ``text`` as ``(number, body)``, in order of appearance.

    ``<passage id="N" ...>body</passage>`` tags win; otherwise blocks starting with
    ``[N]`` at the beginning of a line, each running to the next such header.
    """
    tagged = [(int(m.group(1)), m.group(2).strip()) for m in _PASSAGE_TAG.finditer(text)]
    if tagged:
        return tagged
    headers = list(_BRACKET_HEADER.finditer(text))
    found = []
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        found.append((int(m.group(1)), text[m.end() : end].strip()))
    return found


def first_sentence(text: str) -> str:
    """First sentence of ``text`` with whitespace collapsed."""
    flat = " ".join(text.split())
    m = _SENTENCE_END.search(flat)
    return flat[: m.start() + len(m.group(0).rstrip())].strip() if m else flat


def default_responder(request_json: dict) -> str:
    """``"<first sentence of passage 1> [1]"`` from the last user message, or a refusal."""
    messages = request_json.get("messages") or []
    last_user = next(
        (m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"),
        None,
    )
    if last_user is None:
        return NOT_IN_CORPUS
    passages = [(n, body) for n, body in find_passages(_text_of(last_user.get("content"))) if body]
    if not passages:
        return NOT_IN_CORPUS
    number, body = next(((n, b) for n, b in passages if n == 1), passages[0])
    return f"{first_sentence(body)} [{number}]"


def _embed(text: str, dim: int) -> list[float]:
    values: list[float] = []
    block = 0
    while len(values) < dim:
        digest = hashlib.sha256(f"{block}\x00{text}".encode("utf-8")).digest()
        values.extend(u / 2**31 - 1.0 for u in struct.unpack("<8I", digest))
        block += 1
    values = values[:dim]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _count_tokens(text: str) -> int:
    return len(text.split())


def _split_for_stream(reply: str) -> list[str]:
    """Word-sized pieces that concatenate back to exactly ``reply``."""
    if not reply:
        return []
    return [p for p in re.split(r"(?<=\s)(?=\S)", reply) if p]


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, stub: "OpenAIStub") -> None:
        self.stub = stub
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__((stub.host, stub.requested_port), _Handler)

    def process_request(self, request, client_address):  # type: ignore[override]
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[override]
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:  # quiet: clients hang up on purpose
        pass


class _Abort(Exception):
    """Stop handling this request and drop the connection."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenAIStub/1.0"
    sys_version = ""
    server: _Server

    # -- plumbing -----------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    @property
    def stub(self) -> "OpenAIStub":
        return self.server.stub

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        stub = self.stub
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/")
        fault = stub._take_fault(path)
        stub._record(
            {
                "path": path,
                "method": self.command,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": body,
                "fault": fault,
            }
        )
        request = body if isinstance(body, dict) else {}
        try:
            self._handle(path, request, fault)
        except (_Abort, OSError):
            self.close_connection = True
            self._hard_close()

    def _hard_close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _sleep(self, seconds: float) -> None:
        """Sleep, but abort promptly if the stub is closing."""
        if seconds > 0 and self.stub._stop.wait(seconds):
            raise _Abort

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_stub_{self.stub._next_id()}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str, err_type: str, code: str | None,
                    headers: dict[str, str] | None = None) -> None:
        self._send_json(
            status,
            {"error": {"message": message, "type": err_type, "param": None, "code": code}},
            headers,
        )

    # -- routing ------------------------------------------------------------------

    def _handle(self, path: str, request: dict, fault: str | None) -> None:
        stub = self.stub
        if fault is not None and fault not in FAULTS:
            self._send_error(400, f"OpenAIStub: unknown fault {fault!r}", "invalid_request_error", None)
            return
        if fault == "timeout":
            self._sleep(stub.timeout_seconds)
        elif fault == "429":
            self._send_error(
                429, "Rate limit reached (OpenAIStub).", "requests", "rate_limit_exceeded",
                {"Retry-After": str(stub.retry_after)},
            )
            return
        elif fault in ("500", "503"):
            self._send_error(int(fault), f"Server error {fault} (OpenAIStub).", "server_error", None)
            return

        if self.command == "POST" and path == "/v1/chat/completions":
            self._chat(request, fault)
        elif self.command == "POST" and path == "/v1/embeddings":
            self._embeddings(request, fault)
        elif self.command == "GET" and path == "/v1/models":
            self._plain_fault_or(fault, {"object": "list", "data": [self._model_obj()]},
                                 empty={"object": "list", "data": []})
        else:
            self._send_error(404, f"OpenAIStub: no route for {self.command} {path}",
                             "invalid_request_error", "unknown_url")

    def _model_obj(self) -> dict:
        return {"id": self.stub.model, "object": "model", "created": 0, "owned_by": "openai-stub"}

    def _plain_fault_or(self, fault: str | None, payload: dict, *, empty: dict) -> None:
        """Send ``payload`` as JSON, or the non-streaming form of ``cut``/``malformed``/``empty``."""
        if fault == "cut":
            data = json.dumps(payload).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) + 1000))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            raise _Abort
        if fault == "malformed":
            data = json.dumps(payload).encode("utf-8")[:40]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self._send_json(200, empty if fault == "empty" else payload)

    # -- endpoints ----------------------------------------------------------------

    def _chat(self, request: dict, fault: str | None) -> None:
        stub = self.stub
        try:
            reply = stub.responder(request)
        except Exception as exc:  # make a broken responder visible to the test
            self._send_error(500, f"OpenAIStub responder raised {exc!r}", "server_error", None)
            return
        reply = "" if reply is None else str(reply)
        model = request.get("model") or stub.model
        prompt_tokens = sum(_count_tokens(_text_of(m.get("content")))
                            for m in request.get("messages") or [] if isinstance(m, dict))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _count_tokens(reply),
            "total_tokens": prompt_tokens + _count_tokens(reply),
        }
        cid = f"chatcmpl-stub{stub._next_id()}"
        created = int(time.time())
        if request.get("stream"):
            include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
            self._chat_stream(cid, created, model, reply, usage if include_usage else None, fault)
            return
        payload = {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": usage,
            "system_fingerprint": "fp_openai_stub",
        }
        self._plain_fault_or(fault, payload, empty={**payload, "choices": []})

    def _chat_stream(self, cid: str, created: int, model: str, reply: str,
                     usage: dict | None, fault: str | None) -> None:
        stub = self.stub

        def chunk(delta: dict | None, finish: str | None = None, **extra: Any) -> dict:
            out = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_openai_stub",
                "choices": [] if delta is None else
                [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            out.update(extra)
            return out

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_stub_{stub._next_id()}")
        self.end_headers()

        def send_raw(text: str) -> None:
            data = text.encode("utf-8")
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def send(obj: dict) -> None:
            send_raw(f"data: {json.dumps(obj)}\n\n")

        def done() -> None:
            send_raw("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        if fault == "empty":
            send(chunk(None))
            done()
            return
        send(chunk({"role": "assistant", "content": "", "refusal": None}))
        if fault == "malformed":
            send_raw("data: {not json\n\n")
            done()
            return
        pieces = _split_for_stream(reply)
        if fault == "cut":
            for piece in (pieces or ["partial", " reply"])[:2]:
                send(chunk({"content": piece}))
            raise _Abort
        try:
            for piece in pieces:
                self._sleep(stub.stream_delay)
                send(chunk({"content": piece}))
        except OSError:  # the client hung up mid-stream: count it, then drop the connection
            stub._note_client_closed()
            raise
        send(chunk({}, "stop"))
        if usage is not None:
            send(chunk(None, usage=usage))
        done()

    def _embeddings(self, request: dict, fault: str | None) -> None:
        stub = self.stub
        raw_input = request.get("input", "")
        inputs: list[Any] = raw_input if isinstance(raw_input, list) else [raw_input]
        # A flat list of ints is one tokenised input, not many.
        if inputs and all(isinstance(x, int) for x in inputs) and isinstance(raw_input, list):
            inputs = [raw_input]
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for i, item in enumerate(inputs):
            text = item if isinstance(item, str) else json.dumps(item)
            vec = _embed(text, stub.embedding_dim)
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii") if as_base64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(_count_tokens(x) if isinstance(x, str) else len(x) if isinstance(x, list) else 1
                     for x in inputs)
        payload = {
            "object": "list",
            "data": data,
            "model": request.get("model") or stub.embedding_model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        self._plain_fault_or(fault, payload, empty={**payload, "data": []})


# --------------------------------------------------------------------------- public API


class OpenAIStub:
    """Local fake OpenAI server; see the module docstring for the protocol.

    Args:
        responder: ``(request_json) -> str`` giving the assistant reply
            (default :func:`default_responder`); also settable as ``stub.responder``.
        faults: initial fault script (see ``FAULTS``).
        embedding_dim: length of embedding vectors (default 64).
        stream_delay: seconds between streamed content chunks (default 0).
        timeout_seconds: how long the ``"timeout"`` fault stalls (default 5).
        retry_after: ``Retry-After`` header value sent with ``"429"`` (default ``"1"``).
        fault_paths: paths that consume faults, e.g. ``("/v1/chat/completions",)``;
            ``None`` (default) means every request consumes one.
        model / embedding_model: names reported when the request names none.
        host / port: bind address; port 0 lets the OS choose.
        start: start serving immediately (default True); otherwise call ``start()``
            or use the stub as a context manager.
    """

    def __init__(
        self,
        *,
        responder: Callable[[dict], str] | None = None,
        faults: Iterable[str | None] = (),
        embedding_dim: int = 64,
        stream_delay: float = 0.0,
        timeout_seconds: float = 5.0,
        retry_after: str | int | float = "1",
        fault_paths: Iterable[str] | None = None,
        model: str = "stub-model",
        embedding_model: str = "stub-embedding",
        host: str = "127.0.0.1",
        port: int = 0,
        start: bool = True,
    ) -> None:
        self.responder: Callable[[dict], str] = responder or default_responder
        self.embedding_dim = embedding_dim
        self.stream_delay = stream_delay
        self.timeout_seconds = timeout_seconds
        self.retry_after = retry_after
        self.fault_paths = None if fault_paths is None else tuple(fault_paths)
        self.model = model
        self.embedding_model = embedding_model
        self.host = host
        self.requested_port = port
        self._lock = threading.Lock()
        self._faults: list[str | None] = []
        self.faults = list(faults)
        self._requests: list[dict] = []
        self._ids = 0
        self._client_closed = 0
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> "OpenAIStub":
        if self._server is not None:
            return self
        self._stop.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
            name="openai-stub", daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, drop open connections (ending any fault sleep) and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stop.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "OpenAIStub":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("OpenAIStub is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Root URL, ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What OpenAI clients take as ``base_url`` / ``api_base``: ``.../v1``."""
        return f"{self.url}/v1"

    # -- faults -------------------------------------------------------------------

    @property
    def faults(self) -> list[str | None]:
        """The live fault queue (append/extend to it, or assign a new list)."""
        return self._faults

    @faults.setter
    def faults(self, value: Iterable[str | None]) -> None:
        new = list(value)
        unknown = [f for f in new if f not in FAULTS and f not in _NO_FAULT]
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown!r}; known: {sorted(FAULTS)} or 'ok'")
        with self._lock:
            self._faults = new

    def _take_fault(self, path: str) -> str | None:
        if self.fault_paths is not None and path not in self.fault_paths:
            return None
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        return None if fault in _NO_FAULT else fault

    # -- recording ----------------------------------------------------------------

    def _record(self, entry: dict) -> None:
        with self._lock:
            self._requests.append(entry)

    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    @property
    def requests(self) -> list[dict]:
        """Snapshot of every request received so far."""
        with self._lock:
            return list(self._requests)

    def _note_client_closed(self) -> None:
        with self._lock:
            self._client_closed += 1

    @property
    def client_closed_streams(self) -> int:
        """Streamed replies the client closed before their end (seen when a write fails)."""
        with self._lock:
            return self._client_closed

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def chat_requests(self) -> list[dict]:
        """Bodies of the chat-completion requests received so far."""
        return [r["json"] for r in self.requests
                if r["path"] == "/v1/chat/completions" and r["method"] == "POST"]

    def last_messages(self) -> list[dict]:
        """``messages`` of the last chat-completion request (``[]`` if none)."""
        chats = self.chat_requests()
        if not chats or not isinstance(chats[-1], dict):
            return []
        return chats[-1].get("messages") or []
