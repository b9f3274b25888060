"""`assistant ingest`, `documents` and `remove` output (issue 12): quiet means quiet, names with a
newline or a tab stay on their line, and a name held by two folders is removed by folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.components import Components
from cli.main import main
from tests.conftest import REPO, make_settings
from tests.fakes.hash_embedding import HashEmbedding
from tests.fakes.sample_docs import ARTICLE_A, ARTICLE_C, write_corpus

pytestmark = pytest.mark.slow


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_LLM", "none")
    monkeypatch.setattr("assistant.components.make_embedding", lambda settings: HashEmbedding())
    return tmp_path


def test_quiet_ingest_prints_the_report_and_nothing_else(tmp_path):
    """A fresh process with the real model: no "Loading weights", no BM25 or pipeline progress bars."""
    folder = write_corpus(tmp_path / "docs")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_LLM": "none", "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(folder), "--quiet"],
                         env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["file", "status", "chunks", "tokens", "reason"] and "3 added" in lines[-1]
    assert len(lines) == 5 and not any("it/s" in line or "%|" in line for line in lines)


def test_names_with_newline_or_tab_are_escaped(env, capsys):
    folder = env / "docs"
    folder.mkdir()
    (folder / "two\nlines.txt").write_text(ARTICLE_A, encoding="utf-8")
    (folder / "tab\there.txt").write_text(ARTICLE_C, encoding="utf-8")
    assert main(["ingest", str(folder), "--quiet"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 4  # header, two files, summary
    assert {line.split()[0] for line in table[1:3]} == {"two\\nlines.txt", "tab\\there.txt"}
    assert main(["documents"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and all(len(line.split("\t")) == 5 for line in listing)
    assert sorted(line.split("\t")[0] for line in listing) == ["tab\\there.txt", "two\\nlines.txt"]


def test_same_passage_in_two_folders_is_shown_once_and_removed_by_folder(env, capsys):
    one, two = write_corpus(env / "one"), write_corpus(env / "two")
    assert main(["ingest", str(one), "--quiet"]) == 0 and main(["ingest", str(two), "--quiet"]) == 0
    capsys.readouterr()

    settings = make_settings(env / "data")
    bot = Assistant(settings, components=Components(settings, embed_model=HashEmbedding()))
    answer = bot.ask("Combien de kilos de miel produisent les ruches de Lille ?")
    texts = [p.text for p in answer.retrieved]
    assert len(texts) == len(set(texts)), "an identical passage is listed twice"
    top = answer.citations[0]
    assert top.source == "sub/c.txt" and top.also_in in (("one/sub/c.txt",), ("two/sub/c.txt",))
    assert "(also in " in answer.sources_text()

    assert main(["remove", "a.txt"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--root FOLDER" in err[0] and str(one.resolve()) in err[0]
    assert main(["remove", "--root", str(one), "a.txt"]) == 0
    assert main(["remove", str(two / "sub" / "c.txt")]) == 0
    capsys.readouterr()
    assert main(["documents"]) == 0
    listing = sorted(tuple(line.split("\t")[i] for i in (0, 4)) for line in capsys.readouterr().out.splitlines())
    assert listing == [("a.txt", str(two.resolve())), ("b.md", str(one.resolve())), ("b.md", str(two.resolve())),
                       ("sub/c.txt", str(one.resolve()))]
