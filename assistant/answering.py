"""From retrieved passages to a checked answer, streamed: extractive (offline) or with an LLM.

Both paths end the same way: citations checked against the passages given, highlights located,
abstention decided, timings recorded. The generator yields text pieces and fills `answer` in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from assistant import extractive, generate
from assistant.abstain import LEXICAL_ONLY, Decision, Policy, Signals, decide, expected_kind, holds_kind
from assistant.answer import Answer
from assistant.attribution import Embed, attribute
from assistant.citations import check_citations
from assistant.excerpts import budget, excerpt, for_model
from core.errors import LLMError
from assistant.retrieve import Hit
from core.settings import Settings
from core.text import guess_language

Weights = Callable[[list[str]], dict[str, float]]


def support_of(question: str, hits: list[Hit], weights: Weights) -> tuple[float, extractive.Extract]:
    """How well the passages answer the question (0..1), and the best sentences for quoting."""
    found = extractive.extract(question, [h.node.get_content() for h in hits], weights=weights, max_sentences=3)
    return found.support, found


# Before an LLM is called: the same decision as the extractive answerer's (True, True below), or a
# lenient one (half the lexical floor, no check that the best sentences hold the kind of fact asked).
# The lenient one assumed the model would decline what the passages do not say; the 1.5B model
# instead answers with a nearby figure. On 40 dev questions the same decision raised abstention from
# 0.00 to 0.60 and false abstention from 0.057 to 0.086, key facts unchanged at 0.629
# (benchmarks/tune_llm.py variant "strict"; README).
LLM_LENIENT_FLOOR = False
LLM_KIND_CHECK = True


def policy_of(settings: Settings, embedding: str) -> Policy:
    """The abstention policy: its dense range was calibrated for multilingual-e5 similarities."""
    low = settings.abstain_min_similarity
    if low is None and "e5" not in embedding.lower():
        return replace(LEXICAL_ONLY, min_score=settings.abstain_min_score, llm_lenient=LLM_LENIENT_FLOOR)
    low = Policy.min_similarity if low is None else low
    width = Policy.max_similarity - Policy.min_similarity
    return Policy(
        min_similarity=low, max_similarity=low + width, min_score=settings.abstain_min_score,
        llm_lenient=LLM_LENIENT_FLOOR,
    )


def answer_pieces(
    answer: Answer, hits: list[Hit], llm: Any, settings: Settings, weights: Weights,
    signals: Signals, policy: Policy, started: float, overview: tuple[str, list[extractive.Quote]] | None = None,
    embed: Embed | None = None, history: Sequence[tuple[str, str]] = (),
) -> Iterator[str]:
    """Yield the answer text as it is produced; on return, `answer` is final.

    `signals` holds what retrieval measured (lexical score and its floor, dense similarity); the
    answer's own support is added here and `abstain.decide` settles it, the same way in every mode.
    `overview` holds the intro and sentences chosen for an overview question (assistant/overview.py).
    """
    question = answer.standalone_question or answer.question
    support, found = support_of(question, hits, weights)
    intro, quotes = overview if overview is not None else (None, found.quotes[: settings.max_answer_sentences])
    kind = expected_kind(question) if overview is None and (llm is None or LLM_KIND_CHECK) else None
    signals = replace(
        signals, support=support, overview=overview is not None, has_passages=bool(hits),
        kind_found=holds_kind(kind, " ".join(q.text for q in quotes), question),
        model_refused=None if llm is None else False,
    )
    decision = decide(signals, policy)
    _record(answer, signals, decision)
    try:
        # abstain_threshold 0: never abstain while passages were found (the decision is still recorded).
        if decision.abstain and (settings.abstain_threshold > 0 or not hits):
            yield from _abstain(answer)
        elif llm is None:
            yield from _extractive(answer, quotes, settings, intro)
        else:
            yield from _generative(answer, llm, settings, signals, policy, weights, embed, started, history)
    finally:
        answer.timings["total"] = time.perf_counter() - started


def _record(answer: Answer, signals: Signals, decision: Decision) -> None:
    """The signals and the verdict, on the answer (the eval and the UI read them)."""
    answer.timings["support"] = round(signals.support, 4)
    answer.timings["lexical"] = round(signals.lexical, 4)
    answer.timings["lexical_floor"] = round(signals.lexical_floor, 4)
    if signals.dense is not None:
        answer.timings["dense"] = round(signals.dense, 4)
    if signals.kind_found is not None:
        answer.timings["kind_found"] = float(signals.kind_found)
    answer.timings["confidence"] = decision.score
    answer.abstain_reasons = list(decision.reasons)


def _abstain(answer: Answer) -> Iterator[str]:
    nearest = list(dict.fromkeys((p.title, p.source) for p in answer.retrieved))[:3]
    answer.text = extractive.abstention(answer.language, nearest)
    answer.abstained = True
    answer.citations = []
    yield answer.text


def _extractive(answer: Answer, quotes: list[extractive.Quote], settings: Settings, intro: str | None) -> Iterator[str]:
    languages = [guess_language(p.text) for p in answer.retrieved]
    for piece in extractive.compose(quotes, answer.language, languages, intro=intro):
        answer.text += piece
        yield piece
    spans: dict[int, list[tuple[int, int]]] = {}
    for quote in quotes:
        spans.setdefault(quote.number, []).append((quote.start, quote.end))
    _finish(answer, settings, spans)


def _generative(
    answer: Answer, llm: Any, settings: Settings, signals: Signals, policy: Policy,
    weights: Weights, embed: Embed | None, started: float, history: Sequence[tuple[str, str]] = (),
) -> Iterator[str]:
    """Stream the model's answer, then attribute and check its citations sentence by sentence."""
    question = answer.standalone_question or answer.question
    windows = [excerpt(question, p.text, weights, budget(rank)) for rank, p in enumerate(answer.retrieved)]
    excerpts = [p.text[a:b] for p, (a, b) in zip(answer.retrieved, windows)]
    messages = generate.build_messages(question, answer.language, [
        (p.title, p.source, for_model(text)) for p, text in zip(answer.retrieved, excerpts)
    ], history)
    usage: dict[str, int] = {}
    try:
        for delta in generate.stream(llm, messages, usage):
            answer.timings.setdefault("first_token", time.perf_counter() - started)
            answer.text += delta
            yield delta
    except LLMError as err:
        answer.error = str(err)
        answer.warnings.append("The answer is incomplete: the LLM failed before finishing it.")
        return
    answer.model_text = answer.text
    answer.llm_usage = usage or None
    attributed = attribute(answer.text, excerpts, embed)
    # The model's own refusal is one more signal of the one decision; an answer that no passage
    # supports (every claim failed the citation check) is not grounded either.
    refused = generate.is_refusal(answer.text)
    if refused or (attributed.claims and not attributed.highlights):
        decision = decide(replace(signals, model_refused=refused), policy)
        reasons = list(decision.reasons) if refused else [*decision.reasons, "no passage supports the answer"]
        answer.abstain_reasons = reasons
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
