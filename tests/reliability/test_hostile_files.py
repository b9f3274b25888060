"""Hostile but ordinary files (issue 12), made here, through the CLI and through the UI's upload:
each one goes in bounded or is refused with a one-line reason naming the setting, every other
file goes in, and the index is consistent afterwards.

CI-light sizes where the file is accepted (the benchmark, benchmarks/bench_hostile.py, runs the
full sizes and prints peak memory); the refused ones are full size, since refusing is the point.
The embedding is a fast deterministic fake: the model is not what these tests are about.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.components import Components
from cli.main import main
from tests.conftest import make_settings
from tests.fakes import hostile
from tests.fakes.hash_embedding import HashEmbedding
from tests.fakes.sample_docs import write_corpus
from tests.reliability.relhelpers import index_facts
from ui import corpus

pytestmark = pytest.mark.slow

REFUSED = {  # name -> (maker, words the one-line reason must hold)
    "bomb.pdf": (lambda p: hostile.compressed_pdf(p, pages=6, chars_per_page=20_000_000), "ASSISTANT_MAX_PAGE_CHARS"),
    "one-word.txt": (lambda p: hostile.one_word(p, 15), "ASSISTANT_MAX_FILE_CHARS"),
    "bomb.docx": (lambda p: hostile.docx_bomb(p, 100), "ASSISTANT_MAX_FILE_CHARS"),
}
ACCEPTED = {
    "nested.html": lambda p: hostile.nested_tags(p, 50_000),
    "lines.txt": lambda p: hostile.short_lines(p, 20_000),
}


def hostile_folder(folder: Path) -> Path:
    write_corpus(folder)
    for name, (make, _) in REFUSED.items():
        make(folder / name)
    for name, make in ACCEPTED.items():
        make(folder / name)
    return folder


def bot_for(data_dir: Path) -> Assistant:
    settings = make_settings(data_dir)
    return Assistant(settings, components=Components(settings, embed_model=HashEmbedding()))


def check_index(bot: Assistant) -> None:
    facts = index_facts(bot)
    chunks = bot._components.store.collection.get(include=["documents"])["documents"]
    assert max(len(c) for c in chunks) <= 2000
    assert facts["per_doc"]
    answer = bot.ask("Combien de kilos de miel produisent les ruches de Lille ?")
    assert "300 kilos" in answer.text, answer.text


@pytest.fixture
def fake_model(monkeypatch):
    """The CLI builds its own Assistant: give it the fake embedding at the provider seam."""
    monkeypatch.setattr("assistant.components.make_embedding", lambda settings: HashEmbedding())


def test_cli_ingest_refuses_hostile_files_in_one_line_and_indexes_the_rest(tmp_path, monkeypatch, capsys, fake_model):
    folder = hostile_folder(tmp_path / "docs")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_LLM", "none")
    assert main(["ingest", str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    for name, (_, setting) in REFUSED.items():
        assert " failed " in rows[name] and setting in rows[name] and "limit is" in rows[name], rows[name]
    for name in [*ACCEPTED, "a.txt", "b.md", "sub/c.txt"]:
        assert " added " in rows[name], rows[name]
    assert "Traceback" not in out
    check_index(bot_for(tmp_path / "data"))


def test_ui_upload_refuses_hostile_files_and_ingests_the_rest(tmp_path):
    folder = hostile_folder(tmp_path / "docs")
    bot = bot_for(tmp_path / "data")
    files = [str(p) for p in sorted(folder.rglob("*")) if p.is_file()]
    table, status = corpus.upload(bot, files)
    rows = {row[0]: row for row in table["data"]}
    for name, (_, setting) in REFUSED.items():
        assert rows[name][1] == "rejected" and setting in rows[name][4] and "\n" not in rows[name][4], rows[name]
    for name in [*ACCEPTED, "a.txt", "b.md", "c.txt"]:
        assert rows[name][1] == "added", rows[name]
    assert not (bot.settings.uploads_dir / "bomb.pdf").exists()  # refused files are not stored
    assert not (bot.settings.uploads_dir / "bomb.docx").exists()
    check_index(bot)


def test_five_thousand_tiny_files_through_the_cli_and_the_upload(tmp_path, monkeypatch, capsys, fake_model):
    folder = hostile.tiny_files(tmp_path / "tiny", 5_000)
    write_corpus(folder)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_LLM", "none")
    assert main(["ingest", str(folder), "--quiet"]) == 0
    assert "5003 added" in capsys.readouterr().out
    check_index(bot_for(tmp_path / "data"))

    # Through the upload handler, 1,000 of them (the same per-file path, a lighter CI run).
    bot = bot_for(tmp_path / "data-ui")
    table, status = corpus.upload(bot, [str(p) for p in sorted(folder.glob("tiny*.txt"))][:997] + [
        str(folder / "a.txt"), str(folder / "b.md"), str(folder / "sub" / "c.txt")])
    assert "1000 added" in status, status
    check_index(bot)
