"""One-file add / change / remove in a folder of 500 and 5,000 files (10k and 100k chunks), for
benchmarks/bench_scale.py (`--sections onefile`), on the embedded store and on a `chroma run` server.

The folder holds text files of 20 paragraphs; its index is written directly (the state a finished
sync leaves: per file 20 chunks with versioned ids, random unit vectors, and a record whose hashes
and file metadata are those the sync computes), because splitting and embedding 100,000 chunks
would take hours and is not what is measured. Then, round by round, a new file is added, changed,
and removed, each followed by a sync of the folder through the real path (`Components.sync`
minus the BM25 refresh: reopen, identity check, `Syncer.sync` with the HashEmbedding), once as
built now (plan from file metadata and the folder's records) and once with `Syncer(verify=True)`,
which reads every file and every chunk id of the folder as every sync did before (the "before").
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

PER_FILE = 20
OPS = ("add", "change", "remove")


def _settings(work: Path, name: str, port: int | None) -> Any:
    from core.settings import Settings

    server = {"chroma_host": "127.0.0.1", "chroma_port": port} if port else {}
    return Settings(_env_file=None, data_dir=work / f"onefile-{name}", embedding_model=str(work / "hash-embedding-384"),
                    llm="none", collection="onefile", **server)


def _paragraphs(count: int) -> list[str]:
    from tests.reliability.relhelpers import corpus_sentences

    sentences = corpus_sentences()
    return [f"{sentences[i % len(sentences)]} {sentences[(i * 7 + 3) % len(sentences)]} (§{i})" for i in range(count)]


def grow(folder: Path, store: Any, settings: Any, first: int, last: int, paragraphs: list[str]) -> None:
    """Files `first`..`last - 1` written (aged two minutes) and indexed as a finished sync would."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from index.records import DocRecord, chunk_id
    from ingest.loaders import Limits, load_bytes
    from ingest.plan import stat_key
    from ingest.prepare import chunking, file_hash, text_hash

    folder.mkdir(parents=True, exist_ok=True)
    root = store.root_for(folder)
    limits, rng = Limits.from_settings(settings), np.random.default_rng(first)
    past = time.time() - 120
    for begin in range(first, last, 250):
        nodes, records, texts = [], [], []
        for i in range(begin, min(begin + 250, last)):
            path = folder / f"doc_{i:05d}.txt"
            body = paragraphs[i * PER_FILE:(i + 1) * PER_FILE]
            path.write_text(f"Document {i}\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
            os.utime(path, (past, past))
            data = path.read_bytes()
            text = load_bytes(data, path.name, limits).text
            doc_id, version = f"{root.key}:{path.name}", text_hash(settings, text)
            vectors = rng.standard_normal((PER_FILE, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for n, (para, vector) in enumerate(zip(body, vectors)):
                nodes.append(TextNode(
                    id_=chunk_id(doc_id, n, version), text=para, embedding=vector.tolist(),
                    metadata={"source": path.name, "format": "txt", "root": root.key, "doc_hash": version,
                              "title": f"Document {i}", "chunk": n, "n_tokens": len(para.split())},
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
                ))
            records.append(DocRecord(document_id=doc_id, root=root.key, root_path=root.path, source=path.name,
                                     hash=version, chunks=PER_FILE, tokens=0, titles=[f"Document {i}"],
                                     ingested_at="2026-12-03T00:00:00+00:00", format="txt",
                                     file_hash=file_hash(settings, data),
                                     file_stat=stat_key(path.stat(), chunking(settings))))
            texts.append(text)
        store.write_chunks(nodes)
        store.add_records(records, texts)


def one_sync(components: Any, folder: Path, verify: bool) -> tuple[float, Any]:
    """What `assistant ingest FOLDER` does, without the BM25 refresh; seconds and the report."""
    from ingest.sync import Syncer

    started = time.perf_counter()
    store = components.store
    store.reopen()
    store.check_identity(max_age=0)
    report = Syncer(store, lambda: components.embed_model, components.settings, verify=verify).sync(folder, show_progress=False)
    return time.perf_counter() - started, report


def measure(components: Any, folder: Path, rounds: int) -> dict[tuple[str, str], list[float]]:
    """Per (mode, op) the seconds of each round; modes interleaved round by round."""
    out: dict[tuple[str, str], list[float]] = {(m, o): [] for m in ("after", "before") for o in OPS}
    extra = _paragraphs(PER_FILE + 5)
    for r in range(rounds):
        for mode in ("after", "before"):
            new = folder / f"zz_new_{mode}_{r}.txt"
            for op in OPS:
                if op == "add":
                    new.write_text("New file\n\n" + "\n\n".join(extra[:PER_FILE]) + "\n", encoding="utf-8")
                elif op == "change":
                    new.write_text("New file, changed\n\n" + "\n\n".join(extra[5:]) + "\n", encoding="utf-8")
                else:
                    new.unlink()
                seconds, report = one_sync(components, folder, verify=mode == "before")
                expected = {"add": "added", "change": "changed", "remove": "removed"}[op]
                statuses = {f.status for f in report.files if f.source == new.name}
                assert statuses == {expected}, (op, mode, statuses, report.summary())
                assert report.count("added") + report.count("changed") + report.count("removed") == 1, report.summary()
                out[(mode, op)].append(seconds)
    return out


def run(work: Path, sizes: list[int], rounds: int, port: int) -> list[str]:
    from assistant.components import Components
    from tests.fakes.hash_embedding import HashEmbedding

    from core.providers import local_model_path
    from core.settings import Settings

    link = work / "hash-embedding-384"  # the e5 model file (its tokenizer sizes chunks), under the fake's own name
    if not link.exists():
        link.symlink_to(local_model_path(Settings(_env_file=None)))
    fake = HashEmbedding(dim=384)
    paragraphs = _paragraphs(max(sizes))
    lines = [f"One-file sync in a folder (20 chunks per file), median of {rounds} rounds; 'before' = Syncer(verify=True): "
             "every file read and hashed, every chunk id of the folder read (the previous behaviour)"]
    lines.append("| chunks | files | store | add after / before (s) | change after / before (s) | remove after / before (s) | load (1 min) |")
    lines.append("|---:|---:|---|---:|---:|---:|---:|")
    for name, server_port in (("embedded", None), ("server", port)):
        settings = _settings(work, name, server_port)
        components = Components(settings, embed_model=fake)
        folder = work / f"onefile-corpus-{name}"
        files = 0
        for size in sizes:
            started = time.perf_counter()
            grow(folder, components.store, settings, files, size // PER_FILE, paragraphs)
            files = size // PER_FILE
            print(f"  onefile {name}: {components.store.count():,} chunks written in {time.perf_counter() - started:.0f} s",
                  flush=True)
            seconds, report = one_sync(components, folder, verify=False)
            assert report.count("unchanged") == files and not report.checked, report.summary()
            got = measure(components, folder, rounds)
            med = {k: statistics.median(v) for k, v in got.items()}
            load = os.getloadavg()[0]
            lines.append(f"| {components.store.count():,} | {files:,} | {name} | "
                         + " | ".join(f"**{med[('after', o)]:.2f}** / {med[('before', o)]:.2f}" for o in OPS)
                         + f" | {load:.1f} |")
            print("  " + lines[-1], flush=True)
    return lines
