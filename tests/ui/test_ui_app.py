"""The app as served: offline launch, login, no files served from disk, concurrent answers."""

from __future__ import annotations

import os
import socket
import threading
import time

import httpx
import pytest
from pydantic import SecretStr

from tests.fakes.fake_assistant import FakeAssistant
from core import local_model
from ui import app as ui_app

# Gradio 6.31 computes local per-event statistics with pandas after each event (gradio/queueing.py),
# and pandas 3 warns about two options it uses. Local only, no network.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*(no_silent_downcasting|copy keyword is deprecated).*:pandas.errors.Pandas4Warning"
)

JAPAN = "What share of Japan's audio music market revenues did streaming claim in 2019?"


def elem_ids(demo) -> set[str]:
    return {c.get("props", {}).get("elem_id") for c in demo.config["components"]} - {None}


def test_build_app_has_the_chat_sources_and_corpus_parts(fake_bot, monkeypatch):
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED")
    demo = ui_app.build_app(fake_bot)
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False" and demo.analytics_enabled is False
    assert {"chatbot", "question", "ask", "sources-panel", "documents", "upload", "remove", "reingest"} <= elem_ids(demo)
    radio = next(c for c in demo.config["components"] if c["type"] == "radio" and "Answer with" in str(c["props"].get("label")))
    # No LLM configured: nothing to choose, unless the local model is installed (scripts/setup installs it).
    assert radio["props"]["visible"] is local_model.installed(fake_bot.settings)


def test_llm_choice_is_offered_when_an_llm_is_configured(settings):
    demo = ui_app.build_app(FakeAssistant(settings, mode="qwen2.5:7b"))
    radio = next(c for c in demo.config["components"] if c["type"] == "radio" and "Answer with" in str(c["props"].get("label")))
    assert radio["props"]["visible"] is True
    local = [local_model.MODEL_NAME] if local_model.installed(settings) else []
    assert [choice[0] for choice in radio["props"]["choices"]] == ["qwen2.5:7b", "extractive", *local]
    assert any("qwen2.5:7b" in str(c.get("props", {}).get("value")) for c in demo.config["components"])


def test_login_only_when_both_user_and_password_are_set(settings, capsys):
    assert ui_app.login(settings) is None
    assert ui_app.login(settings.model_copy(update={"ui_user": "ann"})) is None
    both = settings.model_copy(update={"ui_user": "ann", "ui_password": SecretStr("s3cret")})
    assert ui_app.login(both) == ("ann", "s3cret")
    assert capsys.readouterr().err == ""
    ui_app.login(settings.model_copy(update={"ui_host": "0.0.0.0"}))
    assert "without a login" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("example.org", False)],
)
def test_is_loopback(host, loopback):
    assert ui_app.is_loopback(host) is loopback


@pytest.fixture
def served(settings, monkeypatch):
    """Launch the UI for a slow fake on a free port; record any non-loopback name lookup."""
    lookups = []
    real = socket.getaddrinfo

    def spy(host, *args, **kwargs):
        lookups.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(settings.data_dir.parent / "gradio-tmp"))
    bot = FakeAssistant(settings, delay=0.5)
    bot.ingest(settings.corpus_dir)

    def start(**overrides):
        demo = ui_app.launch(bot, settings.model_copy(update=overrides), port=ui_app.free_port(), block=False)
        started.append(demo)
        return demo, demo.local_url.rstrip("/"), lookups

    started = []
    yield start
    for demo in started:
        demo.close()


def test_launch_serves_offline_on_loopback_without_serving_files(served, settings):
    demo, url, lookups = served()
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(url + "/").status_code == 200
    assert demo.share is False and demo.share_url is None
    assert "api.gradio.app" not in str(lookups) and all(h in ("127.0.0.1", "localhost", None) for h in lookups)
    corpus_file = settings.corpus_dir / "000_9fbf024f9cdb4384.txt"
    for path in ("/etc/passwd", corpus_file, settings.data_dir):
        assert httpx.get(f"{url}/gradio_api/file={path}").status_code in (403, 404)


def test_login_is_required_when_configured(served):
    demo, url, _ = served(ui_user="ann", ui_password=SecretStr("s3cret"))
    assert httpx.get(url + "/config").status_code == 401
    with httpx.Client() as client:
        assert client.post(url + "/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        assert client.post(url + "/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
        assert client.get(url + "/config").status_code == 200


def test_one_slow_answer_does_not_block_other_users(served):
    from gradio_client import Client

    demo, url, _ = served()
    durations: dict[int, float] = {}
    contents: dict[int, str] = {}

    def ask(i: int) -> None:
        client = Client(url + "/", verbose=False)
        start = time.monotonic()
        history = client.predict(JAPAN, [], 5, "extractive", api_name="/ask")[0]
        durations[i] = time.monotonic() - start
        contents[i] = str(history[-1]["content"])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(3)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    total = time.monotonic() - start
    assert len(contents) == 3 and all("19.3%" in c for c in contents.values())
    # Each answer streams two sentences 0.5 s apart; run one after the other they would take 3x as long.
    assert total < 2 * max(durations.values())
