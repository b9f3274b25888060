"""Stage 8 of the pipeline, `check`: every check in `CHECKS` runs, in order, on the composed answer.

A check reads the answer text, the numbered passages (`ctx.answer.retrieved`) and the evidence, and
records what it finds on the context: the text with its markers corrected, `ctx.cited`,
`ctx.highlights`, `ctx.notes` (warnings, published by `settle`) and `ctx.unsupported` (no passage
supports any claim: `settle` abstains, unless `unsupported` fell back to the quoted evidence). Nothing is checked on an answer already withheld or failed.
To add a check, write `def my_check(ctx: Context) -> None` and append it to `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.abstain import abstain, decide, policy_of
from assistant.attribution import attribute
from assistant.citations import MARKER_RE, check_citations, cited_numbers
from assistant.claims import check_claims, warning
from assistant.compose import extractive_pieces
from assistant.context import Context
from assistant.kinds import YEAR_RE, asked_kind, holds_kind
from assistant.measures import asked_measure, holds_measure
from core.facts import extract_facts, fact_held
from core.text import guess_language

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
        _quoted(ctx)
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


def _quoted(ctx: Context) -> None:
    """The citations of a quoted answer: markers validated, the quoted spans highlighted."""
    answer = ctx.answer
    checked = check_citations(answer.text, [p.text for p in answer.retrieved], ctx.settings.citation_min_overlap)
    quoted: dict[int, list[tuple[int, int]]] = {}
    for item in ctx.evidence:
        quoted.setdefault(item.number, []).append((item.start, item.end))
    answer.text, ctx.cited = checked.text, checked.cited
    ctx.highlights = {n: quoted.get(n) or checked.highlights.get(n, []) for n in checked.cited}
    _note_removed(ctx, checked.removed)
    ctx.notes += [f"Weakly supported by its cited passage: {s}" for s in checked.unsupported]


def claims(ctx: Context) -> None:
    """Every stated fact (number, date, quantity, name, command, path, identifier) of a sentence stands in
    the passage it cites (assistant/claims.py); a sentence whose fact does not is never shown as supported.

    A model's sentence that fails is removed; when the rest no longer holds the kind of fact asked, the
    answer falls back to the quoted evidence (`Tuning.claim_failure`). A failing quote is removed. A model's
    answer that leaves out a fact of the best evidence sentence falls back too (`Tuning.llm_keeps_facts`).
    """
    answer = ctx.answer
    # The overview's opening line ("Le corpus compte 48 articles…") is the index's own count, not a
    # claim about a passage: only what follows it is checked.
    intro = ctx.plan.intro or ""
    if ctx.written_by_model or not intro or not answer.text.startswith(intro):
        intro = ""
    found = check_claims(answer.text[len(intro):], [p.text for p in answer.retrieved], recite=ctx.written_by_model)
    if intro:
        found = replace(found, text=intro + found.text)
    if found.recited:
        answer.text = found.text
        ctx.cited = cited_numbers(answer.text)
        ctx.highlights = {n: ctx.highlights.get(n, []) for n in ctx.cited}
        ctx.notes.append(f"{found.recited} sentence(s) now cite the passage that holds their facts.")
    if not found.failed:
        if ctx.written_by_model and not ctx.unsupported and _lost_kind(ctx, answer.text):  # unsupported: see `unsupported`
            fall_back_to_quotes(ctx)
            ctx.notes.append("The model's answer lost the fact asked: the quoted evidence is shown instead.")
        elif ctx.written_by_model and not ctx.unsupported and (lost := _lost_facts(ctx, answer.text)):
            fall_back_to_quotes(ctx)
            ctx.notes.append(f"The model's answer left out {', '.join(lost)} of the evidence: the quoted evidence is shown instead.")
        return
    answer.timings["claims_failed"] = float(len(found.failed))
    if not ctx.written_by_model:
        answer.text = found.text
        _quoted(ctx)
        ctx.notes.append(warning(found.failed, "those quotes were removed."))
        if not found.kept:
            abstain(answer)
        return
    policy = ctx.settings.tuning.claim_failure
    keeps_fact = found.kept > 0 and not _lost_kind(ctx, found.text) and not _lost_facts(ctx, found.text)
    if policy == "remove" and keeps_fact:
        answer.text = found.text
        ctx.cited = cited_numbers(answer.text)
        ctx.highlights = {n: ctx.highlights.get(n, []) for n in ctx.cited}
        ctx.notes.append(warning(found.failed, "those sentences were removed."))
    elif policy == "decline" or not ctx.evidence or ctx.unsupported:
        ctx.unsupported = True
        ctx.notes.append(warning(found.failed, "the answer is withheld."))
    else:
        fall_back_to_quotes(ctx)
        ctx.notes.append(warning(found.failed, "the quoted evidence is shown instead of the model's answer."))


def unsupported(ctx: Context) -> None:
    """A model's answer no passage supports falls back to the quoted evidence when the quoting answerer would
    answer too (`Tuning.unsupported_answer`): the model failed to say what the evidence says, not the corpus to
    hold it. The quoting answerer's own decision is taken (`model_refused=None`: its shared-word rule included);
    when it declines, or the claim check withheld the answer by policy, `settle` declines."""
    tuning = ctx.settings.tuning
    if not (ctx.written_by_model and ctx.unsupported and ctx.evidence and tuning.unsupported_answer == "fallback"):
        return
    if tuning.claim_failure == "decline" and "claims_failed" in ctx.answer.timings:
        return
    if ctx.signals is None or decide(replace(ctx.signals, model_refused=None), policy_of(ctx.settings)).abstain:
        return
    fall_back_to_quotes(ctx)
    ctx.notes = [note.replace("the answer is withheld.", "the quoted evidence is shown instead of the model's answer.")
                 for note in ctx.notes]
    ctx.notes.append("No passage supports the model's answer: the quoted evidence is shown instead.")


def _lost_kind(ctx: Context, text: str) -> bool:
    """The evidence holds the kind of fact asked (a number, a date, a name), or the measure asked (a path, a time…:
    `Tuning.llm_keeps_measure`), and `text` does not."""
    if ctx.plan.kind != "single" or not ctx.evidence:
        return False
    stated, said = " ".join(e.text for e in ctx.evidence), MARKER_RE.sub(" ", text)  # "[1]" is a marker, not a number
    kind = asked_kind(ctx.standalone, ctx.followup)
    if kind is not None and holds_kind(kind, stated, ctx.standalone) and not holds_kind(kind, said, ctx.standalone):
        return True
    tuning = ctx.settings.tuning
    measure = asked_measure(ctx.followup or ctx.standalone, tuning.technical_measures) if tuning.llm_keeps_measure else None
    return bool(holds_measure(measure, stated, ctx.standalone)) and not holds_measure(measure, said, ctx.standalone)


_OF_KIND = {"number": ("quantity", "number"), "date": ("date",)}


def _lost_facts(ctx: Context, text: str) -> list[str]:
    """The facts of the best evidence sentence (core.facts) that the question does not hold and `text` does not
    state (`Tuning.llm_keeps_facts`): the model was given them to keep exactly. With a number or a date asked
    ("combien", "quand"), the facts of that kind; with no kind asked, every fact (numbers, dates, names,
    identifiers); with a name asked ("Which actor…?"), none: one name answers it, and `_lost_kind` checks there is
    one. Compared normalised, so a translated answer keeps "160 000" as "160,000"."""
    best = ctx.best or (ctx.evidence[0] if ctx.evidence else None)
    if not ctx.settings.tuning.llm_keeps_facts or best is None:
        return []
    said = MARKER_RE.sub(" ", text)
    # A question about two things: the best sentence of each part, with that part's own kind of fact.
    asked = ctx.part_bests if ctx.part_bests and ctx.settings.tuning.llm_keeps_part_facts else [("", best)]
    lost: list[str] = []
    for part, sentence in asked:
        kind = asked_kind(part) if part else asked_kind(ctx.standalone, ctx.followup)
        if kind == "name":
            continue
        facts = [f for f in extract_facts(sentence.text) if (kind is None or f.kind in _OF_KIND[kind])
                 and not (kind == "number" and YEAR_RE.fullmatch(f.key)) and not fact_held(f, ctx.standalone)]  # a year is no quantity
        lost += [f.text for f in facts if not fact_held(f, said)]
    return list(dict.fromkeys(lost))


def fall_back_to_quotes(ctx: Context) -> None:
    """Replace the model's answer by the quoted evidence (the extractive answer), checked as one."""
    answer = ctx.answer
    languages = [guess_language(p.text) for p in answer.retrieved]
    answer.text = "".join(extractive_pieces(ctx.evidence, answer.language, languages, intro=ctx.plan.intro))
    answer.timings["fallback"] = 1.0
    ctx.unsupported = False
    _quoted(ctx)


def _note_removed(ctx: Context, removed: list[int]) -> None:
    if removed:
        ctx.notes.append(f"Removed citation markers that pointed to no passage: {sorted(set(removed))}.")


CHECKS: list[Check] = [citations, claims, unsupported]
