"""LlamaIndex's OpenAILike against the OpenAI stub: chat, streaming, and its retry layer on top of the
openai SDK's (the stub's docstring says how to keep exactly one)."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.fakes.openai_stub import OpenAIStub
from tests.openai_stub_clients import EXPECTED, PASSAGES, make_client, stub  # noqa: F401 - stub: a fixture


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
