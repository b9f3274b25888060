"""What the LLM reads: the best sentence of each retrieved passage with its neighbours, not whole chunks.

Prompt reading dominates a small local model's latency (60-140 tokens/s on 2 cores), so each passage
is cut to a short window around its best sentence for the question (the extractive scorer: weighted
content-word overlap, answer-type bonuses). A passage with no matching word (a question in another
language) keeps its opening sentences.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant import extractive

Weights = Callable[[list[str]], dict[str, float]]

NEIGHBOURS = 1  # sentences kept on each side of the best one
MAX_CHARS = 420  # per excerpt of the two best passages: about 110 tokens
MAX_CHARS_LOWER = 260  # per excerpt of lower-ranked passages (about the best sentence alone)


def budget(rank: int) -> int:
    """Characters allowed for the passage at `rank` (0-based): the best passages get more context."""
    return MAX_CHARS if rank < 2 else MAX_CHARS_LOWER


def excerpt(question: str, text: str, weights: Weights | None = None, max_chars: int = MAX_CHARS) -> tuple[int, int]:
    """The span of `text` holding its best sentence for `question` with neighbours (at most `max_chars`,
    or the best sentence alone when it is longer)."""
    spans = extractive._sentence_spans(text)
    if not spans:
        return 0, min(len(text), max_chars)
    found = extractive.extract(question, [text], weights=weights, max_sentences=1)
    best = 0
    if found.quotes and found.support > 0:
        best = next((i for i, (s, _) in enumerate(spans) if s == found.quotes[0].start), 0)
    lo, hi = max(0, best - NEIGHBOURS), min(len(spans), best + NEIGHBOURS + 1)
    if best == 0:
        hi = min(len(spans), 3)
    window = spans[lo:hi]
    # Drop neighbours (never the best sentence) until the excerpt fits; one sentence is at most 400 chars.
    while len(window) > 1 and window[-1][1] - window[0][0] > max_chars:
        window = window[1:] if window[0] != spans[best] else window[:-1]
    return window[0][0], window[-1][1]
