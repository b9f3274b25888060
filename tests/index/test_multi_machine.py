"""Several "machines" (data dirs, real processes) on one real `chroma run` server.

Each machine is a data dir; the test process plays a long-lived one (like the UI), `python -m
cli.main` processes play the others. Vectors come from the fast HashEmbedding (the model is not the
point here; tests/reliability/test_store_modes.py runs the real one on both store modes).
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from core.errors import AssistantError
from tests.index import procs
from tests.reliability.relhelpers import index_facts, statuses, write_generated_corpus, write_small_corpus

pytestmark = pytest.mark.slow


@pytest.fixture
def on_server(chroma_server) -> dict:
    return procs.server_settings(chroma_server, f"m-{uuid.uuid4().hex[:10]}")


def eventually(check, timeout: float = 10.0) -> None:
    """Retry `check` until it passes. A change made elsewhere is noticed within STATE_TTL: until then a
    process may still hold the state it saw mid-rebuild and answer with a one-line domain message
    ("the index does not exist"), which counts as "not yet", like a failed assertion."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except (AssertionError, AssistantError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_two_data_dirs_share_documents_syncs_and_removals(tmp_path, on_server):
    folder = write_small_corpus(tmp_path / "docs")
    first = procs.fake_bot(tmp_path / "one", **on_server)
    added = first.ingest(folder, show_progress=False)
    assert set(statuses(added).values()) == {"added"}
    second = procs.env(tmp_path, tmp_path / "two", **on_server)

    listed = procs.run(["documents"], second, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {line.split("\t")[0] for line in listed.stdout.splitlines()} == {"a.txt", "b.md", "sub/c.txt"}
    synced = procs.run(["ingest", str(folder), "--quiet"], second, tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert " 0 chunks embedded" in synced.stdout and "3 unchanged" in synced.stdout

    removed = procs.run(["remove", "b.md"], second, tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert "next sync of that folder brings it back" in removed.stdout
    eventually(lambda: _assert("b.md" not in {d.source for d in first.documents()}))
    eventually(lambda: _assert(all(p.source != "b.md" for p in first.retrieve("Reykjavik geothermal electricity"))))

    again = first.ingest(folder, show_progress=False)  # the first machine puts back what the second removed
    assert statuses(again) == {"a.txt": "unchanged", "b.md": "added", "sub/c.txt": "unchanged"}
    assert again.embedded_chunks == next(f.chunks for f in added.files if f.source == "b.md")
    facts = index_facts(first)
    assert sum(facts["per_doc"].values()) == added.total_chunks


def test_two_concurrent_ingests_from_two_data_dirs(tmp_path, on_server):
    left = write_generated_corpus(tmp_path / "left", 30, salt="left")
    right = write_generated_corpus(tmp_path / "right", 25, salt="right")
    running = [procs.start(["ingest", str(folder), "--quiet"], procs.env(tmp_path, tmp_path / name, **on_server), tmp_path)
               for name, folder in (("one", left), ("two", right))]
    for proc in running:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "0 failed" in out
    observer = procs.fake_bot(tmp_path / "three", **on_server)
    facts = index_facts(observer)
    roots = {d.root for d in observer.documents()}
    assert roots == {str(left.resolve()), str(right.resolve())}
    assert len(observer.documents()) == 55 and len(facts["ids"]) == 55
    # The same folder synced from a third machine embeds nothing.
    report = observer.ingest(left, show_progress=False)
    assert report.embedded_chunks == 0 and set(statuses(report).values()) == {"unchanged"}


def test_a_long_lived_process_keeps_answering_while_others_ingest_remove_and_rebuild(tmp_path, on_server):
    folder = write_small_corpus(tmp_path / "docs")
    ui = procs.fake_bot(tmp_path / "ui", **on_server)
    ui.ingest(folder, show_progress=False)
    ui.ask("Reykjavik geothermal electricity")  # warm: BM25 and the dense index are open
    other = procs.env(tmp_path, tmp_path / "other", **on_server)
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answer = ui.ask("Reykjavik geothermal electricity data centre")
                assert all(p.text.strip() and p.source for p in answer.retrieved), "a blank card"
            except AssistantError:
                pass  # a one-line domain message (e.g. empty index mid-rebuild) is what a user may see
            except BaseException as err:  # noqa: BLE001 - anything else fails the test
                errors.append(err)
                return

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        (folder / "d.txt").write_text("Le phare de Kerbrat\n\nLe phare de Kerbrat guide les chalutiers depuis 1874.\n",
                                      encoding="utf-8")
        assert procs.run(["ingest", str(folder), "--quiet"], other, tmp_path).returncode == 0
        eventually(lambda: _assert(any(p.source == "d.txt" for p in ui.retrieve("phare Kerbrat chalutiers"))))
        eventually(lambda: _assert(any(p.source == "d.txt" for p in ui.variant(retrieval="dense").retrieve(
            "Le phare de Kerbrat guide les chalutiers depuis 1874."))))
        assert procs.run(["remove", "b.md"], other, tmp_path).returncode == 0
        eventually(lambda: _assert(all(p.source != "b.md" for p in ui.retrieve("Reykjavik geothermal electricity"))))
        rebuilt = procs.run(["ingest", str(folder), "--rebuild", "--quiet"], other, tmp_path)
        assert rebuilt.returncode == 0, rebuilt.stderr
        eventually(lambda: _assert(any(p.source == "b.md" for p in ui.retrieve("Reykjavik geothermal electricity"))))
        assert {d.source for d in ui.documents()} == {"a.txt", "b.md", "sub/c.txt", "d.txt"}
    finally:
        stop.set()
        asker.join(timeout=60)
    assert not errors, errors
    index_facts(ui)


def _assert(condition: bool) -> None:
    assert condition
