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


def _nearest_found(store: Store, vectors, queries) -> float:
    """Share of `queries` whose true nearest vector (brute force, cosine) is the store's first dense hit."""
    import numpy as np

    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    found = 0
    for query in queries:
        best = int(np.argmax(unit @ (query / np.linalg.norm(query))))
        hits = store.collection.query(query_embeddings=[query.tolist()], n_results=10)["ids"][0]
        found += hits[0] == f"v{best}"
    return found / len(queries)


def test_dense_search_explores_the_configured_breadth_also_on_an_older_collection(tmp_path):
    """A collection made with Chroma's default ef_search (100; an index built before this setting, or by another
    machine) is searched with `hnsw_ef_search` once opened, and finds the true nearest vectors."""
    import chromadb
    import numpy as np

    settings = make_settings(tmp_path / "data", hnsw_ef_search=300)
    older = chromadb.PersistentClient(path=str(settings.data_dir / "chroma"))
    older.get_or_create_collection(settings.collection, configuration={"hnsw": {"space": "cosine"}},
                                   metadata={"embedding": "local:test", "schema": 2})
    assert older.get_collection(settings.collection).configuration["hnsw"]["ef_search"] == 100
    del older

    store = Store(settings, "local:test")
    assert store.collection.configuration["hnsw"]["ef_search"] == settings.hnsw_ef_search
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(1500, 24)).astype("float32") + 2.0  # anisotropic, like e5's: every cosine is high
    for begin in range(0, len(vectors), 500):
        store.collection.add(ids=[f"v{i}" for i in range(begin, begin + 500)], embeddings=vectors[begin:begin + 500].tolist())
    assert _nearest_found(store, vectors, rng.normal(size=(60, 24)).astype("float32") + 2.0) == 1.0
    assert Store(settings, "local:test").collection.configuration["hnsw"]["ef_search"] == settings.hnsw_ef_search  # opened again: as set
