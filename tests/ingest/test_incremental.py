"""A sync scales with the change (issue 20): unchanged files are skipped from their metadata without
being read, the folder's chunk ids are read only after an interrupted write (its mark in Chroma),
and old indexes (no file metadata in records, no marks) still sync and are upgraded on the way.

Real embedded Chroma and real `chroma run` servers; the fast HashEmbedding (the model is not the point).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

import ingest.prepare
from core import hooks
from index.marks import WriteMarks
from tests.index import procs
from tests.reliability.relhelpers import index_facts, statuses, write_generated_corpus

pytestmark = pytest.mark.slow


def _aged(folder: Path, seconds: float = 120) -> Path:
    """Files last modified `seconds` ago: past the "racily clean" window (ingest/plan.read_stat)."""
    past = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files a sync reads (every read goes through ingest.prepare.read_bytes)."""
    seen: list[str] = []
    real = ingest.prepare.read_bytes

    def counting(path, limits):  # noqa: ANN001, ANN202
        seen.append(Path(path).name)
        return real(path, limits)

    monkeypatch.setattr(ingest.prepare, "read_bytes", counting)
    return seen


@pytest.fixture(params=["embedded", "server"])
def store_kind(request: pytest.FixtureRequest) -> dict:
    if request.param == "embedded":
        return {}
    server = request.getfixturevalue("chroma_server")
    return procs.server_settings(server, f"c-{uuid.uuid4().hex[:10]}")


def _chunk_reads(bot, monkeypatch: pytest.MonkeyPatch) -> list[dict]:  # noqa: ANN001
    """Every read of the folder's chunk ids by `where` (the full scan this issue avoids)."""
    store = bot._components.store
    calls: list[dict] = []
    real = store.chunk_ids

    def spy(where=None):  # noqa: ANN001, ANN202
        calls.append(where or {})
        return real(where=where)

    monkeypatch.setattr(store, "chunk_ids", spy)
    return calls


def test_unchanged_files_are_not_read_and_one_change_reads_one_file(tmp_path, reads, store_kind, monkeypatch):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 12))
    bot = procs.fake_bot(tmp_path / "data", **store_kind)
    assert bot.ingest(folder, show_progress=False).embedded_chunks == 12
    scans = _chunk_reads(bot, monkeypatch)
    reads.clear()

    again = bot.ingest(folder, show_progress=False)
    assert reads == [] and set(statuses(again).values()) == {"unchanged"} and not again.checked
    (folder / "doc003.txt").write_text("Changed\n\nThe harbour of Valparaiso handled 7 ships.\n", encoding="utf-8")
    (folder / "doc005.txt").unlink()
    write_generated_corpus(folder / "new", 1, salt="new")
    report = bot.ingest(folder, show_progress=False)
    assert sorted(reads) == ["doc000.txt", "doc003.txt"]  # new/doc000.txt and the changed one
    got = statuses(report)
    assert (got["doc003.txt"], got["doc005.txt"], got["new/doc000.txt"]) == ("changed", "removed", "added")
    assert not [w for w in scans if "root" in w], "a sync without a mark read every chunk id of the folder"
    index_facts(bot)


def test_a_touched_file_is_read_once_then_skipped_again(tmp_path, reads):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 4))
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    later = time.time() - 60
    os.utime(folder / "doc001.txt", (later, later))  # same bytes, new time
    reads.clear()
    report = bot.ingest(folder, show_progress=False)
    assert reads == ["doc001.txt"] and report.embedded_chunks == 0 and set(statuses(report).values()) == {"unchanged"}
    reads.clear()
    assert bot.ingest(folder, show_progress=False).embedded_chunks == 0 and reads == []  # its record learnt the new time


def test_a_file_modified_just_now_is_read_again_next_time(tmp_path, reads):
    """Within a timestamp tick, a second write could keep size and time: such a file is not trusted
    from its metadata until it is older (git's "racily clean" rule)."""
    folder = write_generated_corpus(tmp_path / "docs", 2)  # just written
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    reads.clear()
    bot.ingest(folder, show_progress=False)
    assert sorted(reads) == ["doc000.txt", "doc001.txt"]
    store = bot._components.store
    assert all(r.file_stat == "" for r in store.list_records())
    _aged(folder)
    bot.ingest(folder, show_progress=False)
    size = (folder / "doc000.txt").stat().st_size
    assert any(r.file_stat.startswith(f"{size}:") for r in store.list_records())
    reads.clear()
    bot.ingest(folder, show_progress=False)
    assert reads == []


def test_other_chunking_settings_read_every_file_again(tmp_path, reads):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 3))
    procs.fake_bot(tmp_path / "data").ingest(folder, show_progress=False)
    reads.clear()
    other = procs.fake_bot(tmp_path / "data", chunk_overlap=16)
    report = other.ingest(folder, show_progress=False)
    assert len(reads) == 3 and set(statuses(report).values()) == {"changed"}


def test_the_write_mark_is_set_while_a_sync_writes_and_cleared_after(tmp_path, store_kind):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 3))
    bot = procs.fake_bot(tmp_path / "data", **store_kind)
    store = bot._components.store
    root = store.root_for(folder).key
    seen: dict[str, object] = {}
    active = [True]
    hooks.listen(lambda step: active[0] and step == "sync:chunks-written" and seen.setdefault(step, WriteMarks(store).get(root)))
    try:
        bot.ingest(folder, show_progress=False)
    finally:
        active[0] = False
    mark = seen["sync:chunks-written"]
    assert isinstance(mark, dict) and mark["what"] == "sync" and mark["pid"] == os.getpid()
    assert WriteMarks(store).get(root) is None
    assert store.state(max_age=0).live and WriteMarks(store).name not in {store.settings.collection, store.records_name}


@pytest.mark.parametrize("step", ["sync:chunks-written", "sync:old-records-deleted"])
def test_an_interrupted_sync_leaves_its_mark_and_the_next_sync_repairs(tmp_path, store_kind, step, monkeypatch):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 5))
    data_dir = tmp_path / "data"
    bot = procs.fake_bot(data_dir, **store_kind)
    bot.ingest(folder, show_progress=False)
    (folder / "doc001.txt").write_text("Changed\n\nThe lighthouse of Ushant was lit in 1863.\n", encoding="utf-8")
    (folder / "doc004.txt").unlink()
    write_generated_corpus(folder / "new", 2, salt="new")
    killed = procs.run(["ingest", str(folder), "--quiet"], procs.env(tmp_path, data_dir, kill_at=step, **store_kind), tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = bot._components.store
    root = store.root_for(folder).key
    mark = WriteMarks(store).get(root)
    assert mark is not None and mark["pid"] != os.getpid()  # left in Chroma by the killed process

    scans = _chunk_reads(bot, monkeypatch)
    report = bot.ingest(folder, show_progress=False)
    assert report.checked.startswith("the previous write of this folder") and {"root": root} in scans
    assert WriteMarks(store).get(root) is None
    facts = index_facts(bot)
    assert {d.source for d in bot.documents()} == {p.relative_to(folder).as_posix() for p in folder.rglob("*.txt")}
    assert sum(facts["per_doc"].values()) == report.total_chunks == 6
    again = bot.ingest(folder, show_progress=False)
    assert not again.checked and again.embedded_chunks == 0


def test_an_interrupted_removal_leaves_its_mark_for_the_next_sync(tmp_path):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 3))
    data_dir = tmp_path / "data"
    bot = procs.fake_bot(data_dir)
    bot.ingest(folder, show_progress=False)
    killed = procs.run(["remove", "doc002.txt"], procs.env(tmp_path, data_dir, kill_at="remove:record-deleted"), tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = bot._components.store
    assert WriteMarks(store).get(store.root_for(folder).key)["what"] == "remove"
    (folder / "doc002.txt").unlink()
    report = bot.ingest(folder, show_progress=False)
    assert report.checked and WriteMarks(store).get(store.root_for(folder).key) is None
    assert {d.source for d in bot.documents()} == {"doc000.txt", "doc001.txt"}
    index_facts(bot)


def test_an_index_from_before_file_metadata_and_marks_still_syncs(tmp_path, reads):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 4))
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    store = bot._components.store
    old = [r.metadata() for r in store.list_records()]
    for meta in old:
        del meta["file_stat"]
    store.records.delete(ids=[f"{m['document_id']}@{m['hash']}" for m in old])
    store.records.add(ids=[f"{m['document_id']}@{m['hash']}" for m in old], metadatas=old,
                      documents=[(folder / m["source"]).read_text(encoding="utf-8") for m in old], embeddings=[[1.0]] * len(old))
    store.client.delete_collection(WriteMarks(store).name)
    leftover = store.collection.get(limit=1, include=["metadatas", "documents", "embeddings"])  # an old interrupted write's chunk
    store.collection.add(ids=[leftover["ids"][0].replace("::", "::0ld:", 1)], metadatas=leftover["metadatas"],
                         documents=leftover["documents"], embeddings=leftover["embeddings"])
    reads.clear()
    report = bot.ingest(folder, show_progress=False)
    assert len(reads) == 4 and set(statuses(report).values()) == {"unchanged"} and report.embedded_chunks == 0
    assert report.checked.startswith("the index holds 5 chunks where its records count 4")
    index_facts(bot)  # the leftover chunk is gone
    reads.clear()
    again = bot.ingest(folder, show_progress=False)
    assert reads == [] and not again.checked


def test_a_single_file_sync_reads_only_that_file(tmp_path, reads, monkeypatch):
    folder = _aged(write_generated_corpus(tmp_path / "docs", 6))
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    scans = _chunk_reads(bot, monkeypatch)
    reads.clear()
    assert statuses(bot.ingest(folder / "doc002.txt", show_progress=False)) == {"doc002.txt": "unchanged"}
    assert reads == []
    (folder / "doc002.txt").write_text("Changed\n\nThe lighthouse of Ushant was lit in 1863.\n", encoding="utf-8")
    report = bot.ingest(folder / "doc002.txt", show_progress=False)
    assert statuses(report) == {"doc002.txt": "changed"} and reads == ["doc002.txt"]
    assert not [w for w in scans if "root" in w] and report.total_chunks == 6
    index_facts(bot)
