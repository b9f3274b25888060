"""What a sync has to do, planned from file metadata and the folder's records (ingest/sync.py).

A file whose size and modification time (with the chunking settings) equal its record's is
unchanged: it is not even read. Any other file is read and hashed; its bytes, then its decoded
text, may still match its record (a file touched, copied back): unchanged, and its record learns the
new size and time. Only what really changed is parsed, split and embedded.

The chunk ids of a folder are read only in "verify" mode: when the previous write of the folder was
interrupted (its write mark is still in Chroma, index/marks.py), when the index's chunk count does
not add up with its records (chunks lost or left outside the write protocol, an index from before
the marks), or when asked. Then every file is read and hashed again and every record is checked
against its chunks, as every sync did before.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from index.records import DocRecord, document_of, version_of
from ingest.report import FileReport

RACY_NS = 2_000_000_000  # a file modified this recently when read may change again within its mtime tick


@dataclass(frozen=True)
class FileTask:
    """A file to read: where, its name in the folder, its document id, and its metadata when planned."""

    path: Path
    source: str
    doc_id: str
    size: int


@dataclass
class Plan:
    verify: bool = False
    tasks: list[FileTask] = field(default_factory=list)  # files to read (metadata differ, or verify)
    unchanged: list[str] = field(default_factory=list)  # doc ids
    failed: list[FileReport] = field(default_factory=list)  # refused before reading (symlinks)
    removed: list[str] = field(default_factory=list)  # doc ids whose file is gone
    orphans: list[str] = field(default_factory=list)  # verify: chunks of no committed version, deleted first
    chunks: list[str] = field(default_factory=list)  # verify: every chunk id of the folder
    complete: set[str] = field(default_factory=set)  # verify: doc ids whose record has all its chunks
    # filled while files are read:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    repaired: set[str] = field(default_factory=set)  # "added" because chunks were missing
    new_versions: dict[str, str] = field(default_factory=dict)  # doc id -> content hash written
    restat: list[DocRecord] = field(default_factory=list)  # unchanged records with new file metadata


@dataclass
class Cleanup:
    """What the sync deletes once the new versions are written."""

    superseded: list[str] = field(default_factory=list)  # record ids replaced by new versions
    old_chunks: list[str] = field(default_factory=list)  # their chunks (and leftovers of these documents)
    removed_records: list[str] = field(default_factory=list)  # record ids of removed documents
    removed_chunks: list[str] = field(default_factory=list)  # their chunks


def current_records(records: list[DocRecord]) -> dict[str, DocRecord]:
    """One record per document. Two exist only after a crash between writing a new version's record
    and deleting the old one: both are complete, the latest is taken (the plan fixes the rest)."""
    out: dict[str, DocRecord] = {}
    for record in records:
        held = out.get(record.document_id)
        if held is None or (record.ingested_at, record.hash) > (held.ingested_at, held.hash):
            out[record.document_id] = record
    return out


def owner(chunk: str, records: dict[str, DocRecord]) -> str:
    """The record id a chunk belongs to; an id without a version (older index) belongs to its
    document's current record."""
    doc_id = document_of(chunk)
    version = version_of(chunk) or (records[doc_id].hash if doc_id in records else "")
    return f"{doc_id}@{version}"


def stat_key(stat: os.stat_result, chunking: str) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}:{chunking}"


def read_stat(before: os.stat_result, after: os.stat_result, chunking: str) -> str:
    """The file metadata to record for bytes read between two stats: "" (unknown, read it next time)
    when the file changed while it was read, or so recently that a change within the same
    timestamp tick could go unseen (git's "racily clean" files)."""
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return ""
    if time.time_ns() - after.st_mtime_ns < RACY_NS:
        return ""
    return stat_key(after, chunking)


def check_chunks(records: dict[str, DocRecord], every: list[DocRecord], chunks: list[str], plan: Plan) -> None:
    """Verify mode: records with all their chunks, and chunks of no committed version."""
    present = Counter(owner(c, records) for c in chunks)
    committed = {r.record_id for r in every}
    plan.chunks = chunks
    plan.complete = {d for d, r in records.items() if present.get(r.record_id, 0) == r.chunks}
    plan.orphans = [c for c in chunks if owner(c, records) not in committed]


def cleanup(records: dict[str, DocRecord], every: list[DocRecord], plan: Plan, chunks: list[str]) -> Cleanup:
    """Records replaced by this sync's new versions (or left twice by a crash), records of removed
    documents, and their chunks among `chunks`. Leftover chunks of these documents go too."""
    out = Cleanup()
    removed = set(plan.removed)
    new_versions = {f"{d}@{h}" for d, h in plan.new_versions.items()}
    kept_versions = {r.record_id for d, r in records.items() if d not in plan.new_versions} | new_versions
    committed = {r.record_id for r in every} | new_versions
    out.superseded = sorted(r.record_id for r in every if r.record_id not in kept_versions and r.document_id not in removed)
    superseded = set(out.superseded)
    out.removed_records = sorted(r.record_id for r in every if r.document_id in removed)
    for chunk in chunks:
        belongs = owner(chunk, records)
        if document_of(chunk) in removed:
            out.removed_chunks.append(chunk)
        elif belongs in superseded or belongs not in committed:
            out.old_chunks.append(chunk)
    return out


def touched(records: dict[str, DocRecord], every: list[DocRecord], plan: Plan) -> list[str]:
    """Documents whose chunks the cleanup must see: rewritten ones that had a record, removed ones,
    and any left with two records."""
    counts = Counter(r.document_id for r in every)
    return sorted({d for d in plan.new_versions if d in records} | set(plan.removed)
                  | {d for d, n in counts.items() if n > 1})
