"""The BM25 index over every chunk in Chroma, kept consistent with it: rebuilt when the
collection's generation moves, persisted under the data dir as a cache."""

from __future__ import annotations

import copy
import json
import shutil
import threading
from pathlib import Path
from typing import Any

from core.text import stemmer, stopwords
from index.store import Store, write_json_atomic


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
    return json.loads(path.read_text(encoding="utf-8"))
