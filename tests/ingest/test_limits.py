"""What a file may become (issue 12): characters per file and per PDF page, decompression capped."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from ingest.loaders import Limits, UnreadableFileError, load_file
from tests.fakes import hostile

SMALL = Limits(max_bytes=20 * 2**20, max_chars=50_000, max_page_chars=10_000)


def reason(path: Path, limits: Limits = Limits()) -> str:
    with pytest.raises(UnreadableFileError) as err:
        load_file(path, limits=limits)
    text = str(err.value)
    assert "\n" not in text and len(text) < 200
    return text


def test_a_pdf_bomb_is_refused_at_its_first_page_without_expanding(tmp_path):
    path = hostile.compressed_pdf(tmp_path / "bomb.pdf", pages=10, chars_per_page=20_000_000)
    assert path.stat().st_size < 400_000  # 200M characters in a few hundred KB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = reason(path)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 200  # MB: never expanded
    assert text.startswith("PDF page 1 expands to more than 200k characters") and "ASSISTANT_MAX_PAGE_CHARS" in text


def test_pages_under_the_page_limit_still_count_towards_the_file_limit(tmp_path):
    path = hostile.compressed_pdf(tmp_path / "long.pdf", pages=8, chars_per_page=9_000)
    assert reason(path, SMALL) == (
        "expands to more than 50k characters; the limit is 50k, set ASSISTANT_MAX_FILE_CHARS to raise it"
    )
    assert len(load_file(path, limits=Limits()).text) == 8 * 9_000 + 7 * 2


@pytest.mark.parametrize(("name", "body"), [("big.txt", "mot " * 20_000), ("big.md", "# T\n\n" + "x" * 60_000)])
def test_text_over_the_character_limit(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    assert reason(path, SMALL).startswith(f"expands to {round(len(body) / 1000)}k characters; the limit is 50k")


def test_html_is_measured_by_its_visible_text(tmp_path):
    markup = tmp_path / "markup.html"  # 1 MB of tags around a short text: fine
    markup.write_text("<div>" * 100_000 + "Bonjour." + "</div>" * 100_000, encoding="utf-8")
    assert load_file(markup, limits=SMALL).text == "Bonjour."
    text = tmp_path / "text.html"
    text.write_text("<p>" + "bla " * 20_000 + "</p>", encoding="utf-8")
    assert "ASSISTANT_MAX_FILE_CHARS" in reason(text, SMALL)


def test_the_settings_give_the_limits():
    from core.settings import Settings

    limits = Limits.from_settings(Settings(_env_file=None, max_file_chars=5_000, max_page_chars=2_000, max_file_mb=1))
    assert limits == Limits(max_bytes=2**20, max_chars=5_000, max_page_chars=2_000)
