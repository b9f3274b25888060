"""The OpenAI stub's fault modes (429, 500, 503, timeout, cut, malformed, empty) against the REAL openai SDK,
whose own retries and timings they drive (see tests/test_openai_stub.py for the wire protocol)."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from tests.fakes.openai_stub import OpenAIStub
from tests.openai_stub_clients import EXPECTED, PASSAGES, make_client, stub, user  # noqa: F401 - stub: a fixture


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
