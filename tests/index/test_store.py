"""The store's own guarantees, on a real embedded Chroma: batching, idempotent writes, a version
derived from content, collections rebuilt or deleted by another process, one-line errors."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from index.records import DocRecord
from index.store import Store
from tests.conftest import make_settings


def _record(doc: str, digest: str, chunks: int = 1) -> DocRecord:
    return DocRecord(document_id=f"k:{doc}", root="k", root_path="/corpus", source=doc, hash=digest, chunks=chunks)


def test_writes_are_batched_and_rewriting_never_duplicates(tmp_path):
    store = Store(make_settings(tmp_path / "data"), "local:test")
    vector_store = store.vector_store
    vector_store.max_batch = 7  # Chroma refuses batches over get_max_batch_size() (5,461 here)
    nodes = [TextNode(id_=f"n{i}", text=f"chunk {i}", embedding=[1.0, float(i), 0.5]) for i in range(30)]
    assert vector_store.add(nodes) == [f"n{i}" for i in range(30)]
    vector_store.add(nodes[:10])  # a re-run after a crash writes the same ids again
    assert store.count() == 30


def test_version_is_derived_from_content(tmp_path):
    one = Store(make_settings(tmp_path / "one"), "local:test")
    two = Store(make_settings(tmp_path / "two"), "local:test")
    empty = one.state(max_age=0)
    # Two writers adding the same documents in another order reach the same fingerprint.
    one.add_records([_record("a", "h1"), _record("b", "h2")], ["A", "B"])
    two.add_records([_record("b", "h2")], ["B"])
    two.add_records([_record("a", "h1")], ["A"])
    assert one.state(max_age=0).fingerprint == two.state(max_age=0).fingerprint != empty.fingerprint
    one.delete_records([_record("a", "h1").record_id])
    one.add_records([_record("a", "h3")], ["A changed"])
    assert one.state(max_age=0).fingerprint != two.state(max_age=0).fingerprint
    assert {r.source: r.hash for r in one.list_records()} == {"a": "h3", "b": "h2"}
    assert one.record_text(_record("a", "h3")) == "A changed"


def test_a_rebuild_or_deletion_elsewhere_is_followed_without_raw_errors(tmp_path):
    settings = make_settings(tmp_path / "data")
    reader = Store(settings, "local:test")
    reader.add_records([_record("a", "h1")], ["A"])
    before = reader.state(max_age=0)
    writer = Store(settings, "local:test")
    writer.reset()  # `ingest --rebuild` in another process: new collections
    after = reader.state(max_age=0)
    assert after.exists and after.chunks_id != before.chunks_id and not after.live
    assert reader.list_records() == [] and reader.count() == 0
    writer.client.delete_collection(settings.collection)  # deleted on the server
    gone = reader.state(max_age=0)
    assert not gone.exists
    reader.reopen()  # what a sync does first: the collections come back, empty
    assert reader.state(max_age=0).exists and reader.count() == 0


def test_collection_records_identity(tmp_path):
    store = Store(make_settings(tmp_path / "data"), "local:test")
    assert store.metadata()["embedding"] == "local:test"
    assert store.collection.configuration_json["hnsw"]["space"] == "cosine"
