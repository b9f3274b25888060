"""Metrics that need no LLM judge. Pure functions: text and lists in, a number (or None) out.

`None` means "not applicable" (e.g. no citation to check) and is left out of averages, so a
metric is never inflated or deflated by questions it says nothing about.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Iterable, Mapping, Sequence

from assistant import Fact, extract_facts, fact_held, without_own_words
from eval.normalize import content_words, contains_phrase, normalize, strip_markers, tokens

# A sentence is supported by a passage when at least this share of its content words occur in it.
SUPPORT_THRESHOLD = 0.5

KeyFacts = Sequence[Sequence[str]]  # each fact: its accepted variants

_MARKER_GROUP = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_MARKERS = r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])"
_CLOSERS = r"(?:\s?[»\"”’')])*"
# A sentence ends at . ! ? … (with closing quotes and the markers right after it: "…fin. » [2]"),
# at markers followed by a new quote or a capital ("« a » [1] « b » [2]"), or at a line break.
_SENTENCE_END = re.compile(
    rf"[.!?…]+{_CLOSERS}{_MARKERS}*(?=\s|$)|{_MARKERS}+[.,;:]?(?=\s+[«“\"A-ZÀ-Ý])|\n+"
)
_QUOTED = re.compile(r"«\s*(.+?)\s*»|“(.+?)”|\"(.+?)\"")


# --- Retrieval -------------------------------------------------------------------------------


def source_ranking(sources: Iterable[str]) -> list[str]:
    """Distinct file names in order of first appearance (the source-file-level ranking)."""
    ranking: list[str] = []
    for source in sources:
        name = PurePath(source).name
        if name not in ranking:
            ranking.append(name)
    return ranking


def hit_at_k(sources: Sequence[str], relevant: Iterable[str], k: int) -> float | None:
    """1.0 if one of the first `k` distinct retrieved files is relevant, else 0.0; None without relevant files."""
    wanted = {PurePath(r).name for r in relevant}
    if not wanted:
        return None
    return 1.0 if wanted & set(source_ranking(sources)[:k]) else 0.0


def reciprocal_rank(sources: Sequence[str], relevant: Iterable[str]) -> float | None:
    """1 / rank of the first relevant file in the file-level ranking (0.0 if absent); None without relevant files."""
    wanted = {PurePath(r).name for r in relevant}
    if not wanted:
        return None
    for rank, name in enumerate(source_ranking(sources), start=1):
        if name in wanted:
            return 1.0 / rank
    return 0.0


def fact_present(variants: Sequence[str], texts: Iterable[str]) -> bool:
    """True when one accepted variant of a fact appears (normalised, as a phrase) in one of `texts`."""
    materialised = list(texts)
    return any(contains_phrase(text, variant) for variant in variants for text in materialised)


def evidence_recall(key_facts: KeyFacts, context: Sequence[str]) -> float | None:
    """Share of key facts found in the retrieved passages (each checked passage by passage)."""
    if not key_facts:
        return None
    return sum(fact_present(f, context) for f in key_facts) / len(key_facts)


@lru_cache(maxsize=1)
def _encoding():  # noqa: ANN202 - tiktoken.Encoding, imported lazily
    """cl100k_base from the cache bundled with llama_index.core (works offline)."""
    import llama_index.core

    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def context_tokens(context: Sequence[str]) -> int:
    """Size of the retrieved context in cl100k_base tokens: the price paid for evidence recall."""
    encoding = _encoding()
    return sum(len(encoding.encode(text, disallowed_special=())) for text in context)


# --- Answers ---------------------------------------------------------------------------------


def key_fact_recall(key_facts: KeyFacts, answer: str) -> float | None:
    """Share of key facts stated in the answer (markers ignored); None when there are none."""
    if not key_facts:
        return None
    text = strip_markers(answer)
    return sum(fact_present(f, [text]) for f in key_facts) / len(key_facts)


def token_f1(prediction: str, reference: str) -> float | None:
    """SQuAD-style token F1 after French-aware normalisation; None for an empty reference."""
    ref = tokens(reference)
    if not ref:
        return None
    pred = tokens(strip_markers(prediction))
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer, each keeping the markers that follow its final punctuation."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if content_words(s)]


def cited_numbers(sentence: str) -> list[int]:
    """The n of every [n] (or [n, m]) marker in `sentence`, in order."""
    return [int(n) for group in _MARKER_GROUP.findall(sentence) for n in re.split(r"[,;\s]+", group) if n]


def citation_validity(answer: str, valid: Iterable[int]) -> float | None:
    """Share of [n] markers that point at a retrieved passage; None when the answer cites nothing."""
    numbers, allowed = cited_numbers(answer), set(valid)
    if not numbers:
        return None
    return sum(n in allowed for n in numbers) / len(numbers)


def support(sentence: str, passage: str) -> float:
    """How well `passage` supports `sentence`, in [0, 1].

    1.0 when the sentence (markers removed) is contained in the passage after normalisation,
    or when it quotes (« », “ ”, " ") and every quoted segment is contained in the passage (an
    extractive quote behind a frame such as "D'après le corpus :"); otherwise the share of the
    sentence's content words (normalised, stopwords removed) that occur in the passage.
    """
    quoted = [next(g for g in groups if g) for groups in _QUOTED.findall(sentence)]
    if contains_phrase(passage, strip_markers(sentence)) or (
        quoted and all(contains_phrase(passage, q) for q in quoted)
    ):
        return 1.0
    words = content_words(sentence)
    if not words:
        return 0.0
    available = set(content_words(passage))
    return sum(w in available for w in words) / len(words)


def citation_precision(
    answer: str, passages: Mapping[int, str], threshold: float = SUPPORT_THRESHOLD
) -> float | None:
    """Share of (sentence, [n]) pairs whose passage n supports the sentence (`support` >= threshold).

    A marker pointing at no retrieved passage counts as unsupported. None when nothing is cited.
    """
    verdicts = [
        n in passages and support(sentence, passages[n]) >= threshold
        for sentence in split_sentences(answer)
        for n in dict.fromkeys(cited_numbers(sentence))
    ]
    return sum(verdicts) / len(verdicts) if verdicts else None


def citation_recall(answer: str, valid: Iterable[int]) -> float | None:
    """Share of answer sentences carrying at least one valid citation; None for an empty answer."""
    allowed = set(valid)
    sentences = split_sentences(answer)
    if not sentences:
        return None
    return sum(any(n in allowed for n in cited_numbers(s)) for s in sentences) / len(sentences)


# --- Stated facts against the cited passage -----------------------------------------------------


def _raw_sentences(text: str) -> list[str]:
    """`split_sentences` without dropping the pieces that hold only markers ("». » [2]")."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _sentence_citations(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence, cited numbers) for the sentences of an answer.

    A piece holding only markers (a quote split at an inner "?") gives them to the sentence before it; a
    sentence still without a marker takes those of the nearest cited sentences of its paragraph, before and
    after it (one marker at the end of a paragraph covers it)."""
    pairs: list[tuple[str, list[int]]] = []
    for paragraph in answer.split("\n"):
        sentences: list[str] = []
        cited: list[list[int]] = []
        for piece in _raw_sentences(paragraph):
            numbers = list(dict.fromkeys(cited_numbers(piece)))
            if content_words(piece):
                sentences.append(piece)
                cited.append(numbers)
            elif cited:
                cited[-1] = list(dict.fromkeys(cited[-1] + numbers))
        for i, sentence in enumerate(sentences):
            if cited[i]:
                pairs.append((sentence, cited[i]))
                continue
            later = next((c for c in cited[i:] if c), [])
            earlier = next((c for c in reversed(cited[:i]) if c), [])
            pairs.append((sentence, list(dict.fromkeys(earlier + later))))
    return pairs


def unheld_facts(answer: str, passages: Mapping[int, str]) -> list[tuple[Fact, list[int]]]:
    """Facts an answer sentence states (numbers, dates, quantities, names, commands, paths, identifiers:
    core.facts) that none of the passages that sentence cites holds; a sentence citing nothing valid
    holds none of its facts. The corpus overview's count of articles and documents is not a passage's fact."""
    missing = []
    for sentence, numbers in _sentence_citations(without_own_words(answer)):
        cited = [passages[n] for n in numbers if n in passages]
        for fact in extract_facts(sentence):
            if not any(fact_held(fact, text) for text in cited):
                missing.append((fact, numbers))
    return missing


def unheld_fact_rate(answer: str, passages: Mapping[int, str]) -> float:
    """1.0 when the answer states at least one fact its cited passage does not hold, else 0.0."""
    return 1.0 if unheld_facts(answer, passages) else 0.0


# --- Abstention and latency --------------------------------------------------------------------


@dataclass(frozen=True)
class AbstentionStats:
    accuracy: float | None  # share of unanswerable questions the assistant declined
    false_rate: float | None  # share of answerable questions it wrongly declined
    unanswerable: int
    answerable: int


def abstention_stats(answerable: Sequence[bool], abstained: Sequence[bool]) -> AbstentionStats:
    """Abstention accuracy on unanswerable questions and the false-abstention rate on answerable ones."""
    pairs = list(zip(answerable, abstained, strict=True))
    declined_bad = [a for ok, a in pairs if not ok]
    declined_good = [a for ok, a in pairs if ok]
    return AbstentionStats(
        accuracy=sum(declined_bad) / len(declined_bad) if declined_bad else None,
        false_rate=sum(declined_good) / len(declined_good) if declined_good else None,
        unanswerable=len(declined_bad),
        answerable=len(declined_good),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean(values: Iterable[float | None]) -> float | None:
    """Average of the non-None values; None when there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


__all__ = [
    "SUPPORT_THRESHOLD",
    "AbstentionStats",
    "abstention_stats",
    "citation_precision",
    "citation_recall",
    "citation_validity",
    "cited_numbers",
    "context_tokens",
    "evidence_recall",
    "hit_at_k",
    "key_fact_recall",
    "mean",
    "normalize",
    "percentile",
    "reciprocal_rank",
    "split_sentences",
    "support",
    "token_f1",
    "unheld_fact_rate",
    "unheld_facts",
]
