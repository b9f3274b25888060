"""Bounded parsing (issue 18, case 3) and read-once hashing (case 5).

- A ~100 KB PDF whose pages all reuse one large compressed stream of empty text operators (about
  6 s of CPU per page before, 100 CPU-minutes for the file) is refused in one line naming the setting.
- Every file is parsed in a worker process under ASSISTANT_MAX_PARSE_SECONDS of CPU (RLIMIT_CPU):
  a file over it is refused, the others are ingested, nothing stored is lost.
- An upload is parsed once (check, then ingest), not twice.
- The bytes parsed are the bytes hashed: a file rewritten during ingest is read again by the next sync.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import Limits, UnreadableFileError
from ingest.parsing import ParseWorker, parse_file
from tests.fakes.hostile import empty_operators_pdf
from tests.index import procs

pytestmark = pytest.mark.slow


def statuses(report) -> dict[str, tuple[str, str]]:
    return {f.source: (f.status, f.reason) for f in report.files}


def test_a_pdf_of_pages_replaying_one_stream_of_empty_operators_is_refused_naming_the_setting(tmp_path):
    path = empty_operators_pdf(tmp_path / "hostile.pdf", pages=100)
    assert 90_000 <= path.stat().st_size <= 110_000
    with pytest.raises(UnreadableFileError) as info:
        parse_file(path.read_bytes(), path.name, Limits(), cpu_seconds=30)
    reason = str(info.value)
    assert reason.startswith("PDF page 1 holds 640k operators and operands") and "ASSISTANT_MAX_PAGE_CHARS" in reason
    assert "\n" not in reason


def test_a_file_over_the_cpu_budget_is_refused_and_the_others_are_ingested(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    # Under the operator limit on every page, but one stream per page: only the CPU budget stops it.
    empty_operators_pdf(folder / "slow.pdf", pages=60, share=False, operators=95_000)
    (folder / "fine.txt").write_text("The harbour of Valparaiso handled many ships.\n", encoding="utf-8")
    bot = procs.fake_bot(tmp_path / "data", max_parse_seconds=1)
    report = statuses(bot.ingest(folder, show_progress=False))
    assert report["fine.txt"][0] == "added"
    status, reason = report["slow.pdf"]
    assert status == "failed" and reason.startswith("parsing took more than 1 s of CPU")
    assert "ASSISTANT_MAX_PARSE_SECONDS" in reason


def test_pages_sharing_one_stream_are_parsed_once(tmp_path):
    path = empty_operators_pdf(tmp_path / "shared.pdf", pages=200, operators=50_000)
    # 200 pages of 100k tokens each: about 20 s of CPU parsed page by page, well under 5 s parsed once.
    with pytest.raises(UnreadableFileError, match="no extractable text"):
        parse_file(path.read_bytes(), path.name, Limits(), cpu_seconds=5)


def test_an_upload_is_parsed_once(tmp_path, monkeypatch):
    from ui import corpus

    parses: list[str] = []
    real = ParseWorker._parse

    def counting(self, data, name, limits):
        parses.append(name)
        return real(self, data, name, limits)

    monkeypatch.setattr(ParseWorker, "_parse", counting)
    bot = procs.fake_bot(tmp_path / "data")
    src = tmp_path / "cache" / "Note de Zorglub.md"
    src.parent.mkdir()
    src.write_text("# Zorglub\n\nLe festival de Zorglub attire 4 200 visiteurs.\n", encoding="utf-8")
    table, status = corpus.upload(bot, [str(src)])
    assert "1 added" in status and parses == ["Note_de_Zorglub.md"]


def test_a_file_rewritten_during_ingest_is_read_again_by_the_next_sync(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "copying.txt"
    doc.write_text("First half of the file about the zorblat harbour.\n", encoding="utf-8")
    real = ParseWorker.load

    def rewritten_meanwhile(self, data, name, limits):
        loaded = real(self, data, name, limits)
        doc.write_text("First half of the file about the zorblat harbour.\n\nSecond half: the zorblat lighthouse.\n",
                       encoding="utf-8")  # the copy finishes after the file was read, before its record is written
        return loaded

    bot = procs.fake_bot(tmp_path / "data")
    with monkeypatch.context() as patch:
        patch.setattr(ParseWorker, "load", rewritten_meanwhile)
        first = bot.ingest(folder, show_progress=False)
    assert statuses(first)["copying.txt"][0] == "added"
    assert "lighthouse" not in bot.source_text("copying.txt")
    second = bot.ingest(folder, show_progress=False)  # the hash recorded is that of the bytes parsed: not "unchanged"
    assert statuses(second)["copying.txt"][0] == "changed"
    assert "Second half: the zorblat lighthouse." in bot.source_text("copying.txt")
    assert set(s for s, _ in statuses(bot.ingest(folder, show_progress=False)).values()) == {"unchanged"}
