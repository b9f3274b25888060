"""The store: two Chroma collections, the single source of truth for the index.

- `<collection>`: the chunks (vectors, text, metadata); chunk ids are `<document id>::<n>`.
- `<collection>.documents`: one bookkeeping record per document (see index/records.py).

Nothing under the data dir is needed to plan a sync or list documents: any machine pointed at the
same Chroma computes the same plan. The chunk collection's metadata records the embedding model and
schema that built it. The index *version* is derived from content (both collection ids and the hash
of the sorted record ids), so concurrent writers can never lose a version bump and every cache
(BM25, document list, dense retriever) keys on it. A long-lived process re-reads it at most every
STATE_TTL seconds and reopens collections that were rebuilt or deleted elsewhere.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node

from core.errors import EmptyIndexError, IndexMismatchError, StoreUnavailableError
from core.providers import make_chroma_client
from core.settings import Settings
from index.chroma_errors import IndexChangedError, chroma_failure
from index.localfs import LocalDiskError
from index.records import RECORD_VECTOR, DocRecord, record_of

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: deterministic chunk ids + bookkeeping collection
_PAGE = 5000
STATE_TTL = 1.0  # seconds: a change made elsewhere is noticed within this delay
T = TypeVar("T")


@dataclass(frozen=True)
class Root:
    """An ingested folder. Its identity is its absolute path (see README: "the same folder")."""

    path: str
    key: str


@dataclass(frozen=True)
class IndexState:
    """What the index holds right now; `key` changes whenever its content does."""

    chunks_id: str
    records_id: str
    fingerprint: str
    live: frozenset[str]  # record ids
    exists: bool = True

    @property
    def key(self) -> str:
        return f"{self.chunks_id}/{self.records_id}/{self.fingerprint}"

    @property
    def documents(self) -> frozenset[str]:
        return frozenset(r.rsplit("@", 1)[0] for r in self.live)

    def holds(self, chunk: str, metadata: dict[str, Any] | None = None) -> bool:
        """Whether a chunk belongs to a committed document version. During a copy-on-write update the
        new version's chunks exist before its record: they are not shown until it is written."""
        return record_of(chunk, str((metadata or {}).get("doc_hash", ""))) in self.live


def root_key(path: str) -> str:
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=1)
def _upserting_chroma_class() -> type:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    class UpsertingChromaVectorStore(ChromaVectorStore):
        """ChromaVectorStore writing with upsert (re-running a write never duplicates) in batches
        Chroma accepts (ChromaVectorStore.add sends up to 41,665 per call; embedded Chroma takes 5,461)."""

        max_batch: int = 5000

        def add(self, nodes: list[Any], **kwargs: Any) -> list[str]:
            collection = self._collection
            collection_add = collection.add
            collection.add = collection.upsert  # the parent's row building is reused as is
            try:
                ids: list[str] = []
                for begin in range(0, len(nodes), self.max_batch):
                    ids.extend(super().add(nodes[begin:begin + self.max_batch], **kwargs))
                return ids
            finally:
                collection.add = collection_add

    return UpsertingChromaVectorStore


class Store:
    """Both collections, with change detection and one-line errors for every Chroma failure."""

    def __init__(self, settings: Settings, embedding_id: str) -> None:
        self.settings = settings
        self.embedding_id = embedding_id
        self.state_dir = settings.state_dir
        self.client = self._guard(lambda: make_chroma_client(settings))
        self._lock = threading.RLock()
        self._state: tuple[float, IndexState] | None = None
        self._seen: str | None = None  # the content fingerprint this process's segments were last known to hold
        self._wrote = False  # this process wrote since: its own segments are current
        self.collection, self.records = self._open(create=True)

    # --- collections -------------------------------------------------------------------------------

    @property
    def records_name(self) -> str:
        return f"{self.settings.collection}.documents"

    def _open(self, *, create: bool) -> tuple[Any, Any]:
        def run() -> tuple[Any, Any]:
            if create:
                chunks = self.client.get_or_create_collection(
                    self.settings.collection, embedding_function=None,
                    configuration={"hnsw": {"space": "cosine", "ef_search": self.settings.hnsw_ef_search}},
                    metadata={"embedding": self.embedding_id, "schema": SCHEMA_VERSION},
                )
                records = self.client.get_or_create_collection(self.records_name, embedding_function=None)
                return self._searching_wide(chunks), records
            return (self._searching_wide(self.client.get_collection(self.settings.collection, embedding_function=None)),
                    self.client.get_collection(self.records_name, embedding_function=None))
        return self._guard(run)

    def _searching_wide(self, chunks: Any) -> Any:
        """`chunks`, searched with `Settings.hnsw_ef_search` candidates: a collection made with another value (Chroma's
        default 100, or by another machine) is changed to it. ef_search is a query-time setting, the index is unchanged."""
        wanted = self.settings.hnsw_ef_search
        # Chroma reads a collection made with embedding_function=None (we embed ourselves) as a "legacy embedding
        # function config" and warns each time its configuration is read or changed: nothing to act on here.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "legacy embedding function config", DeprecationWarning)
            hnsw = (getattr(chunks, "configuration", None) or {}).get("hnsw") or {}
            if hnsw.get("ef_search") == wanted:
                return chunks
            try:
                chunks.modify(configuration={"hnsw": {"ef_search": wanted}})
                return self.client.get_collection(self.settings.collection, embedding_function=None)
            except Exception as err:  # noqa: BLE001 - an older collection or server: searched as it is, said once
                log.warning("Could not set the dense search breadth (ef_search %d) on %r: %s", wanted, self.settings.collection, err)
                return chunks

    def _guard(self, call: Callable[[], T]) -> T:
        """Run a Chroma call; any failure becomes a one-line AssistantError."""
        try:
            return call()
        except (StoreUnavailableError, EmptyIndexError, IndexMismatchError, LocalDiskError):
            raise
        except Exception as err:  # chromadb raises many unrelated types; none may reach a user raw
            failure = chroma_failure(err, self.settings)
            if isinstance(failure, IndexChangedError):
                self._state = None
            raise failure from None

    def reopen(self) -> None:
        """Open the collections again (after a rebuild elsewhere); create them when they are gone."""
        with self._lock:
            self.collection, self.records = self._open(create=True)
            self._state = None

    @property
    def vector_store(self) -> Any:
        """The chunk collection as a LlamaIndex vector store (upserting, batched)."""
        batch = int(self._guard(self.client.get_max_batch_size))
        return _upserting_chroma_class()(chroma_collection=self.collection, max_batch=min(batch, 5000))

    def metadata(self) -> dict[str, Any]:
        return dict(self._guard(lambda: self.client.get_collection(self.settings.collection).metadata) or {})

    def check_identity(self, max_age: float = STATE_TTL) -> None:
        """Stop when the index was built with another embedding model or schema."""
        self.state(max_age)
        meta = dict(self.collection.metadata or {})
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

    # --- version -----------------------------------------------------------------------------------

    def state(self, max_age: float = STATE_TTL) -> IndexState:
        """The index state, at most `max_age` seconds old. Collections rebuilt elsewhere are reopened."""
        cached = self._state
        if cached is not None and time.monotonic() - cached[0] < max_age:
            return cached[1]
        with self._lock:
            try:
                current = self._guard(lambda: (self.client.get_collection(self.settings.collection).id,
                                               self.client.get_collection(self.records_name).id))
            except EmptyIndexError:
                state = IndexState("", "", "", frozenset(), exists=False)
                self._state = (time.monotonic(), state)
                return state
            if current != (self.collection.id, self.records.id):
                self.collection, self.records = self._open(create=False)
            live = frozenset(self._paged(lambda offset: self.records.get(include=[], limit=_PAGE, offset=offset), "ids"))
            digest = hashlib.sha1("\n".join(sorted(live)).encode("utf-8")).hexdigest()[:16]
            if self._seen is not None and digest != self._seen and not self._wrote:
                self._renew_client()  # another process wrote: this one's vector segments are stale
            self._seen, self._wrote = digest, False
            state = IndexState(str(self.collection.id), str(self.records.id), digest, live)
            self._state = (time.monotonic(), state)
            return state

    def invalidate(self) -> None:
        self._state = None

    def _renew_client(self) -> None:
        """On the embedded store, open a new client so that dense search sees another process's writes.

        Chroma's embedded client loads a collection's vector index (HNSW) once and never reloads it
        from disk, while the metadata (SQLite) it reads is always current: without this, a long-lived
        process (the UI) would keep searching the vectors it first loaded. Chroma shares one client
        system per folder within a process and offers no public way to drop it, hence the registry
        entry removed here; the previous system stays usable by whoever still holds it and is freed
        with it. A Chroma server needs nothing of the kind (it serves every process the same index)."""
        if self.settings.chroma_host:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = getattr(self.client, "_identifier", None)
        if identifier is not None:
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        self.client = self._guard(lambda: make_chroma_client(self.settings))
        self.collection, self.records = self._open(create=False)

    # --- reads -------------------------------------------------------------------------------------

    def _paged(self, page: Callable[[int], dict[str, Any]], field: str) -> list[Any]:
        out: list[Any] = []
        offset = 0
        while True:
            got = self._guard(lambda: page(offset))
            out.extend(got[field])
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def count(self) -> int:
        return int(self._guard(self.collection.count))

    def list_records(self, where: dict[str, Any] | None = None) -> list[DocRecord]:
        metas = self._paged(
            lambda offset: self.records.get(where=where, include=["metadatas"], limit=_PAGE, offset=offset), "metadatas"
        )
        return [DocRecord.from_metadata(m) for m in metas]

    def record_text(self, record: DocRecord) -> str:
        got = self._guard(lambda: self.records.get(ids=[record.record_id], include=["documents"]))
        return (got["documents"] or [""])[0] or ""

    def chunk_ids(self, where: dict[str, Any] | None = None) -> list[str]:
        return self._paged(lambda offset: self.collection.get(where=where, include=[], limit=_PAGE, offset=offset), "ids")

    def chunk_ids_of(self, document_ids: Iterable[str]) -> list[str]:
        """Chunk ids of these documents only: what a sync touching a few documents reads, instead of
        every chunk id of their folder."""
        ids, out = sorted(set(document_ids)), []
        for begin in range(0, len(ids), 500):
            part = ids[begin:begin + 500]
            where = {"document_id": part[0]} if len(part) == 1 else {"document_id": {"$in": part}}
            out.extend(self.chunk_ids(where=where))
        return out

    def chunk_metadata(self) -> list[tuple[str, dict[str, Any]]]:
        """(chunk id, metadata) of every chunk, without texts or vectors."""
        out: list[tuple[str, dict[str, Any]]] = []
        offset = 0
        while True:
            page = self._guard(lambda: self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset))
            out.extend(zip(page["ids"], page["metadatas"]))
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def nodes(self, where: dict[str, Any] | None = None) -> list[TextNode]:
        """Chunks (text + metadata, no vectors) as LlamaIndex nodes."""
        nodes: list[TextNode] = []
        offset = 0
        while True:
            page = self._guard(lambda: self.collection.get(
                where=where, include=["documents", "metadatas"], limit=_PAGE, offset=offset))
            for node_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                node = metadata_dict_to_node(meta, text=text)
                node.id_ = node_id
                nodes.append(node)
            if len(page["ids"]) < _PAGE:
                return nodes
            offset += _PAGE

    def all_nodes(self) -> list[TextNode]:
        return self.nodes()

    def roots(self) -> list[Root]:
        paths = {r.root_path for r in self.list_records()}
        return [Root(p, root_key(p)) for p in sorted(paths)]

    def root_for(self, path: Path) -> Root:
        absolute = str(path.resolve())
        return Root(path=absolute, key=root_key(absolute))

    # --- writes ------------------------------------------------------------------------------------

    def write_chunks(self, nodes: list[Any]) -> None:
        """Upsert embedded chunks (batched); failures (disk full, server gone) become one line."""
        self._guard(lambda: self.vector_store.add(nodes))
        self._wrote = True
        self.invalidate()

    def add_records(self, records: list[DocRecord], texts: list[str]) -> None:
        for begin in range(0, len(records), 1000):
            part = records[begin:begin + 1000]
            self._guard(lambda: self.records.upsert(
                ids=[r.record_id for r in part], metadatas=[r.metadata() for r in part],
                documents=texts[begin:begin + 1000], embeddings=[RECORD_VECTOR] * len(part),
            ))
        self._wrote = True
        self.invalidate()

    def update_records(self, records: list[DocRecord]) -> None:
        """Rewrite records' metadata only (same ids, same texts): e.g. a file's size and time, read again."""
        for begin in range(0, len(records), 1000):
            part = records[begin:begin + 1000]
            self._guard(lambda: self.records.update(ids=[r.record_id for r in part], metadatas=[r.metadata() for r in part]))
        self.invalidate()

    def delete_records(self, record_ids: Iterable[str]) -> None:
        ids = list(record_ids)
        for begin in range(0, len(ids), 5000):
            self._guard(lambda: self.records.delete(ids=ids[begin:begin + 5000]))
        self._wrote = True
        self.invalidate()

    def delete_chunks(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        for begin in range(0, len(ids), 5000):
            self._guard(lambda: self.collection.delete(ids=ids[begin:begin + 5000]))
        self._wrote = True
        self.invalidate()
        return len(ids)

    def reset(self) -> None:
        """Drop both collections and the local caches (used by `ingest --rebuild`)."""
        import shutil

        from index.marks import WriteMarks

        with self._lock:
            WriteMarks(self).drop()
            for name in (self.settings.collection, self.records_name):
                try:
                    self.client.delete_collection(name)
                except Exception:  # noqa: BLE001 - an absent collection is fine
                    pass
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.reopen()
