"""Input that cannot be encoded is the user's error (issue 18, case 4): a lone UTF-16 surrogate in a
question, an earlier turn or a retrieve query is a 422 / InvalidQuestionError naming it, never a 503
"Chroma store is unreachable (UnicodeEncodeError)"; any other text (control characters included)
answers, abstains or is refused in one line."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidQuestionError

# Every code point, lone surrogates and control characters included (hypothesis leaves surrogates out by default).
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)


def _post(url: str, path: str, body: dict) -> httpx.Response:
    # json.dumps writes a lone surrogate as the escape \ud800, as JavaScript clients do.
    return httpx.post(f"{url}{path}", content=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=120)


def test_a_lone_surrogate_is_refused_at_every_python_entry(ingested_assistant):
    for call in (lambda: ingested_assistant.retrieve("Qui a composé \ud800 la musique ?"),
                 lambda: ingested_assistant.ask("\udfff"),
                 lambda: ingested_assistant.chat().ask("Who \ud83d composed it?")):
        with pytest.raises(InvalidQuestionError, match=r"lone UTF-16 surrogate \(U\+D[89A-F][0-9A-F]{2}\)"):
            call()
    session = ingested_assistant.chat()
    with pytest.raises(InvalidQuestionError, match="Earlier turn 1 .* surrogate"):
        session.seed([("Qui \udc00 ?", "")])


@pytest.mark.parametrize("path,body", [
    ("/v1/retrieve", {"query": "Qui a composé \ud800 la musique ?"}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "Qui \udfff ?"}]}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "Qui \udfff ?"}], "stream": True}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "Who composed \ud800 it?"},
                                           {"role": "assistant", "content": "Someone."},
                                           {"role": "user", "content": "And when?"}]}),
])
def test_a_lone_surrogate_over_http_is_a_422_naming_it(api_url, path, body):
    response = _post(api_url, path, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_question" and "surrogate" in error["message"]
    assert "Chroma" not in error["message"] and "\n" not in error["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=ANY_TEXT)
def test_any_unicode_question_is_answered_or_refused_in_one_line(ingested_assistant, question):
    try:
        ingested_assistant.retrieve(question)
    except InvalidQuestionError as err:
        assert "\n" not in str(err) and ("surrogate" in str(err) or "empty" in str(err) or "too long" in str(err))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=ANY_TEXT, earlier=ANY_TEXT)
def test_any_unicode_over_http_is_200_or_422_never_503(api_url, query, earlier):
    retrieved = _post(api_url, "/v1/retrieve", {"query": query})
    assert retrieved.status_code in (200, 422), retrieved.text
    chat = _post(api_url, "/v1/chat/completions", {"messages": [
        {"role": "user", "content": earlier}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": query}]})
    assert chat.status_code in (200, 422), chat.text
