"""The incremental BM25 index: same scores as llama-index's BM25Retriever (bm25s) over the same
chunks, and an incremental update equals a fresh build. Also the local-file rules (index/localfs.py)."""

from __future__ import annotations

import errno
import re

import pytest
from llama_index.core.schema import MetadataMode, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict

from index.lexical import Segment, Snapshot, query_terms, tokenize
from index.localfs import disk_error, read_json, write_json_atomic
from tests.conftest import CORPUS

QUERIES = ["Qui a composé la musique du film ?", "harbour ships Valparaiso", "électricité géothermie Reykjavik",
           "the the the", "xyzzy"]


def _nodes() -> list[TextNode]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()][:300]
    return [TextNode(id_=f"d{i // 10}::{i % 10:05d}", text=p) for i, p in enumerate(parts)]


def _segments(nodes: list[TextNode]) -> list[Segment]:
    by_doc: dict[str, list[TextNode]] = {}
    for node in nodes:
        by_doc.setdefault(node.node_id.split("::")[0], []).append(node)
    out = []
    for doc, group in by_doc.items():
        terms = tokenize([n.get_content(metadata_mode=MetadataMode.EMBED) for n in group])
        entries = [node_to_metadata_dict(n) | {"node_id": n.node_id} for n in group]
        out.append(Segment(f"{doc}@h", entries, [dict(t) for t in terms]))
    return out


def _ranked(snapshot: Snapshot, query: str, k: int = 10) -> list[tuple[str, float]]:
    return [(e["node_id"], round(s, 3)) for e, s in snapshot.search(query_terms(query), k)]


def test_scores_match_bm25s():
    from llama_index.retrievers.bm25 import BM25Retriever

    from core.text import stemmer, stopwords

    nodes = _nodes()
    reference = BM25Retriever.from_defaults(nodes=nodes, stemmer=stemmer(), language=sorted(stopwords()), similarity_top_k=10)
    snapshot = Snapshot.empty().updated(_segments(nodes), set())
    for query in QUERIES:
        expected = [(n.node.node_id, round(n.score, 3)) for n in reference.retrieve(query) if n.score > 0]
        assert _ranked(snapshot, query) == expected, query


def test_incremental_update_equals_a_fresh_build():
    segments = _segments(_nodes())
    first, rest = segments[:20], segments[20:]
    base = Snapshot.empty().updated(first, set())
    removed = {first[3].record_id, first[7].record_id}
    grown = base.updated(rest, removed)
    fresh = Snapshot.empty().updated([s for s in segments if s.record_id not in removed], set())
    assert grown.n_docs == fresh.n_docs
    for query in QUERIES:
        assert _ranked(grown, query) == _ranked(fresh, query), query
    # The old snapshot is untouched: questions still running on it see the old index.
    assert base.n_docs == sum(len(s.entries) for s in first)


def test_local_files_are_atomic_and_corrupt_ones_read_as_missing(tmp_path):
    path = tmp_path / "state" / "x.json"
    write_json_atomic(path, {"a": 1})
    assert read_json(path) == {"a": 1} and not list(path.parent.glob(".*tmp*"))
    path.write_text('{"a": ', encoding="utf-8")
    assert read_json(path) is None and read_json(tmp_path / "missing.json") is None


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "is full"), (errno.EACCES, "make it writable")])
def test_disk_errors_are_one_line_saying_which_folder(tmp_path, code, words):
    message = str(disk_error(tmp_path / "state" / "x.json", OSError(code, "boom")))
    assert words in message and str(tmp_path) in message and "\n" not in message
