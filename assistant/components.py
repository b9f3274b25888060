"""The heavy, shared pieces behind an Assistant, built lazily and once: embedding model, store, BM25.

Variants of an assistant (other retrieval mode, other LLM) share one Components object, so the
model is loaded once and the store is opened once. A store that cannot be reached is retried on
the next call, so a UI recovers when a Chroma server comes back. Everything read from the index is
keyed by its state (Store.state: collection ids + content fingerprint), so a long-lived process
follows syncs, removals and rebuilds made by other processes or machines within about a second.
"""

from __future__ import annotations

import math
from collections import Counter
import threading
from pathlib import Path
from typing import Any, Callable

from llama_index.core.schema import BaseNode, TextNode, TransformComponent

from core.errors import AssistantError, EmptyIndexError
from core.providers import embedding_identity, make_embedding
from core.settings import Settings
from core.text import question_names
from assistant.retrieve import HybridRetriever
from index.bm25 import Bm25Index
from index.crossterms import WordBridge
from index.lexical import query_terms
from core.hooks import kill_point
from index.records import DocRecord, document_of
from index.store import Store
from ingest.report import SyncReport


class ReadOnly(TransformComponent):
    """The dense index is only read through `Components`; without a transformation of its own,
    LlamaIndex builds its default SentenceSplitter, which loads tiktoken (~0.5 s of a cold ask)."""

    def __call__(self, nodes: list[BaseNode], **kwargs: Any) -> list[BaseNode]:
        return nodes


_SENTENCE_CACHE = 4096  # sentence embeddings remembered (384 floats each: about 13 MB as Python lists)


_NAME_PREFIX = 4  # a name is known when an indexed term shares its first 4 letters (Moscow / Moscou)


class Components:
    def __init__(self, settings: Settings, *, embed_model: Any = None) -> None:
        """`embed_model` lets callers share an already loaded model (tests, benchmarks)."""
        self.settings = settings
        self._lock = threading.RLock()
        self._embed: Any = embed_model
        self._store: Store | None = None
        self._bm25: Bm25Index | None = None
        self._dense: tuple[Any, Any] | None = None  # (collection object it reads, index)
        self._records: tuple[str, list[DocRecord]] | None = None
        self._articles: tuple[str, list[tuple[str, str, int]]] | None = None
        self._sentences: dict[str, list[float]] = {}  # sentence -> embedding, oldest first (embed_texts)
        self._prefixes: tuple[Any, set[str]] | None = None  # (BM25 snapshot, its terms' first letters): unknown_names
        self._bridge: WordBridge | None = None

    @property
    def embed_model(self) -> Any:
        with self._lock:
            if self._embed is None:
                self._embed = make_embedding(self.settings)
            return self._embed

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of short texts (sentences: citation alignment, cross-language evidence), with the index's
        model; the last `_SENTENCE_CACHE` are remembered (the same passages come back question after question)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._sentences))
        if missing:
            vectors = self.embed_model.get_text_embedding_batch(missing)
            with self._lock:
                self._sentences.update(zip(missing, vectors))
                while len(self._sentences) > _SENTENCE_CACHE:
                    self._sentences.pop(next(iter(self._sentences)))
        with self._lock:
            return [self._sentences[t] for t in texts]

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

    # --- reads -----------------------------------------------------------------------------------

    def retriever(self, settings: Settings) -> HybridRetriever:
        """A retriever for `settings` (a variant may use another mode or fusion)."""
        store = self.store
        state = store.state()
        if not state.exists:
            raise EmptyIndexError("The index does not exist (deleted or never built): run `assistant ingest PATH`.")
        store.check_identity()
        with self._lock:
            if self._dense is None or self._dense[0] is not store.collection:
                from llama_index.core import VectorStoreIndex

                index = VectorStoreIndex.from_vector_store(
                    store.vector_store, embed_model=self.embed_model, transformations=[ReadOnly()]
                )
                self._dense = (store.collection, index)
            dense_index = self._dense[1]
        # A dense retriever per call: HybridRetriever sets its top-k, which must not leak across threads.
        dense = dense_index.as_retriever(similarity_top_k=settings.candidates_k)
        return HybridRetriever(
            dense, self.bm25, mode=settings.retrieval, fusion=settings.fusion,
            dense_weight=settings.dense_weight, candidates_k=settings.candidates_k, top_k=settings.top_k,
            live=state.live, guard=store._guard,
            per_language=settings.tuning.bm25_per_language, keep_best=settings.tuning.keep_lane_best,
            across=self._across(settings),
        )

    def _across(self, settings: Settings) -> Callable[[str], tuple[str, list[str]]] | None:
        """A question's words in the corpus's other language (index/crossterms.py), or None: off, or an embedding
        model other than e5 (the similarity floor was calibrated on e5's word vectors)."""
        tuning = settings.tuning
        if not tuning.across_terms or "e5" not in embedding_identity(settings).lower():
            return None
        bridge = self.word_bridge

        def across(query: str) -> tuple[str, list[str]]:
            return bridge.translations(self.bm25.snapshot(), query, per_word=tuning.across_terms,
                                       min_similarity=tuning.across_terms_similarity)
        return across

    def across_words(self, settings: Settings, text: str) -> list[str]:
        """`text`'s words in the corpus's other language (`Tuning.across_terms`), [] when off."""
        across = self._across(settings)
        return across(text)[1] if across is not None else []

    @property
    def word_bridge(self) -> WordBridge:
        with self._lock:
            if self._bridge is None:
                embed = self.embed_model
                queries = getattr(embed, "get_query_embeddings", None) or (lambda words: [embed.get_query_embedding(w) for w in words])
                self._bridge = WordBridge(self.settings.state_dir / "bm25" / "words", embed.get_text_embedding_batch,
                                          queries, embedding_identity(self.settings))
            return self._bridge

    def bm25_top_score(self, query: str) -> float:
        """The best BM25 score of `query` over the corpus (0.0 when nothing matches)."""
        return max((n.score or 0.0 for n in self.bm25.search(query, 1)), default=0.0)

    def unknown_names(self, question: str) -> list[str]:
        """The names `question` holds (core.text.question_names) that no chunk of the index holds: "Windows XP"
        asked of a corpus that never writes "XP"."""
        snap = self.bm25.snapshot()
        if not snap.n_docs:
            return []
        if self._prefixes is None or self._prefixes[0] is not snap:
            self._prefixes = (snap, {t[:_NAME_PREFIX] for t in snap.postings})
        prefixes = self._prefixes[1]

        def known(term: str) -> bool:  # "Moscow" is known from "Moscou": another language's spelling of a name
            return snap.df(term) > 0 or (len(term) >= _NAME_PREFIX and term[:_NAME_PREFIX] in prefixes)

        return [name for name in question_names(question) if (terms := query_terms(name)) and not any(known(t) for t in terms)]

    def abstain_threshold(self, ratio: float) -> float:
        """The BM25 score below which to abstain: `ratio` × ln(1 + chunks in the BM25 index)."""
        return ratio * math.log1p(self.bm25.snapshot().n_docs)

    def article_nodes(self, source: str, title: str) -> list[TextNode]:
        """Every chunk of one article (chunks of `source` under `title`), in document order."""
        return self._live_nodes({"$and": [{"source": source}, {"title": title}]})

    def source_nodes(self, source: str) -> list[TextNode]:
        """Every chunk of one file, all its articles, in document order (one query)."""
        return self._live_nodes({"source": source})

    def _live_nodes(self, where: dict[str, Any]) -> list[TextNode]:
        state = self.store.state()
        nodes = [n for n in self.store.nodes(where) if state.holds(n.node_id, n.metadata)]
        return sorted(nodes, key=lambda n: int(n.metadata.get("start_char", 0) or 0))

    def articles(self) -> list[tuple[str, str, int]]:
        """(source, title, chunks) of every article in the index, largest first."""
        state = self.store.state()
        cached = self._articles
        if cached is not None and cached[0] == state.key:
            return cached[1]
        counts = Counter((str(meta.get("source", "")), str(meta.get("title", "")))
                         for node_id, meta in self.store.chunk_metadata() if state.holds(node_id, meta))
        articles = [(source, title, n) for (source, title), n in counts.most_common()]
        self._articles = (state.key, articles)
        return articles

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """IDF of stemmed terms from the BM25 index (1.0 when unknown or when BM25 is empty)."""
        snap = self.bm25.snapshot()
        if not snap.n_docs:
            return {t: 1.0 for t in terms}
        return {t: snap.idf(t) for t in terms}

    def records(self) -> list[DocRecord]:
        """Every document's bookkeeping record, cached per index state."""
        store = self.store
        state = store.state()
        cached = self._records
        if cached is not None and cached[0] == state.key:
            return cached[1]
        latest: dict[str, DocRecord] = {}
        for record in store.list_records() if state.exists else []:  # two for one document: mid-update
            if record.document_id not in latest or record.ingested_at > latest[record.document_id].ingested_at:
                latest[record.document_id] = record
        records = list(latest.values())
        self._records = (state.key, records)
        return records

    # --- writes ----------------------------------------------------------------------------------

    def sync(self, path: Path, *, show_progress: bool, rebuild: bool, on_step: Any = None) -> SyncReport:
        from ingest.sync import Syncer, ingest_lock

        store = self.store
        if rebuild:
            with ingest_lock(self.settings.data_dir):
                store.reset()
        else:
            store.reopen()  # creates the collections if they were deleted elsewhere
        store.check_identity(max_age=0)  # fresh: also proves the store is reachable before writing
        report = Syncer(store, lambda: self.embed_model, self.settings).sync(
            path, show_progress=show_progress, on_step=on_step
        )
        if report.changed_anything or self.bm25.loaded:
            self.bm25.refresh()  # now, so the first question after a change is not slowed down
        return report

    def find(self, source: str, root: str | None) -> list[str]:
        """Ids of the documents named `source` (in folder `root`), from records or leftover chunks."""
        store = self.store
        wanted = str(Path(root).resolve()) if root else None
        found = {r.document_id for r in store.list_records(where={"source": source})
                 if wanted is None or r.root_path == wanted}
        if not found:
            found = {document_of(c) for c in store.chunk_ids(where={"source": source})}
            if wanted is not None:
                found = {d for d in found if d.split(":", 1)[0] == store.root_for(Path(wanted)).key}
        if not found:
            raise AssistantError(f"No ingested document named {source!r}; see `assistant documents`.")
        if len(found) > 1:
            raise AssistantError(f"{source!r} was ingested from several folders; say which with root=.")
        return sorted(found)

    def remove(self, source: str, root: str | None) -> int:
        """Record first, then chunks, under the folder's write mark (index/marks.py): a crash in
        between leaves chunks that search ignores and the next sync of the folder (which finds the
        mark) or removal deletes."""
        from index.marks import WriteMarks
        from ingest.sync import ingest_lock

        store = self.store
        with ingest_lock(self.settings.data_dir):
            (doc_id,) = self.find(source, root)
            records = store.list_records(where={"document_id": doc_id})
            marks, folder_key = WriteMarks(store), doc_id.split(":", 1)[0]
            left = marks.get(folder_key)  # an interrupted sync's mark stays for that sync to repair
            if left is None:
                marks.set(folder_key, "remove")
            store.delete_records(r.record_id for r in records)
            kill_point("remove:record-deleted")
            removed = store.delete_chunks(store.chunk_ids(where={"document_id": doc_id}))
            kill_point("remove:chunks-deleted")
            if left is None:
                marks.clear(folder_key)
            uploads = self.settings.uploads_dir.resolve()
            uploaded = uploads / source
            folder = records[0].root_path if records else ""
            in_uploads = Path(folder).resolve() == uploads and uploaded.resolve().parent == uploads
            if folder and in_uploads and uploaded.is_file() and not uploaded.is_symlink():
                uploaded.unlink()  # an upload removed from the index is removed from disk too
        self.bm25.refresh()
        return removed

    def source_text(self, source: str, root: str | None) -> str:
        (doc_id,) = self.find(source, root)
        records = self.store.list_records(where={"document_id": doc_id})
        return self.store.record_text(records[0]) if records else ""
