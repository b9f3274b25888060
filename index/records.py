"""Bookkeeping in Chroma: one record per ingested document, in a small collection beside the chunks.

Why a second collection rather than per-chunk metadata alone: a sync must plan (hash per document),
`documents` must list (titles, counts, folder, time) and a citation must show its passage in the
whole text. Read from chunk metadata, each of those would page through every chunk (100k rows at
scale); the records collection holds one row per document, so a second machine plans a 10k-chunk
sync from a few hundred rows. Records are written after their chunks and deleted before them, so
a record is the commit mark of a document: chunks without a record are leftovers of an interrupted
write (ignored by search, cleaned by the next sync of their folder).

A record's id is `<document id>@<content hash>`: it changes whenever the document's chunks do, so
the sorted record ids name the content of the index (the index version, see Store.state).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Chroma rows need a vector; records are never searched by similarity, so all share this one.
RECORD_VECTOR = [1.0]


@dataclass(frozen=True)
class DocRecord:
    document_id: str  # "<root key>:<source>"
    root: str  # root key (see Store.root_for)
    root_path: str  # the folder it was ingested from
    source: str  # path relative to the folder
    hash: str  # content hash (with the chunking settings): unchanged hash + all chunks present = nothing to do
    chunks: int
    tokens: int = 0
    titles: list[str] = field(default_factory=list)
    ingested_at: str = ""
    format: str = ""
    file_hash: str = ""  # hash of the file's bytes: equal (and all chunks present) = unchanged, not even decoded
    file_stat: str = ""  # "<size>:<mtime ns>:<chunking>" when read: equal = unchanged, not even read ("" = unknown)

    @property
    def record_id(self) -> str:
        return f"{self.document_id}@{self.hash}"

    def metadata(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id, "root": self.root, "root_path": self.root_path, "source": self.source,
            "hash": self.hash, "chunks": self.chunks, "tokens": self.tokens,
            "titles": json.dumps(self.titles, ensure_ascii=False), "ingested_at": self.ingested_at,
            "format": self.format, "file_hash": self.file_hash, "file_stat": self.file_stat,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> "DocRecord":
        return cls(
            document_id=str(meta["document_id"]), root=str(meta["root"]), root_path=str(meta.get("root_path", "")),
            source=str(meta["source"]), hash=str(meta["hash"]), chunks=int(meta.get("chunks", 0)),
            tokens=int(meta.get("tokens", 0)), titles=list(json.loads(meta.get("titles") or "[]")),
            ingested_at=str(meta.get("ingested_at", "")), format=str(meta.get("format", "")),
            file_hash=str(meta.get("file_hash", "")), file_stat=str(meta.get("file_stat", "") or ""),
        )


def chunk_id(document_id: str, index: int, version: str = "") -> str:
    """Chunk ids derive from the document, its version (content hash) and the position: two writers
    of the same version overwrite, never duplicate; a new version's chunks sit beside the old ones
    until its record switches (copy-on-write, see ingest/sync.py), and a chunk's document and version
    are found from its id alone. Ids without a version (`<doc>::<n>`, indexes built before) still read."""
    return f"{document_id}::{version}:{index:05d}" if version else f"{document_id}::{index:05d}"


def document_of(chunk: str) -> str:
    return chunk.rsplit("::", 1)[0]


def version_of(chunk: str) -> str:
    """The content hash in a chunk id ("" for an id written before versions were in ids)."""
    tail = chunk.rsplit("::", 1)[-1]
    return tail.rsplit(":", 1)[0] if ":" in tail else ""


def record_of(chunk: str, doc_hash: str = "") -> str:
    """The record id (`<doc>@<hash>`) a chunk belongs to: its id's version, else its `doc_hash` metadata."""
    return f"{document_of(chunk)}@{version_of(chunk) or doc_hash}"
