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


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One real headless Chromium (Debian's, no download) a browser-test module."""
    from tests.ui import screenshot

    assert Path(screenshot.CHROMIUM).exists(), f"{screenshot.CHROMIUM} is missing: apt-get install -y chromium"
    with screenshot.chromium(tmp_path_factory.mktemp("chromium-home")) as browser:
        yield browser
