"""The offline answerer: quote the few retrieved sentences that best answer the question.

No model call: sentences of the top passages are scored by the IDF-weighted share of the
question's content words they contain (stemmed, accent-folded), with a small bonus for
higher-ranked passages. The best ones are quoted verbatim with their [n] markers and framed in
the question's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.abstain import expected_kind, holds_kind
from core.text import content_terms, split_sentences

Weights = Callable[[list[str]], dict[str, float]]


@dataclass
class Quote:
    number: int  # passage number (1-based, as in the answer's [n])
    start: int  # span inside the passage text
    end: int
    score: float
    text: str


@dataclass
class Extract:
    quotes: list[Quote] = field(default_factory=list)
    support: float = 0.0  # weighted share of the question's content words found in the best sentence


_NUMERIC_Q = re.compile(r"\b(combien|how many|how much|percentage|share|montant|prix|price|cost)\b", re.I)
_DATE_Q = re.compile(r"\b(quand|quelle année|en quelle|depuis quand|when|what year|which year|date)\b", re.I)
_WHO_Q = re.compile(r"\b(qui|quel(le)?s? (est|sont) (le|la|les) (nom|auteur|pdg|directeur)|who|whom|whose|which (company|person|actor|writer|firm))\b", re.I)
_NAME_RE = re.compile(r"\b[A-ZÀ-Ý][\w’'-]+\s+[A-ZÀ-Ý][\w’'-]+")  # two capitalised words: a name
_MAX_QUOTE_CHARS = 400
_LACKS_KIND = 0.75  # score factor of a sentence without the kind of fact asked (number, date, name)
_PREFIX = 5  # stems sharing their first 5 letters count as a partial match ("distribu" ~ "distribut")


def _question_weights(question: str, weights: Weights | None) -> dict[str, float]:
    terms = list(dict.fromkeys(content_terms(question)))
    if not terms:
        return {}
    return weights(terms) if weights else {t: 1.0 for t in terms}


_CODE_AFTER = re.compile(r"\s*(```|~~~)[^\n]*\n.*?\n\1", re.S)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences, with overlong ones (lists, run-ons) cut at the last word before the limit.

    A sentence ending with ":" right before a code fence takes the fenced block with it (the
    command a how-to sentence introduces), when the block is short enough to quote.
    """
    spans: list[tuple[int, int]] = []
    for start, end in split_sentences(text):
        if spans and start < spans[-1][1]:
            continue  # inside a code block already quoted with its sentence
        if end - start > _MAX_QUOTE_CHARS:
            cut = text.rfind(" ", start, start + _MAX_QUOTE_CHARS)
            end = cut if cut > start else start + _MAX_QUOTE_CHARS
        elif text[start:end].rstrip().endswith(":") and (code := _CODE_AFTER.match(text, end)):
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
    if _NUMERIC_Q.search(question) and any(n not in question_text_lower for n in re.findall(r"\d[\d  ,.]*", sentence)):
        bonus += 0.12
    if _DATE_Q.search(question) and any(y not in question_text_lower for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", sentence)):
        bonus += 0.12
    if _WHO_Q.search(question) and any(n.lower() not in question_text_lower for n in _NAME_RE.findall(sentence)):
        bonus += 0.15
    return bonus


def extract(question: str, passages: list[str], *, weights: Weights | None = None, max_sentences: int = 3) -> Extract:
    """Pick up to `max_sentences` sentences from `passages` (rank order) that answer `question`."""
    qw = _question_weights(question, weights)
    q_lower = question.lower()
    kind = expected_kind(question)
    scored: list[tuple[float, float, Quote, set[str]]] = []
    seen: set[str] = set()
    for rank, text in enumerate(passages):
        for start, end in _sentence_spans(text):
            sentence = text[start:end]
            key = " ".join(sentence.lower().split())
            if key in seen:
                continue  # the same line quoted twice adds nothing
            seen.add(key)
            terms = set(content_terms(sentence))
            coverage, matched = _coverage(qw, terms, {t[:_PREFIX] for t in terms})
            new_terms = len(terms) - len(matched)
            score = coverage + 0.08 / (rank + 1) + _answer_type_bonus(question, sentence, q_lower)
            if kind is not None and not holds_kind(kind, sentence, question):
                score *= _LACKS_KIND  # "Who composed…?": a line without a name does not answer it
            if new_terms == 0:
                score *= 0.3  # a heading that repeats the question answers nothing
            elif new_terms == 1:
                score *= 0.7
            quote = Quote(rank + 1, start, end, score, sentence)
            scored.append((score, coverage, quote, matched))
    if not scored:
        return Extract()
    scored.sort(key=lambda item: item[0], reverse=True)
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
    picked = [_with_antecedent(q, passages[q.number - 1], picked) for q in picked]
    picked.sort(key=lambda q: (q.number, q.start))
    return Extract(quotes=picked, support=best_cov)


# A sentence that points back ("Cette entrée…", "Il…", "the installer adds this entry"): quoted
# alone it loses what it is about. Demonstratives anywhere ("ce que/ce qui" are not), a subject
# pronoun at the start (not an impersonal "Il y a", "Il faut").
_REFERS_BACK = re.compile(
    r"\b(?:cette|cet|ces|this|these)\s+\w|\bce\s+(?!qu|que\b|qui\b|dont\b|sont\b|n'|ne\b)\w"
    r"|^\W*(?:Il(?!\s+(?:y|faut|suffit|existe|s'agit|se\s+peut|est\s+(?:possible|recommandé|conseillé|préférable|nécessaire|important)))"
    r"|Elle|Ils|Elles|Celui-ci|Celle-ci|Ceux-ci|Cela|Ceci|It|They|That|Those|Its|Their)\b",
    re.IGNORECASE,
)


def refers_back(sentence: str) -> bool:
    return bool(_REFERS_BACK.search(sentence))


def _with_antecedent(quote: Quote, text: str, picked: list[Quote]) -> Quote:
    """The quote with the sentence before it in its passage, when it refers back to that one."""
    if not refers_back(quote.text):
        return quote
    spans = _sentence_spans(text)
    before = [s for s in spans if s[1] <= quote.start]
    if not before or any(q.number == quote.number and q.start <= before[-1][0] < q.end for q in picked):
        return quote
    start = before[-1][0]
    if quote.end - start > 2 * _MAX_QUOTE_CHARS or text[start:quote.start].count("\n\n"):
        return quote  # too long, or the sentence before belongs to another paragraph
    return Quote(quote.number, start, quote.end, quote.score, text[start:quote.end])


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


def compose(quotes: list[Quote], language: str, passage_languages: list[str], intro: str | None = None) -> list[str]:
    """The answer as pieces (one per quoted sentence), each ending with its [n] marker."""
    frame, quote_fmt = FRAMES.get(language, FRAMES["en"])
    intro = intro or frame
    quoted_langs = {passage_languages[q.number - 1] for q in quotes if q.number - 1 < len(passage_languages)}
    if quoted_langs and language not in quoted_langs and intro == frame:
        intro = intro[:-1].rstrip() + CROSS_LINGUAL_NOTE[language] + intro[-1]
    pieces = [intro]
    for quote in quotes:
        text = " ".join(strip_notes(quote.text).split())
        pieces.append(" " + quote_fmt.format(text) + f" [{quote.number}]")
    return pieces


ABSTAIN = {
    "fr": "Le corpus ne contient pas la réponse à cette question.",
    "en": "The corpus does not contain the answer to this question.",
}
NEAREST = {"fr": "Sources les plus proches :", "en": "Nearest sources:"}


def abstention(language: str, nearest: list[tuple[str, str]]) -> str:
    """The plain "not in the corpus" message, in the question's language, with the nearest sources."""
    text = ABSTAIN.get(language, ABSTAIN["en"])
    if nearest:
        listing = "; ".join(f"{title} ({source})" for title, source in nearest)
        text += f" {NEAREST.get(language, NEAREST['en'])} {listing}."
    return text
