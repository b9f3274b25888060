"""Seconds until a long-lived process's dense search (embedded store) returns a file that another
process just added (issue 18, case 2): the helper behind tests/reliability/test_rel_dense_follow.py
and benchmarks/bench_updates.py."""

from __future__ import annotations

import time
from pathlib import Path

from tests.index import procs
from tests.reliability.relhelpers import write_generated_corpus


def seconds_until_dense_sees_a_new_file(tmp_path: Path, give_up: float = 30.0) -> float | None:
    folder = write_generated_corpus(tmp_path / "docs", 8)
    data_dir = tmp_path / "data"
    bot = procs.fake_bot(data_dir).variant(retrieval="dense")  # dense only: BM25 cannot hide a stale vector index
    bot.ingest(folder, show_progress=False)
    question = "quasar lighthouse keeper Ushant zeppelin"
    assert "new.txt" not in {p.source for p in bot.retrieve(question)}  # the vector index is loaded, without it
    (folder / "new.txt").write_text(f"Note\n\nThe {question} wrote a logbook.\n", encoding="utf-8")
    done = procs.run(["ingest", str(folder), "--quiet"], procs.env(tmp_path, data_dir), tmp_path)
    assert done.returncode == 0, done.stderr
    written = time.monotonic()
    while time.monotonic() - written < give_up:
        if "new.txt" in {p.source for p in bot.retrieve(question)}:
            return time.monotonic() - written
        time.sleep(0.05)
    return None
