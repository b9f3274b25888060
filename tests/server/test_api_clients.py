"""The HTTP API through real clients — the openai SDK (sync and streaming, plain and follow-up) and
LlamaIndex's OpenAILike — gives exactly what `Assistant.ask` and `ChatSession` give in Python.

Real server on 127.0.0.1, real embedding model, real Chroma, bundled corpus, extractive answers.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import openai
import pytest

pytestmark = pytest.mark.slow

QUESTION = "Qui a composé la musique du film 2050 ?"
FIRST = "Combien de professionnels le syndicat SAG-AFTRA représente-t-il ?"
FOLLOW_UP = "Et qui est son directeur exécutif ?"
UNANSWERABLE = "Quelle est la température d'ébullition du tungstène ?"


def cited(answer: Any) -> list[dict]:
    """Answer.citations as the API's JSON gives them."""
    return [
        {"number": c.number, "source": c.source, "title": c.title, "text": c.text, "start_char": c.start_char,
         "end_char": c.end_char, "score": c.score, "highlights": [list(h) for h in c.highlights],
         "page": c.page, "page_end": c.page_end}
        for c in answer.citations
    ]


@pytest.fixture(scope="module")
def client(api_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api_url}/v1", api_key="unused", max_retries=0, timeout=60)


def streamed(client: openai.OpenAI, messages: list[dict], **kwargs: Any) -> tuple[str, Any]:
    """(the joined deltas, the last chunk) of a streamed completion."""
    chunks = list(client.chat.completions.create(model="extractive", messages=messages, stream=True, **kwargs))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, chunks[-1]


def test_models_list_the_answerers_available_now(client):
    from core import local_model
    from core.settings import Settings

    local = [local_model.MODEL_NAME] if local_model.installed(Settings(_env_file=None)) else []  # scripts/setup installs it
    assert [m.id for m in client.models.list()] == ["extractive", *local]


def test_sync_answer_and_citations_equal_assistant_ask(client, ingested_assistant):
    expected = ingested_assistant.ask(QUESTION)
    completion = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    message = completion.choices[0].message
    assert message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert message.content == expected.text and "Lyrakis" in message.content
    assert completion.citations == cited(expected) and completion.citations  # pydantic extras read as attributes
    assert completion.abstained is False and completion.model == "extractive"
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", message.content)}
    assert markers == {c["number"] for c in completion.citations}
    first = completion.citations[0]
    assert ingested_assistant.source_text(first["source"])[first["start_char"]:first["end_char"]].strip()


def test_streamed_answer_equals_assistant_ask_and_ends_with_the_citations(client, ingested_assistant):
    expected = ingested_assistant.ask(QUESTION)
    text, last = streamed(client, [{"role": "user", "content": QUESTION}])
    assert text == expected.text
    assert last.choices[0].finish_reason == "stop" and last.choices[0].delta.content is None
    assert last.citations == cited(expected) and last.abstained is False and last.text == expected.text


def test_the_stream_is_server_sent_events_ending_with_done(api_url):
    body = {"model": "extractive", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with httpx.stream("POST", f"{api_url}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in events)
    assert events[-1] == "data: [DONE]" and '"finish_reason": "stop"' in events[-2] and '"citations"' in events[-2]
    assert '"role": "assistant"' in events[0]


@pytest.mark.parametrize("stream", [False, True])
def test_a_follow_up_is_made_standalone_from_the_messages(client, ingested_assistant, stream):
    session = ingested_assistant.chat()
    first = session.ask(FIRST)
    expected = session.ask(FOLLOW_UP)
    assert expected.standalone_question != FOLLOW_UP  # the chat session rewrote it
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # ignored: the assistant keeps its rules
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},  # content parts work too
    ]
    if stream:
        text, last = streamed(client, messages)
    else:
        last = client.chat.completions.create(model="extractive", messages=messages)
        text = last.choices[0].message.content
    assert text == expected.text
    assert last.standalone_question == expected.standalone_question
    assert last.citations == cited(expected)
    # Without the earlier turns the same words are a different question.
    alone = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": FOLLOW_UP}])
    assert alone.standalone_question == FOLLOW_UP


def test_unanswerable_question_abstains_without_citations(client, ingested_assistant):
    expected = ingested_assistant.ask(UNANSWERABLE)
    assert expected.abstained
    completion = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": UNANSWERABLE}])
    assert completion.abstained is True and completion.citations == []
    assert completion.choices[0].message.content == expected.text


def test_default_model_and_top_k_extension(api_url, ingested_assistant):
    expected = ingested_assistant.ask(QUESTION, top_k=2)
    body = {"messages": [{"role": "user", "content": QUESTION}], "top_k": 2, "temperature": 0.3}  # extras ignored
    reply = httpx.post(f"{api_url}/v1/chat/completions", json=body, timeout=60).json()
    assert reply["model"] == "extractive" and reply["choices"][0]["message"]["content"] == expected.text
    assert max(c["number"] for c in reply["citations"]) <= 2


def test_retrieve_gives_the_passages_of_assistant_retrieve(api_url, ingested_assistant):
    expected = ingested_assistant.retrieve(QUESTION, top_k=3)
    reply = httpx.post(f"{api_url}/v1/retrieve", json={"query": QUESTION, "top_k": 3}, timeout=60).json()
    assert reply["object"] == "list" and reply["query"] == QUESTION
    assert [(p["number"], p["source"], p["text"], p["score"], p["start_char"], p["end_char"]) for p in reply["data"]] == [
        (p.number, p.source, p.text, p.score, p.start_char, p.end_char) for p in expected
    ]


def test_llamaindex_openailike_pointed_at_the_api(api_url, ingested_assistant):
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    expected = ingested_assistant.ask(QUESTION)
    llm = OpenAILike(model="extractive", api_base=f"{api_url}/v1", api_key="unused", is_chat_model=True,
                     context_window=8192, max_retries=0, timeout=60)
    response = llm.chat([ChatMessage(role="user", content=QUESTION)])
    assert response.message.content == expected.text
    assert response.raw.citations == cited(expected)
    assert "".join(r.delta for r in llm.stream_chat([ChatMessage(role="user", content=QUESTION)])) == expected.text
    assert llm.complete(QUESTION).text == expected.text


def test_usage_counts_e5_tokens_of_what_the_extractive_answerer_read_and_wrote(client, ingested_assistant):
    from core.e5 import text_tokens

    expected = ingested_assistant.ask(QUESTION)
    prompt = sum(text_tokens(t) for t in [expected.standalone_question, *(p.text for p in expected.retrieved)])
    completion = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": QUESTION}])
    assert completion.usage.prompt_tokens == prompt > 100
    assert completion.usage.completion_tokens == text_tokens(expected.text) > 10
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    _, last = streamed(client, [{"role": "user", "content": QUESTION}])
    assert last.usage == completion.usage  # the stream's last chunk carries the same counts
