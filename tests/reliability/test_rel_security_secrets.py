"""Security (issue 5), secrets: API keys never appear in settings, answers, errors, debug logs, CLI output,
the UI or the eval report (the LLM is the local OpenAI stub, the key one we grep for)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from core.settings import Settings
from ui import chat as ui_chat
from tests.reliability.security_probes import call_api
from tests.reliability.security_site import (  # noqa: F401 - site, stub: fixtures
    QUESTION, SECRET, SECURITY_MARKS, SMALL_QUESTION, llm_values, no_secret, site, stub,
)

pytestmark = SECURITY_MARKS


# --- 3. secrets -----------------------------------------------------------------------------------


@pytest.fixture
def llm_bot(ingested_assistant, stub, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    stub.faults = []
    yield ingested_assistant.variant(**llm_values(stub.base_url))
    stub.faults = []


def test_settings_never_show_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", SECRET)
    monkeypatch.setenv("ASSISTANT_UI_PASSWORD", SECRET)
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.llm_api_key.get_secret_value() == SECRET
    no_secret(repr(settings), str(settings), settings.model_dump_json(), json.dumps(settings.model_dump(mode="json")),
              repr(settings.model_dump()))


def test_python_api_answers_and_errors_never_show_the_key(llm_bot, stub):
    answer = llm_bot.ask(QUESTION)
    assert answer.complete and answer.citations
    assert stub.requests[-1]["headers"]["authorization"] == f"Bearer {SECRET}"  # the key is really in use
    no_secret(answer.text, answer.error, answer.warnings, repr(answer), llm_bot.mode, repr(llm_bot.settings))

    for faults in (["500", "500"], ["429", "429"], ["cut"], ["malformed", "malformed"]):
        stub.faults = faults
        answer = llm_bot.ask(QUESTION)
        assert not answer.complete and (answer.error or answer.warnings)
        no_secret(answer.text, answer.error, answer.warnings, repr(answer))


def test_server_error_echoing_the_key_is_not_passed_on(llm_bot, stub):
    """A server that puts the key in its error body (as OpenAI's 401 does, masked) must not reach the user."""
    original = stub.responder

    def echo(request):
        raise RuntimeError(f"Incorrect API key provided: {SECRET}")

    stub.responder = echo
    try:
        answer = llm_bot.ask(QUESTION)
    finally:
        stub.responder = original
    assert answer.error
    no_secret(answer.text, answer.error, answer.warnings, repr(answer))


def test_debug_logs_never_show_the_key(llm_bot, stub, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("openai", "openai._base_client", "httpx", "httpcore", "llama_index", "assistant", "ui", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    assert llm_bot.ask(QUESTION).complete
    stub.faults = ["500", "500"]
    assert llm_bot.ask(QUESTION).error
    stub.faults = ["500", "500"]
    bots = ui_chat.answerers(llm_bot)
    list(ui_chat.respond(bots, QUESTION, [], None, 5, "stub-model"))
    records = caplog.records
    assert any(r.name.startswith(("openai", "httpx", "httpcore")) for r in records), "debug logging was not captured"
    formatter = logging.Formatter("%(name)s %(message)s %(exc_info)s")
    for record in records:
        no_secret(record.getMessage(), formatter.format(record), repr(record.args))


def cli_env(monkeypatch, bot, stub, embed_model):
    import assistant.components

    monkeypatch.setattr(assistant.components, "make_embedding", lambda settings: embed_model)
    for key, value in {"DATA_DIR": bot.settings.data_dir, "CORPUS_DIR": bot.settings.corpus_dir, "LLM": "openai_like",
                       "LLM_BASE_URL": stub.base_url, "LLM_MODEL": "stub-model", "LLM_API_KEY": SECRET,
                       "LLM_MAX_RETRIES": "1", "LLM_TIMEOUT": "2"}.items():
        monkeypatch.setenv(f"ASSISTANT_{key}", str(value))
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def test_cli_output_never_shows_the_key(site, stub, embed_model, monkeypatch, capsys):
    from cli.main import main

    cli_env(monkeypatch, site["bot"], stub, embed_model)
    stub.faults = []
    assert main(["ask", SMALL_QUESTION]) == 0
    ok = capsys.readouterr()
    assert "300" in ok.out and "[1]" in ok.out
    assert stub.requests[-1]["headers"]["authorization"] == f"Bearer {SECRET}"
    assert main(["ask", SMALL_QUESTION, "--json"]) == 0
    as_json = capsys.readouterr()
    stub.faults = ["500", "500"]
    assert main(["ask", SMALL_QUESTION]) == 1
    failed = capsys.readouterr()
    assert "HTTP 500" in failed.err
    stub.faults = ["500", "500"]
    assert main(["ask", SMALL_QUESTION, "--json"]) == 1
    failed_json = capsys.readouterr()
    stub.faults = []
    assert main(["documents"]) == 0
    docs = capsys.readouterr()
    no_secret(ok.out, ok.err, as_json.out, as_json.err, failed.out, failed.err, failed_json.out, failed_json.err,
              docs.out, docs.err)


def test_ui_never_shows_the_key(site, stub, llm_bot):
    # The chat handler, answer and failure.
    bots = ui_chat.answerers(llm_bot)
    *_, (history, sources, state, _, _) = ui_chat.respond(bots, QUESTION, [], None, 5, "stub-model")
    assert 'class="cite"' in str(history[-1]["content"])
    stub.faults = ["500", "500"]
    *_, (failed, _, state, _, _) = ui_chat.respond(bots, QUESTION, history, state, 5, "stub-model")
    assert "HTTP 500" in str(failed[-1]["content"])
    no_secret(str(history), str(sources), str(failed))

    # The page as served: mode label, settings accordion, API description; and a failing answer over HTTP.
    url = site["url"]
    config = httpx.get(f"{url}/config").text
    assert "stub-model" in config  # the mode label shows the model, not the key
    no_secret(config, repr(site["demo"].config), httpx.get(f"{url}/gradio_api/info").text,
              httpx.get(f"{url}/").text)
    stub.faults = ["500", "500"]
    out = call_api(url, "ask", [SMALL_QUESTION, [], 5, "stub-model"])
    assert "HTTP 500" in out
    stub.faults = []
    ok = call_api(url, "ask", [SMALL_QUESTION, [], 5, "stub-model"])
    assert "300" in ok
    no_secret(out, ok)


def test_eval_report_never_shows_the_key(llm_bot, stub, tmp_path, capsys):
    from eval.cli import main

    stub.faults = ["ok", "500", "500"]  # the first question answers, the second fails
    out = tmp_path / "report"
    code = main(["--configs", "llm", "--limit", "2", "--output", str(out), "--no-plots", "--no-sync", "--no-judges",
                 "--quiet"], bot=llm_bot)
    printed = capsys.readouterr()
    assert code == 0, printed.err
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and any("HTTP 500" in p.read_text(errors="replace") for p in files), "the failure was not reported"
    for path in files:
        no_secret(path.read_text(errors="replace"))
    no_secret(printed.out, printed.err)
