"""Stage 8 of the pipeline, `check`: every check in `CHECKS` runs, in order, on the composed answer.

A check reads the answer text, the numbered passages (`ctx.answer.retrieved`) and the evidence, and
records what it finds on the context: the text with its markers corrected, `ctx.cited`,
`ctx.highlights`, `ctx.notes` (warnings, published by `settle`) and `ctx.unsupported` (no passage
supports any claim: `settle` abstains). Nothing is checked on an answer already withheld or failed.
To add a check, write `def my_check(ctx: Context) -> None` and append it to `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.attribution import attribute
from assistant.citations import MARKER_RE, check_citations, cited_numbers
from assistant.context import Context
from core.facts import extract_facts, fact_held
from core.text import split_sentences

Check = Callable[[Context], None]


def check(ctx: Context) -> None:
    """Stage: run every check in CHECKS on an answer that was written."""
    if ctx.answer.abstained or not ctx.answer.complete:
        return
    for one in CHECKS:
        one(ctx)


def citations(ctx: Context) -> None:
    """Every [n] points at a given passage that supports its sentence; the spans relied on are located.

    A quoted answer (extractive) cites the passages its sentences come from: markers are validated
    and the quoted spans highlighted. A model's answer gets its markers from the evidence: each
    sentence is aligned with the sentences of the excerpts the model read (multilingual embedding
    similarity and shared words, assistant/attribution.py), markers the alignment does not support
    are replaced or dropped, and a sentence no passage supports is reported.
    """
    answer = ctx.answer
    passages = [p.text for p in answer.retrieved]
    if not ctx.written_by_model:
        checked = check_citations(answer.text, passages, ctx.settings.citation_min_overlap)
        quoted: dict[int, list[tuple[int, int]]] = {}
        for item in ctx.evidence:
            quoted.setdefault(item.number, []).append((item.start, item.end))
        answer.text, ctx.cited = checked.text, checked.cited
        ctx.highlights = {n: quoted.get(n) or checked.highlights.get(n, []) for n in checked.cited}
        _note_removed(ctx, checked.removed)
        ctx.notes += [f"Weakly supported by its cited passage: {s}" for s in checked.unsupported]
        return
    excerpts = [text[a:b] for text, (a, b) in zip(passages, ctx.windows)]
    tuning = ctx.settings.tuning
    attributed = attribute(answer.model_text, excerpts, ctx.tools.components.embed_texts,
                           tuning.citation_min_support, tuning.e5_related_cosine)
    answer.text, ctx.cited = attributed.text, cited_numbers(attributed.text)
    ctx.unsupported = bool(attributed.claims and not attributed.highlights)
    _note_removed(ctx, attributed.removed)
    ctx.notes += [f"No passage supports: {s}" for s in attributed.unsupported]
    spans = {n: [(ctx.windows[n - 1][0] + a, ctx.windows[n - 1][0] + b) for a, b in found]
             for n, found in attributed.highlights.items()}
    if any(not spans.get(n) for n in ctx.cited):  # no aligned sentence: the one sharing the most words
        located = check_citations(answer.text, passages, 0.0).highlights
        spans = {n: spans.get(n) or located.get(n, []) for n in ctx.cited}
    ctx.highlights = spans


def _note_removed(ctx: Context, removed: list[int]) -> None:
    if removed:
        ctx.notes.append(f"Removed citation markers that pointed to no passage: {sorted(set(removed))}.")


def stated_facts(ctx: Context) -> None:
    """Every number, date, name, command, path or identifier a cited sentence states must stand in a
    passage it cites (or in the question): a sentence stating one that does not is removed and the
    answer says so in its warnings; when no cited sentence is left, `settle` declines.

    A quoted answer (extractive) passes by construction: its sentences are the cited passages' own.
    """
    answer = ctx.answer
    if not ctx.written_by_model:
        return
    passages = {p.number: p.text for p in answer.retrieved}
    kept, removed = [], []
    for start, end in split_sentences(answer.text):
        sentence = answer.text[start:end]
        cited = [n for n in cited_numbers(sentence) if n in passages]
        missing = _missing(MARKER_RE.sub(" ", sentence), "\n".join(passages[n] for n in cited), ctx.standalone) if cited else []
        (removed if missing else kept).append((sentence, missing))
    if not removed:
        return
    answer.text = " ".join(sentence.strip() for sentence, _ in kept)
    for sentence, missing in removed:
        ctx.notes.append(f"Removed a sentence stating what its cited passage does not hold ({', '.join(missing)}): "
                         f"{' '.join(MARKER_RE.sub('', sentence).split())}")
    ctx.cited = cited_numbers(answer.text)
    ctx.highlights = {n: ctx.highlights.get(n, []) for n in ctx.cited}
    ctx.unsupported = ctx.unsupported or not ctx.cited


def _missing(sentence: str, passage: str, question: str) -> list[str]:
    """The facts `sentence` states (core/facts.py) that neither `passage` nor the question holds."""
    return [f.key for f in extract_facts(sentence) if not fact_held(f, passage) and not fact_held(f, question)]


CHECKS: list[Check] = [citations, stated_facts]
