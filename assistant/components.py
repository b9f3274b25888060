"""The heavy, shared pieces behind an Assistant, built lazily and once: embedding model, store, BM25.

Variants of an assistant (other retrieval mode, other LLM) share one Components object, so the
model is loaded once and the store is opened once. A store that cannot be reached is retried on
the next call, so a UI recovers when a Chroma server comes back.
"""

from __future__ import annotations

import math
from collections import Counter
import threading
from pathlib import Path
from typing import Any

from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from core.errors import AssistantError
from core.providers import embedding_identity, make_embedding
from assistant.retrieve import HybridRetriever
from index.bm25 import Bm25Index
from core.settings import Settings
from index.store import Root, Store
from ingest.report import SyncReport


class Components:
    def __init__(self, settings: Settings, *, embed_model: Any = None) -> None:
        """`embed_model` lets callers share an already loaded model (tests, benchmarks)."""
        self.settings = settings
        self._lock = threading.RLock()
        self._embed: Any = embed_model
        self._store: Store | None = None
        self._bm25: Bm25Index | None = None
        self._dense: Any = None

    @property
    def embed_model(self) -> Any:
        with self._lock:
            if self._embed is None:
                self._embed = make_embedding(self.settings)
            return self._embed

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of short texts (sentence alignment for citations), with the index's model."""
        return self.embed_model.get_text_embedding_batch(texts)

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings, embedding_identity(self.settings))
            return self._store

    @property
    def bm25(self) -> Bm25Index:
        with self._lock:
            if self._bm25 is None:
                self._bm25 = Bm25Index(self.store, self.settings.state_dir / "bm25")
            return self._bm25

    def retriever(self, settings: Settings) -> HybridRetriever:
        """A retriever for `settings` (a variant may use another mode or fusion)."""
        store = self.store
        store.check_identity()
        with self._lock:
            if self._dense is None:
                from llama_index.core import VectorStoreIndex

                self._dense = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=self.embed_model)
        # A dense retriever per call: HybridRetriever sets its top-k, which must not leak across threads.
        dense = self._dense.as_retriever(similarity_top_k=settings.candidates_k)
        return HybridRetriever(
            dense, self.bm25, mode=settings.retrieval, fusion=settings.fusion,
            dense_weight=settings.dense_weight, candidates_k=settings.candidates_k, top_k=settings.top_k,
        )

    def bm25_top_score(self, query: str) -> float:
        """The best BM25 score of `query` over the corpus (0.0 when nothing matches)."""
        retriever = self.bm25.retriever(1)
        if retriever is None:
            return 0.0
        return max((n.score or 0.0 for n in retriever.retrieve(query)), default=0.0)

    def abstain_threshold(self, ratio: float) -> float:
        """The BM25 score below which to abstain: `ratio` × ln(1 + chunks in the BM25 index)."""
        retriever = self.bm25.retriever(1)
        n_docs = float(retriever.bm25.scores.get("num_docs", 0)) if retriever is not None else 0.0
        return ratio * math.log1p(n_docs)

    def article_nodes(self, source: str, title: str) -> list[TextNode]:
        """Every chunk of one article (chunks of `source` under `title`), in document order."""
        where = {"$and": [{"source": source}, {"title": title}]}
        page = self.store.collection.get(where=where, include=["documents", "metadatas"])
        nodes = []
        for node_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
            node = metadata_dict_to_node(meta, text=text)
            node.id_ = node_id
            nodes.append(node)
        return sorted(nodes, key=lambda n: int(n.metadata.get("start_char", 0) or 0))

    def articles(self) -> list[tuple[str, str, int]]:
        """(source, title, chunks) of every article in the index, largest first."""
        counts = Counter((str(m.get("source", "")), str(m.get("title", ""))) for m in self.store.chunk_metadata())
        return [(source, title, n) for (source, title), n in counts.most_common()]

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """IDF of stemmed terms from the BM25 index (1.0 when unknown or when BM25 is empty)."""
        retriever = self.bm25.retriever(1)
        if retriever is None:
            return {t: 1.0 for t in terms}
        bm25 = retriever.bm25
        n_docs = float(bm25.scores.get("num_docs", 1))
        indptr = bm25.scores["indptr"]
        out = {}
        for term in terms:
            idx = bm25.vocab_dict.get(term)
            df = float(indptr[idx + 1] - indptr[idx]) if idx is not None else 0.0
            out[term] = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        return out

    # --- writes ----------------------------------------------------------------------------------

    def sync(self, path: Path, *, show_progress: bool, rebuild: bool) -> SyncReport:
        from ingest.sync import Syncer, ingest_lock

        store = self.store
        if rebuild:
            with ingest_lock(self.settings.data_dir):
                store.reset()
        store.check_identity(max_age=0)  # fresh: also proves the store is reachable before writing
        report = Syncer(store, lambda: self.embed_model, self.settings).sync(path, show_progress=show_progress)
        if report.changed_anything:
            self.bm25.refresh()
        return report

    def _find_root(self, source: str, root: str | None) -> Root:
        store = self.store
        candidates = [r for r in store.roots() if root is None or r.path == str(Path(root).resolve())]
        holding = [r for r in candidates if store.docstore(r).get_document_hash(f"{r.key}:{source}") is not None]
        if not holding:
            raise AssistantError(f"No ingested document named {source!r}; see `assistant documents`.")
        if len(holding) > 1:
            raise AssistantError(f"{source!r} was ingested from several folders; say which with root=.")
        return holding[0]

    def remove(self, source: str, root: str | None) -> int:
        from ingest.sync import ingest_lock

        with ingest_lock(self.settings.data_dir):
            found = self._find_root(source, root)
            store = self.store
            doc_id = f"{found.key}:{source}"
            removed = store.delete_document(doc_id)
            docstore = store.docstore(found)
            docstore.delete_document(doc_id, raise_error=False)
            docstore.delete_ref_doc(doc_id, raise_error=False)
            store.save_docstore(found)
            stats = found.read_stats()
            stats.pop(doc_id, None)
            found.write_stats(stats)
            uploads = self.settings.uploads_dir.resolve()
            uploaded = uploads / source
            in_uploads = Path(found.path).resolve() == uploads and uploaded.resolve().parent == uploads
            if in_uploads and uploaded.is_file() and not uploaded.is_symlink():
                uploaded.unlink()  # an upload removed from the index is removed from disk too
            store.bump_generation()
        self.bm25.refresh()
        return removed

    def source_text(self, source: str, root: str | None) -> str:
        found = self._find_root(source, root)
        doc = self.store.docstore(found).get_document(f"{found.key}:{source}", raise_error=False)
        return doc.text if doc is not None else ""
