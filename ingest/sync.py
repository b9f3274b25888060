"""Sync a folder into the index: the index ends up mirroring the folder, whatever happened before.

The plan compares the folder with what Chroma holds for that folder (its bookkeeping records, see
index/records.py), never with local notes, and it scales with the change (ingest/plan.py): a file
whose size and modification time match its record is unchanged without being read; the others are
read, and parsed only if their bytes differ from the record's. Records of files gone from the folder
are removed. Reading every chunk id of the folder (to find chunks left without a record by an
interrupted write, or records missing chunks) happens only when the previous write of the folder
did not finish: each sync sets a write mark in Chroma before its first write and clears it after
its last (index/marks.py), so a mark found means "check everything".

Write order, copy-on-write (each boundary has a SIGKILL test, see core/hooks.py):
  mark set -> (after an interrupted write: orphan chunks deleted) -> for each new version, one file
  at a time: its chunks upserted, then its record written -> superseded records deleted -> their
  chunks deleted -> records of removed files deleted -> their chunks deleted -> mark cleared.
Chunk ids carry their document's version (`<document id>::<content hash>:<n>`, index/records.py), so a
changed document's new chunks are written beside the old ones; search shows only chunks whose
version has a record (IndexState.holds). A reader therefore sees the old version until the new
record is written, then the new one: never neither. Files are written one by one, so an ingest
stopped halfway (Ctrl-C, a kill, a crash) resumes where it stopped: the files it finished have
complete records and are skipped by the next sync. A crash anywhere leaves at worst chunks without
a record (invisible, deleted by the next sync, which finds the mark) or two records for one document
(both complete; the next sync keeps the right one). Re-running a write overwrites (same ids).

Files are read, parsed and split in a thread while the previous ones are embedded (ingest/feed.py).

Writers: one per data dir at a time (a file lock, clear message for the second). Across machines no
lock is needed: each sync touches only its own folder's documents, chunk ids are deterministic, and
the index version is derived from content (Store.state), so no version bump can be lost.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.schema import BaseNode

from core.errors import AssistantError, IngestLockedError
from core.hooks import kill_point
from index.localfs import disk_error
from index.marks import WriteMarks
from index.records import DocRecord
from index.store import Root, Store
from ingest.feed import QUEUE_FILES, Feed
from ingest.parsing import ParseWorker
from ingest.plan import FileTask, Plan, check_chunks, cleanup, current_records, stat_key, touched
from ingest.prepare import ChunkIds, Prepared, Preparer, chunking
from ingest.progress import Step, file_progress
from ingest.report import FileReport, SyncReport

__all__ = ["ChunkIds", "Syncer", "current_records", "ingest_lock", "scan"]


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


# Embedded files are written at least this often (or once this many chunks wait): the unit an
# interrupted ingest can lose, and what keeps a folder of many tiny files from one write per file.
WRITE_SECONDS = 1.0
WRITE_CHUNKS = 256


class Syncer:
    """Runs one sync of one root. Build it with the store, the embedding model (lazy) and settings;
    ``verify=True`` reads every file and every chunk id of the folder whatever the marks say (what
    a sync does after an interrupted write); ``overlap=False`` reads, parses and splits each file only
    when the previous one is embedded. Benchmarks use both for the "before" figures."""

    def __init__(self, store: Store, embed_model: Callable[[], Any], settings: Any, *, verify: bool = False,
                 overlap: bool = True) -> None:
        self.store = store
        self.overlap = overlap
        self._embed_model = embed_model
        self.settings = settings
        self.verify = verify
        self._marks = WriteMarks(store)
        self._marked = False
        self._on_step: Callable[[Step], None] | None = None

    def sync(self, path: Path, *, show_progress: bool = True, on_step: Callable[[Step], None] | None = None) -> SyncReport:
        """Sync ``path``; ``show_progress`` draws a per-file bar on stderr, ``on_step`` gets a
        ``Step`` (files done, time left) after each file read."""
        if not path.exists():
            raise AssistantError(f"No such file or folder: {path}")
        single_file = path.is_file()
        root = self.store.root_for(path.parent if single_file else path)
        started = time.perf_counter()
        with ingest_lock(self.settings.data_dir):
            report = SyncReport(root=root.path)
            all_records = self.store.list_records()
            every = [r for r in all_records if r.root == root.key]
            records = current_records(every)
            report.checked, self._marked = self._why_verify(root, all_records)
            plan = self._plan(root, [path] if single_file else list(scan(path)), records, bool(report.checked),
                              delete_missing=not single_file)
            if plan.verify:
                check_chunks(records, every, self.store.chunk_ids(where={"root": root.key}), plan)
            kill_point("sync:planned")
            self._on_step = on_step
            self._write(root, records, every, plan, report, show_progress=show_progress)
        report.total_chunks = self.store.count()
        report.seconds = time.perf_counter() - started
        return report

    # --- plan ------------------------------------------------------------------------------------

    def _why_verify(self, root: Root, all_records: list[DocRecord]) -> tuple[str, bool]:
        """Why this sync must check every chunk of the folder ("" = it need not), and whether the
        folder's write mark is set (left by an interrupted write: this sync clears it when done).

        Besides the mark, the index's chunk count must add up with all its records: chunks lost
        (a collection deleted, a server restored from an old copy) or left by an index older than
        the marks are found that way. Another folder's write in progress or interrupted also makes
        it differ: then this folder is checked too (slower, never wrong)."""
        mark = self._marks.get(root.key)
        if mark is not None:
            return (f"the previous write of this folder ({mark.get('what', 'sync')} by pid {mark.get('pid', '?')} "
                    f"on {mark.get('host', '?')}, {mark.get('since', '?')}) did not finish"), True
        if self.verify:
            return "asked", False
        expected, held = sum(r.chunks for r in all_records), self.store.count()
        if held != expected:
            return f"the index holds {held} chunks where its records count {expected}", False
        return "", False

    def _plan(self, root: Root, files: list[Path], records: dict[str, DocRecord], verify: bool, *, delete_missing: bool) -> Plan:
        """Files to read, from their metadata alone; records of files gone."""
        plan = Plan(verify=verify)
        base = Path(root.path)
        listed: set[str] = set()
        for file in files:
            source = file.resolve().relative_to(base).as_posix() if file.resolve().is_relative_to(base) else None
            if file.is_symlink() and (source is None or file.is_dir()):
                reason = "symlink pointing outside the folder (not followed)" if source is None else "symlinked folder (not followed)"
                shown = file.absolute().relative_to(base).as_posix() if file.absolute().is_relative_to(base) else file.name
                plan.failed.append(FileReport(shown, "failed", reason=reason))
                continue
            source = source or file.name
            doc_id = _doc_id(root, source)
            listed.add(doc_id)
            try:
                stat = file.stat()
            except OSError:
                stat = None
            record = records.get(doc_id)
            if (not verify and stat is not None and record is not None and record.file_stat
                    and record.file_stat == stat_key(stat, chunking(self.settings))):
                plan.unchanged.append(doc_id)
                continue
            plan.tasks.append(FileTask(file, source, doc_id, stat.st_size if stat else 0))
        if delete_missing:
            plan.removed = sorted(set(records) - listed)
        return plan

    # --- write -----------------------------------------------------------------------------------

    def _begin(self, root: Root) -> None:
        """The write mark, set once before this sync's first write (index/marks.py)."""
        if not self._marked:
            self._marks.set(root.key, "sync")
            self._marked = True

    def _write(self, root: Root, records: dict[str, DocRecord], every: list[DocRecord], plan: Plan,
               report: SyncReport, *, show_progress: bool) -> None:
        report.files.extend(plan.failed)
        for doc_id in plan.unchanged:
            rec = records[doc_id]
            report.files.append(FileReport(rec.source, "unchanged", rec.chunks, rec.tokens))
        if plan.orphans:
            self._begin(root)
            self.store.delete_chunks(plan.orphans)  # invisible already: leftovers of an interrupted write
        kill_point("sync:orphans-deleted")
        if plan.tasks:
            self._read_and_add(root, records, plan, report, show_progress=show_progress)
        if plan.restat:
            self.store.update_records(plan.restat)  # same ids: readers' caches stay valid
        if plan.verify:
            gone = set(plan.orphans)
            chunks = [c for c in plan.chunks if c not in gone]
        else:  # only the chunks of the documents this sync replaced or removed
            chunks = self.store.chunk_ids_of(touched(records, every, plan))
        todo = cleanup(records, every, plan, chunks)
        if todo.superseded or todo.old_chunks or todo.removed_records or todo.removed_chunks:
            self._begin(root)
        self.store.delete_records(todo.superseded)
        kill_point("sync:old-records-deleted")
        self.store.delete_chunks(todo.old_chunks)
        kill_point("sync:old-chunks-deleted")
        if plan.removed:
            self.store.delete_records(todo.removed_records)
            kill_point("sync:removed-records-deleted")
            self.store.delete_chunks(todo.removed_chunks)
            kill_point("sync:removed-chunks-deleted")
            for doc_id in plan.removed:
                rec = records[doc_id]
                report.files.append(FileReport(rec.source, "removed", rec.chunks, rec.tokens))
        if self._marked:
            self._marks.clear(root.key)
            self._marked = False

    def _read_and_add(self, root: Root, records: dict[str, DocRecord], plan: Plan, report: SyncReport, *,
                      show_progress: bool) -> None:
        """Files are read, parsed and split in the feed thread while the previous ones are embedded
        here, one file at a time; what is embedded is written (chunks, then their records) at least
        once a second: a sync stopped halfway keeps the files it finished (their records are complete,
        so the next sync skips them unread), and a folder of thousands of tiny files is not one
        Chroma write per file."""
        prepare = Preparer(self.settings, records, plan)
        pending: list[tuple[Prepared, list[BaseNode]]] = []
        last_write = time.monotonic()
        files = [(t.source, t.size) for t in plan.tasks]
        with file_progress(files, show_progress, self._on_step) as progress, \
                Feed(plan.tasks, prepare, ParseWorker.spare(self.settings.max_parse_seconds),
                     depth=QUEUE_FILES if self.overlap else 0) as feed:
            embed = IngestionPipeline(transformations=[self._embed_model()], disable_cache=True)
            for item in feed:
                progress.start(item.task.source)
                nodes = self._take(item, records, plan, report, embed)
                progress.done(item.task.source, item.task.size, len(nodes))
                if nodes:
                    pending.append((item, nodes))
                waiting = sum(len(n) for _, n in pending)
                if pending and (waiting >= WRITE_CHUNKS or time.monotonic() - last_write >= WRITE_SECONDS):
                    self._flush(root, pending, plan, report)
                    pending, last_write = [], time.monotonic()
            self._flush(root, pending, plan, report)

    def _take(self, item: Prepared, records: dict[str, DocRecord], plan: Plan, report: SyncReport,
              embed: IngestionPipeline) -> list[BaseNode]:
        """Account for one prepared file; embed it when it changed. Returns its embedded chunks."""
        doc_id, record = item.task.doc_id, records.get(item.task.doc_id)
        if item.kind == "failed":
            report.files.append(FileReport(item.task.source, "failed", reason=item.reason))
            return []
        if item.kind == "same":
            assert record is not None
            plan.unchanged.append(doc_id)
            report.files.append(FileReport(record.source, "unchanged", record.chunks, record.tokens))
            if (record.file_hash, record.file_stat) != (item.file_hash, item.file_stat):
                plan.restat.append(dataclasses.replace(record, file_hash=item.file_hash, file_stat=item.file_stat))
            return []
        assert item.doc is not None
        if record is None:
            plan.added.append(doc_id)
        elif record.hash != item.doc.metadata["doc_hash"]:
            plan.changed.append(doc_id)
        else:
            plan.added.append(doc_id)
            plan.repaired.add(doc_id)
        plan.new_versions[doc_id] = item.doc.metadata["doc_hash"]
        nodes = embed.run(nodes=item.nodes, show_progress=False)
        kill_point("sync:embedded")
        return nodes

    def _flush(self, root: Root, pending: list[tuple[Prepared, list[BaseNode]]], plan: Plan, report: SyncReport) -> None:
        """Write embedded files: their chunks, then their records (the commit mark of each file)."""
        if not pending:
            return
        self._begin(root)
        self.store.write_chunks([node for _, nodes in pending for node in nodes])
        kill_point("sync:chunks-written")
        records = [self._record(root, item, nodes) for item, nodes in pending]
        self.store.add_records(records, [item.doc.text for item, _ in pending if item.doc is not None])
        kill_point("sync:records-written")
        changed = set(plan.changed)
        for rec, (item, nodes) in zip(records, pending):
            status = "changed" if rec.document_id in changed else "added"
            reason = "repaired: its chunks were missing from the index" if rec.document_id in plan.repaired else ""
            reason = "; ".join(r for r in (reason, item.note) if r)
            report.files.append(FileReport(rec.source, status, rec.chunks, rec.tokens, reason=reason))
            report.embedded_chunks += len(nodes)

    def _record(self, root: Root, item: Prepared, nodes: Sequence[BaseNode]) -> DocRecord:
        doc = item.doc
        assert doc is not None
        return DocRecord(
            document_id=doc.doc_id, root=root.key, root_path=root.path, source=doc.metadata["source"],
            hash=doc.metadata["doc_hash"], chunks=len(nodes),
            tokens=sum(int(n.metadata.get("n_tokens", 0)) for n in nodes),
            titles=list(dict.fromkeys(str(n.metadata.get("title", "")) for n in nodes)),
            ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            format=str(doc.metadata.get("format", "")), file_hash=item.file_hash, file_stat=item.file_stat,
        )
