"""The store's own guarantees, on a real embedded Chroma."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from index.store import Store
from tests.conftest import make_settings


def test_adds_larger_than_chromas_batch_limit_are_split(tmp_path):
    store = Store(make_settings(tmp_path / "data"), "local:test")
    vector_store = store.vector_store
    vector_store.max_batch = 7  # Chroma refuses batches over get_max_batch_size() (5,461 here)
    nodes = [TextNode(id_=f"n{i}", text=f"chunk {i}", embedding=[1.0, float(i), 0.5]) for i in range(30)]
    ids = vector_store.add(nodes)
    assert ids == [f"n{i}" for i in range(30)]
    assert store.count() == 30


def test_collection_records_identity_and_generation(tmp_path):
    store = Store(make_settings(tmp_path / "data"), "local:test")
    assert store.metadata()["embedding"] == "local:test"
    before = store.generation()
    assert store.bump_generation() == before + 1
    assert store.generation() == before + 1  # the cache is invalidated by the bump
    assert store.collection.configuration_json["hnsw"]["space"] == "cosine"
