"""Helpers shared by the reliability tests: build an assistant on a temp data dir, write small
corpora, check that the index is consistent; a real `chroma run` server (tests/servers.py)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.components import Components
from tests.conftest import CORPUS, make_settings
from tests.fakes.sample_docs import ARTICLE_A, ARTICLE_B, ARTICLE_C  # noqa: F401 - re-exported for the tests
from tests.fakes.sample_docs import write_corpus as write_small_corpus  # noqa: F401
from tests.servers import ChromaServer, free_port  # noqa: F401 - re-exported for the tests

REPO = Path(__file__).resolve().parents[2]


def make_bot(data_dir: Path, embed_model: Any, **overrides: Any) -> Assistant:
    """A real Assistant (shared, already loaded embedding model) over its own store."""
    settings = make_settings(data_dir, **overrides)
    return Assistant(settings, components=Components(settings, embed_model=embed_model))


def corpus_sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if 20 < len(s) < 300]


def write_generated_corpus(folder: Path, n_files: int, sentences_per_file: int = 2, *, salt: str = "") -> Path:
    """`n_files` small files made of sentences of the bundled corpus (one chunk each)."""
    sentences = corpus_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        body = " ".join(sentences[(i * 5 + j) % len(sentences)] for j in range(sentences_per_file))
        (folder / f"doc{i:03d}.txt").write_text(f"Document {i} {salt}\n\n{body}\n", encoding="utf-8")
    return folder


def statuses(report: Any) -> dict[str, str]:
    return {f.source: f.status for f in report.files}


def index_facts(bot: Assistant) -> dict[str, Any]:
    """Assert the index is consistent; return what was checked (ids, chunks per document).

    - no duplicate chunk id, no duplicate (document_id, chunk) pair in Chroma;
    - every chunk belongs to a document with a bookkeeping record of the same content hash, and every
      record's chunk count is the number of its chunks in Chroma;
    - the BM25 index holds exactly the chunk ids Chroma holds.
    """
    components = bot._components
    store = components.store
    store.invalidate()
    page = store.collection.get(include=["metadatas"])
    ids = page["ids"]
    assert len(ids) == len(set(ids)), "duplicate chunk ids in Chroma"
    pairs = Counter((m["document_id"], m["chunk"]) for m in page["metadatas"])
    duplicated = [pair for pair, n in pairs.items() if n > 1]
    assert not duplicated, f"duplicate (document_id, chunk) pairs: {duplicated[:5]}"
    records = {r.document_id: r for r in store.list_records()}
    assert len(records) == len(store.list_records()), "two records for one document"
    per_doc = Counter(m["document_id"] for m in page["metadatas"])
    for meta in page["metadatas"]:
        record = records.get(meta["document_id"])
        assert record is not None, f"orphan chunks of {meta['document_id']}"
        assert meta["doc_hash"] == record.hash, f"chunk of another version of {meta['document_id']}"
    for doc_id, record in records.items():
        assert per_doc.get(doc_id, 0) == record.chunks, f"{doc_id}: record says {record.chunks} chunks"
    components.bm25.refresh()
    bm25_ids = components.bm25.node_ids()
    assert len(bm25_ids) == len(set(bm25_ids)), "duplicate ids in BM25"
    assert set(bm25_ids) == set(ids), "BM25 and Chroma disagree"
    return {"ids": set(ids), "per_doc": dict(per_doc), "records": records}
