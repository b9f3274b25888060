"""From retrieved passages to a checked answer, streamed: extractive (offline) or with an LLM.

Both paths end the same way: citations checked against the passages given, highlights located,
abstention decided, timings recorded. The generator yields text pieces and fills `answer` in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from assistant import extractive, generate
from assistant.answer import Answer
from assistant.attribution import Embed, attribute
from assistant.citations import check_citations
from assistant.excerpts import budget, excerpt
from core.errors import LLMError
from assistant.retrieve import Hit
from core.settings import Settings
from core.text import guess_language

Weights = Callable[[list[str]], dict[str, float]]


def support_of(question: str, hits: list[Hit], weights: Weights) -> tuple[float, extractive.Extract]:
    """How well the passages answer the question (0..1), and the best sentences for quoting."""
    found = extractive.extract(question, [h.node.get_content() for h in hits], weights=weights, max_sentences=3)
    return found.support, found


def answer_pieces(
    answer: Answer, hits: list[Hit], llm: Any, settings: Settings, weights: Weights,
    lexical: float, min_lexical: float, started: float, embed: Embed | None = None,
) -> Iterator[str]:
    """Yield the answer text as it is produced; on return, `answer` is final.

    `lexical` is the question's best BM25 score in the corpus: below `min_lexical` the corpus does not
    hold the question's distinctive words together, and both modes abstain.
    """
    support, found = support_of(answer.standalone_question or answer.question, hits, weights)
    answer.timings["support"] = round(support, 4)
    answer.timings["lexical"] = round(lexical, 4)
    try:
        # With an LLM, only a clear miss is decided here (half the threshold): the model reads
        # paraphrases and other languages better than word overlap does, and abstains itself.
        gate = min_lexical if llm is None else 0.5 * min_lexical
        if not hits or lexical < gate:
            yield from _abstain(answer)
        elif llm is None:
            yield from _extractive(answer, found, settings)
        else:
            yield from _generative(answer, llm, settings, weights, embed, started)
    finally:
        answer.timings["total"] = time.perf_counter() - started


def _abstain(answer: Answer) -> Iterator[str]:
    nearest = list(dict.fromkeys((p.title, p.source) for p in answer.retrieved))[:3]
    answer.text = extractive.abstention(answer.language, nearest)
    answer.abstained = True
    answer.citations = []
    yield answer.text


def _extractive(answer: Answer, found: extractive.Extract, settings: Settings) -> Iterator[str]:
    quotes = found.quotes[: settings.max_answer_sentences]
    languages = [guess_language(p.text) for p in answer.retrieved]
    for piece in extractive.compose(quotes, answer.language, languages):
        answer.text += piece
        yield piece
    spans: dict[int, list[tuple[int, int]]] = {}
    for quote in quotes:
        spans.setdefault(quote.number, []).append((quote.start, quote.end))
    _finish(answer, settings, spans)


def _generative(
    answer: Answer, llm: Any, settings: Settings, weights: Weights, embed: Embed | None, started: float
) -> Iterator[str]:
    """Stream the model's answer, then attribute and check its citations sentence by sentence."""
    question = answer.standalone_question or answer.question
    windows = [excerpt(question, p.text, weights, budget(rank)) for rank, p in enumerate(answer.retrieved)]
    excerpts = [p.text[a:b] for p, (a, b) in zip(answer.retrieved, windows)]
    messages = generate.build_messages(question, answer.language, [
        (p.title, p.source, text) for p, text in zip(answer.retrieved, excerpts)
    ])
    try:
        for delta in generate.stream(llm, messages):
            answer.timings.setdefault("first_token", time.perf_counter() - started)
            answer.text += delta
            yield delta
    except LLMError as err:
        answer.error = str(err)
        answer.warnings.append("The answer is incomplete: the LLM failed before finishing it.")
        return
    attributed = attribute(answer.text, excerpts, embed)
    # The model's own refusal, or an answer no passage supports, is an abstention.
    if generate.is_refusal(answer.text) or (attributed.claims and not attributed.highlights):
        answer.abstained = True
        nearest = list(dict.fromkeys((p.title, p.source) for p in answer.retrieved))[:3]
        answer.text = extractive.abstention(answer.language, nearest)
        return
    answer.text = attributed.text
    if attributed.removed:
        answer.warnings.append(f"Removed citation markers that pointed to no passage: {sorted(set(attributed.removed))}.")
    for sentence in attributed.unsupported:
        answer.warnings.append(f"No passage supports: {sentence}")
    spans = {n: [(windows[n - 1][0] + a, windows[n - 1][0] + b) for a, b in found] for n, found in attributed.highlights.items()}
    aligner = attributed.aligner
    _finish(answer, settings, spans, similarity=aligner.support if aligner else None)


def _finish(
    answer: Answer, settings: Settings, quoted: dict[int, list[tuple[int, int]]], similarity: Any = None
) -> None:
    """Check citations, attach highlights, and set `citations` to the cited passages."""
    checked = check_citations(answer.text, [p.text for p in answer.retrieved], settings.citation_min_overlap, similarity)
    answer.text = checked.text
    if checked.removed:
        answer.warnings.append(f"Removed citation markers that pointed to no passage: {sorted(set(checked.removed))}.")
    for sentence in checked.unsupported:
        answer.warnings.append(f"Weakly supported by its cited passage: {sentence}")
    by_number = {p.number: p for p in answer.retrieved}
    cited = []
    for number in checked.cited:
        spans = quoted.get(number) or checked.highlights.get(number, [])
        passage = replace(by_number[number], highlights=tuple(sorted(set(spans))))
        cited.append(passage)
    answer.retrieved = [next((c for c in cited if c.number == p.number), p) for p in answer.retrieved]
    answer.citations = cited
    if not cited:
        # An answer that cites nothing is not grounded: say so rather than pass it off as one.
        answer.warnings.append("The answer cites no passage.")
