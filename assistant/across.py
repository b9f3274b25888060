"""Part of stage 5, `evidence`, for a question asked in the other language than its best passages.

Shared words cannot find the French sentence that answers an English question, and they find English
sentences of the wrong pages instead: "Which tool does the FAQ suggest to download updates only once for
several Debian machines?" quoted English lines about downloading the FAQ, not "il est utile d'utiliser
apt-cacher…". So the best candidates by shared words, and every sentence of the best other-language
passages, are re-scored with the e5 similarity of the question to each sentence (`Tuning.across_dense_weight`,
calibrated on the eval's dev questions: docs/answer-quality.md).
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.context import Context, Evidence
from assistant.retrieve import passage_language
from core.providers import embedding_identity
from core.text import guess_language

Similarity = Callable[[list[str]], list[float]]  # the question's similarity to each sentence
_ACROSS_PASSAGES = 3  # a question is across languages when one of its best 3 passages is in the other language
_ACROSS_CANDIDATES = 16  # the best sentences by shared words that the similarity re-ranks ...
_ACROSS_FROM_TOP = 2  # ... with every sentence of the best 2 passages in the other language


def across_similarity(ctx: Context, passages: list[str]) -> Similarity | None:
    """The e5 similarity of the question to sentences, for a question asked in the other language than one of
    its best passages (None otherwise: shared words decide alone)."""
    if not ctx.settings.tuning.across_dense_weight or not passages or "e5" not in embedding_identity(ctx.settings).lower():
        return None  # calibrated with multilingual-e5 (another model: shared words alone, as before)
    language = guess_language(ctx.standalone)
    if all(passage_language(p) == language for p in passages[:_ACROSS_PASSAGES]):
        return None
    components = ctx.tools.components

    def similarity(sentences: list[str]) -> list[float]:
        query = components.embed_model.get_query_embedding(ctx.standalone)
        return [_cosine(query, vector) for vector in components.embed_texts(sentences)]

    return similarity


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return dot / norm if norm else 0.0


def rerank(scored: list[tuple[float, float, Evidence, set[str]]], question: str, passages: list[str],
           similarity: Similarity, weight: float,
           shares: dict[tuple[int, int], float] | None = None) -> list[tuple[float, float, Evidence, set[str]]]:
    """The best candidates by shared words, and every sentence of the best passages in the other language
    than the question, re-scored with their similarity to the question (min-max among them, x `weight`);
    `shares`, when given, receives each re-scored sentence's share by (passage number, start)."""
    language = guess_language(question)
    other = {n for n, p in enumerate(passages[:_ACROSS_FROM_TOP], 1) if passage_language(p) != language}
    chosen = [i for i, item in enumerate(scored) if i < _ACROSS_CANDIDATES or item[2].number in other]
    chosen = [i for i in chosen if len(scored[i][2].text) > 20]  # a bare heading is no answer
    if len(chosen) < 2:
        return scored
    sims = similarity([scored[i][2].text for i in chosen])
    low, high = min(sims), max(sims)
    out = list(scored)
    for i, sim in zip(chosen, sims):
        score, coverage, quote, matched = out[i]
        share = (sim - low) / (high - low) if high > low else 0.0
        if shares is not None:
            shares[(quote.number, quote.start)] = share
        quote = Evidence(quote.number, quote.start, quote.end, score + weight * share, quote.text)
        out[i] = (score + weight * share, coverage, quote, matched)
    out.sort(key=lambda item: item[0], reverse=True)
    return out
