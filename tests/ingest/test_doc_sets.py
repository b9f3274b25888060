"""Real documentation sets with page chrome go in clean (issue 22), judged from the raw pages by
tests/fakes/chunk_hygiene.py. The packages are installed by tests/fakes/debian_docs.py when missing
(as root, as CI runs); elsewhere the test fails with the apt-get command to run, it is never skipped.
benchmarks/bench_documents.py prints the same figures for a whole set, before and after."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core import Document

from ingest.loaders import load_file
from ingest.splitter import SectionSplitter
from tests.fakes.chunk_hygiene import chunk_kind, page_facts, rows_with_header, tally
from tests.fakes.debian_docs import html_set


def _chunks(files: list[Path]) -> list[str]:
    splitter = SectionSplitter()
    out: list[str] = []
    for path in files:
        loaded = load_file(path)
        doc = Document(text=loaded.text, doc_id=path.name, metadata={"source": path.name, "format": loaded.format})
        out.extend(n.get_content() for n in splitter.split_document(doc))
    return out


@pytest.fixture(scope="module")
def faq() -> list[Path]:
    return sorted(html_set("debian-faq-fr").glob("*.html"))


def test_faq_has_no_navigation_toc_or_title_chunk(faq: list[Path]) -> None:
    chunks = _chunks(faq)
    headings = page_facts(faq).headings
    assert len(faq) == 17 and len(chunks) > 200
    assert tally(chunks, headings) == {"ok": len(chunks)}, [c for c in chunks if chunk_kind(c, headings) != "ok"]


def test_faq_keeps_its_headings_and_answers(faq: list[Path]) -> None:
    text = load_file(faq[0].parent / "kernel.fr.html").text
    assert text.startswith("# Chapitre 10. Debian et le noyau\n\n## 10.1. Puis-je installer et compiler un noyau")
    assert "```\nmake deb-pkg\n```" in text and "Précédent" not in text and "Chapitre 11." not in text


def test_aptitude_table_rows_carry_their_header() -> None:
    folder = html_set("aptitude-doc-fr")
    pages = [folder / name for name in ("ch02s01s02.html", "ch02s04s05.html", "ch02s05s02.html", "ch02s05s03.html")]
    chunks = _chunks(pages)
    facts = page_facts(pages)
    carried, rows = rows_with_header(facts, chunks)
    assert rows > 150 and carried == rows
    kinds = tally(chunks, facts.headings)
    assert kinds["nav_only"] == kinds["toc"] == kinds["title_only"] == kinds["with_nav"] == 0
