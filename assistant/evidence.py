"""Stage 5 of the pipeline, `evidence`: the sentences of the retrieved passages that answer the question.

No model call: sentences of the top passages are scored by the IDF-weighted share of the question's
content words they contain (stemmed, accent-folded), with a small bonus for higher-ranked passages and
for holding the kind of fact asked (a number, a date, a name). The best ones become `ctx.evidence`
(passage number + span): the extractive answer quotes them, the abstention decision weighs them.

The kind of fact asked and the fact finder (`expected_kind`, `holds_kind`) are in assistant/kinds.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.across import Similarity, across_similarity, rerank
from assistant.compound import asks_several
from assistant.context import Context, Evidence
from assistant.focus import concept_share
from assistant.kinds import asked_kind, expected_kind, holds_kind
from assistant.measures import (AMOUNTS, asked_measure, asked_years, counted_thing, counts_thing, holds_measure, holds_years,
                                named_numbers, strict_kind)
from assistant.retrieve import document_of, passage_of
from assistant.sections import under_headings
from core.text import content_terms, guess_language, question_names, split_sentences

Weights = Callable[[list[str]], dict[str, float]]


def evidence(ctx: Context) -> None:
    """Stage: number the passages (the Answer is created here), then pick the sentences to rely on
    (a follow-up's own kind of fact first: `asked_kind`)."""
    tools = ctx.tools
    ctx.answer.retrieved = [passage_of(tools.components, i, h) for i, h in enumerate(ctx.hits, 1)]
    ctx.answer.timings["retrieve"] = time.perf_counter() - ctx.started
    passages = [h.node.get_content() for h in ctx.hits]
    spread = ctx.settings.tuning.spread_sources if asks_several(ctx.standalone) else 0.0
    similarity = across_similarity(ctx, passages)
    translated = (tools.components.across_words(ctx.settings, ctx.standalone)
                  if similarity is not None and ctx.settings.tuning.across_evidence_terms else [])
    found = extract(ctx.standalone, passages,
                    weights=tools.components.term_weights, max_sentences=3, followup=ctx.followup,
                    said=ctx.said, said_factor=ctx.settings.tuning.followup_said_factor,
                    new_weight=ctx.settings.tuning.followup_new_weight,
                    similarity=similarity, dense_weight=ctx.settings.tuning.across_dense_weight,
                    translated=translated, translated_factor=ctx.settings.tuning.across_evidence_terms,
                    asking_factor=ctx.settings.tuning.asking_sentence_factor,
                    titles=[str(h.node.metadata.get("title", "")) for h in ctx.hits],
                    heading_weight=ctx.settings.tuning.answer_under_heading,
                    lacks_measure=ctx.settings.tuning.lacks_measure_factor,
                    sources=["#".join(document_of(h)) for h in ctx.hits] if spread else None, spread=spread,
                    technical=ctx.settings.tuning.technical_measures)
    ctx.support = found.support
    ctx.support_across = bool(found.quotes) and guess_language(found.quotes[0].text) != guess_language(ctx.standalone)
    if ctx.plan.kind == "single":
        ctx.evidence = found.quotes[: ctx.settings.max_answer_sentences]
        if ctx.parts:  # a question about two things: each part's best sentences, in the parts' order
            ctx.evidence = _by_part(ctx, passages) or ctx.evidence
        if ctx.llm is None or ctx.settings.tuning.llm_kind_check:  # does the evidence hold the kind of fact asked?
            stated = " ".join(e.text for e in ctx.evidence)
            ctx.kind_found = holds_kind(asked_kind(ctx.standalone, ctx.followup), stated, ctx.standalone)
            asked = ctx.followup or ctx.standalone  # a follow-up's own words say what it asks
            ctx.kind_required = ctx.kind_found is False and strict_kind(asked)
            measure = asked_measure(asked, ctx.settings.tuning.technical_measures)
            ctx.measure_found = holds_measure(measure, stated, ctx.standalone)
            # an amount in a passage naming what the question names (a file or a time stands by itself)
            if ctx.measure_found and ctx.settings.tuning.measure_named and measure in AMOUNTS:
                ctx.measure_found = any(holds_measure(measure, e.text) and names_held(ctx.standalone, passages[e.number - 1])
                                        for e in ctx.evidence)
            if ctx.measure_found is None and ctx.settings.tuning.count_check:  # "combien de membres": a number of members
                thing = counted_thing(asked)
                ctx.measure_found = counts_thing(thing, stated)
                if ctx.measure_found is None and thing is not None:  # the passages name the thing, the quotes count something else
                    ctx.measure_found = False if counts_thing(thing, " ".join(passages[:3])) is not None else None
                if ctx.measure_found is None and thing is not None and ctx.settings.tuning.count_same_language and not ctx.parts \
                        and all(guess_language(e.text) == guess_language(asked) for e in ctx.evidence):
                    ctx.measure_found = False  # in the question's own language, quotes never naming the thing count none of it
            if ctx.settings.tuning.year_check:  # "in 2022": a figure of 2021 is not the one asked
                named = named_numbers(ctx.standalone) if ctx.settings.tuning.named_number_check else []
                ctx.year_held = holds_years(asked_years(ctx.standalone) + named, [e.text for e in ctx.evidence])
        ctx.focus = _focus(ctx)
        ctx.best = ctx.evidence[0] if ctx.evidence else None
        if ctx.settings.tuning.quote_antecedent:  # after the signals: what the best sentences say decides
            ctx.evidence = with_antecedents(ctx.evidence, passages)


def _by_part(ctx: Context, passages: list[str]) -> list[Evidence]:
    """The best `Tuning.compound_sentences` sentences of each part of a compound question (assistant/compound.py),
    each part scored as a follow-up of the first (its own kind of fact first), without repeats."""
    out: list[Evidence] = []
    for part in ctx.parts:
        followup = part.asked if part.query != part.asked else ""
        found = extract(part.query, passages, weights=ctx.tools.components.term_weights,
                        max_sentences=ctx.settings.tuning.compound_sentences, followup=followup)
        taken = {(o.number, o.start) for o in out}
        out += [q for q in found.quotes if (q.number, q.start) not in taken]
        if found.quotes:
            ctx.part_bests.append((part.asked, found.quotes[0]))
    return out


def _focus(ctx: Context) -> float | None:
    """The focus signal (assistant/focus.py) over the evidence sentences; with a kind of fact asked, only
    those holding that kind count (`Tuning.focus_needs_kind`). A question about two things (`ctx.parts`) is
    checked part by part, each with its own kind and focus ("Qui a composé …, et combien de … ?" asks a name,
    then a number), and is as sure as its least sure part."""
    if ctx.parts:
        shares = [_focus_of(ctx, part.asked) for part in ctx.parts]
        return min((s for s in shares if s is not None), default=None)
    return _focus_of(ctx, ctx.standalone, ctx.followup)


def _focus_of(ctx: Context, question: str, followup: str = "") -> float | None:
    sentences = [e.text for e in ctx.evidence]
    kind = asked_kind(question, followup)
    if ctx.settings.tuning.focus_needs_kind and kind is not None:
        sentences = [s for s in sentences if holds_kind(kind, s, question)]
    return concept_share(question, sentences, head=ctx.settings.tuning.focus_head_terms)


# A sentence that points back to something the sentence before names: opening with a pronoun or a
# demonstrative ("Il …", "This file …"), or naming a thing with a demonstrative ("… ajoute cette entrée",
# "… adds this entry", "ce paquet"). "Ce qui / ce que" point forward, not back.
_LEANS_BACK = re.compile(
    r"^\W*(il|elle|ils|elles|ce(?!\s+(?:qui|que|qu[’']))|cet|cette|ces|cela|ça|celui|celle|ceux|celles|it|its|they|their|this|that|these|"
    r"those|he|she|his|her|the latter|ce dernier|cette dernière)\b"
    r"|\b(cet|cette|ces|this|these|ce(?!\s+(?:qui|que|qu[’']))|ledit|ladite|the said)\s+[\w-]{3,}",
    re.I,
)


def leans_back(sentence: str) -> bool:
    """True when `sentence` points back to what the sentence before it names."""
    return bool(_LEANS_BACK.search(sentence))


def with_antecedents(quotes: list[Evidence], passages: list[str]) -> list[Evidence]:
    """The quotes, each one that points back (`leans_back`) preceded by the sentence before it in its passage
    (quoted on its own, with the same passage number), so the quote stands alone; not a heading (Markdown, or a
    plain-text line without punctuation before its paragraph: it names a topic, states nothing), a sentence
    already quoted, nor across the passage's start. A table row ("| Odet | 40 |") is preceded by its
    table's header row ("| Salle | Places |"): a row means nothing without it."""
    taken = {(q.number, q.start) for q in quotes}
    out: list[Evidence] = []
    for quote in quotes:
        text = passages[quote.number - 1]
        span = table_header(text, quote.start)
        if span is None and leans_back(quote.text):
            before = [(a, b) for a, b in sentence_spans(text) if b <= quote.start]
            span = before[-1] if before and not _is_heading(text, before[-1][0]) and not _is_plain_heading(text, *before[-1]) else None
        if span is not None and (quote.number, span[0]) not in taken:
            taken.add((quote.number, span[0]))
            out.append(Evidence(quote.number, span[0], span[1], quote.score, text[span[0] : span[1]]))
        out.append(quote)
    return out


def names_held(question: str, passage: str) -> bool:
    """The passage names one of the names the question holds (core.text.question_names), or the question names none."""
    names = {n.lower() for n in question_names(question)}
    text = passage.lower()
    return not names or any(n in text for n in names)


def _is_title(sentence: str, title: str) -> bool:
    """The sentence is its article's title line ("Les Ombres du Clic : Découvrez …" in a plain-text corpus)."""
    flat = " ".join(sentence.split()).strip("#*» «").lower()
    return len(flat) > 8 and " ".join(title.split()).lower().startswith(flat)  # the whole title, or its first line


def _is_heading(text: str, start: int) -> bool:
    """The sentence at `start` is (part of) a Markdown heading line ("## 16.1. Auteurs" splits after "16.1.")."""
    return text.startswith("#", text.rfind("\n", 0, start) + 1)


_LINE_END = re.compile(r"[.!?:;…»”\"')\]]\s*$")


def _is_plain_heading(text: str, start: int, end: int) -> bool:
    """The sentence is a whole line of plain text that ends without punctuation and comes before a paragraph:
    a sub-heading of a plain-text article ("Raconter son intériorité & participer à une expérience psychique
    collective"), which names a topic and states nothing."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    if not line or text[start:end].strip() != line or _LINE_END.search(line) or len(line.split()) > _HEADING_WORDS:
        return False
    following = text[line_end:].lstrip("\n").split("\n", 1)[0]
    return len(following.split()) > len(line.split())


_TABLE_LINE = re.compile(r"[ \t]*\|.*\|[ \t]*")
_RULE_LINE = re.compile(r"[ \t]*\|[\s:|-]*-[\s:|-]*\|[ \t]*")  # | --- | :-: |


def table_header(text: str, start: int) -> tuple[int, int] | None:
    """The span of the header row of the pipe table (as ingest writes tables) whose body row starts at
    `start`; None when `start` is not on such a row (or is on the header itself)."""
    lines: list[tuple[int, int]] = []  # the table's lines, from the row at `start` up
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    begin = text.rfind("\n", 0, start) + 1
    while begin <= end and _TABLE_LINE.fullmatch(text, begin, end):
        lines.append((begin, end))
        if begin == 0:
            break
        end = begin - 1
        begin = text.rfind("\n", 0, end) + 1
    if len(lines) < 3 or not _RULE_LINE.fullmatch(text, *lines[-2]):
        return None  # not a body row under a header and its rule
    return lines[-1]


@dataclass
class Extract:
    quotes: list[Evidence] = field(default_factory=list)
    support: float = 0.0  # weighted share of the question's content words found in the best sentence


# The sentence scorer's own cues for the kind of fact asked: broader than `expected_kind` (any "qui",
# "share", "date"), and for a bonus, not a penalty. Replacing them with `expected_kind`/`holds_kind`
# was measured on dev (hybrid, extractive): key facts 0.697 -> 0.679, abstention accuracy 0.625 -> 0.562
# (the bonus then goes to any capitalised word); kept until a variant does at least as well on dev.
_BONUS_NUMBER_Q = re.compile(r"\b(combien|how many|how much|percentage|share|montant|prix|price|cost)\b", re.I)
_BONUS_DATE_Q = re.compile(r"\b(quand|quelle année|en quelle|depuis quand|when|what year|which year|date)\b", re.I)
_BONUS_NAME_Q = re.compile(r"\b(qui|quel(le)?s? (est|sont) (le|la|les) (nom|auteur|pdg|directeur)|who|whom|whose|which (company|person|actor|writer|firm))\b", re.I)
_TWO_CAPITALS = re.compile(r"\b[A-ZÀ-Ý][\w’'-]+\s+[A-ZÀ-Ý][\w’'-]+")  # two capitalised words: a name
_MAX_QUOTE_CHARS = 400
_BARE_LINK = re.compile(r"[•*\-\s]*(?:https?://|www\.)\S+")
_LACKS_KIND = 0.75  # score factor of a sentence without the kind of fact asked (number, date, name)
# Not used to score: a heading penalty (x0.6) measured on dev lowered key facts 0.684 -> 0.674 (issue 21 item 4).
_HEADING_WORDS = 16  # a plain-text heading line is at most this many words
_PREFIX = 5  # stems sharing their first 5 letters count as a partial match ("distribu" ~ "distribut")


def said_key(sentence: str) -> str:
    """A sentence as `extract`'s `said` holds it: lower case, spaces collapsed."""
    return " ".join(sentence.lower().split())


def _question_weights(question: str, weights: Weights | None) -> dict[str, float]:
    terms = list(dict.fromkeys(content_terms(question)))
    if not terms:
        return {}
    return weights(terms) if weights else {t: 1.0 for t in terms}


_CODE_AFTER = re.compile(r"\s*(```|~~~)[^\n]*\n.*?\n\1", re.S)
# A sentence that ends with ":" or without a full stop runs on into the code block after it ("… enlever le
# drapeau « hold » avec" + `apt-mark unhold nom_paquet`): the command is the end of the sentence.
_FENCE = re.compile(r"^(```|~~~)", re.M)
_RUNS_ON = re.compile(r"(:|[^.!?…»”\")\]])\s*$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences, with overlong ones (lists, run-ons) cut at the last word before the limit.

    A sentence ending with ":" (or with no full stop) right before a code fence takes the fenced block
    with it (the command a how-to sentence introduces), when the block is short enough to quote.
    """
    spans: list[tuple[int, int]] = []
    fences = [m.start() for m in _FENCE.finditer(text)]
    for start, end in split_sentences(text):
        if spans and start < spans[-1][1]:
            continue  # inside a code block already quoted with its sentence
        in_code = sum(f < start for f in fences) % 2 == 1  # a line of a code block is no sentence running on
        if end - start > _MAX_QUOTE_CHARS:
            cut = text.rfind(" ", start, start + _MAX_QUOTE_CHARS)
            end = cut if cut > start else start + _MAX_QUOTE_CHARS
        elif not in_code and not text.startswith("#", start) and _RUNS_ON.search(text[start:end]) and (code := _CODE_AFTER.match(text, end)):
            if code.end() - start <= 2 * _MAX_QUOTE_CHARS:
                end = code.end()
        spans.append((start, end))
    return spans


def _coverage(qw: dict[str, float], terms: set[str], prefixes: set[str]) -> tuple[float, set[str]]:
    """Weighted share of question terms found: exact stem 1.0, same 5-letter prefix 0.7."""
    got, matched = 0.0, set()
    for term, weight in qw.items():
        if term in terms:
            got += weight
            matched.add(term)
        elif len(term) >= _PREFIX and term[:_PREFIX] in prefixes:
            got += 0.7 * weight
            matched.add(term)
    total = sum(qw.values())
    return (got / total if total else 0.0), matched


def _answer_type_bonus(question: str, sentence: str, question_text_lower: str) -> float:
    """Small bonus when the sentence holds the kind of thing asked for and the question doesn't."""
    bonus = 0.0
    if _BONUS_NUMBER_Q.search(question) and any(n not in question_text_lower for n in re.findall(r"\d[\d  ,.]*", sentence)):
        bonus += 0.12
    if _BONUS_DATE_Q.search(question) and any(y not in question_text_lower for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", sentence)):
        bonus += 0.12
    if _BONUS_NAME_Q.search(question) and any(n.lower() not in question_text_lower for n in _TWO_CAPITALS.findall(sentence)):
        bonus += 0.15
    return bonus


def extract(
    question: str, passages: list[str], *, weights: Weights | None = None, max_sentences: int = 3,
    followup: str = "", said: frozenset[str] = frozenset(), said_factor: float = 1.0, new_weight: float = 1.0,
    similarity: Similarity | None = None, dense_weight: float = 0.0, asking_factor: float = 1.0,
    titles: list[str] | None = None, heading_weight: float = 0.0, lacks_measure: float = 1.0,
    sources: list[str] | None = None, spread: float = 0.0, technical: bool = False,
    translated: list[str] | None = None, translated_factor: float = 0.0,
) -> Extract:
    """Pick up to `max_sentences` sentences from `passages` (rank order) that answer `question`.

    `followup`: the follow-up as asked, when `question` carries the previous topic along; `said`: the
    sentences the previous answer quoted (`said_key`), whose score is multiplied by `said_factor` unless
    they hold a word the follow-up adds to the topic (it asks for something new; "Et combien
    d'ordinateurs ?" may well be answered by the sentence that gave the smartphones); `new_weight`: the
    weight factor of the words the follow-up adds to the topic; `similarity`: the question's similarity to
    sentences, which re-ranks the best candidates (`dense_weight` x its min-max share among them, assistant/across.py);
    `asking_factor`: the score factor of a sentence that asks rather than answers (a question, a heading line, its
    passage's title line, by `titles`); `heading_weight`: the share of a heading's match to the question that the
    sentences right under it get (assistant/sections.py); `lacks_measure`: the score factor of a sentence without an
    amount of the measure asked (assistant/measures.py: a price, a duration…); `sources` (each passage's document)
    and `spread`: when every sentence picked comes from one document, the best sentence of another document is
    added if it scores at least `spread` x the best (a question about several documents: `asks_several`);
    `translated`: the question's words in the corpus's other language (index/crossterms.py), whose shared words with
    a sentence add `translated_factor` x their weight to its share of the question's words."""
    qw = _question_weights(question, weights)
    tw = {t: w * translated_factor for t, w in _question_weights(" ".join(translated), weights).items() if t not in qw} if translated else {}
    tw_share = sum(tw.values()) / sum(qw.values()) if tw and qw else 0.0  # the translations' weight beside the question's
    q_lower = question.lower()
    kind = asked_kind(question, followup)
    measure = asked_measure(followup or question, technical) if lacks_measure != 1.0 else None
    new = set(content_terms(followup)) - set(content_terms(question.replace(followup, " ", 1))) if followup else set()
    if new and new_weight != 1.0:  # what the follow-up adds weighs more than the topic it carries along
        qw = {t: w * (new_weight if t in new else 1.0) for t, w in qw.items()}
    scored: list[tuple[float, float, Evidence, set[str]]] = []
    seen: set[str] = set()
    headings: set[tuple[int, int]] = set()  # (passage number, start) of Markdown heading lines
    for rank, text in enumerate(passages):
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            key = said_key(sentence)
            if key in seen:
                continue  # the same line quoted twice adds nothing
            seen.add(key)
            if _BARE_LINK.fullmatch(sentence.strip()):
                continue  # a link alone states nothing ("https://images…/file.png" quoted for "how many bones")
            terms = set(content_terms(sentence))
            prefixes = {t[:_PREFIX] for t in terms}
            coverage, matched = _coverage(qw, terms, prefixes)
            if tw_share:  # the question's words in the corpus's other language add their credit
                coverage = min(1.0, coverage + _coverage(tw, terms, prefixes)[0] * tw_share)
            new_terms = len(terms) - len(matched)
            score = coverage + 0.08 / (rank + 1) + _answer_type_bonus(question, sentence, q_lower)
            if kind is not None and not holds_kind(kind, sentence, question):
                score *= _LACKS_KIND  # "Who composed…?": a line without a name does not answer it
            if measure is not None and not holds_measure(measure, sentence, question):
                score *= lacks_measure  # "How much did … pay?": a line without an amount of money does not answer it
            if new_terms == 0:
                score *= 0.3  # a heading that repeats the question answers nothing
            elif new_terms == 1:
                score *= 0.7
            heading = _is_heading(text, start)
            if heading:  # not a title line: a news article's lead is no answer to its title (measured on dev)
                headings.add((rank + 1, start))
            if asking_factor != 1.0 and (sentence.rstrip().endswith("?") or heading
                                         or (titles and _is_title(sentence, titles[rank]))):
                score *= asking_factor  # a heading or a question ("Comment charger une police … ?") asks, it does not answer
            if key in said and not _coverage({t: 1.0 for t in new}, terms, prefixes)[1]:
                score *= said_factor  # the previous answer quoted it, and it holds nothing the follow-up adds
            quote = Evidence(rank + 1, start, end, score, sentence)
            scored.append((score, coverage, quote, matched))
    if not scored:
        return Extract()
    scored.sort(key=lambda item: item[0], reverse=True)
    shares: dict[tuple[int, int], float] = {}
    if similarity is not None and dense_weight:
        scored = rerank(scored, question, passages, similarity, dense_weight, shares)
    scored = under_headings(scored, headings, heading_weight, shares, dense_weight)
    best_score, best_cov, best, covered = scored[0]
    picked = [best]
    best_has_kind = kind is not None and holds_kind(kind, best.text, question)
    for score, _cov, quote, terms in scored[1:]:
        if len(picked) >= max_sentences or score < 0.6 * best_score:
            break
        if best_has_kind and not holds_kind(kind, quote.text, question):
            continue  # the best sentence holds the fact asked; a line without one only adds noise
        if terms - covered or (score >= 0.9 * best_score and quote.number != best.number):
            picked.append(quote)
            covered |= terms
    if spread and sources and len({sources[q.number - 1] for q in picked}) == 1:
        other = next((item for item in scored[1:] if sources[item[2].number - 1] != sources[best.number - 1]), None)
        if other is not None and other[0] >= spread * best_score:
            picked = picked[: max_sentences - 1] + [other[2]]
    # The answer opens with the best sentence; the others follow in document order.
    picked[1:] = sorted(picked[1:], key=lambda q: (q.number, q.start))
    return Extract(quotes=picked, support=best_cov)
