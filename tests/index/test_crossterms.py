"""A question's words in the corpus's other language (index/crossterms.py), with the real e5 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.crossterms import WordBridge
from index.lexical import Segment, Snapshot, tokenize

pytestmark = pytest.mark.slow

FRENCH = ("Vous pouvez remplacer le miroir aux États-Unis par un miroir plus proche de chez vous. "
          "Une douzaine de nouveaux paquets arrivent chaque semaine dans l'archive.")
ENGLISH = "The mirror list names the distribution each mirror serves. Packages are downloaded from a mirror."


def _segment(record: str, text: str) -> Segment:
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    node = TextNode(id_=record, text=text, metadata={"source": record})
    return Segment(record, [node_to_metadata_dict(node) | {"node_id": record}], [dict(tokenize([text])[0])])


def _snapshot(texts: dict[str, str]) -> Snapshot:
    return Snapshot.empty().updated([_segment(record, text) for record, text in texts.items()], set())


class Counting:
    """The model's word embedding, counting the words it is asked to embed."""

    def __init__(self, embed_model) -> None:
        self.model, self.words = embed_model, 0

    def __call__(self, words: list[str]) -> list[list[float]]:
        self.words += len(words)
        return self.model.get_text_embedding_batch(words)


def _bridge(folder: Path, embed_model, counting: Counting) -> WordBridge:
    return WordBridge(folder, counting, embed_model.get_query_embeddings, "local:multilingual-e5-small")


def test_english_words_find_their_french_translations_in_the_corpus(tmp_path: Path, embed_model) -> None:
    counting = Counting(embed_model)
    bridge = _bridge(tmp_path, embed_model, counting)
    snap = _snapshot({"fr@1": FRENCH, "en@1": ENGLISH})
    other, words = bridge.translations(snap, "Which mirror in the United States, and how many new packages each week?",
                                       per_word=2, min_similarity=0.88)
    assert other == "fr"
    assert {"miroir", "semaine"} <= set(words)
    assert "mirror" not in words and "packages" not in words  # English words are never "French" words
    other, words = bridge.translations(snap, "Quel miroir faut-il choisir pour les mises à jour ?", per_word=2, min_similarity=0.88)
    assert other == "en" and "mirror" in words


def test_word_vectors_are_cached_on_disk_and_only_new_words_are_embedded(tmp_path: Path, embed_model) -> None:
    first = Counting(embed_model)
    snap = _snapshot({"fr@1": FRENCH, "en@1": ENGLISH})
    _bridge(tmp_path, embed_model, first).vocabulary(snap)
    assert first.words > 10 and list(tmp_path.glob("*.npz"))
    again = Counting(embed_model)
    bridge = _bridge(tmp_path, embed_model, again)  # a new process: read from the cache
    bridge.vocabulary(snap)
    assert again.words == 0
    bridge.vocabulary(snap.updated([_segment("fr@2", "Le dépôt garde les bibliothèques partagées.")], set()))
    assert 0 < again.words <= 4  # dépôt, garde, bibliothèques, partagées


def test_a_corrupt_cache_is_rebuilt_not_fatal(tmp_path: Path, embed_model) -> None:
    (tmp_path / "local_multilingual-e5-small.npz").write_bytes(b"not a numpy file")
    counting = Counting(embed_model)
    _, words = _bridge(tmp_path, embed_model, counting).translations(
        _snapshot({"fr@1": FRENCH, "en@1": ENGLISH}), "Which mirror?", per_word=2, min_similarity=0.88)
    assert "miroir" in words and counting.words > 0


def test_a_corpus_in_one_language_has_nothing_to_translate(tmp_path: Path, embed_model) -> None:
    counting = Counting(embed_model)
    other, words = _bridge(tmp_path, embed_model, counting).translations(
        _snapshot({"en@1": ENGLISH}), "Which mirror?", per_word=2, min_similarity=0.88)
    assert (other, words) == ("fr", [])


def test_the_same_question_is_translated_once_per_snapshot(tmp_path: Path, embed_model, monkeypatch) -> None:
    """Retrieval and the evidence stage both ask for the question's words in the other language."""
    bridge = _bridge(tmp_path, embed_model, Counting(embed_model))
    snap = _snapshot({"fr@1": FRENCH, "en@1": ENGLISH})
    calls: list[str] = []
    translate = bridge._translations
    monkeypatch.setattr(bridge, "_translations", lambda *a, **k: calls.append(a[1]) or translate(*a, **k))
    first = bridge.translations(snap, "Which mirror?", per_word=2, min_similarity=0.88)
    first[1].append("not kept")  # a caller's list is its own
    assert bridge.translations(snap, "Which mirror?", per_word=2, min_similarity=0.88)[1] == first[1][:-1]
    assert len(calls) == 1
    bridge.translations(snap.updated([_segment("fr@2", "Le miroir garde les paquets.")], set()), "Which mirror?",
                        per_word=2, min_similarity=0.88)
    assert len(calls) == 2  # another snapshot: translated again
