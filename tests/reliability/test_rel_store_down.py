"""The store unreachable: a clear one-line error, and the same Assistant recovers when it comes back."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from core.errors import StoreUnavailableError
from tests.reliability.relhelpers import ChromaServer, make_bot, write_small_corpus

pytestmark = pytest.mark.slow

QUESTION = "How much electricity did the data centre in Reykjavik use in 2022?"


@pytest.fixture
def server(tmp_path: Path):
    srv = ChromaServer(tmp_path / "chroma-server").start()
    yield srv
    srv.stop()


def one_line(err: BaseException) -> str:
    message = str(err)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_server_down_then_up_again_same_assistant_answers(server: ChromaServer, tmp_path: Path, embed_model):
    bot = make_bot(tmp_path / "data", embed_model, chroma_host="127.0.0.1", chroma_port=server.port,
                   collection=f"down-{uuid.uuid4().hex[:8]}")
    folder = write_small_corpus(tmp_path / "docs")
    bot.ingest(folder, show_progress=False)
    assert bot.ask(QUESTION).citations
    chat = bot.chat()

    server.stop()
    for call in (lambda: bot.ask(QUESTION), lambda: chat.ask(QUESTION), lambda: bot.retrieve(QUESTION),
                 lambda: bot.ingest(folder, show_progress=False)):
        with pytest.raises(StoreUnavailableError) as caught:
            call()
        assert "unreachable" in one_line(caught.value) or "Cannot reach" in one_line(caught.value)
    assert chat.history == []

    server.start()  # same path and port
    answer = bot.ask(QUESTION)
    assert answer.complete and answer.citations[0].source == "b.md"
    assert chat.ask(QUESTION).citations and len(chat.history) == 1
    (folder / "d.txt").write_text("Note\n\nThe observatory in Arequipa opened in 1891.\n", encoding="utf-8")
    report = bot.ingest(folder, show_progress=False)
    assert {f.source: f.status for f in report.files}["d.txt"] == "added"


def test_server_down_when_the_assistant_starts_then_up(tmp_path: Path, embed_model):
    server = ChromaServer(tmp_path / "chroma-server")  # not started yet
    bot = make_bot(tmp_path / "data", embed_model, chroma_host="127.0.0.1", chroma_port=server.port,
                   collection="late")
    with pytest.raises(StoreUnavailableError, match="chroma run") as caught:
        bot.ingest(write_small_corpus(tmp_path / "docs"), show_progress=False)
    one_line(caught.value)
    server.start()
    try:
        bot.ingest(tmp_path / "docs", show_progress=False)
        assert bot.ask(QUESTION).citations
    finally:
        server.stop()


def test_cli_prints_one_line_when_the_server_is_down(tmp_path: Path, capsys, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(ChromaServer(tmp_path).port))  # nobody listens there
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    assert main(["ask", "anything?"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot reach the Chroma server") and err.count("\n") == 1
