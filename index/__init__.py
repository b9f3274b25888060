"""The index state: the Chroma collection, the sync bookkeeping and the BM25 cache.

`ingest/` writes through this package and `assistant/` reads through it; it imports only `core/`.
"""
