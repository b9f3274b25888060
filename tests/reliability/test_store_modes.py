"""The same core behaviour against the embedded store and a real Chroma server (`chroma run`).

Server mode: Settings(chroma_host="127.0.0.1", chroma_port=PORT, collection=<unique per test>);
Chroma (embedded or server) holds the chunks and the bookkeeping records; only the BM25 cache is local.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from assistant.api import Assistant
from core.errors import AssistantError, IndexMismatchError
from tests.reliability.relhelpers import (
    ARTICLE_A, index_facts, make_bot, statuses, write_small_corpus,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["embedded", "server"])
def bot(request, tmp_path: Path, embed_model) -> Assistant:
    overrides = {}
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        overrides = dict(chroma_host=host, chroma_port=port, collection=f"t-{uuid.uuid4().hex[:12]}")
    made = make_bot(tmp_path / "data", embed_model, **overrides)
    if request.param == "server":
        made._components.store  # opens the collection on the server
        assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded: vectors live on the server
    return made


def test_sync_adds_changes_removes_and_skips_unchanged(bot: Assistant, tmp_path: Path):
    folder = write_small_corpus(tmp_path / "docs")
    first = bot.ingest(folder, show_progress=False)
    assert statuses(first) == {"a.txt": "added", "b.md": "added", "sub/c.txt": "added"}
    assert first.total_chunks == first.embedded_chunks == bot._components.store.count()

    again = bot.ingest(folder, show_progress=False)
    assert set(statuses(again).values()) == {"unchanged"} and again.embedded_chunks == 0

    (folder / "a.txt").write_text(ARTICLE_A.replace("Aurélien Varga", "Bérénice Kahn"), encoding="utf-8")
    (folder / "sub" / "c.txt").unlink()
    third = bot.ingest(folder, show_progress=False)
    assert statuses(third) == {"a.txt": "changed", "b.md": "unchanged", "sub/c.txt": "removed"}
    facts = index_facts(bot)
    assert sum(facts["per_doc"].values()) == third.total_chunks
    texts = " ".join(p.text for p in bot.retrieve("compositeur bande originale film imaginaire", top_k=10))
    assert "Bérénice Kahn" in texts and "Aurélien Varga" not in texts
    assert all(p.source != "sub/c.txt" for p in bot.variant(retrieval="bm25").retrieve("ruches Lille miel", top_k=10))


def test_ask_cites_the_right_passage(bot: Assistant, tmp_path: Path):
    bot.ingest(write_small_corpus(tmp_path / "docs"), show_progress=False)
    answer = bot.ask("How much electricity did the data centre in Reykjavik use in 2022?")
    assert answer.complete and not answer.abstained
    assert answer.citations and answer.citations[0].source == "b.md"
    assert "42 gigawatt-hours" in answer.text


def test_remove_document(bot: Assistant, tmp_path: Path):
    before = bot.ingest(write_small_corpus(tmp_path / "docs"), show_progress=False).total_chunks
    removed = bot.remove("b.md")
    assert removed >= 1 and bot._components.store.count() == before - removed
    assert "b.md" not in {d.source for d in bot.documents()}
    assert all(p.source != "b.md" for p in bot.retrieve("Reykjavik geothermal electricity", top_k=10))
    index_facts(bot)
    with pytest.raises(AssistantError, match="No ingested document"):
        bot.remove("b.md")


def test_index_identity_mismatch_asks_for_a_rebuild(bot: Assistant, tmp_path: Path, embed_model):
    folder = write_small_corpus(tmp_path / "docs")
    bot.ingest(folder, show_progress=False)
    from core.providers import local_model_path

    alias = tmp_path / "another-model"
    alias.symlink_to(local_model_path(bot.settings))
    other = make_bot(bot.settings.data_dir, embed_model, **{
        k: v for k, v in bot.settings.model_dump().items()
        if k in ("chroma_host", "chroma_port", "collection")
    }, embedding_model=str(alias))
    with pytest.raises(IndexMismatchError, match="re-ingest"):
        other.ask("Qui a écrit la bande originale ?")
    with pytest.raises(IndexMismatchError):
        other.ingest(folder, show_progress=False)
    report = other.ingest(folder, show_progress=False, rebuild=True)
    assert set(statuses(report).values()) == {"added"}
    assert other.ask("Qui a écrit la bande originale du film imaginaire ?").citations
    index_facts(other)
