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
``tests/test_openai_stub_llamaindex.py``).  Close ``client`` yourself when done.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable

# The wire protocol and its fault modes, the HTTP plumbing and the replies live beside this module.
from tests.fakes.openai_stub_http import StubHTTPServer
from tests.fakes.openai_stub_replies import NOT_IN_CORPUS, find_passages, first_sentence  # noqa: F401 - re-exported
from tests.fakes.openai_stub_replies import default_responder
from tests.fakes.openai_stub_wire import FAULTS, NO_FAULT, OpenAIHandler

__all__ = ["FAULTS", "OpenAIStub", "default_responder", "first_sentence", "find_passages"]


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
        self._server: StubHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> "OpenAIStub":
        if self._server is not None:
            return self
        self._stop.clear()
        self._server = StubHTTPServer(self, OpenAIHandler)
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
        unknown = [f for f in new if f not in FAULTS and f not in NO_FAULT]
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown!r}; known: {sorted(FAULTS)} or 'ok'")
        with self._lock:
            self._faults = new

    def _take_fault(self, path: str) -> str | None:
        if self.fault_paths is not None and path not in self.fault_paths:
            return None
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        return None if fault in NO_FAULT else fault

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
