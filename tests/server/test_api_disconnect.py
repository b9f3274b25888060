"""A client that hangs up mid-stream stops the answer: the server closes the answer's generator,
which closes its request to the LLM (here the OpenAI stub, streaming one word every 50 ms)."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from tests.fakes.openai_stub import OpenAIStub, find_passages
from tests.server.apihelpers import running

pytestmark = pytest.mark.slow

QUESTION = "Qui a composé la musique du film 2050 ?"
WORDS = 400  # at 50 ms a word the stub needs 20 s to finish


def long_reply(request: dict) -> str:
    last = request["messages"][-1]["content"]
    if not find_passages(last):
        return "Not in the corpus."
    return "Konstantinos Lyrakis composa la musique [1]. " + " ".join(f"mot{i}" for i in range(WORDS))


@pytest.fixture
def llm_api(ingested_assistant):
    from server.app import create_app

    with OpenAIStub(responder=long_reply, stream_delay=0.05) as stub:
        bot = ingested_assistant.variant(llm="openai_like", llm_base_url=stub.base_url, llm_model="stub-model",
                                         llm_max_retries=0)
        with running(create_app(bot)) as url:
            yield stub, url


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_models_list_the_llm_and_extractive(llm_api):
    _, url = llm_api
    from core import local_model
    from core.settings import Settings

    local = [local_model.MODEL_NAME] if local_model.installed(Settings(_env_file=None)) else []  # scripts/setup installs it
    assert [m["id"] for m in httpx.get(f"{url}/v1/models").json()["data"]] == ["stub-model", "extractive", *local]


def test_openai_client_closing_the_stream_stops_the_llm(llm_api):
    stub, url = llm_api
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=60)
    started = time.monotonic()
    received = ""
    with client.chat.completions.create(model="stub-model", messages=[{"role": "user", "content": QUESTION}],
                                        stream=True) as stream:
        for chunk in stream:
            received += chunk.choices[0].delta.content or ""
            if received.count("mot") >= 5:
                break  # leaving the block closes the connection
    assert received.startswith("Konstantinos Lyrakis")
    assert wait_for(lambda: stub.client_closed_streams == 1, 5), "the LLM kept streaming after the client left"
    assert time.monotonic() - started < 10  # far from the 20 s a complete reply takes
    # The server is fine afterwards, and answers the next client completely.
    again = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    assert "Lyrakis" in again.choices[0].message.content


def test_raw_client_cut_mid_stream_stops_the_llm(llm_api):
    stub, url = llm_api
    body = {"model": "stub-model", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as response:
        for n, _ in enumerate(response.iter_lines()):
            if n >= 12:
                break
    assert wait_for(lambda: stub.client_closed_streams == 1, 5), "the LLM kept streaming after the client left"
    assert len(stub.chat_requests()) == 1
