"""Write-in-progress marks: a durable note in Chroma that a folder's index is being written.

A sync (or a removal) sets its folder's mark before its first write and clears it after its last
one. A mark found at the start of a sync means the previous write of that folder stopped halfway
(a kill, a crash, a lost server): only then does the sync read every chunk id of the folder to find
chunks without a record and records missing chunks (ingest/sync.py). Without a mark, the folder's
records alone are the truth, so a one-file sync plans from file metadata and one read of the records.

The marks live in Chroma, in a third small collection `<collection>.writes` (one row per folder
being written, id = the folder's root key), so every machine sharing a Chroma server sees them; they
are not records (the index version, Store.state, is derived from the records collection only, so
setting or clearing a mark never invalidates a reader's caches). An index built before marks existed
simply has no such collection: it is created on first use.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from typing import Any

MARK_VECTOR = [1.0]  # Chroma rows need a vector; marks are never searched


class WriteMarks:
    """The marks of one store (index/store.py's Store): set, clear, and read them."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._held: Any = None  # the collection, opened once per instance (one sync or removal)

    @property
    def name(self) -> str:
        return f"{self.store.settings.collection}.writes"

    def _collection(self) -> Any:
        if self._held is None:
            self._held = self.store._guard(
                lambda: self.store.client.get_or_create_collection(self.name, embedding_function=None))
        return self._held

    def set(self, root_key: str, what: str) -> None:
        """Mark `root_key`'s folder as being written (`what`: "sync" or "remove"), before the first write."""
        meta = {"root": root_key, "what": what, "host": socket.gethostname(), "pid": os.getpid(),
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        collection = self._collection()
        self.store._guard(lambda: collection.upsert(ids=[root_key], metadatas=[meta], embeddings=[MARK_VECTOR]))

    def clear(self, root_key: str) -> None:
        """The write finished: the folder's index is consistent again."""
        collection = self._collection()
        self.store._guard(lambda: collection.delete(ids=[root_key]))

    def get(self, root_key: str) -> dict[str, Any] | None:
        """The mark left on `root_key`'s folder (who set it, when), or None."""
        collection = self._collection()
        got = self.store._guard(lambda: collection.get(ids=[root_key], include=["metadatas"]))
        return dict(got["metadatas"][0] or {}) if got["ids"] else None

    def drop(self) -> None:
        """Forget every mark (the index is rebuilt from nothing)."""
        self._held = None
        try:
            self.store.client.delete_collection(self.name)
        except Exception:  # noqa: BLE001 - an absent collection is fine
            pass
