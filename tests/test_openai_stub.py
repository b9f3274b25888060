"""The OpenAI stub (tests/fakes/openai_stub.py) against the REAL openai SDK and LlamaIndex clients.

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

try:  # `python -m pytest` from the repo root puts the root on sys.path ...
    from tests.fakes.openai_stub import FAULTS, OpenAIStub, default_responder, find_passages, first_sentence
except ModuleNotFoundError:  # ... bare `pytest` only puts tests/ there (rootdir-less prepend mode).
    from fakes.openai_stub import FAULTS, OpenAIStub, default_responder, find_passages, first_sentence

PASSAGES = (
    'Question: how long is the warranty?\n\n'
    '<passage id="1" source="warranty.txt">The warranty lasts two years. It covers parts only.</passage>\n'
    '<passage id="2" source="returns.txt">Returns are accepted within 30 days.</passage>'
)
EXPECTED = "The warranty lasts two years. [1]"


@pytest.fixture
def stub():
    with OpenAIStub() as s:
        yield s


def make_client(stub: OpenAIStub, **kwargs) -> openai.OpenAI:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 10)
    return openai.OpenAI(base_url=stub.base_url, api_key="test", **kwargs)


def user(text: str) -> list[dict]:
    return [{"role": "system", "content": "Answer from the passages; cite them like [1]."},
            {"role": "user", "content": text}]


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


# ----------------------------------------------------------------------------- faults (SDK)


def test_429_is_retried_after_retry_after(stub):
    stub.faults = ["429", "ok"]
    with make_client(stub, max_retries=2) as client:
        started = time.monotonic()
        resp = client.chat.completions.create(model="m", messages=user(PASSAGES))
        elapsed = time.monotonic() - started
    assert resp.choices[0].message.content == EXPECTED
    assert [r["fault"] for r in stub.requests] == ["429", None]
    assert elapsed >= 0.8, elapsed  # Retry-After: 1 honoured
    assert stub.faults == []


def test_429_body_and_header(stub):
    stub.faults = ["429"]
    stub.retry_after = "7"
    with make_client(stub) as client, pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="m", messages=user("x"))
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.code == "rate_limit_exceeded"


def test_500_exhausts_retries_after_exactly_three_requests(stub):
    stub.faults = ["500", "500", "500"]
    with make_client(stub, max_retries=2) as client, pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="m", messages=user("x"))
    assert len(stub.chat_requests()) == 3


def test_503(stub):
    stub.faults = ["503"]
    with make_client(stub) as client, pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="m", messages=user("x"))
    assert info.value.status_code == 503


def test_timeout_raises_api_timeout_error_after_two_requests(stub):
    stub.faults = ["timeout", "timeout"]
    with make_client(stub, timeout=0.5, max_retries=1) as client:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=user("x"))
        elapsed = time.monotonic() - started
    assert len(stub.requests) == 2
    assert elapsed < 3, elapsed


def test_cut_stream_raises_before_stop(stub):
    stub.faults = ["cut"]
    finishes: list[str] = []
    pieces: list[str] = []
    with make_client(stub) as client:
        stream = client.chat.completions.create(model="m", messages=user(PASSAGES), stream=True)
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            for chunk in stream:
                pieces.append(chunk.choices[0].delta.content or "")
                if chunk.choices[0].finish_reason:
                    finishes.append(chunk.choices[0].finish_reason)
    assert finishes == []
    assert "".join(pieces) == "The warranty "  # two content chunks arrived first


def test_cut_non_streaming_is_a_connection_error(stub):
    stub.faults = ["cut"]
    with make_client(stub) as client, pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=user("x"))


def test_cut_non_streaming_is_retried_by_the_sdk(stub):
    stub.faults = ["cut"]
    with make_client(stub, max_retries=1) as client:
        resp = client.chat.completions.create(model="m", messages=user(PASSAGES))
    assert resp.choices[0].message.content == EXPECTED
    assert len(stub.requests) == 2


def test_malformed(stub):
    stub.faults = ["malformed", "malformed"]
    with make_client(stub) as client:
        with pytest.raises(json.JSONDecodeError):
            client.chat.completions.create(model="m", messages=user("x"))
        with pytest.raises(json.JSONDecodeError):
            list(client.chat.completions.create(model="m", messages=user("x"), stream=True))


def test_empty(stub):
    stub.faults = ["empty"] * 4
    with make_client(stub) as client:
        assert client.chat.completions.create(model="m", messages=user("x")).choices == []
        chunks = list(client.chat.completions.create(model="m", messages=user("x"), stream=True))
        assert [c.choices for c in chunks] == [[]]
        assert client.embeddings.create(model="e", input="x", encoding_format="float").data == []
        with pytest.raises(ValueError, match="No embedding data received"):  # SDK's base64 post-parser
            client.embeddings.create(model="e", input="x")


def test_fault_paths_limit_which_requests_consume_faults():
    with OpenAIStub(faults=["500"], fault_paths=["/v1/chat/completions"]) as stub, make_client(stub) as client:
        assert [m.id for m in client.models.list()] == ["stub-model"]
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=user("x"))


# ----------------------------------------------------------------------------- LlamaIndex


def _llm(stub: OpenAIStub, **kwargs):
    from llama_index.llms.openai_like import OpenAILike

    kwargs.setdefault("max_retries", 0)
    return OpenAILike(model="stub-model", api_base=stub.base_url, api_key="test",
                      is_chat_model=True, context_window=8192, **kwargs)


def test_llamaindex_openai_like_chat_and_stream(stub):
    from llama_index.core.llms import ChatMessage

    messages = [ChatMessage(role="system", content="Cite passages."), ChatMessage(role="user", content=PASSAGES)]
    with make_client(stub) as client:
        llm = _llm(stub, openai_client=client)
        assert llm.chat(messages).message.content == EXPECTED
        assert stub.last_messages() == [{"role": "system", "content": "Cite passages."},
                                        {"role": "user", "content": PASSAGES}]
        last = None
        deltas = []
        for last in llm.stream_chat(messages):
            deltas.append(last.delta or "")
        assert "".join(deltas) == EXPECTED == last.message.content
    assert stub.chat_requests()[-1]["stream"] is True
    assert stub.requests[-1]["headers"]["authorization"] == "Bearer test"


def test_llamaindex_builds_its_own_client(stub):
    from llama_index.core.llms import ChatMessage

    llm = _llm(stub)
    try:
        assert llm.chat([ChatMessage(role="user", content=PASSAGES)]).message.content == EXPECTED
    finally:
        llm._get_client().close()


def test_llamaindex_one_retry_layer(stub):
    """openai_client=OpenAI(max_retries=2) + OpenAILike(max_retries=0): 3 requests, not 9."""
    from llama_index.core.llms import ChatMessage

    stub.faults = ["500", "500", "500", "500"]
    with make_client(stub, max_retries=2) as client:
        llm = _llm(stub, openai_client=client, max_retries=0)
        with pytest.raises(openai.InternalServerError):
            llm.chat([ChatMessage(role="user", content="x")])
    assert len(stub.chat_requests()) == 3
    assert stub.faults == ["500"]


def test_llamaindex_default_setup_multiplies_retries(stub):
    """Documents the trap: OpenAILike(max_retries=2) without openai_client retries in BOTH layers.

    tenacity makes 2 attempts and each SDK client call makes 1 + 2 requests -> 6.
    (Retry-After is tiny so both layers' waits are short.)
    """
    from llama_index.core.llms import ChatMessage

    stub.retry_after = "0.01"
    stub.faults = ["429"] * 10
    llm = _llm(stub, max_retries=2)
    try:
        with pytest.raises(openai.RateLimitError):
            llm.chat([ChatMessage(role="user", content="x")])
    finally:
        llm._get_client().close()
    assert len(stub.chat_requests()) == 6


def test_llamaindex_stream_cut_raises(stub):
    from llama_index.core.llms import ChatMessage

    stub.faults = ["cut"]
    with make_client(stub, max_retries=2) as client:
        llm = _llm(stub, openai_client=client, max_retries=3)
        gen = llm.stream_chat([ChatMessage(role="user", content=PASSAGES)])
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in gen:
                pass
    assert len(stub.chat_requests()) == 1  # a broken stream is never retried by either layer


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
