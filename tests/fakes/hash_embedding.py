"""A fast deterministic embedding for tests where the model is not the point (hostile ingest)."""

from __future__ import annotations

import hashlib

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding


class HashEmbedding(BaseEmbedding):
    """A unit vector seeded by a hash of the text: same text, same vector; no model, no download."""

    dim: int = 384

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return (v / np.linalg.norm(v)).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)
