"""Hybrid retrieval: dense (Chroma) + BM25 (French/English stemming and stopwords), fused.

Fusion is done here rather than with QueryFusionRetriever because the answerer and the abstention
check need each retriever's raw score (dense cosine, BM25 score) for every fused passage, and
QueryFusionRetriever overwrites them in place while fusing. The fusion itself is the same
reciprocal-rank formula (k=60) or a weighted sum of min-max normalised scores.
"""

from __future__ import annotations

import copy
import math
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.errors import StoreUnavailableError
from assistant.store import Store, write_json_atomic
from assistant.text import stemmer, stopwords

RRF_K = 60.0


@dataclass
class Hit:
    """A fused result with the raw signals behind it."""

    node: TextNode
    score: float  # fused score, higher is better
    dense: float | None = None  # cosine similarity, when the dense retriever returned it
    bm25: float | None = None  # BM25 score, when BM25 returned it


class Bm25Index:
    """The BM25 retriever, kept consistent with Chroma: rebuilt when the collection's generation moves."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._lock = threading.Lock()
        self._retriever: Any = None
        self._generation = -1

    def retriever(self, k: int) -> Any | None:
        """A BM25 retriever returning `k` hits, for the current generation (None when the index is empty).

        Each call gets its own shallow copy (sharing the index) so that concurrent callers asking for
        different `k` do not overwrite each other's `similarity_top_k`.
        """
        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                self._retriever = self._load(generation) or self._build(generation)
                self._generation = generation
            if self._retriever is None:
                return None
            view = copy.copy(self._retriever)
        n_docs = int(view.bm25.scores.get("num_docs", 0))
        view.similarity_top_k = max(1, min(k, n_docs))
        return view

    def refresh(self) -> None:
        """Rebuild now (after a sync) so the first question after it is not slowed down."""
        self.retriever(1)

    def _load(self, generation: int) -> Any | None:
        from llama_index.retrievers.bm25 import BM25Retriever

        stamp = self.folder / "generation.json"
        if not stamp.exists() or _read_stamp(stamp) != _stamp(generation):
            return None  # built for another generation of the collection, or with another stemmer
        retriever = BM25Retriever.from_persist_dir(str(self.folder), show_progress=False)
        retriever.stemmer = stemmer()  # persisting forgets the stemmer: set it again
        return retriever

    def _build(self, generation: int) -> Any | None:
        import logging

        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = self.store.all_nodes()
        shutil.rmtree(self.folder, ignore_errors=True)
        if not nodes:
            return None
        logging.getLogger("bm25s").setLevel(logging.ERROR)
        retriever = BM25Retriever.from_defaults(
            nodes=nodes, stemmer=stemmer(), language=sorted(stopwords()), similarity_top_k=1
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        retriever.persist(str(self.folder))
        write_json_atomic(self.folder / "generation.json", _stamp(generation))
        return retriever


def _stamp(generation: int) -> dict[str, Any]:
    """What a persisted BM25 index must match to be reused."""
    return {"generation": generation, "stemmer": stemmer().name}


def _read_stamp(path: Path) -> dict[str, Any]:
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def chroma_cosine(similarity: float | None) -> float | None:
    """ChromaVectorStore reports exp(-distance); with cosine distance that is exp(cos - 1)."""
    if similarity is None or similarity <= 0:
        return None
    return 1.0 + math.log(similarity)


class HybridRetriever(BaseRetriever):
    """Dense + BM25, fused. `mode` picks hybrid, dense only or BM25 only (for the eval)."""

    def __init__(
        self, dense: BaseRetriever, bm25: Bm25Index, *, mode: str = "hybrid", fusion: str = "rrf",
        dense_weight: float = 0.5, candidates_k: int = 20, top_k: int = 5,
    ) -> None:
        super().__init__()
        self.dense = dense
        self.bm25 = bm25
        self.mode = mode
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.candidates_k = candidates_k
        self.top_k = top_k

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        k = top_k or self.top_k
        try:
            dense_hits = self._dense(query) if self.mode in ("hybrid", "dense") else []
        except (httpx.TransportError, ConnectionError) as err:  # a Chroma server that went away
            raise StoreUnavailableError(
                f"The Chroma store is unreachable ({type(err).__name__}). Check the server, then retry."
            ) from None
        bm25_hits = self._bm25(query) if self.mode in ("hybrid", "bm25") else []
        fused = self._fuse(dense_hits, bm25_hits)
        return fused[:k]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=h.node, score=h.score) for h in self.search(query_bundle.query_str)]

    def _dense(self, query: str) -> list[NodeWithScore]:
        self.dense.similarity_top_k = self.candidates_k
        return self.dense.retrieve(query)

    def _bm25(self, query: str) -> list[NodeWithScore]:
        retriever = self.bm25.retriever(self.candidates_k)
        if retriever is None:
            return []
        # BM25 pads results to top_k with score-0 hits: drop them, or they earn fusion credit.
        return [n for n in retriever.retrieve(query) if (n.score or 0.0) > 0.0]

    def _fuse(self, dense: list[NodeWithScore], bm25: list[NodeWithScore]) -> list[Hit]:
        hits: dict[str, Hit] = {}
        lists = (("dense", dense), ("bm25", bm25))
        for name, results in lists:
            ranked = sorted(results, key=lambda n: n.score or 0.0, reverse=True)
            scores = [n.score or 0.0 for n in ranked]
            lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
            weight = self.dense_weight if name == "dense" else 1.0 - self.dense_weight
            for rank, result in enumerate(ranked):
                hit = hits.setdefault(result.node.node_id, Hit(node=result.node, score=0.0))
                raw = result.score or 0.0
                if name == "dense":
                    hit.dense = chroma_cosine(raw)
                else:
                    hit.bm25 = raw
                if self.fusion == "weighted" and self.mode == "hybrid":
                    hit.score += weight * ((raw - lo) / (hi - lo) if hi > lo else 1.0)
                else:
                    hit.score += 1.0 / (RRF_K + rank + 1)
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)
