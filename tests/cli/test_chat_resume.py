"""`assistant chat` keeps its conversations; `--resume` continues one (a web UI's too); `--list` shows them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli import main as cli
from core.errors import AssistantError
from tests.fakes.fake_assistant import FakeAssistant
from tests.ui.conftest import ui_settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
Q = "Qui a composé la musique du film 2050 ?"


@pytest.fixture
def bot(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = ui_settings(tmp_path)
    bot = FakeAssistant(settings)
    bot.ingest(settings.corpus_dir)
    return bot


def typed(monkeypatch, *lines: str) -> None:
    answers = iter(lines)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))


def test_a_terminal_conversation_is_kept_and_resumed(bot, monkeypatch, capsys):
    typed(monkeypatch, Q, "")
    assert cli._chat(bot) == 0
    (kept,) = bot.conversations().conversations(cli.TERMINAL)
    assert kept.title == Q and [t.question for t in bot.conversations().turns(kept.id)] == [Q]

    capsys.readouterr()
    typed(monkeypatch, "et le réalisateur ?", "")
    assert cli._chat(bot, "") == 0
    out = capsys.readouterr().out
    assert f"> {Q}" in out and "resumed conversation" in out and "1 earlier questions" in out
    assert [t.question for t in bot.conversations().turns(kept.id)] == [Q, "et le réalisateur ?"]

    cli._list_conversations(bot)
    assert kept.id[:8] in capsys.readouterr().out


def test_resume_a_web_conversation_by_id_prefix_and_clear_errors(bot, monkeypatch):
    store = bot.conversations()
    with pytest.raises(AssistantError, match="No terminal conversation"):
        cli._chat(bot, "")
    web = store.create("0" * 32, Q)
    typed(monkeypatch, "")
    assert cli._chat(bot, web[:6]) == 0
    with pytest.raises(AssistantError, match="No conversation with an id starting with 'zz'"):
        cli._chat(bot, "zz")
