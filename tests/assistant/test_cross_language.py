"""Retrieval across languages (real e5 model, real Chroma, real BM25): an English question about a passage
only the French text holds, among English passages that share the question's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.schema import TextNode

from assistant.components import Components
from assistant.retrieve import Hit, keep_lane_best
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

DOCS = {
    "mirrors.txt": "Mirrors\n\nA Debian system downloads packages from a mirror. The mirror list of a Debian system names the "
    "distribution each mirror serves. Pick a mirror close to your system to download packages faster.\n",
    "upgrades.txt": "Upgrades\n\nTo upgrade a Debian system to a new distribution, change the distribution name your system "
    "uses, then upgrade every package. Read the release notes of the distribution first.\n",
    "releases.txt": "Releases\n\nEach Debian distribution has a release name. A system may follow the stable distribution, "
    "the testing distribution or the unstable distribution; the file of release notes says which packages changed.\n",
    "cache.txt": "The package cache\n\nEvery file a Debian system downloads is kept in the package cache. The cache grows "
    "with each upgrade of the distribution; clean it when the system runs out of space.\n",
    "logs.txt": "Log files\n\nA Debian system writes what the package manager did to a log file. Look at the log file to "
    "find out which packages an upgrade of the distribution installed.\n",
    "keys.txt": "Archive keys\n\nThe keys of the Debian archive are kept in a file of the system. A distribution signs its "
    "release file with them, and the system checks that signature.\n",
    "sources.txt": "Les sources des paquets\n\nPour savoir quelle version de Debian votre machine suit, regardez le contenu "
    "du fichier /etc/apt/sources.list : chaque ligne y nomme une archive et la suite que le système télécharge.\n",
}
QUESTION = "Where is the list of archives my Debian system downloads from?"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, embed_model) -> Components:
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    components = Components(make_settings(root / "data", corpus_dir=folder, top_k=3, candidates_k=5), embed_model=embed_model)
    components.sync(folder, show_progress=False, rebuild=False)
    return components


def _retriever(components: Components, **tuning: object):
    settings = components.settings
    return components.retriever(settings.model_copy(update={"tuning": settings.tuning.model_copy(update=tuning)}))


def _sources(hits: list[Hit]) -> list[str]:
    return [str(h.node.metadata["source"]) for h in hits]


def _score(hits: list[Hit], source: str) -> float:
    return next(h.score for h in hits if h.node.metadata["source"] == source)


def test_an_english_question_reaches_the_french_passage(mixed: Components):
    assert "sources.txt" in _sources(_retriever(mixed).search(QUESTION))


def test_bm25_is_weighed_within_each_passage_language(mixed: Components):
    """The English passages match the question on every word and the French one on a few cognates: with
    BM25 normalised per language, the best French BM25 hit counts fully instead of a fraction of the best
    English one, and the English passages keep their order."""
    on, off = _retriever(mixed, across_terms=0), _retriever(mixed, bm25_per_language=False, across_terms=0)
    lists = on._lists(QUESTION, [], on._bm25(QUESTION))
    assert [name for name, _ in lists] == ["dense", "bm25", "bm25"]  # one BM25 list per passage language
    french = next(results for name, results in lists[1:] if results[0].node.metadata["source"] == "sources.txt")
    assert all(r.node.metadata["source"] == "sources.txt" for r in french)  # the only French passage
    with_languages, without = on.search(QUESTION, 7), off.search(QUESTION, 7)
    assert _score(with_languages, "sources.txt") > _score(without, "sources.txt")
    english = [s for s in _sources(without) if s != "sources.txt"]
    assert [s for s in _sources(with_languages) if s != "sources.txt"] == english


def test_the_question_words_in_french_rank_the_french_bm25_candidates(mixed: Components):
    """With `across_terms`, the French BM25 list is the question's plus its words' nearest French corpus words
    (e5 word vectors); each hit's `bm25`, which the abstention weighs, stays the question's own score."""
    retriever = _retriever(mixed)
    other, words = retriever.across(QUESTION)
    assert other == "fr" and words and set(words) <= set(DOCS["sources.txt"].lower().replace(":", " ").split())
    lists = retriever._lists(QUESTION, [], retriever._bm25(QUESTION))
    names = [name for name, _ in lists]
    assert names[-2:] == ["across", "bm25 scores"] and names.count("bm25") == 1  # the English list is unchanged
    across = dict(lists)["across"]
    assert [r.node.metadata["source"] for r in across] == ["sources.txt"]
    own = {r.node.node_id: r.score for r in retriever._bm25(QUESTION)}
    hits = retriever.search(QUESTION, 7)
    french = next(h for h in hits if h.node.metadata["source"] == "sources.txt")
    assert french.bm25 == own.get(french.node.node_id)  # not the score of the question with its French words


def test_a_single_retriever_mode_ignores_the_languages(mixed: Components):
    """BM25 alone (an eval baseline) ranks by BM25 only: per-language lists would interleave the languages."""
    settings = mixed.settings.model_copy(update={"retrieval": "bm25"})
    hits = mixed.retriever(settings).search(QUESTION, 7)
    assert [h.bm25 for h in hits] == sorted((h.bm25 for h in hits), reverse=True)


def _hit(node_id: str, score: float) -> Hit:
    return Hit(node=TextNode(id_=node_id, text=node_id), score=score)


def test_the_best_hit_of_each_retriever_is_kept():
    from llama_index.core.schema import NodeWithScore

    fused = [_hit(n, s) for n, s in [("a", 0.9), ("b", 0.8), ("c", 0.7), ("d", 0.3), ("e", 0.2)]]
    best_dense, best_bm25 = [NodeWithScore(node=fused[0].node, score=0.9)], [NodeWithScore(node=fused[4].node, score=5.0)]
    kept = keep_lane_best(fused, [best_dense, best_bm25], 3)
    assert [h.node.node_id for h in kept] == ["a", "b", "e"]  # "e" takes the place of the lowest other, in fused order
    assert [h.node.node_id for h in keep_lane_best(fused, [best_dense, []], 3)] == ["a", "b", "c"]
    assert [h.node.node_id for h in keep_lane_best(fused[:2], [best_dense, best_bm25], 3)] == ["a", "b"]
    both = keep_lane_best(fused, [[NodeWithScore(node=fused[3].node)], best_bm25], 1)
    assert [h.node.node_id for h in both] == ["d"]  # k=1: one best fits, the other has no room left


# The evidence stage across languages (assistant/evidence.py `_rerank`), with the real e5 model: shared words
# pick the English sentences of the wrong page; the question's similarity to the sentences finds the French one.
FRENCH_PAGE = ("## 9.6. J'ai plusieurs machines ; comment puis-je télécharger les mises à jour seulement une fois ?\n\n"
               "Si vous avez plus d'une machine Debian sur votre réseau, il est utile d'utiliser apt-cacher pour garder "
               "tous vos systèmes Debian à jour. Ce logiciel ne télécharge chaque paquet qu'une seule fois.")
ENGLISH_PAGE = ("## 16.3. Availability\n\nThe latest version of this document can be viewed on the Debian web pages. "
                "It is also available for download in plain text, HTML, and PDF formats. Once the installer has booted, "
                "the rest of the system can be downloaded over the network, or installed from local media.")
TOOL_QUESTION = "Which tool does the FAQ suggest to download updates only once for several Debian machines on a network?"


def test_an_english_question_quotes_the_french_sentence_that_answers_it(embed_model) -> None:
    from assistant.evidence import extract

    passages = [ENGLISH_PAGE, FRENCH_PAGE]

    def similarity(sentences: list[str]) -> list[float]:
        query = embed_model.get_query_embedding(TOOL_QUESTION)
        vectors = embed_model.get_text_embedding_batch(sentences)
        return [sum(a * b for a, b in zip(query, v)) / (sum(a * a for a in query) * sum(b * b for b in v)) ** 0.5 for v in vectors]

    by_words = extract(TOOL_QUESTION, passages)
    assert "apt-cacher" not in by_words.quotes[0].text  # shared words alone open with an English sentence
    across = extract(TOOL_QUESTION, passages, similarity=similarity, dense_weight=0.3)
    assert "apt-cacher" in across.quotes[0].text and across.quotes[0].number == 2


def test_the_question_words_in_french_raise_the_french_sentence_that_holds_them() -> None:
    from assistant.evidence import extract

    question = "Which file should I edit to load a console font at boot?"
    passages = ["Apart from CD or DVD, you can install Debian by booting from a USB stick or from the network. "
                "A font is loaded by the console at boot.",
                "Le paquet kbd permet cela, éditez le fichier /etc/kbd/config."]
    by_words = extract(question, passages)
    assert "kbd" not in by_words.quotes[0].text  # shared words alone: the English sentence naming the font
    translated = extract(question, passages, translated=["éditez", "fichier", "police"], translated_factor=0.5)
    assert "/etc/kbd/config" in translated.quotes[0].text and translated.quotes[0].number == 2
    assert extract(question, passages, translated=["éditez", "fichier"], translated_factor=0.0).quotes == by_words.quotes
