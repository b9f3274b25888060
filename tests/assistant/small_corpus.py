"""An assistant over a few files written by the test, ingested with the real e5 model and Chroma."""

from __future__ import annotations

from pathlib import Path

from assistant.api import Assistant
from assistant.components import Components
from tests.conftest import make_settings


def bot_over(tmp_path: Path, embed_model, files: dict[str, str]) -> Assistant:
    """An assistant over `files` (name -> text) in `tmp_path`/docs."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    components = Components(make_settings(tmp_path / "data", corpus_dir=folder), embed_model=embed_model)
    components.sync(folder, show_progress=False, rebuild=False)
    return Assistant(components.settings, components=components)
