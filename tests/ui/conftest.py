"""Fixtures for the UI tests: a fake Assistant over a copy of the bundled corpus in a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import Settings
from tests.fakes.fake_assistant import FakeAssistant

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def ui_settings(tmp: Path, **overrides) -> Settings:
    values = dict(data_dir=tmp / "data", corpus_dir=tmp / "corpus", llm="none")
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    return ui_settings(tmp_path)


@pytest.fixture
def fake_bot(settings: Settings) -> FakeAssistant:
    bot = FakeAssistant(settings)
    bot.ingest(settings.corpus_dir)
    return bot
