"""What the LLM reads: the best sentence of each retrieved passage with its neighbours, not whole chunks.

Prompt reading dominates a small local model's latency (60-140 tokens/s on 2 cores), so each passage
is cut to a short window around its best sentence for the question (the extractive scorer: weighted
content-word overlap, answer-type bonuses). A passage with no matching word (a question in another
language) keeps its opening sentences.
"""

from __future__ import annotations

import re

from assistant.evidence import Weights, extract, sentence_spans
from core.settings import Tuning


def budget(rank: int, tuning: Tuning) -> int:
    """Characters allowed for the passage at `rank` (0-based): the two best passages get more context
    (Tuning.excerpt_chars, about 110 tokens) than the others (about their best sentence alone)."""
    return tuning.excerpt_chars if rank < 2 else tuning.excerpt_chars_lower


def excerpt(question: str, text: str, weights: Weights | None, max_chars: int) -> tuple[int, int]:
    """The span of `text` holding its best sentence for `question` with neighbours (at most `max_chars`,
    or the best sentence alone when it is longer)."""
    spans = sentence_spans(text)
    if not spans:
        return 0, min(len(text), max_chars)
    found = extract(question, [text], weights=weights, max_sentences=1)
    best = 0
    if found.quotes and found.support > 0:
        best = next((i for i, (s, _) in enumerate(spans) if s == found.quotes[0].start), 0)
    # Grow around the best sentence, after then before, while it fits: a short passage is kept whole
    # (a question in another language may have matched the wrong sentence of it).
    lo, hi = best, best + 1
    grown = True
    while grown:
        grown = False
        if hi < len(spans) and spans[hi][1] - spans[lo][0] <= max_chars:
            hi, grown = hi + 1, True
        if lo > 0 and spans[hi - 1][1] - spans[lo - 1][0] <= max_chars:
            lo, grown = lo - 1, True
    window = spans[lo:hi]
    return window[0][0], window[-1][1]


# Sentences that address the reader as a model ("ignore the previous instructions", "reply only …"):
# a document's injected instructions are left out of what the model reads (they stay in the passage
# shown to the user). The system prompt also says passages are data; a 1.5B model needs both.
_INSTRUCTION_RE = re.compile(
    r"\b(ignore[zrs]?|oublie[zrs]?|disregard|forget)\b.{0,60}\b(instructions?|consignes?|règles|rules|above|précédent\w*|previous)\b"
    r"|\b(réponds?|répondez|reply|respond|answer|say|dis|écris|write)\b.{0,30}\b(uniquement|seulement|only|exclusivement)\b"
    r"|\b(system prompt|prompt système|you are now|tu es maintenant|new instructions|nouvelles instructions)\b",
    re.IGNORECASE,
)


def for_model(text: str) -> str:
    """`text` with sentences that give the model instructions replaced by "(…)"."""
    out, last = [], 0
    for start, end in sentence_spans(text):
        if _INSTRUCTION_RE.search(text[start:end]):
            out.append(text[last:start] + "(…)")
            last = end
    return "".join(out) + text[last:]
