"""Every error, through raw HTTP: OpenAI's error JSON with the right status, never a traceback;
the bearer key is checked and never comes back in a response or a log line."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from tests.server.apihelpers import KEY, running

pytestmark = pytest.mark.slow

ASK = {"model": "extractive", "messages": [{"role": "user", "content": "Qui a composé la musique du film 2050 ?"}]}


def error_of(response: httpx.Response, status: int) -> dict:
    """The OpenAI-shaped error of a response that must have `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text and 'File "' not in response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and "\n" not in error["message"] and error["message"]
    return error


def post(url: str, body: object = None, **kwargs) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=60, **kwargs)


@pytest.mark.parametrize(
    ("content", "headers", "needle"),
    [
        (b'{"messages": [', {"content-type": "application/json"}, "not valid JSON"),
        (b'["a list"]', {"content-type": "application/json"}, "JSON object"),
        (b'{"messages": []}', {"content-type": "application/json"}, "messages"),
        (b'{"model": "extractive"}', {"content-type": "application/json"}, "messages"),
        (b'{"messages": [{"role": "robot", "content": "hi"}]}', {"content-type": "application/json"}, "role"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "sometimes"}', {"content-type": "application/json"}, "stream"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "top_k": 0}', {"content-type": "application/json"}, "top_k"),
        (b'{"messages": [{"role": "assistant", "content": "hi"}]}', {"content-type": "application/json"}, "last message"),
        (b'{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}', {"content-type": "application/json"}, "text"),
        (b'{"messages": [{"role": "user", "content": "hi"}]}', {"content-type": "text/plain"}, "Content-Type"),
    ],
)
def test_bad_requests_are_400(api_url, content, headers, needle):
    response = httpx.post(f"{api_url}/v1/chat/completions", content=content, headers=headers, timeout=60)
    error = error_of(response, 400)
    assert error["type"] == "invalid_request_error" and needle in error["message"]


def test_retrieve_bad_request_is_400(api_url):
    error = error_of(httpx.post(f"{api_url}/v1/retrieve", json={"top_k": 3}, timeout=60), 400)
    assert error["param"] == "query"


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {KEY}x"}, {"Authorization": "Bearer"},
                                     {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}])
def test_missing_or_wrong_key_is_401_everywhere(keyed_url, headers):
    for response in (
        httpx.get(f"{keyed_url}/v1/models", headers=headers, timeout=60),
        post(keyed_url, ASK, headers=headers),
        httpx.post(f"{keyed_url}/v1/retrieve", json={"query": "x"}, headers=headers, timeout=60),
        httpx.get(f"{keyed_url}/v1/anything", headers=headers, timeout=60),
    ):
        error = error_of(response, 401)
        assert error["code"] in ("missing_api_key", "invalid_api_key")
        assert response.headers["www-authenticate"] == "Bearer"
        assert KEY not in response.text


def test_the_right_key_gets_answers(keyed_url):
    headers = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{keyed_url}/v1/models", headers=headers, timeout=60).status_code == 200
    response = post(keyed_url, ASK, headers=headers)
    assert response.status_code == 200 and "Lyrakis" in response.json()["choices"][0]["message"]["content"]
    assert KEY not in response.text and KEY not in str(response.headers)


def test_unknown_model_and_unknown_endpoint_are_404(api_url):
    error = error_of(post(api_url, {**ASK, "model": "gpt-4o"}), 404)
    assert error["code"] == "model_not_found" and error["param"] == "model" and "extractive" in error["message"]
    error = error_of(httpx.get(f"{api_url}/v1/embeddings", timeout=60), 404)
    assert "/v1/chat/completions" in error["message"]
    error_of(httpx.delete(f"{api_url}/v1/models", timeout=60), 405)


def test_body_too_large_is_413_declared_or_chunked(keyed_url):
    headers = {"Authorization": f"Bearer {KEY}", "content-type": "application/json"}
    big = b'{"messages": [{"role": "user", "content": "' + b"a" * 5000 + b'"}]}'
    error = error_of(httpx.post(f"{keyed_url}/v1/chat/completions", content=big, headers=headers, timeout=60), 413)
    assert "ASSISTANT_API_MAX_BODY_KB" in error["message"]

    def chunked():  # no Content-Length: the limit counts what arrives
        for start in range(0, len(big), 1000):
            yield big[start:start + 1000]

    error_of(httpx.post(f"{keyed_url}/v1/chat/completions", content=chunked(), headers=headers, timeout=60), 413)


@pytest.mark.parametrize(("content", "needle"), [("   ", "empty"), ("\u200b\n\t", "empty"), ("why " * 600, "too long")])
def test_unusable_question_is_422(api_url, content, needle):
    error = error_of(post(api_url, {"messages": [{"role": "user", "content": content}]}), 422)
    assert needle in error["message"] and error["code"] == "invalid_question"
    error = error_of(httpx.post(f"{api_url}/v1/retrieve", json={"query": content}, timeout=60), 422)
    assert needle in error["message"]


def test_empty_index_and_unreachable_store_are_503(tmp_path, embed_model):
    from assistant.api import Assistant
    from assistant.components import Components
    from server.app import create_app
    from tests.conftest import make_settings
    from tests.server.apihelpers import free_port

    empty = make_settings(tmp_path / "empty")
    gone = make_settings(tmp_path / "gone", chroma_host="127.0.0.1", chroma_port=free_port())
    for settings, code, needle in ((empty, "index_empty", "assistant ingest"), (gone, "store_unavailable", "Chroma")):
        bot = Assistant(settings, components=Components(settings, embed_model=embed_model))
        with running(create_app(bot)) as url:
            for response in (post(url, ASK), post(url, {**ASK, "stream": True}),
                             httpx.post(f"{url}/v1/retrieve", json={"query": "2050"}, timeout=60)):
                error = error_of(response, 503)
                assert error["code"] == code and needle in error["message"]


def test_a_failing_llm_is_502_or_an_error_event(ingested_assistant):
    from server.app import create_app
    from tests.fakes.openai_stub import OpenAIStub

    with OpenAIStub(fault_paths=["/v1/chat/completions"]) as stub:
        bot = ingested_assistant.variant(llm="openai_like", llm_base_url=stub.base_url, llm_model="stub-model",
                                         llm_max_retries=0)
        with running(create_app(bot)) as url:
            stub.faults = ["500"]
            error = error_of(post(url, {**ASK, "model": "stub-model"}), 502)
            assert error["code"] == "llm_error" and "HTTP 500" in error["message"]
            stub.faults = ["cut"]
            body = {**ASK, "model": "stub-model", "stream": True}
            with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as response:
                events = [line for line in response.iter_lines() if line]
            assert response.status_code == 200 and events[-1] == "data: [DONE]"
            assert '"error"' in events[-2] and "llm_error" in events[-2] and "Traceback" not in "".join(events)


def test_the_key_never_appears_in_logs_or_responses(ingested_assistant, capfd, caplog):
    from server.app import create_app

    caplog.set_level(logging.DEBUG)
    settings = ingested_assistant.settings.model_copy(update={"api_key": SecretStr(KEY)})
    seen = []
    with running(create_app(ingested_assistant, settings), log_level="debug", access_log=True) as url:
        for headers in ({"Authorization": f"Bearer {KEY}"}, {"Authorization": f"Bearer {KEY[:-1]}"}, {}):
            for response in (
                httpx.get(f"{url}/v1/models", headers=headers, timeout=60),
                post(url, ASK, headers=headers),
                post(url, {**ASK, "stream": True}, headers=headers),
                post(url, {**ASK, "model": "nope"}, headers=headers),
                post(url, {"messages": []}, headers=headers),
                httpx.get(f"{url}/v1/nope?x=1", headers=headers, timeout=60),
            ):
                seen.append(response.text + str(response.headers))
    assert any("Lyrakis" in text for text in seen)  # the right key was answered
    out, err = capfd.readouterr()
    assert "POST /v1/chat/completions" in out + err  # the access log was on
    logged = out + err + caplog.text
    for secret in (KEY, KEY[:-1]):
        assert secret not in logged and not any(secret in text for text in seen)


def test_exposed_without_a_key_warns(ingested_assistant, capsys):
    from server.auth import warn_if_exposed

    settings = ingested_assistant.settings
    warn_if_exposed(settings, "127.0.0.1")
    warn_if_exposed(settings.model_copy(update={"api_key": SecretStr(KEY)}), "0.0.0.0")
    assert capsys.readouterr().err == ""
    warn_if_exposed(settings, "0.0.0.0")
    err = capsys.readouterr().err
    assert "without a key" in err and "ASSISTANT_API_KEY" in err
