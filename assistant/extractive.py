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

from assistant.text import content_terms, split_sentences

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


_NUMERIC_Q = re.compile(r"\b(combien|quand|quelle année|en quelle|how many|how much|when|what year|which year|percentage|share)\b", re.I)
_MAX_QUOTE_CHARS = 400


def _question_weights(question: str, weights: Weights | None) -> dict[str, float]:
    terms = list(dict.fromkeys(content_terms(question)))
    if not terms:
        return {}
    return weights(terms) if weights else {t: 1.0 for t in terms}


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences, with overlong ones (lists, run-ons) cut at the last word before the limit."""
    spans = []
    for start, end in split_sentences(text):
        if end - start > _MAX_QUOTE_CHARS:
            cut = text.rfind(" ", start, start + _MAX_QUOTE_CHARS)
            end = cut if cut > start else start + _MAX_QUOTE_CHARS
        spans.append((start, end))
    return spans


def extract(question: str, passages: list[str], *, weights: Weights | None = None, max_sentences: int = 3) -> Extract:
    """Pick up to `max_sentences` sentences from `passages` (rank order) that answer `question`."""
    qw = _question_weights(question, weights)
    total = sum(qw.values())
    wants_number = bool(_NUMERIC_Q.search(question))
    scored: list[tuple[float, float, Quote, set[str]]] = []
    for rank, text in enumerate(passages):
        for start, end in _sentence_spans(text):
            sentence = text[start:end]
            terms = set(content_terms(sentence))
            coverage = sum(w for t, w in qw.items() if t in terms) / total if total else 0.0
            score = coverage + 0.08 / (rank + 1)
            if wants_number and re.search(r"\d", sentence):
                score += 0.05
            if len(sentence.split()) < 4:
                score -= 0.1  # headings and fragments answer little on their own
            quote = Quote(rank + 1, start, end, score, sentence)
            scored.append((score, coverage, quote, terms & set(qw)))
    if not scored:
        return Extract()
    scored.sort(key=lambda item: item[0], reverse=True)
    best_score, best_cov, best, covered = scored[0]
    picked = [best]
    for score, _cov, quote, terms in scored[1:]:
        if len(picked) >= max_sentences or score < 0.6 * best_score:
            break
        if terms - covered or (score >= 0.9 * best_score and quote.number != best.number):
            picked.append(quote)
            covered |= terms
    picked.sort(key=lambda q: (q.number, q.start))
    return Extract(quotes=picked, support=best_cov)


FRAMES = {
    "fr": ("D’après le corpus :", "« {} »"),
    "en": ("According to the corpus:", "“{}”"),
}
CROSS_LINGUAL_NOTE = {"en": " (quoted in French)", "fr": " (citation en anglais)"}


def compose(quotes: list[Quote], language: str, passage_languages: list[str]) -> list[str]:
    """The answer as pieces (one per quoted sentence), each ending with its [n] marker."""
    intro, quote_fmt = FRAMES.get(language, FRAMES["en"])
    quoted_langs = {passage_languages[q.number - 1] for q in quotes if q.number - 1 < len(passage_languages)}
    if quoted_langs and language not in quoted_langs:
        intro = intro[:-1].rstrip() + CROSS_LINGUAL_NOTE[language] + intro[-1]
    pieces = [intro]
    for quote in quotes:
        text = " ".join(quote.text.split())
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
