"""Core benchmark: prints figures for the bundled corpus (not a timed test).

    .venv/bin/python benchmarks/bench_core.py [--questions eval/questions.yaml] [--repeat 1]

Measures, in one run on a fresh temporary data dir: cold ingest, re-sync with nothing changed,
the pipeline's embedding throughput beside raw sentence-transformers encode throughput on the same
texts, warm offline `ask` latency p50/p95 over the eval questions, cold `assistant ask` wall time
(a new process), and peak memory. Targets (2 cores): re-sync < 2 s, warm ask p50 < 60 ms,
pipeline embedding throughput >= 80% of raw encode.
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


class EmbedTimer:
    """Sums the time LlamaIndex spends in embedding calls (instrumentation events)."""

    def __init__(self) -> None:
        from llama_index.core.instrumentation import get_dispatcher
        from llama_index.core.instrumentation.event_handlers import BaseEventHandler
        from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

        timer = self
        self.seconds = 0.0
        self.chunks = 0
        self._start: float | None = None

        class Handler(BaseEventHandler):
            @classmethod
            def class_name(cls) -> str:
                return "BenchEmbedTimer"

            def handle(self, event, **kwargs) -> None:  # noqa: ANN001
                if isinstance(event, EmbeddingStartEvent):
                    timer._start = time.perf_counter()
                elif isinstance(event, EmbeddingEndEvent) and timer._start is not None:
                    timer.seconds += time.perf_counter() - timer._start
                    timer.chunks += len(event.chunks)
                    timer._start = None

        get_dispatcher().add_event_handler(Handler())


def load_questions(path: Path) -> list[str]:
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [item["question"] for item in items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "questions.yaml")
    args = parser.parse_args()

    from assistant import Assistant, Settings
    from assistant.providers import local_model_path

    data_dir = Path(tempfile.mkdtemp(prefix="bench-core-"))
    settings = Settings(_env_file=None, data_dir=data_dir, corpus_dir=REPO / "corpus", llm="none")
    rows: list[tuple[str, str, str]] = []

    t0 = time.perf_counter()
    bot = Assistant(settings)
    timer = EmbedTimer()
    report = bot.ingest(settings.corpus_dir, show_progress=False)
    cold = time.perf_counter() - t0
    rows.append(("cold ingest (incl. model load)", f"{cold:.1f} s", f"{report.embedded_chunks} chunks, {sum(f.tokens for f in report.files)} tokens"))

    resync = []
    for _ in range(5):
        t = time.perf_counter()
        again = bot.ingest(settings.corpus_dir, show_progress=False)
        resync.append(time.perf_counter() - t)
        assert again.embedded_chunks == 0, "re-sync embedded something"
    rows.append(("re-sync, nothing changed (median of 5)", f"{statistics.median(resync) * 1000:.0f} ms", "target < 2 s"))

    pipeline_rate = timer.chunks / timer.seconds if timer.seconds else 0.0
    from llama_index.core.schema import MetadataMode
    from sentence_transformers import SentenceTransformer

    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in bot._components.store.all_nodes()]
    raw_model = SentenceTransformer(local_model_path(settings), device="cpu")
    raw_model.encode(texts[:8])
    t = time.perf_counter()
    raw_model.encode(texts, batch_size=settings.embed_batch_size)
    raw_rate = len(texts) / (time.perf_counter() - t)
    t = time.perf_counter()
    bot.embed_model.get_text_embedding_batch(texts)
    again_rate = len(texts) / (time.perf_counter() - t)
    rows.append(("embedding, in the ingest pipeline", f"{pipeline_rate:.1f} chunks/s", f"{timer.chunks} chunks in {timer.seconds:.1f} s"))
    rows.append(("embedding, LlamaIndex model warm (same texts)", f"{again_rate:.1f} chunks/s", ""))
    rows.append(("embedding, raw sentence-transformers encode", f"{raw_rate:.1f} chunks/s", f"pipeline/raw = {pipeline_rate / raw_rate:.0%} (target >= 80%)"))

    questions = load_questions(args.questions)
    for q in questions[:5]:
        bot.ask(q)  # warm-up
    latencies = []
    for q in questions:
        t = time.perf_counter()
        bot.ask(q)
        latencies.append((time.perf_counter() - t) * 1000)
    rows.append((f"warm offline ask, {len(latencies)} questions", f"p50 {percentile(latencies, 50):.0f} ms",
                 f"p95 {percentile(latencies, 95):.0f} ms (target p50 < 60 ms)"))

    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_LLM="none")
    exe = Path(sys.executable).parent / "assistant"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "assistant.cli"]
    t = time.perf_counter()
    proc = subprocess.run([*command, "ask", questions[0]], env=env, capture_output=True, text=True, cwd=REPO)
    cold_ask = time.perf_counter() - t
    rows.append(("cold `assistant ask` (new process)", f"{cold_ask:.1f} s", "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr[-200:]}"))

    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows.append(("peak memory, this process", f"{peak_self:.0f} MB", "ingest + eval questions + raw model"))
    rows.append(("peak memory, cold `assistant ask`", f"{peak_child:.0f} MB", ""))

    width = max(len(r[0]) for r in rows)
    print(f"\nCore benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}, corpus {settings.corpus_dir.name}/")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
