"""Index-state benchmark (issue 10): several machines on one `chroma run` server (not a timed test).

    .venv/bin/python benchmarks/bench_index.py [--sizes 10000,100000] [--rounds 5]

For each size, a folder of generated text files (sentences of the bundled corpus recombined, 20
paragraphs per file, a unique reference per paragraph) is ingested through the real sync path by
machine 1 (its own data dir), with a fast deterministic hashed embedding (the model is not the point
here: zero chunks must be embedded). Then, on the same server:
- machine 2 (a fresh, empty data dir) runs its first sync of the unchanged folder: seconds and chunks
  embedded (targets: <= 2 s at 10k, 0 embedded);
- machine 3 plays a long-lived UI: it builds BM25 cold from Chroma, then a thread asks questions
  (`Assistant.retrieve`, hybrid) without pause. Machine 2 adds one file per round; machine 3 refreshes
  its BM25 (only the new document is read from Chroma and tokenized); the refresh time is printed
  (target <= 2 s at 100k), and question latency p95 while a refresh runs against p95 at rest, from
  the same run and the same thread.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


from benchmarks.scale_runs import start_chroma_server  # noqa: E402


def paragraph_splitter() -> Any:
    """Machine 1's bench shortcut: one chunk per paragraph, with the real splitter's metadata layout.

    Splitting 100k chunks with the real word-piece splitter takes ~10 min here, and only machine 1's
    initial fill needs it: machine 2's sync of unchanged files never splits (it compares hashes and
    chunk ids with Chroma), so what it measures does not depend on how machine 1 cut the chunks."""
    from llama_index.core.schema import NodeRelationship, TextNode, TransformComponent

    class ParagraphSplitter(TransformComponent):
        def __call__(self, nodes: Any, **kwargs: Any) -> list[Any]:
            out = []
            for doc in nodes:
                text, start = doc.text, 0
                title = text.split("\n", 1)[0]
                for i, para in enumerate(p for p in text.split("\n\n")[1:] if p.strip()):
                    start = text.index(para, start)
                    meta = {**doc.metadata, "title": title, "start_char": start, "end_char": start + len(para),
                            "chunk": i, "n_tokens": len(para.split())}
                    out.append(TextNode(text=para, metadata=meta, excluded_embed_metadata_keys=list(doc.excluded_embed_metadata_keys),
                                        excluded_llm_metadata_keys=list(doc.excluded_llm_metadata_keys),
                                        relationships={NodeRelationship.SOURCE: doc.as_related_node_info()}))
            return out

    return ParagraphSplitter()


def sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt")))
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if 30 < len(s) < 250]


def write_folder(folder: Path, paragraphs: int, start: int = 0, per_file: int = 20) -> list[Path]:
    pool = sentences()
    rng = np.random.default_rng(7 + start)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f in range(start, start + (paragraphs + per_file - 1) // per_file):
        body = []
        for p in range(per_file):
            picked = rng.choice(len(pool), size=3, replace=False)
            body.append(" ".join(pool[i] for i in picked) + f" Réf. IX{f:05d}{p:02d}.")
        path = folder / f"doc_{f:05d}.txt"
        path.write_text(f"Document {f}\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        files.append(path)
    return files


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def machine(data_dir: Path, port: int, collection: str, embed: Any) -> Any:
    from assistant.api import Assistant
    from assistant.components import Components
    from core.settings import Settings

    settings = Settings(_env_file=None, data_dir=data_dir, llm="none", chroma_host="127.0.0.1", chroma_port=port,
                        collection=collection, embedding_model=str(data_dir.parent / "hash-embedding-384"))
    return Assistant(settings, components=Components(settings, embed_model=embed))


def run_size(work: Path, port: int, size: int, rounds: int) -> None:
    from tests.fakes.hash_embedding import HashEmbedding

    embed = HashEmbedding(dim=384)
    collection = f"bench-{size}"
    folder = work / f"corpus-{size}"
    write_folder(folder, size)
    one, two, ui = (machine(work / f"{name}-{size}", port, collection, embed) for name in ("one", "two", "ui"))

    import ingest.prepare

    real_splitter = ingest.prepare.splitter
    ingest.prepare.splitter = lambda settings: paragraph_splitter()  # type: ignore[assignment]
    started = time.perf_counter()
    try:
        first = one.ingest(folder, show_progress=False)
    finally:
        ingest.prepare.splitter = real_splitter  # type: ignore[assignment]
    print(f"[{size}] machine 1 first sync: {first.total_chunks} chunks from {len(first.files)} files, "
          f"{time.perf_counter() - started:.1f} s (paragraph split + hash-embed + write + BM25 build)", flush=True)

    started = time.perf_counter()
    second = two.ingest(folder, show_progress=False)
    print(f"[{size}] machine 2 first sync of the unchanged corpus (empty data dir): "
          f"{time.perf_counter() - started:.2f} s, {second.embedded_chunks} chunks embedded, "
          f"{second.count('unchanged')} files unchanged", flush=True)

    started = time.perf_counter()
    ui._components.bm25.refresh()
    print(f"[{size}] machine 3 cold BM25 build (every chunk read from Chroma): {time.perf_counter() - started:.1f} s",
          flush=True)
    pool = sentences()
    questions = [" ".join(pool[i].split()[:9]) for i in range(0, len(pool), max(1, len(pool) // 50))][:50]
    for q in questions[:5]:
        ui.retrieve(q)  # warm

    samples: list[tuple[float, float]] = []  # (start, end) of each question
    stop = threading.Event()

    def ask() -> None:
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            ui.retrieve(questions[i % len(questions)])
            samples.append((t0, time.perf_counter()))
            i += 1

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(8)  # at rest
    rest_until = time.perf_counter()
    refreshes, windows, adds = [], [], []
    for r in range(rounds):
        new = write_folder(work / f"extra-{size}", 20, start=90000 + r)[-1]
        target = folder / new.name
        new.rename(target)
        t0 = time.perf_counter()
        two.ingest(target, show_progress=False)  # machine 2 adds one file (single-file sync)
        adds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ui._components.bm25.refresh()
        t1 = time.perf_counter()
        refreshes.append(t1 - t0)
        windows.append((t0, t1))
        time.sleep(1.5)
    stop.set()
    asker.join()
    rest = [(e - s) * 1000 for s, e in samples if e <= rest_until]
    during = [(e - s) * 1000 for s, e in samples if any(s < w1 and e > w0 for w0, w1 in windows)]
    print(f"[{size}] machine 2 adds one file: {statistics.median(adds):.2f} s median of {rounds}", flush=True)
    print(f"[{size}] machine 3 BM25 refresh after one file: median {statistics.median(refreshes):.2f} s, "
          f"max {max(refreshes):.2f} s over {rounds} rounds", flush=True)
    print(f"[{size}] question latency (hybrid retrieve): at rest p50 {percentile(rest, 50):.0f} ms / "
          f"p95 {percentile(rest, 95):.0f} ms (n={len(rest)}); while a refresh runs p50 {percentile(during, 50):.0f} ms "
          f"/ p95 {percentile(during, 95):.0f} ms (n={len(during)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from core.providers import local_model_path, prepare_offline_environment
    from core.settings import Settings

    prepare_offline_environment()
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        work = Path(tmp)
        (work / "hash-embedding-384").symlink_to(local_model_path(Settings(_env_file=None)))  # MiniLM tokenizer for chunking
        server = start_chroma_server(work / "server")
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                run_size(work, server.port, size, args.rounds)
        finally:
            server.stop(timeout=30)


if __name__ == "__main__":
    main()
