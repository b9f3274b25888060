"""Stage 7 of the pipeline, `compose`: the answer text, streamed.

- withheld by `weigh`: its plain "not in the corpus" message, with the nearest sources;
- extractive (no LLM): the evidence sentences quoted verbatim, each with its [n] marker, framed in
  the question's language;
- with an LLM: the evidence sentences (`Tuning.evidence_first`), or, for evidence in the other language,
  each passage cut to a short excerpt around its best sentence (assistant/excerpts.py), fenced in a prompt
  (assistant/generate.py), the model's text streamed as it comes. Its citations are checked by the next
  stage (assistant/checks.py). An overview is quoted (`Tuning.llm_overview`: quoting scored best on dev).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from assistant import generate
from assistant.context import Context, Evidence
from assistant.evidence import leans_back, sentence_spans
from assistant.excerpts import budget, excerpt, for_model
from core.errors import LLMError
from core.text import guess_language


def compose(ctx: Context) -> Iterator[str]:
    """Stage: yield the answer text as it is written; `ctx.answer.text` holds all of it at the end."""
    if ctx.answer.abstained:  # withheld by `weigh`: its message
        yield ctx.answer.text
    elif ctx.llm is None:
        yield from _quote(ctx)
    elif ctx.plan.kind == "overview" and ctx.settings.tuning.llm_overview == "quote":
        ctx.quoted = True
        yield from _quote(ctx)
    else:
        yield from _generate(ctx)


def _quote(ctx: Context) -> Iterator[str]:
    answer = ctx.answer
    languages = [guess_language(p.text) for p in answer.retrieved]
    for piece in extractive_pieces(ctx.evidence, answer.language, languages, intro=ctx.plan.intro):
        answer.text += piece
        yield piece


def _generate(ctx: Context) -> Iterator[str]:
    """Stream the model's answer from fenced excerpts of the passages."""
    answer, tuning = ctx.answer, ctx.settings.tuning
    # A follow-up carrying the topic offline: the model reads it as asked, after that earlier question
    asked, earlier = (ctx.followup, ctx.topic) if tuning.llm_reads_followup and ctx.topic and ctx.followup else (ctx.standalone, "")
    summary = ctx.plan.kind == "overview" and tuning.llm_overview == "evidence"  # the plan's lead and central sentences
    if ctx.evidence and (summary or tuning.evidence_first and ctx.plan.kind == "single" and (tuning.evidence_first_across or _same_language(ctx))):
        ctx.windows = evidence_windows(ctx)
        shown = [(p.number, p.title, p.text[a:b]) for p, (a, b) in zip(answer.retrieved, ctx.windows) if b > a]
        messages = generate.evidence_messages(asked, answer.language,
                                              [(n, title, for_model(text)) for n, title, text in shown], ctx.history, earlier=earlier)
    else:
        weights = ctx.tools.components.term_weights
        ctx.windows = [excerpt(ctx.standalone, p.text, weights, budget(rank, tuning)) for rank, p in enumerate(answer.retrieved)]
        excerpts = [p.text[a:b] for p, (a, b) in zip(answer.retrieved, ctx.windows)]
        messages = generate.build_messages(asked, answer.language, [
            (p.title, p.source, for_model(text)) for p, text in zip(answer.retrieved, excerpts)
        ], ctx.history, question_first=tuning.question_first, history_chars=tuning.history_answer_chars, earlier=earlier)
    usage: dict[str, int] = {}
    try:
        for delta in generate.stream(ctx.llm, messages, usage):
            answer.timings.setdefault("first_token", time.perf_counter() - ctx.started)
            answer.text += delta
            yield delta
    except LLMError as err:
        answer.error = str(err)
        answer.warnings.append("The answer is incomplete: the LLM failed before finishing it.")
        return
    answer.model_text = answer.text
    answer.llm_usage = usage or None


def _same_language(ctx: Context) -> bool:
    """Every evidence sentence is in the question's language."""
    return all(guess_language(e.text) == ctx.answer.language for e in ctx.evidence)


def evidence_windows(ctx: Context) -> list[tuple[int, int]]:
    """Per passage, the span the model reads: its evidence sentences, with the sentence before one that
    leans on it (already among the evidence with `Tuning.quote_antecedent`), and nothing for a passage
    without evidence: the least context that keeps the answer-bearing sentences understandable."""
    windows: list[tuple[int, int]] = [(0, 0)] * len(ctx.answer.retrieved)
    for item in ctx.evidence:
        text = ctx.answer.retrieved[item.number - 1].text
        start = item.start
        if not ctx.settings.tuning.quote_antecedent and leans_back(item.text):
            before = [a for a, b in sentence_spans(text) if b <= item.start]
            start = before[-1] if before else start
        a, b = windows[item.number - 1]
        windows[item.number - 1] = (min(a, start), max(b, item.end)) if b > a else (start, item.end)
    return windows


FRAMES = {
    "fr": ("D’après le corpus :", "« {} »"),
    "en": ("According to the corpus:", "“{}”"),
}
CROSS_LINGUAL_NOTE = {"en": " (quoted in French)", "fr": " (citation en anglais)"}


# The document's own note numbers ("en 2021 [2] [3].", Wikipedia's ".[12]"): not our citations.
_NOTES_RE = re.compile(r"\s?\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\](?:\s?\[\d{1,3}\])*")


def strip_notes(text: str) -> str:
    """A quoted sentence without the document's bracketed note numbers."""
    return re.sub(r"\s+([.,;:])", r"\1", _NOTES_RE.sub("", text)) if "[" in text else text


_OWN_LANGUAGE_WORDS = 8  # a quote this long is told apart by its own words; a shorter one takes its passage's language


def quote_language(quote: Evidence, passage_languages: list[str]) -> str:
    """The language a quote is in: its own when it is long enough to tell (a French FAQ holds English paragraphs),
    else its passage's."""
    if len(quote.text.split()) >= _OWN_LANGUAGE_WORDS or quote.number - 1 >= len(passage_languages):
        return guess_language(quote.text)
    return passage_languages[quote.number - 1]


def extractive_pieces(quotes: list[Evidence], language: str, passage_languages: list[str], intro: str | None = None) -> list[str]:
    """The answer as pieces (one per quoted sentence), each ending with its [n] marker."""
    frame, quote_fmt = FRAMES.get(language, FRAMES["en"])
    intro = intro or frame
    quoted_langs = {quote_language(q, passage_languages) for q in quotes}
    if quoted_langs and language not in quoted_langs and intro == frame:
        intro = intro[:-1].rstrip() + CROSS_LINGUAL_NOTE[language] + intro[-1]
    pieces = [intro]
    for quote in quotes:
        text = " ".join(strip_notes(quote.text).split())
        pieces.append(" " + quote_fmt.format(text) + f" [{quote.number}]")
    return pieces


