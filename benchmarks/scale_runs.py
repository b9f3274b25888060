"""The measurements of benchmarks/bench_scale.py: insert throughput, BM25 build and retrieval latencies
of the embedded store and of a `chroma run` server size by size, memory, and the re-sync of ~10,000
chunks through the real sync path."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_core import percentile
from benchmarks.scale_corpus import Corpus
from tests.servers import ChromaServer

RESYNC_TARGET_CHUNKS = 10_000


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total, pids = 0.0, [str(pid) if pid != "self" else str(os.getpid())]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pids.extend((task / "children").read_text().split())
        except OSError:
            continue
    return total


def start_chroma_server(path: Path) -> ChromaServer:
    """A started `chroma run` server over `path` (tests/servers.py); a one-line message when it does not start."""
    try:
        return ChromaServer(path).start()
    except RuntimeError as err:
        raise SystemExit(f"chroma run did not start: {str(err).strip()[-500:]}") from None


def insert(store: Any, nodes: list[Any], batch: int = 5000) -> float:
    """Write nodes with precomputed vectors through ChromaVectorStore; returns seconds."""
    from index.records import DocRecord

    for node in nodes:
        node.metadata.setdefault("doc_hash", "bench")
    vector_store = store.vector_store
    started = time.perf_counter()
    for i in range(0, len(nodes), batch):
        vector_store.add(nodes[i:i + batch])
    seconds = time.perf_counter() - started
    # The bookkeeping records make the chunks live (search ignores chunks without one).
    docs: dict[str, list[Any]] = {}
    for node in nodes:
        docs.setdefault(node.ref_doc_id, []).append(node)
    records = [DocRecord(document_id=d, root=d.split(":", 1)[0], root_path="/bench", source=d.split(":", 1)[1],
                         hash=str(group[0].metadata["doc_hash"]), chunks=len(group)) for d, group in docs.items()]
    store.add_records(records, [""] * len(records))
    return seconds


def latencies(calls: dict[str, Any], questions: list[str]) -> dict[str, list[float]]:
    """Milliseconds per call and question; the calls take turns on each question, so load bursts from
    other work on the machine hit every mode alike."""
    for q in questions[:5]:
        for call in calls.values():
            call(q)  # warm-up
    out: dict[str, list[float]] = {name: [] for name in calls}
    for q in questions:
        for name, call in calls.items():
            started = time.perf_counter()
            call(q)
            out[name].append((time.perf_counter() - started) * 1000)
    return out


def measure(settings: Any, model: Any, questions: list[str]) -> dict[str, Any]:
    """BM25 build and retrieval latencies of a fresh Assistant over the store in `settings`."""
    from assistant.api import Assistant
    from assistant.components import Components

    components = Components(settings, embed_model=model)
    bot = Assistant(settings, components=components)
    started = time.perf_counter()
    nodes = components.store.all_nodes()
    read_s = time.perf_counter() - started
    del nodes
    started = time.perf_counter()
    components.bm25.refresh()
    figures: dict[str, Any] = {"bm25_build_s": time.perf_counter() - started, "read_all_s": read_s}
    calls = {mode: bot.variant(retrieval=mode).retrieve for mode in ("hybrid", "bm25", "dense")}
    calls["ask"] = bot.ask
    for name, ms in latencies(calls, questions).items():
        figures[name] = (percentile(ms, 50), percentile(ms, 95))
    figures["count"] = components.store.count()
    return figures


def scale_runs(work: Path, corpus: Corpus, model: Any, sizes: list[int], questions: list[str]) -> list[dict[str, Any]]:
    """Grow an embedded store and a server store size by size; measure each at each size."""
    from core.settings import Settings
    from index.store import Store
    from core.providers import embedding_identity

    server = start_chroma_server(work / "server-db")
    port = server.port
    stores = {
        "embedded": Settings(_env_file=None, data_dir=work / "embedded", llm="none"),
        "server": Settings(_env_file=None, data_dir=work / "server-state", llm="none",
                           chroma_host="127.0.0.1", chroma_port=port),
    }
    rows = []
    try:
        written = {name: 0 for name in stores}
        for size in sizes:
            for name, settings in stores.items():
                store = Store(settings, embedding_identity(settings))
                chunk = corpus.nodes[written[name]:size]
                seconds = insert(store, chunk)
                written[name] = size
                del store
                gc.collect()
                figures = measure(settings, model, questions)
                gc.collect()
                figures.update(size=size, store=name, inserted=len(chunk), insert_rate=len(chunk) / seconds,
                               rss=rss_mb(), server_rss=rss_mb(server.proc.pid) if name == "server" else None)
                rows.append(figures)
                print(f"  {size:>7} {name:<8} insert {figures['insert_rate']:>7.0f}/s  bm25 build "
                      f"{figures['bm25_build_s']:5.1f} s  hybrid p50 {figures['hybrid'][0]:6.1f} ms  "
                      f"rss {figures['rss']:.0f} MB", flush=True)
    finally:
        server.stop(timeout=20)
    return rows


def write_resync_folder(folder: Path, texts: list[str], per_file: int = 20) -> int:
    """Text files of `per_file` generated paragraphs each, under a title; returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for i in range(0, len(texts), per_file):
        body = "\n\n".join(texts[i:i + per_file])
        (folder / f"doc_{i // per_file:05d}.txt").write_text(f"Document {i // per_file}\n\n{body}\n", encoding="utf-8")
        files += 1
    return files


def resync_run(work: Path, corpus: Corpus) -> dict[str, Any]:
    """Real sync path at ~10,000 chunks with HashEmbedding: first ingest, then unchanged re-syncs."""
    from assistant.api import Assistant
    from assistant.components import Components
    from core.providers import local_model_path
    from core.settings import Settings

    fake_dir = work / "hash-embedding-384"  # the e5 model file (its tokenizer sizes chunks), under the fake's own name
    fake_dir.symlink_to(local_model_path(Settings(_env_file=None)))
    settings = Settings(_env_file=None, data_dir=work / "resync-data", embedding_model=str(fake_dir), llm="none")
    # A generated paragraph makes ~1.25 chunks once split (measured): ~10,000 chunks from 8,000 of them.
    texts = [n.text for n in corpus.nodes[corpus.n_real:corpus.n_real + int(RESYNC_TARGET_CHUNKS / 1.25)]]
    folder = work / "resync-corpus"
    files = write_resync_folder(folder, texts)
    from tests.fakes.hash_embedding import HashEmbedding

    fake = HashEmbedding(dim=384)

    def fresh_bot() -> Any:
        return Assistant(settings, components=Components(settings, embed_model=fake))

    bot = fresh_bot()
    started = time.perf_counter()
    first = bot.ingest(folder, show_progress=False)
    first_s = time.perf_counter() - started
    warm, cold = [], []
    for _ in range(3):
        started = time.perf_counter()
        again = bot.ingest(folder, show_progress=False)
        warm.append(time.perf_counter() - started)
        assert again.embedded_chunks == 0 and not again.changed_anything, "an unchanged re-sync changed something"
    for _ in range(3):
        other = fresh_bot()  # as a new `assistant ingest` process would: plan read from Chroma
        started = time.perf_counter()
        other.ingest(folder, show_progress=False)
        cold.append(time.perf_counter() - started)
    return {"files": files, "chunks": first.total_chunks, "first_s": first_s, "warm": warm, "cold": cold,
            "identity": f"local:{fake_dir.name}"}
