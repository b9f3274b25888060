"""A large ingest shows per-file progress with the time left, and resumes where it was stopped (issue 22).

Real `python -m cli.main ingest` processes with the fast HashEmbedding (slowed down to be caught
halfway); the process is SIGKILLed while it embeds, then the same folder is synced again.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.index import procs
from tests.reliability.relhelpers import index_facts, statuses, write_generated_corpus

pytestmark = pytest.mark.slow

SLOW_EMBEDDING = (
    "\nimport time\n_v = HashEmbedding._vector\n"
    "HashEmbedding._vector = lambda self, t: (time.sleep(0.15), _v(self, t))[1]\n"
)


def test_an_ingest_killed_halfway_resumes_without_redoing_finished_files(tmp_path):
    folder = write_generated_corpus(tmp_path / "docs", 40)
    data_dir = tmp_path / "data"
    environ = procs.env(tmp_path, data_dir)
    hooks = tmp_path / "hooks" / "sitecustomize.py"
    hooks.write_text(hooks.read_text() + SLOW_EMBEDDING)
    watcher = procs.fake_bot(data_dir)
    first = procs.start(["ingest", str(folder), "--quiet"], environ, tmp_path)
    try:
        deadline = time.monotonic() + 240
        finished: set[str] = set()
        while len(finished) < 5:
            assert time.monotonic() < deadline and first.poll() is None, "the ingest ended before it could be stopped"
            time.sleep(0.3)
            try:
                finished = {d.source for d in watcher.documents()}
            except Exception:  # noqa: BLE001 - the collections may not exist yet
                finished = set()
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    finished = {d.source for d in watcher.documents()}  # what it had finished when it died
    assert 5 <= len(finished) < 40

    report = watcher.ingest(folder, show_progress=False)
    got = statuses(report)
    assert {s for s, status in got.items() if status == "unchanged"} == finished  # not embedded again
    assert {status for s, status in got.items() if s not in finished} == {"added"}
    assert report.embedded_chunks == 40 - len(finished) and report.total_chunks == 40
    index_facts(watcher)


def test_the_cli_shows_each_file_and_the_time_left(tmp_path):
    folder = write_generated_corpus(tmp_path / "docs", 3)
    done = procs.run(["ingest", str(folder)], procs.env(tmp_path, tmp_path / "data"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[1/3] doc000.txt" in done.stderr and "[3/3] doc002.txt" in done.stderr
    last = done.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" in last and "bytes [" in last and "<00:00" in last and "3 chunks" in last, last


def test_each_embedded_file_reports_a_step_with_the_time_left(tmp_path):
    folder = write_generated_corpus(tmp_path / "docs", 4)
    steps = []
    report = procs.fake_bot(tmp_path / "data").ingest(folder, show_progress=False, on_step=steps.append)
    assert [s.done for s in steps] == [0, 1, 2, 3, 4] and {s.total for s in steps} == {4}
    assert steps[0].seconds_left is None and all(s.seconds_left is not None for s in steps[1:])
    assert steps[-1].fraction == 1.0 and steps[-1].chunks == report.embedded_chunks == 4
    assert steps[-1].describe().startswith("[4/4] doc003.txt, 4 chunks — about ")
