"""Where a warm question's time goes: wraps the answering pipeline's functions with timers.

Benchmark-only instrumentation (bench_speed.py): each stage is one or more functions, patched where
the pipeline looks them up, timed exclusively (a stage's time excludes the stages it calls, e.g.
dense excludes the query embedding). A function that is not found (renamed by a refactor) is listed
as missing rather than silently timed as zero.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

# (stage, "module:attribute" or "module:Class.method"), in pipeline order. "pipeline:NAME" wraps the
# stage NAME where assistant/pipeline.py runs it (its ASKED / STREAMED lists); a streamed stage's
# pieces are drawn inside its timer.
STAGES = [
    ("validation", "pipeline:validate"),
    ("standalone rewrite", "pipeline:standalone"),
    ("embedding", "core.e5:E5Embedding._get_query_embedding"),
    ("dense", "assistant.retrieve:HybridRetriever._dense"),
    ("BM25", "assistant.retrieve:HybridRetriever._bm25"),
    ("fusion", "assistant.retrieve:HybridRetriever._fuse"),
    ("fusion", "assistant.retrieve:HybridRetriever._live"),
    ("fusion", "assistant.retrieve:merge_duplicates"),
    ("retrieval (rest)", "pipeline:retrieve"),
    ("overview check", "pipeline:plan"),
    ("extraction", "pipeline:evidence"),
    ("abstention signals", "pipeline:weigh"),
    ("compose", "pipeline:compose"),
    ("citation check", "pipeline:check"),
    ("abstention signals", "pipeline:settle"),
]


class StageClock:
    def __init__(self) -> None:
        self.per_question: list[dict[str, float]] = []
        self.current: dict[str, float] = defaultdict(float)
        self.stack: list[list[float]] = []  # per active stage: [child time]
        self.missing: list[str] = []
        self.total_start = 0.0

    def _wrap(self, stage: str, fn, drain: bool = False):  # noqa: ANN001, ANN202
        clock = self

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            clock.stack.append([0.0])
            t = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
                return iter(list(result)) if drain and result is not None else result
            finally:
                elapsed = time.perf_counter() - t
                children = clock.stack.pop()[0]
                clock.current[stage] += elapsed - children
                if clock.stack:
                    clock.stack[-1][0] += elapsed

        return timed

    @contextmanager
    def installed(self) -> Iterator[None]:
        undo = []
        pipeline = importlib.import_module("assistant.pipeline")
        for stage, target in STAGES:
            module_name, _, path = target.partition(":")
            if module_name == "pipeline":
                found = False
                for stages in (pipeline.ASKED, pipeline.STREAMED):
                    for i, fn in enumerate(stages):
                        if fn.__name__ == path:
                            stages[i] = self._wrap(stage, fn, drain=stages is pipeline.STREAMED)
                            undo.append((stages, i, fn))
                            found = True
                if not found:
                    self.missing.append(target)
                continue
            owner = importlib.import_module(module_name)
            *outer, name = path.split(".")
            for part in outer:
                owner = getattr(owner, part, None)
            original = getattr(owner, name, None) if owner is not None else None
            if original is None:
                self.missing.append(target)
                continue
            setattr(owner, name, self._wrap(stage, original))
            undo.append((owner, name, original))
        try:
            yield
        finally:
            for owner, name, original in reversed(undo):
                if isinstance(owner, list):
                    owner[name] = original
                else:
                    setattr(owner, name, original)

    def start(self) -> None:
        self.current = defaultdict(float)
        self.total_start = time.perf_counter()

    def stop(self) -> None:
        total = time.perf_counter() - self.total_start
        self.current["total"] = total
        self.current["other (glue, answer text)"] = total - sum(v for k, v in self.current.items() if k != "total")
        self.per_question.append(dict(self.current))

    def report(self) -> list[str]:
        names = list(dict.fromkeys([s for s, _ in STAGES] + ["other (glue, answer text)", "total"]))
        lines = [f"{'stage':<28} {'mean':>8} {'p50':>8} {'p95':>8}  (ms per question)"]
        for name in names:
            values = [q.get(name, 0.0) * 1000 for q in self.per_question]
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            lines.append(f"{name:<28} {statistics.mean(values):8.2f} {statistics.median(values):8.2f} {p95:8.2f}")
        if self.missing:
            lines.append("not instrumented (not found): " + ", ".join(self.missing))
        return lines
