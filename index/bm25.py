"""The BM25 side of the index: follows Chroma, never makes a question wait.

The current snapshot (index/lexical.py) is keyed by the index state (collection ids + content
fingerprint, see Store.state). When the state moves, only the documents whose records changed are
read from Chroma (or from the local cache) and tokenized; the new snapshot is built off the
question path and swapped in with one assignment. Questions arriving meanwhile use the previous
snapshot; hits on documents that are no longer live are dropped by the retriever.

Local cache: one JSON file per document version under `<state>/bm25/<chunks collection id>/`,
written atomically. A missing or corrupt file is read again from Chroma; files of documents no
longer in the index are deleted. Deleting the folder only costs time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from llama_index.core.schema import MetadataMode, NodeWithScore
from llama_index.core.vector_stores.utils import metadata_dict_to_node, node_to_metadata_dict

from index.lexical import Segment, Snapshot, query_terms, tokenize
from index.localfs import LocalDiskError, read_json, write_json_atomic
from index.records import record_of
from index.store import IndexState, Store

log = logging.getLogger(__name__)
COMPACT_AT = 0.3  # rebuild from the cache once this fraction of rows belongs to removed documents
_FETCH = 200  # documents per Chroma read


class Bm25Index:
    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._current: tuple[IndexState, Snapshot] | None = None
        self._build_lock = threading.Lock()
        self._worker: threading.Thread | None = None

    @property
    def loaded(self) -> bool:
        return self._current is not None

    # --- questions ---------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The freshest snapshot ready now. Builds synchronously only when there is none yet."""
        state = self.store.state()
        current = self._current
        if current is None:
            return self._build(state)
        if current[0].key != state.key:
            self._refresh_in_background()
        return current[1]

    def search(self, query: str, k: int) -> list[NodeWithScore]:
        hits = self.snapshot().search(query_terms(query), k)
        out = []
        for entry, score in hits:
            node = metadata_dict_to_node(entry)
            node.id_ = entry["node_id"]
            out.append(NodeWithScore(node=node, score=score))
        return out

    def node_ids(self) -> list[str]:
        snap = self.snapshot()
        return [snap.rows[i]["node_id"] for i in range(snap.n_rows) if snap.alive[i]]

    # --- refresh -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Bring BM25 up to date now (the writing process calls this after a sync or a removal)."""
        self.store.invalidate()
        self._build(self.store.state(max_age=0))

    def _refresh_in_background(self) -> None:
        worker = self._worker
        if worker is not None and worker.is_alive():
            return
        self._worker = threading.Thread(target=self._background, name="bm25-refresh", daemon=True)
        self._worker.start()

    def _background(self) -> None:
        try:
            self._build(self.store.state(max_age=0))
        except Exception as err:  # noqa: BLE001 - a failed refresh keeps the previous snapshot; retried later
            log.warning("BM25 refresh failed (%s); keeping the previous index", err)

    def _build(self, state: IndexState) -> Snapshot:
        with self._build_lock:
            current = self._current
            if current is not None and current[0].key == state.key:
                return current[1]
            same_collection = current is not None and current[0].chunks_id == state.chunks_id
            base = current[1] if same_collection else Snapshot.empty()
            known = set(base.by_record)
            removed = known - state.live
            added = sorted(state.live - known)
            snap = base.updated(self._segments(state, added), removed)
            if snap.dead_fraction > COMPACT_AT:
                snap = Snapshot.empty().updated(self._segments(state, sorted(state.live)), set())
            self._current = (state, snap)
            self._forget(state, removed)
            return snap

    # --- segments (per document version) -------------------------------------------------------------

    def _dir(self, state: IndexState) -> Path:
        return self.folder / (state.chunks_id or "none")

    def _path(self, state: IndexState, record_id: str) -> Path:
        return self._dir(state) / (hashlib.sha1(record_id.encode("utf-8")).hexdigest() + ".json")

    def _segments(self, state: IndexState, record_ids: list[str]) -> list[Segment]:
        out: dict[str, Segment] = {}
        missing = []
        for record_id in record_ids:
            cached = read_json(self._path(state, record_id))
            if isinstance(cached, dict) and cached.get("record_id") == record_id:
                out[record_id] = Segment(record_id, cached["entries"], cached["terms"])
            else:
                missing.append(record_id)
        for begin in range(0, len(missing), _FETCH):
            for segment in self._fetch(missing[begin:begin + _FETCH]):
                out[segment.record_id] = segment
                self._save(state, segment)
        return [out[r] for r in record_ids if r in out]

    def _fetch(self, record_ids: list[str]) -> list[Segment]:
        """Read these documents' chunks from Chroma (only chunks of that version) and tokenize them."""
        documents = {r.rsplit("@", 1)[0] for r in record_ids}
        nodes = self.store.nodes(where={"document_id": {"$in": sorted(documents)}})
        by_record: dict[str, list[Any]] = {r: [] for r in record_ids}
        for node in nodes:
            chunks = by_record.get(record_of(node.node_id, str(node.metadata.get("doc_hash", ""))))
            if chunks is not None:
                chunks.append(node)
        for chunk_nodes in by_record.values():
            chunk_nodes.sort(key=lambda n: n.node_id)
        ordered = [n for chunk_nodes in by_record.values() for n in chunk_nodes]
        terms = iter(tokenize([n.get_content(metadata_mode=MetadataMode.EMBED) for n in ordered]))  # one batch
        segments = []
        for record_id, chunk_nodes in by_record.items():
            entries = [node_to_metadata_dict(n) | {"node_id": n.node_id} for n in chunk_nodes]
            segments.append(Segment(record_id, entries, [dict(next(terms)) for _ in chunk_nodes]))
        return segments

    def _save(self, state: IndexState, segment: Segment) -> None:
        data = {"record_id": segment.record_id, "entries": segment.entries, "terms": segment.terms}
        try:
            # No fsync: a cache file torn by a crash reads as corrupt and is fetched from Chroma again.
            write_json_atomic(self._path(state, segment.record_id), data, durable=False)
        except LocalDiskError as err:  # the cache is optional: answer from memory, say why once
            log.warning("%s", err)

    def _forget(self, state: IndexState, removed: set[str]) -> None:
        for record_id in removed:
            self._path(state, record_id).unlink(missing_ok=True)


