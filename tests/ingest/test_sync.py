"""Sync semantics against a real embedded Chroma and the real local model (shared, loaded once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.components import Components
from core.errors import IndexMismatchError
from tests.conftest import make_settings
from tests.fakes.sample_docs import ARTICLE_A, ARTICLE_C, REPORT_PAGES, text_pdf, write_corpus

pytestmark = pytest.mark.slow

@pytest.fixture
def bot(tmp_path: Path, embed_model) -> Assistant:
    settings = make_settings(tmp_path / "data")
    return Assistant(settings, components=Components(settings, embed_model=embed_model))


def statuses(report) -> dict[str, str]:
    return {f.source: f.status for f in report.files}


def test_first_sync_adds_everything_with_titles_and_offsets(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    report = bot.ingest(folder, show_progress=False)
    assert statuses(report) == {"a.txt": "added", "b.md": "added", "sub/c.txt": "added"}
    assert all(f.chunks >= 1 and f.tokens > 0 for f in report.files)
    assert report.total_chunks == report.embedded_chunks == sum(f.chunks for f in report.files)
    docs = {d.source: d for d in bot.documents()}
    assert "Le film imaginaire" in docs["a.txt"].titles
    assert "Energy report" in docs["b.md"].titles
    passage = bot.retrieve("Qui a écrit la bande originale du film imaginaire ?")[0]
    assert passage.source == "a.txt" and passage.title == "Le film imaginaire"
    source = bot.source_text("a.txt")
    assert "Aurélien Varga" in source[passage.start_char : passage.end_char]


def test_resync_unchanged_does_no_work(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    first = bot.ingest(folder, show_progress=False)
    second = bot.ingest(folder, show_progress=False)
    assert second.embedded_chunks == 0
    assert set(statuses(second).values()) == {"unchanged"}
    assert second.total_chunks == first.total_chunks
    assert {f.source: f.chunks for f in second.files} == {f.source: f.chunks for f in first.files}


def test_changed_file_is_replaced_and_removed_file_is_removed(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    first = bot.ingest(folder, show_progress=False)
    (folder / "a.txt").write_text(ARTICLE_A.replace("Aurélien Varga", "Bérénice Kahn"), encoding="utf-8")
    (folder / "sub" / "c.txt").unlink()
    report = bot.ingest(folder, show_progress=False)
    assert statuses(report) == {"a.txt": "changed", "b.md": "unchanged", "sub/c.txt": "removed"}
    assert report.total_chunks == first.total_chunks - next(f.chunks for f in first.files if f.source == "sub/c.txt")
    texts = " ".join(p.text for p in bot.retrieve("compositeur bande originale film imaginaire", top_k=10))
    assert "Bérénice Kahn" in texts and "Aurélien Varga" not in texts
    # BM25 follows Chroma: the removed file's words find nothing any more
    assert all(p.source != "sub/c.txt" for p in bot.variant(retrieval="bm25").retrieve("ruches Lille miel", top_k=10))
    assert "sub/c.txt" not in {d.source for d in bot.documents()}


def test_bad_files_are_reported_and_the_rest_goes_in(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    (folder / "binary.txt").write_bytes(os.urandom(2048) + b"\x00\x00")
    (folder / "empty.md").write_text("   \n", encoding="utf-8")
    (folder / "latin.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 50)
    (folder / "report.docx").write_bytes(b"PK\x03\x04 not really")
    outside = tmp_path / "secret.txt"
    outside.write_text("Le mot de passe est hunter2.", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "private.txt").write_text("Le coffre contient 12 lingots.", encoding="utf-8")
    (folder / "linked-dir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    report = bot.ingest(folder, show_progress=False)
    got = {f.source: f for f in report.files}
    for name in ("binary.txt", "empty.md", "latin.txt", "report.docx"):
        assert got[name].status == "failed" and got[name].reason and "\n" not in got[name].reason, name
    assert got["report.docx"].reason.startswith("unreadable .docx (corrupt, or not a Word document)")
    failed_links = {f.source for f in report.files if f.status == "failed" and "symlink" in f.reason}
    assert failed_links == {"link.txt", "linked-dir"}
    assert {got[n].status for n in ("a.txt", "b.md", "sub/c.txt")} == {"added"}
    assert all("hunter2" not in p.text for p in bot.retrieve("mot de passe", top_k=10))
    assert all("lingots" not in p.text for p in bot.retrieve("coffre lingots", top_k=10))


def test_a_file_that_turns_unreadable_keeps_its_previous_version(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    first = bot.ingest(folder, show_progress=False)
    (folder / "a.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = bot.ingest(folder, show_progress=False)
    got = {f.source: f for f in report.files}
    assert got["a.txt"].status == "failed" and "previous version kept" in got["a.txt"].reason
    assert report.total_chunks == first.total_chunks
    assert bot.retrieve("bande originale du film imaginaire")[0].source == "a.txt"


def test_two_folders_do_not_delete_each_other(bot: Assistant, tmp_path: Path):
    write_corpus(tmp_path / "one")
    other = tmp_path / "two"
    other.mkdir()
    (other / "note.txt").write_text(ARTICLE_C.replace("Lille", "Nantes"), encoding="utf-8")
    first = bot.ingest(tmp_path / "one", show_progress=False)
    second = bot.ingest(other, show_progress=False)
    assert second.total_chunks == first.total_chunks + second.embedded_chunks
    assert {d.source for d in bot.documents()} == {"a.txt", "b.md", "sub/c.txt", "note.txt"}


def test_single_file_ingest_does_not_remove_its_neighbours(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    bot.ingest(folder, show_progress=False)
    report = bot.ingest(folder / "a.txt", show_progress=False)
    assert statuses(report) == {"a.txt": "unchanged"}
    assert len(bot.documents()) == 3


def test_remove_document(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    before = bot.ingest(folder, show_progress=False).total_chunks
    removed = bot.remove("b.md")
    assert removed >= 1
    assert bot._components.store.count() == before - removed
    assert all(p.source != "b.md" for p in bot.retrieve("Reykjavik geothermal electricity", top_k=10))


def test_index_built_with_another_model_asks_for_reingest(bot: Assistant, tmp_path: Path, embed_model):
    folder = write_corpus(tmp_path / "docs")
    bot.ingest(folder, show_progress=False)
    from core.providers import local_model_path

    alias = tmp_path / "another-model"
    alias.symlink_to(local_model_path(bot.settings))
    settings = bot.settings.model_copy(update={"embedding_model": str(alias)})
    other = Assistant(settings, components=Components(settings, embed_model=embed_model))
    with pytest.raises(IndexMismatchError, match="re-ingest"):
        other.ask("Qui a écrit la bande originale ?")
    report = other.ingest(folder, show_progress=False, rebuild=True)
    assert statuses(report) == {"a.txt": "added", "b.md": "added", "sub/c.txt": "added"}
    assert other.ask("Qui a écrit la bande originale du film imaginaire ?").citations


def test_index_built_with_minilm_asks_for_reingest(bot: Assistant, tmp_path: Path):
    """An index from before the switch to e5 (recorded as all-MiniLM-L6-v2) is refused, then rebuilt."""
    from core.providers import embedding_identity
    from index.store import Store

    assert embedding_identity(bot.settings) == "local:multilingual-e5-small"
    Store(bot.settings, "local:all-MiniLM-L6-v2")  # creates the collection as the old default did
    folder = write_corpus(tmp_path / "docs")
    with pytest.raises(IndexMismatchError, match=r"built with local:all-MiniLM-L6-v2.*ingest --rebuild"):
        bot.ask("Qui a écrit la bande originale ?")
    with pytest.raises(IndexMismatchError, match="re-ingest"):
        bot.ingest(folder, show_progress=False)
    report = bot.ingest(folder, show_progress=False, rebuild=True)
    assert set(statuses(report).values()) == {"added"}
    assert bot.ask("Qui a écrit la bande originale du film imaginaire ?").citations


KEEPER = "Who was the keeper of the Halvmane lighthouse in 2023?"


def test_pdf_chunks_know_their_pages(bot: Assistant, tmp_path: Path):
    folder = write_corpus(tmp_path / "docs")
    (folder / "report.pdf").write_bytes(text_pdf(REPORT_PAGES))
    bot.ingest(folder, show_progress=False)
    metas = bot._components.store.chunk_metadata()
    pdf = [m for _, m in metas if m["source"] == "report.pdf"]
    assert pdf and all(1 <= m["page"] <= m["page_end"] <= len(REPORT_PAGES) for m in pdf)
    assert all("page" not in m and "page_end" not in m for _, m in metas if m["source"] != "report.pdf")
    keeper = bot.retrieve(KEEPER)[0]
    assert keeper.source == "report.pdf" and (keeper.page, keeper.page_end, keeper.pages) == (2, 2, "page 2")
    assert "Ingrid Solberg" in bot.source_text("report.pdf")[keeper.start_char:keeper.end_char]
    roof = bot.retrieve("How much did repairing the lantern room roof cost?")[0]
    assert roof.source == "report.pdf" and roof.pages == "page 3"
    answer = bot.ask(KEEPER)
    assert not answer.abstained and "Ingrid Solberg" in answer.text
    assert [(c.source, c.pages) for c in answer.citations][:1] == [("report.pdf", "page 2")]
    composer = bot.retrieve("Qui a écrit la bande originale du film imaginaire ?")[0]
    assert composer.source == "a.txt" and composer.page is None and composer.pages == ""


def test_an_index_ingested_before_page_numbers_still_answers(tmp_path: Path, embed_model, monkeypatch):
    """PDF chunks written without `page` (the layout before page numbers were kept) open and answer; no page shown."""
    from ingest.prepare import ChunkIds

    real_ids = ChunkIds.__call__

    def ids_as_before(self, nodes, **kwargs):
        self.pages = {}
        return real_ids(self, nodes, **kwargs)

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(text_pdf(REPORT_PAGES))
    settings = make_settings(tmp_path / "data")
    with monkeypatch.context() as patched:
        patched.setattr(ChunkIds, "__call__", ids_as_before)
        Assistant(settings, components=Components(settings, embed_model=embed_model)).ingest(folder, show_progress=False)
    bot = Assistant(settings, components=Components(settings, embed_model=embed_model))
    assert all("page" not in m for _, m in bot._components.store.chunk_metadata())
    answer = bot.ask(KEEPER)
    assert not answer.abstained and "Ingrid Solberg" in answer.text
    assert answer.citations[0].source == "report.pdf" and answer.citations[0].page is None
    assert answer.citations[0].pages == ""
    assert {f.status for f in bot.ingest(folder, show_progress=False).files} == {"unchanged"}
