"""The OpenAI stub (tests/fakes/openai_stub.py) against the REAL openai SDK: its lifecycle and wire protocol
(its fault modes: test_openai_stub_faults.py; LlamaIndex's clients: test_openai_stub_llamaindex.py).

Everything runs on 127.0.0.1; no internet.  Retry timings are the SDK's own
(0.5 s * 2**n with jitter, or Retry-After), so the whole file takes a few seconds.
"""

from __future__ import annotations

import json
import math
import threading
import time

import httpx
import openai
import pytest

from tests.fakes.openai_stub import FAULTS, OpenAIStub, default_responder, find_passages, first_sentence
from tests.openai_stub_clients import EXPECTED, PASSAGES, make_client, stub, user  # noqa: F401 - stub: a fixture


# ----------------------------------------------------------------------------- lifecycle


def test_base_url_and_close():
    stub = OpenAIStub()
    try:
        base_url = stub.base_url
        assert base_url == f"http://127.0.0.1:{stub.port}/v1" and stub.port > 0
        r = httpx.get(f"{base_url}/models", timeout=5)
        assert r.status_code == 200 and r.json()["data"][0]["id"] == "stub-model"
    finally:
        stub.close()
    stub.close()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/models", timeout=1)


def test_close_does_not_hang_while_a_handler_sleeps():
    stub = OpenAIStub(faults=["timeout"], timeout_seconds=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{stub.base_url}/chat/completions", json={"messages": []}, timeout=30)
        except BaseException as exc:  # the stub drops the connection on close
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 5
    while not stub.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stub.requests, "request never arrived"
    started = time.monotonic()
    stub.close()
    t.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not t.is_alive()
    assert errors and isinstance(errors[0], httpx.HTTPError)


def test_unknown_fault_is_rejected(stub):
    with pytest.raises(ValueError):
        stub.faults = ["teapot"]
    assert FAULTS == {"timeout", "429", "500", "503", "cut", "malformed", "empty"}


# ----------------------------------------------------------------------------- openai SDK


def test_chat_non_streaming_and_recording(stub):
    messages = user(PASSAGES)
    with make_client(stub) as client:
        resp = client.chat.completions.create(model="stub-model", messages=messages)
    assert resp.object == "chat.completion"
    assert resp.model == "stub-model"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == EXPECTED
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens > 0
    assert resp._request_id and resp._request_id.startswith("req_stub_")

    assert stub.last_messages() == messages
    assert len(stub.chat_requests()) == 1
    rec = stub.requests[-1]
    assert rec["method"] == "POST" and rec["path"] == "/v1/chat/completions"
    assert rec["headers"]["authorization"] == "Bearer test"
    assert rec["headers"]["content-type"] == "application/json"
    assert rec["json"]["model"] == "stub-model" and rec["fault"] is None


def test_chat_streaming_collects_full_text(stub):
    with make_client(stub) as client:
        stream = client.chat.completions.create(
            model="stub-model", messages=user(PASSAGES), stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)  # ends at data: [DONE]
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == EXPECTED
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == len(EXPECTED.split())
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(EXPECTED.split())
    assert stub.chat_requests()[-1]["stream"] is True


def test_streaming_without_include_usage_has_no_usage_chunk(stub):
    with make_client(stub) as client:
        chunks = list(client.chat.completions.create(model="m", messages=user("hi"), stream=True))
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Not in the corpus."


def test_stream_delay_and_raw_sse_format(stub):
    stub.responder = lambda req: "one two three four"
    stub.stream_delay = 0.05
    started = time.monotonic()
    with httpx.Client(timeout=5) as http:
        with http.stream("POST", f"{stub.base_url}/chat/completions",
                         json={"model": "m", "messages": [], "stream": True}) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            assert r.headers["transfer-encoding"] == "chunked"
            body = r.read().decode()
    assert time.monotonic() - started >= 0.15
    events = [e for e in body.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    pieces = [json.loads(e[6:])["choices"][0]["delta"].get("content") for e in events[1:-2]]
    assert pieces == ["one ", "two ", "three ", "four"]


def test_embeddings(stub):
    with make_client(stub) as client:
        one = client.embeddings.create(model="emb", input="hello world")  # SDK asks for base64
        many = client.embeddings.create(model="emb", input=["hello world", "other"], encoding_format="float")
    v = one.data[0].embedding
    assert len(v) == 64
    assert math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5)
    assert [d.index for d in many.data] == [0, 1]
    assert many.data[0].embedding == pytest.approx(v, abs=1e-6)  # deterministic, float32 vs float
    assert many.data[1].embedding != many.data[0].embedding
    assert stub.requests[0]["json"]["encoding_format"] == "base64"


def test_embedding_dim_configurable():
    with OpenAIStub(embedding_dim=10) as stub, make_client(stub) as client:
        resp = client.embeddings.create(model="emb", input=["a"], encoding_format="float")
    assert len(resp.data[0].embedding) == 10


def test_models(stub):
    with make_client(stub) as client:
        assert [m.id for m in client.models.list()] == ["stub-model"]


def test_default_responder_formats():
    bracketed = "Context:\n[1] Paris is the capital of France. It is big.\n[2] Rome is in Italy.\n\nQ?"
    assert default_responder({"messages": [{"role": "user", "content": bracketed}]}) == \
        "Paris is the capital of France. [1]"
    parts = [{"type": "text", "text": PASSAGES}]
    assert default_responder({"messages": [{"role": "user", "content": parts}]}) == EXPECTED
    # Only the last user message counts; "[1]" mid-line is an instruction, not a passage.
    msgs = [{"role": "user", "content": PASSAGES}, {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "What about cats? Cite like [1]."}]
    assert default_responder({"messages": msgs}) == "Not in the corpus."
    assert default_responder({}) == "Not in the corpus."
    assert find_passages('<passage id="3">x</passage>') == [(3, "x")]
    assert default_responder({"messages": [{"role": "user", "content": '<passage id="3">Only three.</passage>'}]}) == \
        "Only three. [3]"
    assert first_sentence("No full stop here") == "No full stop here"


def test_responder_is_replaceable_and_errors_are_visible(stub):
    stub.responder = lambda req: f"echo {req['messages'][-1]['content']}"
    with make_client(stub) as client:
        resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content == "echo hi"
        stub.responder = lambda req: 1 / 0
        with pytest.raises(openai.InternalServerError, match="ZeroDivisionError"):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def test_client_closing_a_stream_early_is_counted():
    words = " ".join(f"w{i}" for i in range(200))
    with OpenAIStub(responder=lambda _: words, stream_delay=0.02) as stub:
        client = make_client(stub)
        with client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True) as s:
            for n, _ in enumerate(s):
                if n == 3:
                    break
        deadline = time.monotonic() + 5
        while stub.client_closed_streams == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stub.client_closed_streams == 1
        # A stream read to its end is not counted.
        assert "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True) if c.choices) == words
        assert stub.client_closed_streams == 1
