"""The store: one Chroma collection (vectors, chunk text, metadata) plus local state beside it.

Chroma is the source of truth for chunks. Beside it, under `<data_dir>/state/`:
- one LlamaIndex docstore per ingested folder ("root"), holding each document's hash and text, which
  drives sync (unchanged files cost nothing) and lets a citation show its passage in context;
- the BM25 index, derived from Chroma and stamped with the collection's generation, rebuilt when stale.

The collection's metadata records the embedding model and schema that built it, and a generation
counter bumped by every sync that changes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from llama_index.core.schema import TextNode
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from core.errors import IndexMismatchError, StoreUnavailableError
from core.providers import make_chroma_client
from core.settings import Settings

SCHEMA_VERSION = 1
_PAGE = 5000
# Collection metadata (identity, generation) is re-read at most this often: a sync in another
# process or on another machine is noticed within this many seconds.
METADATA_TTL = 1.0


@dataclass(frozen=True)
class Root:
    """An ingested folder and where its docstore lives."""

    path: str  # absolute path of the folder (or of the single file) that was ingested
    key: str  # short stable id derived from the path
    state_dir: Path

    @property
    def docstore_path(self) -> Path:
        return self.state_dir / "docstore.json"

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "sync-journal.json"

    def read_stats(self) -> dict[str, Any]:
        """Per-document listing (source, chunks, tokens, titles, ingested_at), keyed by doc id."""
        path = self.state_dir / "stats.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def write_stats(self, stats: dict[str, Any]) -> None:
        write_json_atomic(self.state_dir / "stats.json", stats)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so a crash leaves either the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@lru_cache(maxsize=1)
def _batched_chroma_class() -> type:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    class BatchedChromaVectorStore(ChromaVectorStore):
        """ChromaVectorStore sending at most `max_batch` chunks per Chroma call."""

        max_batch: int = 5000

        def add(self, nodes: list[Any], **kwargs: Any) -> list[str]:
            ids: list[str] = []
            for begin in range(0, len(nodes), self.max_batch):
                ids.extend(super().add(nodes[begin:begin + self.max_batch], **kwargs))
            return ids

    return BatchedChromaVectorStore


class Store:
    """Chroma collection + per-root docstores + identity checks."""

    def __init__(self, settings: Settings, embedding_id: str) -> None:
        self.settings = settings
        self.embedding_id = embedding_id
        self.state_dir = settings.state_dir
        self.client = make_chroma_client(settings)
        self._lock = threading.RLock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self.collection = self._open_collection()
        self._docstores: dict[str, SimpleDocumentStore] = {}

    # --- collection ----------------------------------------------------------------------------

    def _open_collection(self) -> Any:
        try:
            return self.client.get_or_create_collection(
                self.settings.collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding": self.embedding_id, "schema": SCHEMA_VERSION, "generation": 0},
            )
        except Exception as err:
            raise StoreUnavailableError(f"Cannot open the Chroma collection ({type(err).__name__}: {err}).") from None

    @property
    def vector_store(self) -> Any:
        """The collection as a LlamaIndex vector store, writing in batches Chroma accepts.

        ChromaVectorStore.add sends up to 41,665 chunks per call, but an embedded Chroma takes at most
        `get_max_batch_size()` (5,461 here): a sync producing more chunks than that would fail.
        """
        return _batched_chroma_class()(chroma_collection=self.collection, max_batch=int(self.client.get_max_batch_size()))

    def metadata(self, max_age: float = METADATA_TTL) -> dict[str, Any]:
        """Collection metadata, at most `max_age` seconds old (another process may have synced since)."""
        cached = self._metadata
        if cached is not None and time.monotonic() - cached[0] < max_age:
            return dict(cached[1])
        try:
            meta = dict(self.client.get_collection(self.settings.collection).metadata or {})
        except Exception as err:
            raise StoreUnavailableError(
                f"The Chroma store is unreachable ({type(err).__name__}). Check the server or ASSISTANT_DATA_DIR, then retry."
            ) from None
        self._metadata = (time.monotonic(), meta)
        return dict(meta)

    def check_identity(self, max_age: float = METADATA_TTL) -> None:
        """Stop when the index was built with another embedding model or schema."""
        meta = self.metadata(max_age)
        built_with = meta.get("embedding")
        if built_with != self.embedding_id:
            raise IndexMismatchError(
                f"The index was built with {built_with}, but {self.embedding_id} is configured: "
                "re-ingest with `assistant ingest --rebuild PATH` (or restore the previous embedding settings)."
            )
        if meta.get("schema") != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"The index uses schema {meta.get('schema')} but this version needs {SCHEMA_VERSION}: "
                "re-ingest with `assistant ingest --rebuild PATH`."
            )

    def generation(self) -> int:
        return int(self.metadata().get("generation", 0))

    def bump_generation(self) -> int:
        with self._lock:
            meta = self.metadata(max_age=0)
            meta["generation"] = int(meta.get("generation", 0)) + 1
            self.collection.modify(metadata=meta)
            self._metadata = None
            return meta["generation"]

    def count(self) -> int:
        try:
            return self.collection.count()
        except Exception as err:
            raise StoreUnavailableError(f"The Chroma store is unreachable ({type(err).__name__}).") from None

    def all_nodes(self) -> list[TextNode]:
        """Every chunk in the collection, as LlamaIndex nodes (text + metadata, no vectors)."""
        nodes: list[TextNode] = []
        offset = 0
        while True:
            page = self.collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            for node_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                node = metadata_dict_to_node(meta, text=text)
                node.id_ = node_id
                nodes.append(node)
            if len(page["ids"]) < _PAGE:
                return nodes
            offset += _PAGE

    def chunk_metadata(self, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Metadata of every chunk (optionally filtered), for listings and reports."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], where=where, limit=_PAGE, offset=offset)
            out.extend(page["metadatas"])
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def delete_document(self, doc_id: str) -> int:
        """Remove every chunk of one document; returns how many went."""
        ids = self.collection.get(where={"document_id": doc_id}, include=[])["ids"]
        if ids:
            self.collection.delete(ids=ids)
        return len(ids)

    def reset(self) -> None:
        """Drop the collection and all local state (used by `ingest --rebuild`)."""
        with self._lock:
            try:
                self.client.delete_collection(self.settings.collection)
            except Exception:  # noqa: BLE001 - absent collection is fine
                pass
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self._docstores.clear()
            self._metadata = None
            self.collection = self._open_collection()

    # --- roots and docstores -------------------------------------------------------------------

    def root_for(self, path: Path) -> Root:
        absolute = str(path.resolve())
        key = hashlib.sha1(absolute.encode("utf-8")).hexdigest()[:12]
        return Root(path=absolute, key=key, state_dir=self.state_dir / "roots" / key)

    def roots(self) -> list[Root]:
        folder = self.state_dir / "roots"
        out = []
        for info in sorted(folder.glob("*/root.json")) if folder.is_dir() else []:
            path = json.loads(info.read_text(encoding="utf-8"))["path"]
            out.append(Root(path=path, key=info.parent.name, state_dir=info.parent))
        return out

    def docstore(self, root: Root) -> SimpleDocumentStore:
        with self._lock:
            if root.key not in self._docstores:
                if root.docstore_path.exists():
                    self._docstores[root.key] = SimpleDocumentStore.from_persist_path(str(root.docstore_path))
                else:
                    self._docstores[root.key] = SimpleDocumentStore()
            return self._docstores[root.key]

    def forget_docstore(self, root: Root) -> None:
        """Drop the cached docstore so the next access reads it from disk."""
        with self._lock:
            self._docstores.pop(root.key, None)

    def save_docstore(self, root: Root) -> None:
        with self._lock:
            store = self.docstore(root)
            root.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = root.docstore_path.with_suffix(".json.tmp")
            store.persist(str(tmp))
            os.replace(tmp, root.docstore_path)
            write_json_atomic(root.state_dir / "root.json", {"path": root.path, "saved_at": time.time()})
