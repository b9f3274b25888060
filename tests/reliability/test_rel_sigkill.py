"""Real processes killed with SIGKILL at every step boundary of a sync and of a removal.

`RAG_KILL_AT=<step>` (core/hooks.py and tests/fakes/killpoint.py) makes `python -m cli.main` SIGKILL itself
exactly at that boundary. Re-running must leave Chroma, the bookkeeping records and BM25 in
agreement (tests/reliability/relhelpers.index_facts), with nothing duplicated or lost. A second
ingest started while one runs on the same data dir is refused with one line.

The scenario touches every step: of six files, two change, two are deleted, two are new.
Updates are copy-on-write (issue 18): right after the kill, before any re-run, every changed
document is still in the index, whole (its old or its new version), for a fresh process too.
Removals are also killed on a document that was changed before (its chunk ids carry a version).
Vectors come from the fast HashEmbedding (the crash is the point, not the model).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.records import record_of
from tests.index import procs
from tests.reliability.relhelpers import index_facts, statuses, write_generated_corpus

pytestmark = pytest.mark.slow

SYNC_STEPS = ["sync:planned", "sync:orphans-deleted", "sync:embedded", "sync:chunks-written",
              "sync:records-written", "sync:old-records-deleted", "sync:old-chunks-deleted",
              "sync:removed-records-deleted", "sync:removed-chunks-deleted"]
REMOVE_STEPS = ["remove:record-deleted", "remove:chunks-deleted"]


def _scenario(tmp_path: Path):
    folder = write_generated_corpus(tmp_path / "docs", 6)
    data_dir = tmp_path / "data"
    bot = procs.fake_bot(data_dir)
    assert bot.ingest(folder, show_progress=False).total_chunks == 6
    return folder, data_dir, bot


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("step", SYNC_STEPS)
def test_sigkill_at_each_step_of_a_sync_then_rerun(tmp_path, step):
    folder, data_dir, bot = _scenario(tmp_path)
    for i in range(2):
        (folder / f"doc{i:03d}.txt").write_text(f"Changed {i}\n\nThe harbour of Valparaiso handled {i} ships.\n")
    for i in (4, 5):
        (folder / f"doc{i:03d}.txt").unlink()
    write_generated_corpus(folder / "new", 2, salt="new")

    killed = procs.run(["ingest", str(folder), "--quiet"], procs.env(tmp_path, data_dir, kill_at=step), tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    _changed_documents_are_whole(procs.fake_bot(data_dir), ["doc000.txt", "doc001.txt"])

    report = bot.ingest(folder, show_progress=False)  # the long-lived process re-runs the sync
    assert not [f for f in report.files if f.status == "failed"]
    facts = index_facts(bot)
    assert {d.source for d in bot.documents()} == _files(folder)
    assert sum(facts["per_doc"].values()) == report.total_chunks == 6
    texts = " ".join(p.text for p in bot.retrieve("harbour of Valparaiso ships", top_k=10))
    assert "Valparaiso" in texts
    index_facts(procs.fake_bot(data_dir))  # a fresh process agrees (BM25 cache read back from disk)
    again = bot.ingest(folder, show_progress=False)
    assert again.embedded_chunks == 0 and set(statuses(again).values()) == {"unchanged"}


def _changed_documents_are_whole(reader, sources: list[str]) -> None:
    """Each document is listed, every version of it that has a record is searchable whole (two only
    between a new version's record and the old one's deletion), and search finds it."""
    listed = {d.source for d in reader.documents()}
    store = reader._components.store
    state = store.state(max_age=0)
    for source in sources:
        assert source in listed, f"{source} disappeared from the index"
        nodes = [n for n in store.nodes(where={"source": source}) if state.holds(n.node_id, n.metadata)]
        records = store.list_records(where={"source": source})
        for record in records:
            held = [n for n in nodes if record_of(n.node_id, n.metadata.get("doc_hash", "")) == record.record_id]
            assert len(held) == record.chunks > 0, f"{record.record_id}: {len(held)} chunks searchable"
        found = reader.retrieve(nodes[0].get_content()[:200], top_k=10)
        assert source in {p.source for p in found}, f"{source} is not found by search"


@pytest.mark.parametrize("step", REMOVE_STEPS)
@pytest.mark.parametrize("changed_before", [False, True])
def test_sigkill_at_each_step_of_a_removal_then_rerun(tmp_path, step, changed_before):
    folder, data_dir, bot = _scenario(tmp_path)
    if changed_before:
        (folder / "doc002.txt").write_text("Changed\n\nThe lighthouse of Ushant was lit in 1863.\n")
        assert statuses(bot.ingest(folder, show_progress=False))["doc002.txt"] == "changed"
    killed = procs.run(["remove", "doc002.txt"], procs.env(tmp_path, data_dir, kill_at=step), tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    try:
        bot.remove("doc002.txt")  # re-run: finishes the removal (chunks left without a record go too)
    except Exception as err:  # noqa: BLE001 - only "already removed" is acceptable
        assert "No ingested document" in str(err)
    facts = index_facts(bot)
    assert "doc002.txt" not in {d.source for d in bot.documents()} and len(facts["ids"]) == 5
    back = bot.ingest(folder, show_progress=False)  # still in the folder: the next sync brings it back
    assert statuses(back)["doc002.txt"] == "added" and index_facts(bot)["per_doc"]


def test_a_second_ingest_on_the_same_data_dir_is_refused_in_one_line(tmp_path):
    folder = write_generated_corpus(tmp_path / "docs", 40)
    data_dir = tmp_path / "data"
    slow = procs.env(tmp_path, data_dir)
    hooks = tmp_path / "hooks" / "sitecustomize.py"
    hooks.write_text(hooks.read_text() + "\nimport time\n_v = HashEmbedding._vector\n"
                     "HashEmbedding._vector = lambda self, t: (time.sleep(0.2), _v(self, t))[1]\n")
    first = procs.start(["ingest", str(folder), "--quiet"], slow, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not (data_dir / "ingest.lock").exists() or not (data_dir / "ingest.lock").read_text():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.2)
        second = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(folder), "--quiet"],
                                env=slow, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert second.stderr.startswith("error: Another ingest is running") and second.stderr.count("\n") == 1
        assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.kill()
        first.communicate(timeout=30)
    bot = procs.fake_bot(data_dir)
    report = bot.ingest(folder, show_progress=False)
    assert report.total_chunks == 40
    index_facts(bot)
