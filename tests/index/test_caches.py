"""Local files are caches: lost or corrupt, they are rebuilt from Chroma; nothing is lost but time."""

from __future__ import annotations

import shutil
import uuid

import pytest

from core.errors import AssistantError
from tests.index import procs
from tests.reliability.relhelpers import index_facts, statuses, write_small_corpus

pytestmark = pytest.mark.slow


def test_corrupt_or_missing_bm25_cache_is_rebuilt(tmp_path):
    folder = write_small_corpus(tmp_path / "docs")
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    cached = sorted((tmp_path / "data" / "state" / "bm25").rglob("*.json"))
    assert len(cached) == 3
    cached[0].write_text('{"record_id": ', encoding="utf-8")  # torn / corrupt
    cached[1].unlink()
    fresh = procs.fake_bot(tmp_path / "data")
    assert fresh.variant(retrieval="bm25").retrieve("Reykjavik geothermal electricity")[0].source == "b.md"
    index_facts(fresh)
    assert len(sorted((tmp_path / "data" / "state" / "bm25").rglob("*.json"))) == 3


def test_deleting_the_data_folder_loses_nothing_on_a_server(tmp_path, chroma_server):
    folder = write_small_corpus(tmp_path / "docs")
    server = procs.server_settings(chroma_server, f"c-{uuid.uuid4().hex[:10]}")
    first = procs.fake_bot(tmp_path / "data", **server).ingest(folder, show_progress=False)
    shutil.rmtree(tmp_path / "data")
    bot = procs.fake_bot(tmp_path / "data", **server)
    assert {d.source for d in bot.documents()} == {"a.txt", "b.md", "sub/c.txt"}
    assert bot.ask("How much electricity did the data centre in Reykjavik use in 2022?").citations
    again = bot.ingest(folder, show_progress=False)
    assert again.embedded_chunks == 0 and again.total_chunks == first.total_chunks
    assert bot.source_text("a.txt") == (folder / "a.txt").read_text(encoding="utf-8")


def test_a_deleted_collection_is_refilled_by_the_next_sync(tmp_path):
    folder = write_small_corpus(tmp_path / "docs")
    bot = procs.fake_bot(tmp_path / "data")
    bot.ingest(folder, show_progress=False)
    store = bot._components.store
    store.client.delete_collection(bot.settings.collection)  # lost on the server / by hand
    store.invalidate()
    with pytest.raises(AssistantError, match="ingest"):
        bot.ask("Reykjavik")
    report = bot.ingest(folder, show_progress=False)
    assert set(statuses(report).values()) == {"added"}  # repaired, not "unchanged"
    index_facts(bot)


def test_an_unwritable_data_folder_is_one_line(tmp_path):
    (tmp_path / "blocker").write_text("a file where the data folder should be", encoding="utf-8")
    env = procs.env(tmp_path, tmp_path / "blocker" / "data")
    result = procs.run(["ingest", str(write_small_corpus(tmp_path / "docs")), "--quiet"], env, tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "blocker" in result.stderr
