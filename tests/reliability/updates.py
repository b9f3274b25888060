"""Readers asking while another process re-ingests edited files (issue 18, case 1): the helper behind
tests/reliability/test_rel_updates.py and benchmarks/bench_updates.py.

The writer is a real `assistant ingest` process (hash embedding slowed down, so the re-ingest lasts
a few seconds); the reader is a long-lived in-process assistant on the same data dir, asking about
every edited file in turn until the writer ends. A question counts as answered when a passage of
its file (old or new version) comes back.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from core.errors import AssistantError
from tests.index import procs


def write_tagged(folder: Path, n_files: int, version: str) -> Path:
    """`n_files` one-chunk files, each naming its own rare word (`zorblat<i>`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        (folder / f"doc{i:03d}.txt").write_text(
            f"Note {i} ({version})\n\nThe zorblat{i} festival is held in the harbour town every spring; "
            f"this is the {version} account of it, with {i} stalls.\n", encoding="utf-8")
    return folder


def slow_env(tmp_path: Path, data_dir: Path, delay: float) -> dict[str, str]:
    environ = procs.env(tmp_path, data_dir)
    hooks = tmp_path / "hooks" / "sitecustomize.py"
    hooks.write_text(hooks.read_text() + f"\nimport time\n_v = HashEmbedding._vector\n"
                     f"HashEmbedding._vector = lambda self, t: (time.sleep({delay}), _v(self, t))[1]\n")
    return environ


def reingest_under_readers(tmp_path: Path, n_files: int = 40, delay: float = 0.05) -> dict[str, Any]:
    folder = write_tagged(tmp_path / "docs", n_files, "first")
    data_dir = tmp_path / "data"
    bot = procs.fake_bot(data_dir)
    bot.ingest(folder, show_progress=False)
    write_tagged(folder, n_files, "revised")
    writer = procs.start(["ingest", str(folder), "--quiet"], slow_env(tmp_path, data_dir, delay), tmp_path)
    asked = answered = 0
    failures: Counter[str] = Counter()
    started = time.monotonic()
    while writer.poll() is None:
        i = asked % n_files
        asked += 1
        try:
            passages = bot.retrieve(f"zorblat{i}", top_k=5)
        except AssistantError as err:
            failures[str(err)] += 1
            continue
        if any(p.source == f"doc{i:03d}.txt" for p in passages):
            answered += 1
        else:
            failures["no passage of the edited file"] += 1
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    seconds = time.monotonic() - started
    time.sleep(1.5)  # STATE_TTL: a long-lived process notices the change within a second
    deadline = time.monotonic() + 20  # ... and its BM25 snapshot is rebuilt in the background
    while True:
        revised = sum(1 for i in range(n_files) if "revised" in " ".join(
            p.text for p in bot.retrieve(f"zorblat{i}", top_k=3) if p.source == f"doc{i:03d}.txt"))
        if revised == n_files or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {"files": n_files, "asked": asked, "answered": answered, "failures": dict(failures),
            "seconds": seconds, "revised_after": revised}
