"""A fast deterministic fake embedding for the multi-process tests, where the model is not the point.

Same vector for the same text in every process (a unit vector seeded by a hash of the text), so a
test process and the `assistant` processes it starts agree. `SITECUSTOMIZE` installs it in a child
process: put a folder holding it as `sitecustomize.py` first on the child's PYTHONPATH.
"""

from __future__ import annotations

import hashlib

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding


class HashEmbedding(BaseEmbedding):
    dim: int = 64

    @classmethod
    def class_name(cls) -> str:
        return "HashEmbedding"

    def _vector(self, text: str) -> list[float]:
        words = text.lower().split()
        v = np.zeros(self.dim, np.float32)
        for word in words or [""]:  # bag of hashed words: shared words give close vectors
            seed = int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
            v += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return (v / (np.linalg.norm(v) or 1.0)).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


SITECUSTOMIZE = '''
import core.providers
from tests.fakes.hash_embedding import HashEmbedding

core.providers.make_embedding = lambda settings: HashEmbedding()
'''
