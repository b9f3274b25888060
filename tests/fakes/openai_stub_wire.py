"""The OpenAI wire protocol of the stub (tests/fakes/openai_stub.py) and its fault modes: chat completions
(JSON, or Server-Sent Events in chunked transfer), embeddings and models, each with the faults FAULTS
names (the front module's docstring says what each does)."""

from __future__ import annotations

import base64
import json
import struct
import time
from typing import Any

from tests.fakes.openai_stub_http import Abort, StubRequestHandler
from tests.fakes.openai_stub_replies import count_tokens, embed, split_for_stream, text_of

FAULTS = frozenset({"timeout", "429", "500", "503", "cut", "malformed", "empty"})
NO_FAULT = ("ok", None)


class OpenAIHandler(StubRequestHandler):
    """Routes a request to its endpoint, after the fault it drew (if any)."""

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
            raise Abort
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
        prompt_tokens = sum(count_tokens(text_of(m.get("content")))
                            for m in request.get("messages") or [] if isinstance(m, dict))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": count_tokens(reply),
            "total_tokens": prompt_tokens + count_tokens(reply),
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
        pieces = split_for_stream(reply)
        if fault == "cut":
            for piece in (pieces or ["partial", " reply"])[:2]:
                send(chunk({"content": piece}))
            raise Abort
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
            vec = embed(text, stub.embedding_dim)
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii") if as_base64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(count_tokens(x) if isinstance(x, str) else len(x) if isinstance(x, list) else 1
                     for x in inputs)
        payload = {
            "object": "list",
            "data": data,
            "model": request.get("model") or stub.embedding_model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        self._plain_fault_or(fault, payload, empty={**payload, "data": []})
